#include "event_sort.h"

#include "session_connection.h"
#include "session_reader.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace provscope {

namespace {

constexpr int64_t kProgressEvery = 1 << 16;

struct Scan {
    SqliteDatabase &db;
    const std::string &path;
    int64_t maxId;
    const std::function<bool(double)> &progress;

    // Calls row(id, value) for "SELECT id, <column> FROM events" in id order.
    template <class Row>
    Result<void> run(const char *column, Row &&row)
    {
        auto st = SqliteStatement::prepare(
            db, std::string("SELECT id, ") + column + " FROM events WHERE id <= ?1 ORDER BY id");
        if (!st)
            return makeError(path + ": " + st.error());
        st.value().bindInt64(1, maxId);
        for (int64_t n = 1;; ++n) {
            auto stepped = st.value().step();
            if (!stepped)
                return makeError(path + ": " + stepped.error());
            if (!stepped.value())
                return {};
            const int64_t id = st.value().columnInt64(0);
            if (id < 1 || id > maxId)
                continue;
            row(id, st.value().columnInt64(1));
            if (n % kProgressEvery == 0 && progress && !progress(0.9 * double(n) / double(maxId)))
                return makeError("cancelled");
        }
    }
};

// Every id 1..n ordered by rank (a small integer per id), ties by id: a counting
// sort, O(n), stable because ids are visited ascending.
std::vector<uint32_t> countingSort(const std::vector<uint32_t> &rankOfId, size_t rankCount)
{
    std::vector<uint32_t> start(rankCount + 1, 0);
    for (uint32_t rank : rankOfId)
        ++start[rank + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    std::vector<uint32_t> ids(rankOfId.size());
    for (size_t i = 0; i < rankOfId.size(); ++i)
        ids[start[rankOfId[i]]++] = uint32_t(i + 1);
    return ids;
}

// Replaces each reference (a row id in another table) with the rank of its key.
// keys: (key, reference) for every reference that occurs.
template <class Key>
size_t rankReferences(std::vector<uint32_t> &refs, std::vector<std::pair<Key, uint32_t>> keys)
{
    std::sort(keys.begin(), keys.end());
    uint32_t maxRef = 0;
    for (const auto &k : keys)
        maxRef = std::max(maxRef, k.second);
    for (uint32_t ref : refs)
        maxRef = std::max(maxRef, ref);
    // Unknown references (a dangling row) sort last.
    std::vector<uint32_t> rankOf(size_t(maxRef) + 1, uint32_t(-1));
    uint32_t rank = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
        if (i > 0 && keys[i].first != keys[i - 1].first)
            ++rank;
        rankOf[keys[i].second] = rank;
    }
    const uint32_t unknown = keys.empty() ? 0 : rank + 1;
    for (uint32_t &ref : refs)
        ref = rankOf[ref] == uint32_t(-1) ? unknown : rankOf[ref];
    return size_t(unknown) + 1;
}

} // namespace

Result<std::vector<uint32_t>> sortEventIds(const std::string &sessionPath, EventSortKey key,
                                           int64_t maxId, const std::function<bool(double)> &progress)
{
    if (maxId <= 0)
        return std::vector<uint32_t>{};
    if (maxId > int64_t(UINT32_MAX))
        return makeError(sessionPath + ": too many events to sort");
    bool live = false;
    {
        // The reader's checks and messages (not a session, damaged, newer format).
        auto reader = SessionReader::open(sessionPath);
        if (!reader)
            return makeError(reader.error());
        live = reader.value()->isRecording();
        maxId = std::min(maxId, reader.value()->counts().events);
    }
    auto opened = openSessionReadOnly(sessionPath, live);
    if (!opened)
        return makeError(opened.error());
    SqliteDatabase &db = *opened.value();
    Scan scan{db, sessionPath, maxId, progress};

    if (key == EventSortKey::Time) {
        std::vector<int64_t> ts(size_t(maxId), 0);
        if (auto done = scan.run("ts", [&](int64_t id, int64_t value) { ts[size_t(id - 1)] = value; }); !done)
            return makeError(done.error());
        std::vector<uint32_t> ids(static_cast<size_t>(maxId));
        std::iota(ids.begin(), ids.end(), 1u);
        // Ids are nearly in time order (a coalesced run is stored when it ends):
        // usually nothing to do.
        if (!std::is_sorted(ts.begin(), ts.end()))
            std::stable_sort(ids.begin(), ids.end(),
                             [&ts](uint32_t a, uint32_t b) { return ts[a - 1] < ts[b - 1]; });
        return ids;
    }

    std::vector<uint32_t> refs(size_t(maxId), 0);
    const char *column = key == EventSortKey::Pid ? "proc" : "syscall";
    if (auto done = scan.run(column, [&](int64_t id, int64_t value) { refs[size_t(id - 1)] = uint32_t(value); }); !done)
        return makeError(done.error());
    size_t ranks = 0;
    if (key == EventSortKey::Pid) {
        std::vector<std::pair<int64_t, uint32_t>> keys; // (pid, process row)
        auto st = SqliteStatement::prepare(db, "SELECT id, pid FROM processes");
        if (!st)
            return makeError(sessionPath + ": " + st.error());
        for (;;) {
            auto stepped = st.value().step();
            if (!stepped)
                return makeError(sessionPath + ": " + stepped.error());
            if (!stepped.value())
                break;
            keys.emplace_back(st.value().columnInt64(1), uint32_t(st.value().columnInt64(0)));
        }
        ranks = rankReferences(refs, std::move(keys));
    } else {
        // The distinct syscall names (a few hundred at most), looked up one by one.
        std::vector<bool> seen;
        for (uint32_t ref : refs) {
            if (ref >= seen.size())
                seen.resize(size_t(ref) + 1, false);
            seen[ref] = true;
        }
        std::vector<uint32_t> distinct;
        for (size_t ref = 0; ref < seen.size(); ++ref)
            if (seen[ref])
                distinct.push_back(uint32_t(ref));
        auto st = SqliteStatement::prepare(db, "SELECT text FROM strings WHERE id = ?1");
        if (!st)
            return makeError(sessionPath + ": " + st.error());
        std::vector<std::pair<std::string, uint32_t>> keys; // (name, string row)
        for (uint32_t ref : distinct) {
            st.value().reset();
            st.value().bindInt64(1, ref);
            auto stepped = st.value().step();
            if (!stepped)
                return makeError(sessionPath + ": " + stepped.error());
            if (stepped.value())
                keys.emplace_back(st.value().columnText(0), ref);
        }
        ranks = rankReferences(refs, std::move(keys));
    }
    if (progress && !progress(0.95))
        return makeError("cancelled");
    return countingSort(refs, ranks);
}

} // namespace provscope
