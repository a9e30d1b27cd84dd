// Benchmark input (not a test): writes a synthetic but plausible session through the real
// SessionWriter, for the 10-million-event benchmarks of tests/bench.
//   provscope-bench-gensession [--graph-rich] OUT.provscope [EVENTS=10000000]
// About an hour of activity: a few thousand processes in fork/exec trees (shells, builds,
// daemons, network clients), openat/read/write/close/connect/sendto/recvfrom/execve/clone/
// unlink/rename on a pool of ~50,000 files and ~2,000 remote endpoints, failures with errno,
// coalesced read/write runs (count, bytes, [ts, lastTs]) and a few loss records.
// Deterministic: a fixed seed and splitmix64, so two runs write the same events.
//
// The default output is what the event-table benchmark (table_bench.sh, issue 4) measured and
// stays the same, event for event. --graph-rich (issue 5: the graph benchmarks) makes it a graph
// worth tracking, with the same number of events and nearly the same mix; its extra choices
// come from a second random stream, so the base activity is the same draw for draw:
//  - files are read or written as they were opened: only /tmp, /var/log and build/ files are
//    opened for writing (half the time; otherwise read), libraries and /etc are only read, so
//    files written by one process are read by others without every process writing libc
//    (so of the file I/O events about 1 in 8 is a write instead of 2 in 5);
//  - a connect, the traffic on its fd and its close name one socket (same local port), so a
//    socket has traffic both ways on one node;
//  - pids wrap within a small range (pid_max-like, skipping live ones): pid reuse;
//  - shells and make talk to their children through pipes (pipe:[ino], both directions);
//  - 24 scripted chains over the session: a shell starts curl, which downloads into
//    /tmp/.cache/dl_N, a child executes it, it reads ~/.ssh/id_rsa and /etc/passwd, writes and
//    renames an archive, sends it to 127.0.0.3:4444 and adds /etc/cron.d/dl_N, then stays
//    busy as an ordinary process.
// The generator itself is in synthetic_session.{h,cpp}, its --graph-rich parts in
// synthetic_session_rich.cpp.
#include "synthetic_session.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <sys/stat.h>

using namespace provscope;
using namespace provscope::bench;

int main(int argc, char **argv)
{
    const bool graphRich = argc > 1 && std::string_view(argv[1]) == "--graph-rich";
    if (graphRich) {
        --argc;
        ++argv;
    }
    if (argc < 2 || argc > 3 || argv[1][0] == '-') {
        std::fprintf(stderr, "usage: provscope-bench-gensession [--graph-rich] OUT.provscope [EVENTS=10000000]\n");
        return 2;
    }
    const std::string out = argv[1];
    char *end = nullptr;
    const unsigned long long events = argc > 2 ? std::strtoull(argv[2], &end, 10) : 10'000'000ULL;
    if (argc > 2 && (!end || *end || events == 0)) {
        std::fprintf(stderr, "provscope-bench-gensession: EVENTS must be a positive number\n");
        return 2;
    }

    SessionMeta meta;
    meta.toolVersion = "provscope-bench-gensession";
    meta.host = "bench-host";
    meta.kernel = "6.1.0-synthetic";
    meta.bootId = "5e55104e-0000-4000-8000-000000000004";
    meta.bootToEpochNs = kBootToEpochNs;
    meta.captureStartNs = kCaptureStartNs;
    meta.captureConfig = "{\"synthetic\":true,\"generator\":\"provscope-bench-gensession\"}";

    const auto started = std::chrono::steady_clock::now();
    auto writer = SessionWriter::create(out, meta);
    if (!writer) {
        std::fprintf(stderr, "provscope-bench-gensession: %s\n", writer.error().c_str());
        return 1;
    }
    Generator generator(**writer, events, graphRich);
    if (!generator.run())
        return 1;
    if (auto done = (*writer)->finish(generator.endNs()); !done) {
        std::fprintf(stderr, "provscope-bench-gensession: %s\n", done.error().c_str());
        return 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    struct stat st {};
    ::stat(out.c_str(), &st);
    std::printf("{\"events\":%llu,\"graph_rich\":%s,\"processes\":%zu,\"seconds\":%.2f,\"bytes\":%lld,\"bytes_per_event\":%.1f}\n",
                events, graphRich ? "true" : "false", generator.processCount(), seconds, static_cast<long long>(st.st_size),
                double(st.st_size) / double(events));
    return 0;
}
