#pragma once
// Display filters (sysdig/Falco field names) run against a session: compileFilter
// turns the text into parameterized SQL once; an EventQuery runs it on its own
// read-only connection and hands back matching ids (for a filtered table) or
// events (for the CLI) in id order. User text is always bound, never pasted.
// One EventQuery per thread; a CompiledFilter is a plain value (copy it freely).
#include "event.h"
#include "filter_sql.h"
#include "result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace provscope {

// Where a filter went wrong: 1-based column into the text and what was expected,
// e.g. {14, "expected `)`"}, {1, "unknown field `proc.nme`; fields: proc.name, ..."}.
struct FilterError {
    int column = 0;
    std::string message;
    std::string text() const { return "column " + std::to_string(column) + ": " + message; }
};

// Parses and type-checks text. An empty (or all blank) text matches every event.
// On failure the Result's message is FilterError::text() ("column 12: expected a
// value after `==`"); error, when given, receives the column and message apart.
Result<CompiledFilter> compileFilter(std::string_view text, FilterError *error = nullptr);

// The field names the language knows, in table order (for completion).
std::vector<std::string> filterFieldNames();

class EventQuery {
public:
    ~EventQuery();
    EventQuery(const EventQuery &) = delete;
    EventQuery &operator=(const EventQuery &) = delete;

    // Opens the session read-only as SessionReader does (same checks, same messages).
    static Result<std::unique_ptr<EventQuery>> open(const std::string &sessionPath);

    // The ids of matching events, ascending, in chunks of at most chunkSize ids;
    // onChunk returns false to cancel (then this returns ok). Ids from firstId on.
    Result<void> matchingIds(const CompiledFilter &filter,
                             const std::function<bool(const std::vector<int64_t> &chunk)> &onChunk,
                             size_t chunkSize = 4096, int64_t firstId = 1);
    // The same, and progress: onProgress(fraction) with fraction in [0, 1] (by the id
    // the scan has reached over the largest id, or the share of index work done), at
    // most about 20 times a second; returning false cancels like onChunk does.
    // Cancelling takes effect within ~100 ms even in a long scan with few matches.
    Result<void> matchingIds(const CompiledFilter &filter,
                             const std::function<bool(const std::vector<int64_t> &chunk)> &onChunk,
                             const std::function<bool(double fraction)> &onProgress,
                             size_t chunkSize = 4096, int64_t firstId = 1);
    // The matching events in id order (at most limit; -1: all); visit returns false to stop.
    Result<void> forEachMatching(const CompiledFilter &filter, int64_t limit,
                                 const std::function<bool(const Event &)> &visit,
                                 int64_t firstId = 1);

    // Reference mode runs a filter's whereSql as one statement, as written (the naive
    // plan the planner is tested against); off by default. Results are the same.
    void setReferenceMode(bool on);
    // The planner's thresholds (tests use small ones to take every path on a small
    // session): ids an index walk may collect, candidates checked one by one, ids per
    // scan range. Zero restores the default.
    void setPlannerLimits(size_t indexCap, size_t verifyCap, int64_t scanRange);
    // Threads for a scan of a finished session (each with its own read-only
    // connection): 0, the default, one per core up to 4; 1 scans on the calling thread.
    void setScanThreads(int threads);
    // How the last matchingIds ran: "index" (events_by_* only), "verify" (index
    // candidates, each checked), "scan" (id ranges), "scan+index" (a scan whose rows
    // are kept when among index candidates), "empty", "reference".
    std::string lastPlan() const;

    // Boot -> epoch offset of the session (event timestamps are boot ns).
    int64_t bootToEpochNs() const;

private:
    EventQuery();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace provscope
