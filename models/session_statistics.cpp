#include "session_statistics.h"

#include "session_connection.h"
#include "session_reader.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"
#include "syscall_args.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <unordered_map>

namespace provscope {
namespace {

int64_t floorDiv(int64_t a, int64_t b)
{
    const int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// What a syscall name means to the tallies; looked up once per strings.id.
enum SyscallRole : uint16_t {
    RoleKnown = 1,      // classified (0: not looked up yet)
    RoleWrite = 2,      // write, pwrite64, writev, pwritev, pwritev2
    RoleSend = 4,       // sendto, sendmsg, sendmmsg
    RoleRead = 8,       // read, pread64, readv, preadv, preadv2, recv*
    RoleOpen = 16,      // open, openat, openat2: written when opened for writing
    RoleCreate = 32,    // creat, truncate, ftruncate: always written
    RoleRename = 64,    // rename*: the new path is written
    RoleConnect = 128,
    RoleCopy = 256,     // sendfile, splice, copy_file_range: the sink (path2) is written
};

uint16_t roleOf(const std::string &name)
{
    static const std::map<std::string, uint16_t> roles = {
        {"write", RoleWrite},    {"pwrite64", RoleWrite},   {"writev", RoleWrite},
        {"pwritev", RoleWrite},  {"pwritev2", RoleWrite},   {"sendto", RoleSend},
        {"sendmsg", RoleSend},   {"sendmmsg", RoleSend},    {"read", RoleRead},
        {"pread64", RoleRead},   {"readv", RoleRead},       {"preadv", RoleRead},
        {"preadv2", RoleRead},   {"recvfrom", RoleRead},    {"recvmsg", RoleRead},
        {"recvmmsg", RoleRead},  {"open", RoleOpen},        {"openat", RoleOpen},
        {"openat2", RoleOpen},   {"creat", RoleCreate},     {"truncate", RoleCreate},
        {"ftruncate", RoleCreate}, {"rename", RoleRename},  {"renameat", RoleRename},
        {"renameat2", RoleRename}, {"connect", RoleConnect},
        {"sendfile", RoleCopy},  {"splice", RoleCopy},     {"copy_file_range", RoleCopy},
    };
    auto it = roles.find(name);
    return uint16_t(RoleKnown | (it == roles.end() ? 0 : it->second));
}

// O_WRONLY | O_RDWR | O_CREAT | O_TRUNC: an open that can change the file.
constexpr uint32_t kOpenWriteFlags = 01 | 02 | 0100 | 01000;

template <class T>
T &slot(std::vector<T> &v, int64_t id)
{
    if (size_t(id) >= v.size())
        v.resize(std::max(size_t(id) + 1, v.size() + v.size() / 2));
    return v[size_t(id)];
}

void addTally(SyscallTally &a, const SyscallTally &b)
{
    a.events += b.events;
    a.calls += b.calls;
    a.bytes += b.bytes;
}

void addTally(FileTally &a, const FileTally &b)
{
    a.events += b.events;
    a.writeEvents += b.writeEvents;
    a.writeCalls += b.writeCalls;
    a.bytesWritten += b.bytesWritten;
}

void addTally(SocketTally &a, const SocketTally &b)
{
    a.events += b.events;
    a.connects += b.connects;
    a.sends += b.sends;
    a.bytesSent += b.bytesSent;
    a.bytesReceived += b.bytesReceived;
}

void addTally(int64_t &a, int64_t b) { a += b; }

template <class T>
void mergeVector(std::vector<T> &into, const std::vector<T> &from)
{
    if (from.size() > into.size())
        into.resize(from.size());
    for (size_t i = 0; i < from.size(); ++i)
        addTally(into[i], from[i]);
}

// The indices of the top n of v (by less-is-better comparator `before`), skipping
// entries `keep` rejects.
template <class T, class Keep, class Before>
std::vector<size_t> topIndices(const std::vector<T> &v, size_t n, Keep keep, Before before)
{
    std::vector<size_t> idx;
    for (size_t i = 0; i < v.size(); ++i) {
        if (keep(v[i]))
            idx.push_back(i);
    }
    auto cmp = [&](size_t a, size_t b) {
        if (before(v[a], v[b]))
            return true;
        if (before(v[b], v[a]))
            return false;
        return a < b;
    };
    if (idx.size() > n) {
        std::partial_sort(idx.begin(), idx.begin() + std::ptrdiff_t(n), idx.end(), cmp);
        idx.resize(n);
    } else {
        std::sort(idx.begin(), idx.end(), cmp);
    }
    return idx;
}

constexpr int64_t kRowsPerProgress = 1 << 16;

} // namespace

// ---------------------------------------------------------------------------------------
// RateHistogram

void RateHistogram::widen(int64_t newWidthNs)
{
    if (newWidthNs <= widthNs)
        return;
    const int64_t factor = newWidthNs / widthNs;
    if (!counts.empty()) {
        const int64_t lastIndex = firstIndex + int64_t(counts.size()) - 1;
        const int64_t newFirst = floorDiv(firstIndex, factor);
        std::vector<int64_t> widened(size_t(floorDiv(lastIndex, factor) - newFirst + 1), 0);
        for (size_t i = 0; i < counts.size(); ++i)
            widened[size_t(floorDiv(firstIndex + int64_t(i), factor) - newFirst)] += counts[i];
        counts = std::move(widened);
        firstIndex = newFirst;
    }
    widthNs = newWidthNs;
}

void RateHistogram::add(int64_t epochNs, int64_t events)
{
    int64_t index = floorDiv(epochNs, widthNs);
    if (counts.empty()) {
        firstIndex = index;
        counts.assign(1, events);
        return;
    }
    int64_t lastIndex = firstIndex + int64_t(counts.size()) - 1;
    if (index < firstIndex || index > lastIndex) {
        int64_t lo = std::min(index, firstIndex), hi = std::max(index, lastIndex);
        int64_t width = widthNs;
        while (hi - lo + 1 > int64_t(kMaxBuckets)) {
            lo = floorDiv(lo, 10);
            hi = floorDiv(hi, 10);
            width *= 10;
        }
        if (width != widthNs) {
            widen(width);
            index = floorDiv(epochNs, widthNs);
        }
        if (index < firstIndex) {
            counts.insert(counts.begin(), size_t(firstIndex - index), 0);
            firstIndex = index;
        } else if (index >= firstIndex + int64_t(counts.size())) {
            counts.resize(size_t(index - firstIndex + 1), 0);
        }
    }
    counts[size_t(index - firstIndex)] += events;
}

void RateHistogram::merge(const RateHistogram &other)
{
    if (other.counts.empty())
        return;
    if (counts.empty()) {
        *this = other;
        return;
    }
    RateHistogram from = other;
    const int64_t width = std::max(widthNs, from.widthNs);
    widen(width);
    from.widen(width);
    for (size_t i = 0; i < from.counts.size(); ++i) {
        if (from.counts[i])
            add((from.firstIndex + int64_t(i)) * from.widthNs, from.counts[i]);
    }
}

std::vector<RateBucket> RateHistogram::buckets(size_t target) const
{
    std::vector<RateBucket> out;
    if (counts.empty())
        return out;
    target = std::max<size_t>(target, 1);
    const int64_t lastIndex = firstIndex + int64_t(counts.size()) - 1;
    // The smallest 1-2-5 multiple of the width that gives at most target buckets.
    int64_t k = 1;
    for (int64_t decade = 1;; decade *= 10) {
        bool found = false;
        for (int64_t m : {1, 2, 5}) {
            k = m * decade;
            if (floorDiv(lastIndex, k) - floorDiv(firstIndex, k) + 1 <= int64_t(target)) {
                found = true;
                break;
            }
        }
        if (found)
            break;
    }
    const int64_t first = floorDiv(firstIndex, k);
    const int64_t width = widthNs * k;
    out.resize(size_t(floorDiv(lastIndex, k) - first + 1));
    for (size_t i = 0; i < out.size(); ++i) {
        out[i].startNs = (first + int64_t(i)) * width;
        out[i].endNs = out[i].startNs + width;
    }
    for (size_t i = 0; i < counts.size(); ++i)
        out[size_t(floorDiv(firstIndex + int64_t(i), k) - first)].events += counts[i];
    return out;
}

int64_t RateHistogram::total() const
{
    int64_t sum = 0;
    for (int64_t c : counts)
        sum += c;
    return sum;
}

// ---------------------------------------------------------------------------------------
// StatisticsAccumulator

void StatisticsAccumulator::merge(const StatisticsAccumulator &other)
{
    if (other.events == 0 && other.lastId == 0)
        return;
    if (events == 0 && lastId == 0) {
        *this = other;
        return;
    }
    firstId = std::min(firstId, other.firstId);
    lastId = std::max(lastId, other.lastId);
    if (other.events) {
        firstTsNs = events ? std::min(firstTsNs, other.firstTsNs) : other.firstTsNs;
        lastTsNs = events ? std::max(lastTsNs, other.lastTsNs) : other.lastTsNs;
    }
    events += other.events;
    calls += other.calls;
    bytes += other.bytes;
    failedEvents += other.failedEvents;
    mergeVector(bySyscall, other.bySyscall);
    mergeVector(byProcess, other.byProcess);
    mergeVector(byFile, other.byFile);
    mergeVector(bySocket, other.bySocket);
    for (const auto &[key, n] : other.failures)
        failures[key] += n;
    rate.merge(other.rate);
}

// ---------------------------------------------------------------------------------------
// SessionStatistics

struct SessionStatistics::Impl {
    std::string path;
    bool live = false;
    int64_t bootToEpochNs = 0;
    std::unique_ptr<SqliteDatabase> db;
    std::vector<uint16_t> roles; // by strings.id; kept across scans (strings never change)

    Result<void> connect()
    {
        if (db)
            return {};
        auto opened = openSessionReadOnly(path, live);
        if (!opened)
            return makeError(opened.error());
        db = std::move(opened.value());
        return {};
    }

    // A recording's connection is held only during a call (as EventQuery does): an
    // open WAL reader would keep the writer from leaving WAL mode at finish.
    void release()
    {
        if (live)
            db.reset();
    }

    Result<SqliteStatement> prepare(std::string_view sql)
    {
        auto st = SqliteStatement::prepare(*db, sql);
        if (!st)
            return makeError(path + ": " + st.error());
        return std::move(st.value());
    }

    Result<void> scan(StatisticsAccumulator &acc, int64_t firstId, int64_t lastId,
                      const std::function<bool(double)> &progress, bool &cancelled);
    Result<StatisticsReport> report(const StatisticsAccumulator &acc, size_t topN, size_t rateBuckets);
};

SessionStatistics::SessionStatistics() : m_impl(std::make_unique<Impl>()) {}

SessionStatistics::~SessionStatistics() = default;

Result<std::unique_ptr<SessionStatistics>> SessionStatistics::open(const std::string &sessionPath)
{
    // The reader's checks and messages (not a session, damaged, newer format).
    auto reader = SessionReader::open(sessionPath);
    if (!reader)
        return makeError(reader.error());
    std::unique_ptr<SessionStatistics> stats(new SessionStatistics());
    Impl &d = *stats->m_impl;
    d.path = sessionPath;
    d.live = reader.value()->isRecording();
    d.bootToEpochNs = reader.value()->meta().bootToEpochNs;
    return stats;
}

int64_t SessionStatistics::bootToEpochNs() const { return m_impl->bootToEpochNs; }

Result<int64_t> SessionStatistics::lastEventId()
{
    Impl &d = *m_impl;
    if (auto done = d.connect(); !done)
        return makeError(done.error());
    Result<int64_t> last = makeError(d.path + ": no events table");
    if (auto st = d.prepare("SELECT COALESCE(max(id), 0) FROM events"); !st) {
        last = makeError(st.error());
    } else if (auto row = st->step(); !row) {
        last = makeError(d.path + ": " + row.error());
    } else {
        last = st->columnInt64(0);
    }
    d.release();
    return last;
}

Result<bool> SessionStatistics::aggregate(StatisticsAccumulator &acc, int64_t firstId,
                                          int64_t lastId, const std::function<bool(double)> &progress)
{
    Impl &d = *m_impl;
    if (auto done = d.connect(); !done)
        return makeError(done.error());
    bool cancelled = false;
    auto scanned = d.scan(acc, firstId, lastId, progress, cancelled);
    d.release();
    if (!scanned)
        return makeError(scanned.error());
    return !cancelled;
}

Result<void> SessionStatistics::Impl::scan(StatisticsAccumulator &acc, int64_t firstId,
                                           int64_t lastId, const std::function<bool(double)> &progress,
                                           bool &cancelled)
{
    firstId = std::max<int64_t>(firstId, 1);
    // The end of the range as of now (a live session grows while we scan; its new
    // events are the next refresh's).
    auto maxId = prepare("SELECT COALESCE(max(id), 0) FROM events");
    if (!maxId)
        return makeError(maxId.error());
    auto hasMax = maxId->step();
    if (!hasMax)
        return makeError(hasMax.error());
    const int64_t endId = lastId < 0 ? maxId->columnInt64(0) : std::min(lastId, maxId->columnInt64(0));
    if (endId < firstId)
        return {};

    auto rows = prepare("SELECT id, ts, dt, proc, syscall, ret, file, file2, socket, flags, count, bytes"
                        " FROM events WHERE id BETWEEN ?1 AND ?2 ORDER BY id");
    if (!rows)
        return makeError(rows.error());
    auto nameOf = prepare("SELECT text FROM strings WHERE id = ?1");
    if (!nameOf)
        return makeError(nameOf.error());
    rows->bindInt64(1, firstId);
    rows->bindInt64(2, endId);

    const double span = double(endId - firstId + 1);
    int64_t sinceProgress = 0;
    if (progress && !progress(0.0)) {
        cancelled = true;
        return {};
    }
    StatisticsAccumulator &a = acc;
    // A run lies in one bucket of the histogram's width when it started: widths are
    // powers of ten and only grow, so it stays inside one bucket.
    int64_t runStart = 0, runEnd = 0, runEvents = 0;
    auto flushRun = [&] {
        if (runEvents)
            a.rate.add(runStart, runEvents);
        runEvents = 0;
    };
    for (;;) {
        auto row = rows->step();
        if (!row)
            return makeError(path + ": " + row.error());
        if (!*row)
            break;
        const int64_t id = rows->columnInt64(0);
        const int64_t ts = rows->columnInt64(1) + bootToEpochNs;
        const int64_t last = int64_t(uint64_t(rows->columnInt64(1)) + uint64_t(rows->columnInt64(2))) +
                             bootToEpochNs;
        const int64_t proc = rows->columnInt64(3);
        const int64_t syscall = rows->columnInt64(4);
        const int64_t ret = rows->columnInt64(5);
        const int64_t file = rows->columnInt64(6);  // 0: NULL (ids start at 1)
        const int64_t file2 = rows->columnInt64(7);
        const int64_t socket = rows->columnInt64(8);
        const uint32_t flags = uint32_t(rows->columnInt64(9));
        const int64_t count = rows->columnInt64(10);
        const int64_t bytes = rows->columnInt64(11);

        uint16_t &role = slot(roles, syscall);
        if (!role) {
            nameOf->bindInt64(1, syscall);
            auto found = nameOf->step();
            role = found && *found ? roleOf(nameOf->columnText(0)) : uint16_t(RoleKnown);
            nameOf->reset();
        }

        if (a.events == 0) {
            a.firstTsNs = ts;
            a.lastTsNs = std::max(ts, last);
        } else {
            a.firstTsNs = std::min(a.firstTsNs, ts);
            a.lastTsNs = std::max({a.lastTsNs, ts, last});
        }
        if (a.firstId == 0 || id < a.firstId)
            a.firstId = id;
        a.lastId = std::max(a.lastId, id);
        ++a.events;
        a.calls += count;
        a.bytes += bytes;
        // Consecutive events mostly share a bucket: add them to the histogram as one run.
        if (ts >= runStart && ts < runEnd) {
            ++runEvents;
        } else {
            if (runEvents)
                a.rate.add(runStart, runEvents);
            runEvents = 1;
            const int64_t width = a.rate.widthNs;
            runStart = floorDiv(ts, width) * width;
            runEnd = runStart + width;
        }

        SyscallTally &sc = slot(a.bySyscall, syscall);
        ++sc.events;
        sc.calls += count;
        sc.bytes += bytes;
        ++slot(a.byProcess, proc);

        const bool failed = ret < 0 && ret >= -4095;
        if (failed) {
            ++a.failedEvents;
            ++a.failures[(uint64_t(syscall) << 16) | uint64_t(-ret)];
        }
        if (file) {
            FileTally &f = slot(a.byFile, file);
            ++f.events;
            if (!failed && !socket) {
                const bool written = (role & (RoleWrite | RoleCreate)) ||
                                     ((role & RoleOpen) && (flags & kOpenWriteFlags));
                if (written) {
                    ++f.writeEvents;
                    f.writeCalls += count;
                    if (role & RoleWrite)
                        f.bytesWritten += bytes;
                }
            }
        }
        if (file2) { // a rename's new path, a copy's sink
            FileTally &f = slot(a.byFile, file2);
            if (file2 != file)
                ++f.events;
            if (!failed && (role & (RoleRename | RoleCopy))) {
                ++f.writeEvents;
                f.writeCalls += count;
                if (role & RoleCopy)
                    f.bytesWritten += bytes;
            }
        }
        if (socket) {
            SocketTally &s = slot(a.bySocket, socket);
            ++s.events;
            if (role & RoleConnect)
                s.connects += count;
            if (role & (RoleWrite | RoleSend)) {
                s.sends += count;
                if (!failed)
                    s.bytesSent += bytes;
            }
            if ((role & RoleRead) && !failed)
                s.bytesReceived += bytes;
        }

        if (++sinceProgress == kRowsPerProgress) {
            sinceProgress = 0;
            if (progress && !progress(double(id - firstId + 1) / span)) {
                flushRun();
                cancelled = true;
                rows->reset();
                return {};
            }
        }
    }
    rows->reset();
    flushRun();
    if (progress)
        progress(1.0);
    return {};
}

Result<StatisticsReport> SessionStatistics::report(const StatisticsAccumulator &acc, size_t topN,
                                                   size_t rateBuckets)
{
    Impl &d = *m_impl;
    if (auto done = d.connect(); !done)
        return makeError(done.error());
    auto made = d.report(acc, topN, rateBuckets);
    d.release();
    return made;
}

Result<StatisticsReport> SessionStatistics::Impl::report(const StatisticsAccumulator &acc,
                                                         size_t topN, size_t rateBuckets)
{
    StatisticsReport r;
    {
        auto meta = prepare("SELECT key, value FROM meta");
        if (!meta)
            return makeError(meta.error());
        std::map<std::string, std::string> values;
        for (;;) {
            auto row = meta->step();
            if (!row)
                return makeError(path + ": " + row.error());
            if (!*row)
                break;
            values[meta->columnText(0)] = meta->columnText(1);
        }
        auto text = [&](const char *key) {
            auto it = values.find(key);
            return it == values.end() ? std::string() : it->second;
        };
        auto value = [&](const char *key) { return int64_t(std::strtoll(text(key).c_str(), nullptr, 10)); };
        r.host = text("host");
        r.kernel = text("kernel");
        r.evidenceDigest = text("evidence_sha256");
        r.counts.events = value("event_count");
        r.counts.processes = value("process_count");
        r.counts.files = value("file_count");
        r.counts.sockets = value("socket_count");
        r.counts.lostEvents = value("lost_events");
        r.bootToEpochNs = value("boot_to_epoch_ns");
        bootToEpochNs = r.bootToEpochNs;
        r.captureStartNs = value("capture_start_ns") ? value("capture_start_ns") + r.bootToEpochNs : 0;
        r.captureEndNs = value("capture_end_ns") ? value("capture_end_ns") + r.bootToEpochNs : 0;
        r.finished = r.captureEndNs != 0;
        r.recording = live && !r.finished;
    }
    r.scannedEvents = acc.events;
    r.calls = acc.calls;
    r.bytes = acc.bytes;
    r.failedEvents = acc.failedEvents;
    r.firstTsNs = acc.firstTsNs;
    r.lastTsNs = acc.lastTsNs;
    r.rate = acc.rate.buckets(rateBuckets);
    for (const SyscallTally &t : acc.bySyscall)
        r.distinctSyscalls += t.events ? 1 : 0;

    {
        auto losses = prepare("SELECT first_ts, last_ts, count, source FROM losses ORDER BY id");
        if (!losses)
            return makeError(losses.error());
        for (;;) {
            auto row = losses->step();
            if (!row)
                return makeError(path + ": " + row.error());
            if (!*row)
                break;
            r.losses.push_back({losses->columnInt64(0) + r.bootToEpochNs, losses->columnInt64(1) + r.bootToEpochNs,
                                losses->columnInt64(2), losses->columnText(3)});
        }
    }

    auto stringText = prepare("SELECT text FROM strings WHERE id = ?1");
    auto filePath = prepare("SELECT path FROM files WHERE id = ?1");
    if (!stringText)
        return makeError(stringText.error());
    if (!filePath)
        return makeError(filePath.error());
    auto lookup = [](SqliteStatement &st, int64_t id) -> std::string {
        st.bindInt64(1, id);
        auto row = st.step();
        std::string text = row && *row ? st.columnText(0) : std::string();
        st.reset();
        return text;
    };

    // Top syscalls by events.
    for (size_t i : topIndices(acc.bySyscall, topN, [](const SyscallTally &t) { return t.events > 0; },
                               [](const SyscallTally &a, const SyscallTally &b) { return a.events > b.events; }))
        r.topSyscalls.push_back({lookup(*stringText, int64_t(i)), acc.bySyscall[i]});

    // Top processes: instances grouped by pid, as `proc.pid == N` matches them all.
    {
        struct PidTally {
            int64_t events = 0;
            int instances = 0;
            int64_t busiestId = 0;
            int64_t busiestEvents = -1;
        };
        std::unordered_map<uint32_t, PidTally> byPid;
        auto procs = prepare("SELECT id, pid FROM processes");
        if (!procs)
            return makeError(procs.error());
        for (;;) {
            auto row = procs->step();
            if (!row)
                return makeError(path + ": " + row.error());
            if (!*row)
                break;
            const int64_t id = procs->columnInt64(0);
            if (id <= 0 || size_t(id) >= acc.byProcess.size() || acc.byProcess[size_t(id)] == 0)
                continue;
            const int64_t n = acc.byProcess[size_t(id)];
            PidTally &t = byPid[uint32_t(procs->columnInt64(1))];
            t.events += n;
            ++t.instances;
            if (n > t.busiestEvents) {
                t.busiestEvents = n;
                t.busiestId = id;
            }
        }
        std::vector<std::pair<uint32_t, PidTally>> sorted(byPid.begin(), byPid.end());
        auto before = [](const auto &a, const auto &b) {
            return a.second.events != b.second.events ? a.second.events > b.second.events
                                                      : a.first < b.first;
        };
        const size_t n = std::min(topN, sorted.size());
        std::partial_sort(sorted.begin(), sorted.begin() + std::ptrdiff_t(n), sorted.end(), before);
        sorted.resize(n);
        auto names = prepare("SELECT s.text, f.path FROM processes p LEFT JOIN strings s ON s.id = p.comm"
                             " LEFT JOIN files f ON f.id = p.exe WHERE p.id = ?1");
        if (!names)
            return makeError(names.error());
        for (const auto &[pid, t] : sorted) {
            ProcessStat p;
            p.pid = pid;
            p.events = t.events;
            p.instances = t.instances;
            names->bindInt64(1, t.busiestId);
            if (auto row = names->step(); row && *row) {
                p.name = names->columnText(0);
                p.exe = names->columnText(1);
            }
            names->reset();
            r.topProcesses.push_back(std::move(p));
        }
    }

    // Top files written, by bytes, then by writes. Only paths: pipes and sockets named
    // "pipe:[ino]", "socket:[ino]" (and anon inodes) are not files.
    for (size_t i : topIndices(acc.byFile, acc.byFile.size(), [](const FileTally &t) { return t.writeEvents > 0; },
                               [](const FileTally &a, const FileTally &b) {
                                   return a.bytesWritten != b.bytesWritten ? a.bytesWritten > b.bytesWritten
                                                                           : a.writeCalls > b.writeCalls;
                               })) {
        if (r.topFilesWritten.size() >= topN)
            break;
        std::string path = lookup(*filePath, int64_t(i));
        if (!path.empty() && path[0] == '/')
            r.topFilesWritten.push_back({std::move(path), acc.byFile[i]});
    }

    // Top remote ends: sockets grouped by (raddr, rport), as `fd.dip == A and fd.dport == P`.
    {
        // One pass over the table: a session may hold a socket per connection
        // (hundreds of thousands), too many for a lookup each.
        auto sockets = prepare("SELECT id, family, raddr, rport FROM sockets");
        if (!sockets)
            return makeError(sockets.error());
        std::unordered_map<std::string, size_t> byRemote; // "raddr\0rport" -> index in all
        std::vector<RemoteStat> all;
        for (;;) {
            auto row = sockets->step();
            if (!row)
                return makeError(path + ": " + row.error());
            if (!*row)
                break;
            const int64_t id = sockets->columnInt64(0);
            if (id <= 0 || size_t(id) >= acc.bySocket.size() || acc.bySocket[size_t(id)].events == 0)
                continue;
            std::string address = sockets->columnText(2);
            if (address.empty())
                continue; // not connected (a listener, an unnamed Unix socket)
            const int64_t port = sockets->columnInt64(3);
            std::string key = address;
            key += '\0';
            key += std::to_string(port);
            auto [it, added] = byRemote.try_emplace(std::move(key), all.size());
            if (added) {
                RemoteStat s;
                s.family = int(sockets->columnInt64(1));
                s.address = std::move(address);
                s.port = uint16_t(port);
                all.push_back(std::move(s));
            }
            addTally(all[it->second].tally, acc.bySocket[size_t(id)]);
        }
        const size_t n = std::min(topN, all.size());
        std::partial_sort(all.begin(), all.begin() + std::ptrdiff_t(n), all.end(),
                          [](const RemoteStat &a, const RemoteStat &b) {
                              if (a.tally.events != b.tally.events)
                                  return a.tally.events > b.tally.events;
                              return a.address != b.address ? a.address < b.address : a.port < b.port;
                          });
        all.resize(n);
        r.topRemotes = std::move(all);
    }

    // Top failures: (syscall, errno) by events.
    {
        std::vector<std::pair<uint64_t, int64_t>> all(acc.failures.begin(), acc.failures.end());
        const size_t n = std::min(topN, all.size());
        auto before = [](const auto &a, const auto &b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        };
        std::partial_sort(all.begin(), all.begin() + std::ptrdiff_t(n), all.end(), before);
        all.resize(n);
        for (const auto &[key, events] : all) {
            FailureStat f;
            f.syscall = lookup(*stringText, int64_t(key >> 16));
            f.result = -int64_t(key & 0xffff);
            f.errnoName = errnoName(f.result);
            f.events = events;
            r.topFailures.push_back(std::move(f));
        }
    }
    return r;
}

} // namespace provscope
