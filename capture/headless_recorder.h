#pragma once
// `provscope-capture -o FILE`: record the whole machine into a session file for a
// fixed time, until a command exits, or until asked to stop.
#include "kernel_capture.h"
#include "pcap_capture.h"
#include "privilege_drop.h"
#include "result.h"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace provscope {

struct HeadlessOptions {
    std::string outputPath;               // empty: no session file (--jsonl alone)
    std::string jsonlDir;                 // BackTrack-compatible logs written live, when set
    double durationSeconds = 0;           // 0: no time limit (--max-duration, --duration)
    uint64_t maxSizeBytes = 0;            // --max-size: stop once the session is this big; 0: none
    uint64_t maxQueueBytes = 256ull << 20; // writer queue bound; beyond it events are counted as lost
    std::vector<std::string> command;     // empty: record the machine only
    bool systemWide = false;              // with a command: the whole machine, not only its tree
    std::optional<TargetUser> user;     // files and the command run as this user
    KernelCaptureOptions kernel;          // raw, ring buffer size... (excludeTgid: set here)
    // The network beside the system calls (libpcap); nullopt: --no-pcap. Needs a session
    // file or --pcapng: flows have nowhere to go in the BackTrack logs.
    std::optional<PcapCaptureOptions> pcap = PcapCaptureOptions{};
};

struct HeadlessSummary {
    std::string outputPath;               // empty: no session file (--jsonl alone)
    std::string jsonlDir;                 // BackTrack-compatible logs written live, when set
    int64_t events = 0;
    int64_t processes = 0;
    int64_t lostEvents = 0;
    uint64_t fileBytes = 0;
    double seconds = 0;
    std::optional<int> commandExitStatus; // shell-style: 128+signal when killed
    bool sizeLimitReached = false;        // stopped by --max-size
    int64_t eventsAfterLimit = 0;         // captured after the size was reached: not stored
    // The disk filled up: recording stopped at diskFullAtEpochNs; eventsNotStored are in
    // a "disk-full" loss record; finishProblem says why the file stayed in WAL form, if it did.
    bool diskFull = false;
    int64_t diskFullAtEpochNs = 0;
    int64_t eventsNotStored = 0;
    std::string finishProblem;
    std::string jsonlRawPath, jsonlTrackerPath; // the live BackTrack logs, when written
    int64_t jsonlLines = 0;                     // raw log lines
    // The network capture, when it ran: interfaces, counts, and what went wrong with it
    // (an interface that went away, a failed --pcapng write) without stopping the rest.
    std::vector<std::string> interfaces;
    std::optional<PcapCaptureStats> network;
    std::string networkProblem;
};

// Runs until the duration passes, the command exits, or stopRequested is set
// (SIGINT/SIGTERM). Everything captured is flushed before it returns.
Result<HeadlessSummary> runHeadlessCapture(const HeadlessOptions &options, const std::atomic<bool> &stopRequested);

} // namespace provscope
