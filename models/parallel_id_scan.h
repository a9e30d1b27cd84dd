#pragma once
// The planner's scan of a finished session on worker threads: each worker has
// its own read-only connection and takes the next id range (at most a few
// ahead of the one handed out); the calling thread hands each range's ids to
// the IdRun in order and offers the caller a heartbeat while it waits. A
// cancel stops the workers' statements through their progress handlers.
#include "event_id_sets.h"
#include "id_run.h"
#include "result.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace provscope {

class SqliteDatabase;
class SqliteStatement;

namespace planner {

struct ParallelScan {
    std::string sessionPath;
    // SELECT e.id ... WHERE e.id >= ?(rangeParam) AND e.id < ?(rangeParam + 1) AND ... ORDER BY e.id
    std::string sql;
    int rangeParam = 1;
    std::function<void(SqliteStatement &)> bind;      // everything but the range
    std::function<void(SqliteDatabase &)> setUp;      // per connection (SQL functions)
    const std::optional<Candidates> *candidates = nullptr; // rows kept when in (or, complement, not in) these
    int64_t firstId = 1;
    int64_t maxId = 0;
    int64_t rangeSize = 1 << 18;
    int threads = 2;
    int progressSteps = 200000; // SQLite VM steps between cancel checks
};

Result<void> runParallelScan(const ParallelScan &scan, IdRun &run);

} // namespace planner
} // namespace provscope
