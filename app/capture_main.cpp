// provscope-capture: the privileged helper. Argument parsing and wiring only.
#include "capture_config.h"
#include "event_json.h"
#include "evidence_digest.h"
#include "headless_recorder.h"
#include "privilege_drop.h"
#include "serve_command.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

std::atomic<bool> g_stopRequested{false};

void requestStop(int) { g_stopRequested.store(true); }

void installStopHandlers()
{
    struct sigaction action {};
    action.sa_handler = requestStop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

const char kUsage[] =
    "usage: provscope-capture -o FILE.provscope [--jsonl DIR] [--duration SECONDS] [NETWORK OPTIONS]\n"
    "                         [-- COMMAND [ARGS...]]\n"
    "       provscope-capture --jsonl DIR [--duration SECONDS] [-- COMMAND [ARGS...]]\n"
    "       provscope-capture --serve [--socket PATH | --fd N] [--allow-uid UID]\n"
    "\n"
    "Records system calls of this machine with eBPF (needs root).\n"
    "  -o, --output FILE   write a session file (as the invoking user under sudo/pkexec;\n"
    "                      an existing file or a symlink is refused)\n"
    "  --jsonl DIR         also (or only) write BackTrack-compatible logs, live:\n"
    "                      DIR/raw_syscalls.jsonl and DIR/tracker.jsonl (DIR is created;\n"
    "                      existing logs and symlinks are refused; owned by the invoking user)\n"
    "  --max-duration SECONDS  stop after this long (--duration is the same)\n"
    "  --max-size BYTES    stop once the session file reaches this size (suffixes K, M, G);\n"
    "                      a full disk also stops the recording cleanly (exit status 1,\n"
    "                      the session stays readable with a \"disk-full\" loss record)\n"
    "  --max-queue BYTES   memory for events waiting for the disk (default 256M); beyond\n"
    "                      it events are dropped and stored as a \"user-queue\" loss record\n"
    "  -- COMMAND ARGS     run COMMAND (as the invoking user) and stop when it exits;\n"
    "                      only COMMAND and its descendants are recorded\n"
    "  --system-wide       with a COMMAND: record the whole machine while it runs\n"
    "  --pid PID           record only process PID and its descendants (also later ones)\n"
    "  --config FILE       capture filters (default /etc/provscope/capture.conf if it exists):\n"
    "                      syscalls, disable, exclude_path, exclude_exe, exclude_cgroup,\n"
    "                      ring_buffer_size, exclude_flow, bpf_filter, interfaces;\n"
    "                      see packaging/capture.conf.example\n"
    "  --serve             stream to the provscope workstation over a Unix socket\n"
    "                      (default /run/provscope/provscope.sock) or an inherited fd\n"
    "  --allow-uid UID     the user allowed to connect (default: the invoking user)\n"
    "  --raw               one record per syscall (default: runs of reads/writes on one fd\n"
    "                      are coalesced in the kernel into one record with a count)\n"
    "  --ring-buffer-size BYTES  kernel ring buffer size, a power of two from 4096 to 1G\n"
    "                      (suffixes K, M, G; default 64M)\n"    "\n"
    "Network (libpcap, beside the system calls): packets become bidirectional flows and\n"
    "passive DNS records in the session, joined to the processes that made them. The\n"
    "whole machine's traffic on the interfaces is seen, also with a COMMAND. These options\n"
    "apply to -o and --serve (not --pcapng: the workstation stores its captures itself).\n"
    "  --interface NAME    capture on NAME (repeatable; default: every interface that is up\n"
    "                      at the start, loopback included, except ports of a bridge, bond\n"
    "                      or team (their packets are seen on the master; named, they are\n"
    "                      captured: traffic bridged between two ports is only seen there)\n"
    "                      and interfaces the filter does not fit (tun with an Ethernet\n"
    "                      filter); interfaces that appear later are not captured, one that\n"
    "                      disappears leaves a \"pcap:NAME gone\" loss record; `interfaces =`)\n"
    "  --bpf-filter EXPR   libpcap filter expression (default \"tcp or udp\"; `bpf_filter =`)\n"
    "  --exclude-flow ADDR:PORT  do not capture packets to or from the endpoint ADDR:PORT\n"
    "                      (that address with that port on the same side), e.g. a log\n"
    "                      collector's 192.0.2.7:514 or [2001:db8::7]:6514; ADDR's traffic to\n"
    "                      PORT elsewhere is still captured (repeatable; also `exclude_flow =`);\n"
    "                      a bare port or a name is refused: an attacker could hide traffic\n"
    "                      behind that port or that name\n"
    "  --snaplen BYTES     bytes kept of each packet (default 600: headers and a classic DNS\n"
    "                      message; 64 to 65535)\n"
    "  --flow-timeout S    a flow without packets for S seconds has ended (default 300)\n"
    "  --flow-flush S      open flows are stored every S seconds, so views update (default 60)\n"
    "  --pcapng FILE       also write the captured packets as pcapng (for Wireshark; created\n"
    "                      like the session file: never over an existing file or a symlink;\n"
    "                      a write error such as a full disk ends with exit status 1)\n"
    "  --no-pcap           no network capture (the session then says flows were not recorded)\n"
    "SIGINT/SIGTERM stop a capture cleanly with everything flushed.\n";

int usageError(const std::string &message)
{
    std::cerr << "provscope-capture: " << message << "\n\n" << kUsage;
    return 2;
}

// A ring buffer size: a power of two between a page and 1 GiB, optionally with K/M/G.
bool parseRingBufferSize(const std::string &text, uint32_t &out)
{
    char *end = nullptr;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || end == text.c_str() || text[0] == '-')
        return false;
    unsigned long long scale = 1;
    const std::string suffix(end);
    if (suffix == "K" || suffix == "k")
        scale = 1ull << 10;
    else if (suffix == "M" || suffix == "m")
        scale = 1ull << 20;
    else if (suffix == "G" || suffix == "g")
        scale = 1ull << 30;
    else if (!suffix.empty())
        return false;
    const unsigned long long bytes = value * scale;
    if (value > (1ull << 30) || bytes < 4096 || bytes > (1ull << 30) || (bytes & (bytes - 1)) != 0)
        return false;
    out = uint32_t(bytes);
    return true;
}

// A byte count with an optional K/M/G suffix (powers of 1024), e.g. 500M.
bool parseByteSize(const std::string &text, uint64_t &out)
{
    char *end = nullptr;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || end == text.c_str() || text[0] == '-')
        return false;
    const std::string suffix(end);
    int shift = 0;
    if (suffix == "K" || suffix == "k")
        shift = 10;
    else if (suffix == "M" || suffix == "m")
        shift = 20;
    else if (suffix == "G" || suffix == "g")
        shift = 30;
    else if (!suffix.empty())
        return false;
    if (value == 0 || value > (UINT64_MAX >> shift))
        return false;
    out = uint64_t(value) << shift;
    return true;
}

bool parseNumber(const std::string &text, double &out)
{
    char *end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return !text.empty() && *end == '\0' && out >= 0;
}

// Seconds as a positive count of nanoseconds (at most a day).
bool parseSecondsNs(const std::string &text, int64_t &out)
{
    double seconds = 0;
    if (!parseNumber(text, seconds) || seconds <= 0 || seconds > 86400)
        return false;
    out = int64_t(seconds * 1e9);
    return out > 0;
}

int runHeadless(provscope::HeadlessOptions options)
{
    const auto result = provscope::runHeadlessCapture(options, g_stopRequested);
    if (!result) {
        std::cerr << "provscope-capture: " << result.error() << "\n";
        return 1;
    }
    const provscope::HeadlessSummary &summary = result.value();
    const double rate = summary.seconds > 0 ? double(summary.events) / summary.seconds : 0;
    std::fprintf(stderr,
                 "provscope-capture: recorded %lld events from %lld processes in %.1f s (%.0f events/s), "
                 "%lld lost, %llu bytes\n",
                 (long long)summary.events, (long long)summary.processes, summary.seconds, rate,
                 (long long)summary.lostEvents, (unsigned long long)summary.fileBytes);
    if (summary.network) {
        std::string names;
        for (const std::string &name : summary.interfaces)
            names += (names.empty() ? "" : ",") + name;
        const provscope::PcapCaptureStats &net = *summary.network;
        std::fprintf(stderr,
                     "provscope-capture: network: %llu packets on %s: %llu flows, %llu DNS records, "
                     "%llu dropped by libpcap%s\n",
                     (unsigned long long)net.packets, names.c_str(), (unsigned long long)net.flows,
                     (unsigned long long)net.dnsRecords, (unsigned long long)net.dropped,
                     net.queueDropped ? (", " + std::to_string(net.queueDropped) + " flow records not handed on (queue full)").c_str() : "");
        if (net.pcapngPackets || net.pcapngIncomplete)
            std::fprintf(stderr, "provscope-capture: pcapng: %llu packets written\n", (unsigned long long)net.pcapngPackets);
    }
    if (!summary.networkProblem.empty())
        std::fprintf(stderr, "provscope-capture: warning: network capture: %s\n", summary.networkProblem.c_str());
    if (!summary.jsonlRawPath.empty())
        std::fprintf(stderr, "provscope-capture: BackTrack logs: %lld raw lines in %s, tracker log %s\n",
                     (long long)summary.jsonlLines, summary.jsonlRawPath.c_str(), summary.jsonlTrackerPath.c_str());
    if (!summary.outputPath.empty())
        std::cout << summary.outputPath << std::endl;
    if (!summary.outputPath.empty() && summary.finishProblem.empty()) {
        // What `provscope-cli verify` will compare with: note it with the case.
        auto digest = provscope::readRecordedDigest(summary.outputPath);
        if (digest && *digest)
            std::fprintf(stderr, "provscope-capture: evidence SHA-256: %s\n", (*digest)->sha256.c_str());
        else if (!digest)
            std::fprintf(stderr, "provscope-capture: cannot read the evidence digest: %s\n", digest.error().c_str());
    }
    if (summary.sizeLimitReached)
        std::fprintf(stderr, "provscope-capture: --max-size reached: recording stopped there "
                             "(%lld events captured after it not stored)\n", (long long)summary.eventsAfterLimit);
    if (summary.diskFull) {
        std::fprintf(stderr, "provscope-capture: disk full: recording stopped at %s, %lld events not stored%s%s\n",
                     provscope::isoTimeUtc(summary.diskFullAtEpochNs).c_str(), (long long)summary.eventsNotStored,
                     summary.finishProblem.empty() ? "" : "; the session stays in WAL form (keep its -wal file): ",
                     summary.finishProblem.c_str());
        return 1; // the recording is incomplete, whatever the command did
    }
    if (summary.network && summary.network->pcapngIncomplete) {
        std::fprintf(stderr, "provscope-capture: the --pcapng file is incomplete: %llu packets in it, %llu captured "
                             "packets not written (see the warning above)\n",
                     (unsigned long long)summary.network->pcapngPackets,
                     (unsigned long long)summary.network->pcapngPacketsNotWritten);
        return 1; // a file the user asked for lacks packets, like a full disk for the session
    }
    if (summary.commandExitStatus)
        return *summary.commandExitStatus;
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    installStopHandlers();
    std::vector<std::string> args(argv + 1, argv + argc);
    provscope::HeadlessOptions headless;
    std::string configPath;
    provscope::ServeOptions serve;
    bool serveMode = false;
    provscope::PcapCaptureOptions pcap;
    bool noPcap = false, filterGiven = false;
    std::vector<provscope::FlowExclusion> cliExclusions;

    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        auto value = [&](std::string &out) {
            if (i + 1 >= args.size())
                return false;
            out = args[++i];
            return true;
        };
        std::string text;
        if (arg == "-h" || arg == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (arg == "--version") {
            std::cout << "provscope-capture " << PROVSCOPE_VERSION << "\n";
            return 0;
        } else if (arg == "-o" || arg == "--output") {
            if (!value(headless.outputPath))
                return usageError(arg + " needs a file name");
        } else if (arg == "--jsonl") {
            if (!value(headless.jsonlDir))
                return usageError("--jsonl needs a directory");
        } else if (arg == "--duration" || arg == "--max-duration") {
            if (!value(text) || !parseNumber(text, headless.durationSeconds))
                return usageError(arg + " needs a number of seconds");
        } else if (arg == "--max-size") {
            if (!value(text) || !parseByteSize(text, headless.maxSizeBytes))
                return usageError("--max-size needs a size in bytes, e.g. 500M or 2G, got '" + text + "'");
        } else if (arg == "--max-queue") {
            if (!value(text) || !parseByteSize(text, headless.maxQueueBytes))
                return usageError("--max-queue needs a size in bytes, e.g. 256M, got '" + text + "'");
        } else if (arg == "--serve") {
            serveMode = true;
        } else if (arg == "--socket") {
            if (!value(serve.socketPath))
                return usageError("--socket needs a path");
        } else if (arg == "--fd") {
            double fd = 0;
            if (!value(text) || !parseNumber(text, fd))
                return usageError("--fd needs a file descriptor number");
            serve.inheritedFd = int(fd);
        } else if (arg == "--allow-uid") {
            double uid = 0;
            if (!value(text) || !parseNumber(text, uid))
                return usageError("--allow-uid needs a numeric uid");
            serve.allowedUid = uid_t(uid);
        } else if (arg == "--raw") {
            headless.kernel.raw = true;
            serve.kernel.raw = true;
        } else if (arg == "--ring-buffer-size") {
            uint32_t bytes = 0;
            if (!value(text) || !parseRingBufferSize(text, bytes))
                return usageError("--ring-buffer-size needs a power of two between 4096 and 1G bytes "
                                  "(e.g. 16M), got '" + text + "'");
            headless.kernel.ringBufferBytes = bytes;
            serve.kernel.ringBufferBytes = bytes;
        } else if (arg == "--config") {
            if (!value(configPath))
                return usageError("--config needs a file");
        } else if (arg == "--pid") {
            double pid = 0;
            if (!value(text) || !parseNumber(text, pid) || pid < 1 || pid != double(uint32_t(pid)))
                return usageError("--pid needs a process id");
            headless.kernel.processTree = serve.kernel.processTree = true;
            headless.kernel.treeRootPid = serve.kernel.treeRootPid = uint32_t(pid);
        } else if (arg == "--interface") {
            if (!value(text) || text.empty())
                return usageError("--interface needs an interface name (see `ip link`)");
            pcap.interfaces.push_back(text);
        } else if (arg == "--bpf-filter") {
            if (!value(pcap.bpfFilter))
                return usageError("--bpf-filter needs a libpcap filter expression, e.g. \"tcp or udp\"");
            filterGiven = true;
        } else if (arg == "--exclude-flow") {
            if (!value(text))
                return usageError("--exclude-flow needs ADDR:PORT");
            auto exclusion = provscope::parseFlowExclusion(text);
            if (!exclusion)
                return usageError("--exclude-flow " + exclusion.error());
            cliExclusions.push_back(*exclusion);
        } else if (arg == "--snaplen") {
            double bytes = 0;
            if (!value(text) || !parseNumber(text, bytes) || bytes != double(uint32_t(bytes))
                || bytes < provscope::kMinSnapLength || bytes > provscope::kMaxSnapLength)
                return usageError("--snaplen needs a byte count from " + std::to_string(provscope::kMinSnapLength)
                                  + " to " + std::to_string(provscope::kMaxSnapLength) + ", got '" + text + "'");
            pcap.snapLength = uint32_t(bytes);
        } else if (arg == "--flow-timeout") {
            if (!value(text) || !parseSecondsNs(text, pcap.flowTimeoutNs))
                return usageError("--flow-timeout needs a number of seconds (more than 0, at most 86400)");
        } else if (arg == "--flow-flush") {
            if (!value(text) || !parseSecondsNs(text, pcap.flowFlushNs))
                return usageError("--flow-flush needs a number of seconds (more than 0, at most 86400)");
        } else if (arg == "--pcapng") {
            if (!value(pcap.pcapngPath) || pcap.pcapngPath.empty())
                return usageError("--pcapng needs a file name");
        } else if (arg == "--no-pcap") {
            noPcap = true;
        } else if (arg == "--system-wide") {
            headless.systemWide = true;
        } else if (arg == "--") {
            headless.command.assign(args.begin() + long(i) + 1, args.end());
            if (headless.command.empty())
                return usageError("-- must be followed by a command");
            break;
        } else {
            return usageError("unknown option " + arg);
        }
    }

    if (geteuid() != 0) {
        std::cerr << "provscope-capture: needs root to load eBPF programs; run it with sudo or pkexec\n";
        return 1;
    }
    auto config = provscope::loadEffectiveCaptureConfig(configPath);
    if (!config) {
        std::cerr << "provscope-capture: " << config.error() << "\n";
        return 2;
    }
    for (const std::string &note : config->notes)
        std::cerr << "provscope-capture: info: " << note << "\n";
    if (config->ringBufferBytes && headless.kernel.ringBufferBytes != provscope::KernelCaptureOptions().ringBufferBytes) {
        std::cerr << "provscope-capture: info: --ring-buffer-size overrides ring_buffer_size of " << config->sourcePath
                  << "\n";
        config->ringBufferBytes.reset();
    }
    headless.kernel.config = serve.kernel.config = config.value();
    const auto user = provscope::sudoTargetUser(); // under sudo/pkexec: whose files we write

    // The network capture: the command line wins over the configuration; exclusions add up.
    if (noPcap && (!pcap.interfaces.empty() || filterGiven || !pcap.pcapngPath.empty() || !cliExclusions.empty()))
        return usageError("--no-pcap turns the network capture off: it takes no --interface, --bpf-filter, "
                          "--exclude-flow or --pcapng");
    if (pcap.interfaces.empty())
        pcap.interfaces = config->interfaces;
    if (!filterGiven && config->bpfFilter) {
        pcap.bpfFilter = *config->bpfFilter;
        pcap.filterOrigin = "bpf_filter of " + config->sourcePath;
    }
    pcap.excludeFlows = config->excludeFlows;
    for (const provscope::FlowExclusion &exclusion : cliExclusions) {
        if (std::find(pcap.excludeFlows.begin(), pcap.excludeFlows.end(), exclusion) == pcap.excludeFlows.end())
            pcap.excludeFlows.push_back(exclusion);
    }
    if (noPcap) {
        headless.pcap.reset();
        serve.pcap.reset();
    } else {
        headless.pcap = pcap;
        serve.pcap = pcap;
    }
    if (serveMode) {
        if (!headless.outputPath.empty() || !headless.command.empty() || !headless.jsonlDir.empty())
            return usageError("--serve streams to the workstation; it takes no -o or command");
        if (headless.systemWide)
            return usageError("--system-wide goes with a command");
        if (!pcap.pcapngPath.empty())
            return usageError("--pcapng goes with -o: the workstation's captures are stored in its session");
        if (!serve.allowedUid && user)
            serve.allowedUid = user->uid;
        return provscope::runServeCommand(serve, g_stopRequested);
    }
    if (headless.outputPath.empty() && headless.jsonlDir.empty())
        return usageError("say where to record: -o FILE.provscope, --jsonl DIR (or --serve)");
    headless.user = user;
    return runHeadless(std::move(headless));
}
