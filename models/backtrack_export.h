#pragma once
// `provscope-cli export FILE --backtrack-jsonl DIR`: a finished (or live) session
// as BackTrack's raw syscall log and tracker log in DIR. Both files are written
// under temporary names and renamed at the end, so a failed export leaves no
// file that looks complete; existing logs are never overwritten.
#include "result.h"

#include <cstdint>
#include <string>

namespace provscope {

class SessionReader;

struct BacktrackExportSummary {
    std::string rawPath;
    std::string trackerPath;
    int64_t rawLines = 0;
    int64_t nodeLines = 0;
    int64_t edgeLines = 0;
};

Result<BacktrackExportSummary> exportBacktrackJsonl(const SessionReader &reader, const std::string &dir);

} // namespace provscope
