#pragma once
// Sorting a session's events by a column for the event table: one scan of that
// column (ids ascending) on the caller's own read-only connection, then an
// in-memory sort. The result is every event id 1..maxId in ascending key order,
// ties by id, as 32-bit ids (a table row is an int anyway): 40 MB for 10 million.
// Any thread; the GUI runs it on a worker.
#include "result.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace provscope {

enum class EventSortKey {
    Time,    // ts (first timestamp of a coalesced run)
    Pid,     // the process's pid
    Syscall, // the syscall's name, alphabetically
};

// progress(fraction in [0, 1]) is called now and then; returning false cancels,
// and the result is then the error "cancelled".
Result<std::vector<uint32_t>> sortEventIds(const std::string &sessionPath, EventSortKey key,
                                           int64_t maxId,
                                           const std::function<bool(double)> &progress = {});

} // namespace provscope
