#pragma once
// The capture configuration file (/etc/provscope/capture.conf or --config FILE):
// `key = value` lines, `#` comments. Parsing only; the kernel side of it is
// capture_filters.{h,cpp}.
#include "result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace provscope {

inline constexpr const char kDefaultCaptureConfigPath[] = "/etc/provscope/capture.conf";
// Kernel limits of the path-prefix table (bpf/ps_filter.bpf.h).
inline constexpr size_t kMaxExcludedPaths = 8;
inline constexpr size_t kMaxExcludedPathLength = 128;

// `exclude_flow = ADDR:PORT` / --exclude-flow: the packets to or from the endpoint
// ADDR:PORT (that address WITH that port on the same side) are not captured. ADDR with
// PORT only on the other side is captured: excluding 10.0.0.5:443 hides that HTTPS
// server's traffic, not 10.0.0.5's own connections to other hosts' port 443. Never a
// bare port or a name: a port alone would hide whatever an attacker chose to run on it,
// and a name is not an address the filter sees.
struct FlowExclusion {
    std::string address; // numeric, as inet_ntop writes it
    uint16_t port = 0;
    bool ipv6 = false;

    std::string text() const { return ipv6 ? "[" + address + "]:" + std::to_string(port) : address + ":" + std::to_string(port); }
    // The libpcap filter term that matches the excluded packets: the endpoint as source or as destination.
    std::string filterTerm() const
    {
        const std::string p = std::to_string(port);
        return "((src host " + address + " and src port " + p + ") or (dst host " + address + " and dst port " + p + "))";
    }
    bool operator==(const FlowExclusion &) const = default;
};

// "192.0.2.7:514" or "[2001:db8::7]:514"; the error says what is wrong and why.
Result<FlowExclusion> parseFlowExclusion(std::string_view text);

struct CaptureConfig {
    // Per-syscall kinds (enum ps_syscall_kind) that are not recorded. Never
    // contains exec, fork/clone, exit, connect or accept.
    std::vector<uint32_t> disabledKinds;
    std::vector<std::string> excludePaths;   // path prefixes of file events
    std::vector<std::string> excludeExes;    // executables, resolved to (dev, ino) at start
    std::vector<std::string> excludeCgroups; // cgroup v2 directories, resolved to ids at start
    std::optional<uint32_t> ringBufferBytes;
    // Network capture (libpcap): exclusions, and the defaults of --bpf-filter / --interface.
    std::vector<FlowExclusion> excludeFlows;
    std::optional<std::string> bpfFilter;
    std::vector<std::string> interfaces;
    std::string sourcePath;                  // the file it came from (empty: defaults)
    std::vector<std::string> notes;          // info lines for the user ("execve is never filtered")

    bool filtersAnything() const
    {
        return !disabledKinds.empty() || !excludePaths.empty() || !excludeExes.empty() || !excludeCgroups.empty();
    }
};

// Parses a configuration text; errors say "FILE:LINE: why".
Result<CaptureConfig> parseCaptureConfig(std::string_view text, const std::string &fileName);
// Reads and parses a file.
Result<CaptureConfig> loadCaptureConfig(const std::string &path);
// --config FILE when given, else the default file when it exists, else defaults.
Result<CaptureConfig> loadEffectiveCaptureConfig(const std::string &explicitPath);

// exec, fork/clone, exit, connect and accept: recorded whatever the configuration says.
bool syscallKindNeverFiltered(uint32_t kind);

} // namespace provscope
