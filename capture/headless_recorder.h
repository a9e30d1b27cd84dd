#pragma once
// `provscope-capture -o FILE`: record the whole machine into a session file for a
// fixed time, until a command exits, or until asked to stop.
#include "privilege_drop.h"
#include "result.h"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace provscope {

struct HeadlessOptions {
    std::string outputPath;
    double durationSeconds = 0;           // 0: no time limit
    std::vector<std::string> command;     // empty: record the machine only
    std::optional<TargetUser> user;     // files and the command run as this user
};

struct HeadlessSummary {
    std::string outputPath;
    int64_t events = 0;
    int64_t processes = 0;
    int64_t lostEvents = 0;
    uint64_t fileBytes = 0;
    double seconds = 0;
    std::optional<int> commandExitStatus; // shell-style: 128+signal when killed
};

// Runs until the duration passes, the command exits, or stopRequested is set
// (SIGINT/SIGTERM). Everything captured is flushed before it returns.
Result<HeadlessSummary> runHeadlessCapture(const HeadlessOptions &options, const std::atomic<bool> &stopRequested);

} // namespace provscope
