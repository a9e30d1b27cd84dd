#include "capture_config.h"

#include "syscall_names.h"

#include <linux/types.h>
#include "provscope_events.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace provscope {
namespace {

std::string_view trim(std::string_view s)
{
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

std::vector<std::string> words(std::string_view s)
{
    std::vector<std::string> out;
    std::string word;
    std::istringstream in{std::string(s)};
    while (in >> word) {
        // "execve, openat" reads as well as "execve openat"
        std::string cleaned;
        for (char c : word)
            if (c != ',')
                cleaned += c;
        if (!cleaned.empty())
            out.push_back(cleaned);
    }
    return out;
}

// "65536", "64K", "16M", "1G"
std::optional<uint64_t> parseBytes(std::string_view text)
{
    if (text.empty())
        return std::nullopt;
    uint64_t scale = 1;
    const char unit = char(std::toupper(static_cast<unsigned char>(text.back())));
    if (unit == 'K' || unit == 'M' || unit == 'G') {
        scale = unit == 'K' ? 1024u : unit == 'M' ? (1u << 20) : (1u << 30);
        text.remove_suffix(1);
    }
    if (text.empty() || text.size() > 12)
        return std::nullopt;
    uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + uint64_t(c - '0');
    }
    return value * scale;
}

// The kinds a user may name: every real syscall kind.
std::optional<uint32_t> kindOf(const std::string &name)
{
    const uint32_t kind = syscallKind(name);
    if (kind == PS_SC_UNKNOWN || kind == PS_SC_SNAPSHOT_FD)
        return std::nullopt;
    return kind;
}

bool validInterfaceName(const std::string &name)
{
    if (name.empty() || name.size() >= 16) // IFNAMSIZ
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '@' || c == ':';
    });
}

} // namespace

Result<FlowExclusion> parseFlowExclusion(std::string_view text)
{
    const std::string shown(text);
    const std::string why = " (address AND port together: a bare port or a name would let an attacker hide "
                            "traffic by using that port or by changing what the name resolves to)";
    std::string_view host, port;
    FlowExclusion out;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return makeError("`" + shown + "`: an IPv6 exclusion is written [ADDR]:PORT");
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        out.ipv6 = true;
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos)
            return makeError("`" + shown + "`: expected ADDR:PORT" + why);
        if (text.find(':') != colon)
            return makeError("`" + shown + "`: an IPv6 exclusion is written [ADDR]:PORT");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host.empty() || host == "*")
        return makeError("`" + shown + "`: a bare port is refused" + why);
    const unsigned long portNumber = port.empty() || port.size() > 5
            || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })
        ? 0 : std::stoul(std::string(port));
    if (portNumber == 0 || portNumber > 65535)
        return makeError("`" + shown + "`: the port must be a number from 1 to 65535" + why);
    out.port = uint16_t(portNumber);
    unsigned char binary[16];
    char normal[INET6_ADDRSTRLEN] = {};
    const int family = out.ipv6 ? AF_INET6 : AF_INET;
    if (inet_pton(family, std::string(host).c_str(), binary) != 1 || !inet_ntop(family, binary, normal, sizeof normal)) {
        if (!out.ipv6 && std::any_of(host.begin(), host.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
            return makeError("`" + shown + "`: a name is refused, give the numeric address" + why);
        return makeError("`" + shown + "`: `" + std::string(host) + "` is not a numeric "
                         + (out.ipv6 ? "IPv6" : "IPv4") + " address" + why);
    }
    out.address = normal;
    if (out.address == "0.0.0.0" || out.address == "::")
        return makeError("`" + shown + "`: " + out.address + " is no packet's address (a socket bound to it "
                         "sends from a real one): give the address the traffic uses");
    return out;
}

bool syscallKindNeverFiltered(uint32_t kind)
{
    switch (kind) {
    case PS_SC_EXECVE: case PS_SC_EXECVEAT: case PS_SC_CLONE: case PS_SC_CLONE3:
    case PS_SC_FORK: case PS_SC_VFORK: case PS_SC_EXIT: case PS_SC_EXIT_GROUP:
    case PS_SC_CONNECT: case PS_SC_ACCEPT: case PS_SC_ACCEPT4:
        return true;
    default:
        return false;
    }
}

Result<CaptureConfig> parseCaptureConfig(std::string_view text, const std::string &fileName)
{
    CaptureConfig config;
    config.sourcePath = fileName;
    std::optional<std::set<uint32_t>> enabled; // `syscalls =` lines; nullopt: all
    std::set<uint32_t> disabled;
    std::set<std::string> neverFilteredNamed;

    int lineNo = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++lineNo;
        const std::string where = fileName + ":" + std::to_string(lineNo) + ": ";
        if (const auto hash = line.find('#'); hash != std::string_view::npos)
            line = line.substr(0, hash);
        line = trim(line);
        if (line.empty())
            continue;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos)
            return makeError(where + "expected `key = value`, got `" + std::string(line) + "`");
        const std::string key(trim(line.substr(0, eq)));
        const std::string_view value = trim(line.substr(eq + 1));
        if (value.empty())
            return makeError(where + "`" + key + "` needs a value");

        if (key == "syscalls" || key == "disable") {
            const std::vector<std::string> names = words(value);
            if (key == "syscalls" && names.size() == 1 && names[0] == "all") {
                enabled.reset();
                continue;
            }
            for (const std::string &name : names) {
                const auto kind = kindOf(name);
                if (!kind)
                    return makeError(where + "unknown syscall `" + name + "` in `" + key + "`");
                if (key == "syscalls") {
                    if (!enabled)
                        enabled.emplace();
                    enabled->insert(*kind);
                } else if (syscallKindNeverFiltered(*kind)) {
                    neverFilteredNamed.insert(name);
                } else {
                    disabled.insert(*kind);
                }
            }
        } else if (key == "exclude_path") {
            const std::string path(value);
            if (path.front() != '/')
                return makeError(where + "exclude_path must be an absolute path prefix, got `" + path + "`");
            if (path.size() > kMaxExcludedPathLength)
                return makeError(where + "exclude_path is longer than " + std::to_string(kMaxExcludedPathLength)
                                 + " bytes");
            if (config.excludePaths.size() >= kMaxExcludedPaths)
                return makeError(where + "at most " + std::to_string(kMaxExcludedPaths)
                                 + " exclude_path lines are supported");
            config.excludePaths.push_back(path);
        } else if (key == "exclude_exe") {
            const std::string path(value);
            if (path.front() != '/')
                return makeError(where + "exclude_exe must be an absolute path, got `" + path + "`");
            config.excludeExes.push_back(path);
        } else if (key == "exclude_cgroup") {
            const std::string path(value);
            if (path.front() != '/')
                return makeError(where + "exclude_cgroup must be an absolute cgroup directory, got `" + path + "`");
            config.excludeCgroups.push_back(path);
        } else if (key == "ring_buffer_size") {
            const auto bytes = parseBytes(value);
            if (!bytes || *bytes < 4096 || *bytes > (1ull << 30))
                return makeError(where + "ring_buffer_size must be a byte count between 4096 and 1G "
                                 "(suffixes K, M, G), got `" + std::string(value) + "`");
            config.ringBufferBytes = uint32_t(*bytes);
        } else if (key == "exclude_flow") {
            auto exclusion = parseFlowExclusion(value);
            if (!exclusion)
                return makeError(where + "exclude_flow " + exclusion.error());
            if (std::find(config.excludeFlows.begin(), config.excludeFlows.end(), *exclusion) == config.excludeFlows.end())
                config.excludeFlows.push_back(*exclusion);
        } else if (key == "bpf_filter") {
            config.bpfFilter = std::string(value); // compiled (and its errors reported) when the capture opens
        } else if (key == "interfaces") {
            config.interfaces.clear();
            for (const std::string &name : words(value)) {
                if (!validInterfaceName(name))
                    return makeError(where + "interfaces: `" + name + "` is not an interface name");
                config.interfaces.push_back(name);
            }
        } else {
            return makeError(where + "unknown key `" + key
                             + "` (known: syscalls, disable, exclude_path, exclude_exe, exclude_cgroup, "
                               "ring_buffer_size, exclude_flow, bpf_filter, interfaces)");
        }
    }

    for (uint32_t kind = 1; kind < syscallKindCount(); ++kind) {
        if (kind == PS_SC_SNAPSHOT_FD || syscallKindNeverFiltered(kind))
            continue;
        if ((enabled && !enabled->count(kind)) || disabled.count(kind))
            config.disabledKinds.push_back(kind);
    }
    if (!neverFilteredNamed.empty()) {
        std::string names;
        for (const std::string &name : neverFilteredNamed)
            names += (names.empty() ? "" : ", ") + name;
        config.notes.push_back(fileName + ": " + names
                               + " stay recorded: exec, fork/clone, exit, connect and accept are never filtered");
    }
    if (enabled) {
        config.notes.push_back(fileName + ": exec, fork/clone, exit, connect and accept are recorded "
                                          "besides the listed syscalls (never filtered)");
    }
    return config;
}

Result<CaptureConfig> loadCaptureConfig(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError("cannot read the capture configuration " + path + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return parseCaptureConfig(text.str(), path);
}

Result<CaptureConfig> loadEffectiveCaptureConfig(const std::string &explicitPath)
{
    if (!explicitPath.empty())
        return loadCaptureConfig(explicitPath);
    struct stat st {};
    if (stat(kDefaultCaptureConfigPath, &st) == 0)
        return loadCaptureConfig(kDefaultCaptureConfigPath);
    return CaptureConfig{};
}

} // namespace provscope
