#include "parallel_id_scan.h"

#include "session_connection.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

namespace provscope::planner {

Result<void> runParallelScan(const ParallelScan &scan, IdRun &run)
{
    static const std::optional<Candidates> none;
    const std::optional<Candidates> &cand = scan.candidates ? *scan.candidates : none;
    const int64_t start = std::max<int64_t>(scan.firstId, 1);
    const size_t ranges = size_t((scan.maxId - start) / scan.rangeSize + 1); // the last one is open-ended
    const size_t ahead = size_t(scan.threads) * 4;
    struct Slot {
        bool done = false;
        std::vector<int64_t> ids;
    };
    std::vector<Slot> slots(ranges);
    std::mutex mutex;
    std::condition_variable changed;
    size_t nextRange = 0, handedOut = 0;
    std::string failure;
    std::atomic<bool> stop{false};
    auto fail = [&](const std::string &message) {
        std::lock_guard lock(mutex);
        if (failure.empty() && !stop)
            failure = message;
        stop = true;
        changed.notify_all();
    };
    auto worker = [&] {
        auto opened = openSessionReadOnly(scan.sessionPath, false); // scans run on finished sessions only
        if (!opened)
            return fail(opened.error());
        SqliteDatabase &db = *opened.value();
        if (scan.setUp)
            scan.setUp(db);
        sqlite3_progress_handler(
            db.handle(), scan.progressSteps,
            [](void *flag) { return static_cast<std::atomic<bool> *>(flag)->load() ? 1 : 0; }, &stop);
        auto prepared = SqliteStatement::prepare(db, scan.sql);
        if (!prepared)
            return fail(scan.sessionPath + ": " + prepared.error());
        SqliteStatement &s = prepared.value();
        for (;;) {
            size_t r = 0;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return stop || nextRange >= ranges || nextRange < handedOut + ahead; });
                if (stop || nextRange >= ranges)
                    return;
                r = nextRange++;
            }
            const int64_t lo = start + int64_t(r) * scan.rangeSize;
            const int64_t hi = r + 1 == ranges ? std::numeric_limits<int64_t>::max() : lo + scan.rangeSize;
            std::vector<int64_t> ids;
            std::vector<int64_t>::const_iterator next, end;
            if (cand) {
                next = std::lower_bound(cand->ids.cbegin(), cand->ids.cend(), lo);
                end = cand->ids.cend();
            }
            scan.bind(s);
            s.bindInt64(scan.rangeParam, lo);
            s.bindInt64(scan.rangeParam + 1, hi);
            for (;;) {
                auto row = s.step();
                if (!row) {
                    s.reset();
                    return fail(scan.sessionPath + ": " + row.error());
                }
                if (!*row)
                    break;
                const int64_t id = s.columnInt64(0);
                if (cand) {
                    while (next != end && *next < id)
                        ++next;
                    if ((next != end && *next == id) == cand->complement)
                        continue;
                }
                ids.push_back(id);
            }
            s.reset();
            std::lock_guard lock(mutex);
            slots[r].ids = std::move(ids);
            slots[r].done = true;
            changed.notify_all();
        }
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < scan.threads; ++t)
        pool.emplace_back(worker);
    const double maxIdF = double(std::max<int64_t>(scan.maxId, 1));
    for (size_t r = 0; r < ranges; ++r) {
        std::vector<int64_t> ids;
        {
            std::unique_lock lock(mutex);
            while (!slots[r].done && !stop) {
                changed.wait_for(lock, std::chrono::milliseconds(20));
                if (slots[r].done || stop)
                    break;
                lock.unlock();
                const bool go = run.heartbeat();
                lock.lock();
                if (!go)
                    stop = true;
            }
            if (!slots[r].done)
                break;
            ids = std::move(slots[r].ids);
            handedOut = r + 1;
        }
        changed.notify_all();
        bool go = true;
        for (int64_t id : ids) {
            if (!run.push(id)) {
                go = false;
                break;
            }
        }
        if (!go || !run.progress(r + 1 == ranges ? 1.0 : double(start + int64_t(r + 1) * scan.rangeSize - 1) / maxIdF))
            break;
    }
    {
        std::lock_guard lock(mutex);
        stop = true;
    }
    changed.notify_all();
    for (std::thread &t : pool)
        t.join();
    if (!failure.empty() && !run.stopped())
        return makeError(failure);
    return {};
}

} // namespace provscope::planner
