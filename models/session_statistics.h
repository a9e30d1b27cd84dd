#pragma once
// Statistics of a session for the dashboard: counts, the event rate over time and the
// top syscalls, processes, files written, remote addresses and failed syscalls.
// One scan of the events in id order on its own read-only connection tallies by the
// row ids events refer to (strings, processes, files, sockets); names are looked up
// only for the top items. Id ranges are tallied apart and merged, so a growing session
// scans only its new events on refresh. One SessionStatistics per thread.
#include "event.h"
#include "result.h"
#include "session_schema.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace provscope {

// One bar of the rate chart: events whose (first) timestamp is in [startNs, endNs),
// epoch ns.
struct RateBucket {
    int64_t startNs = 0;
    int64_t endNs = 0;
    int64_t events = 0;
};

// Events per time bucket, buckets aligned to epoch multiples of their width (1 µs,
// 10 µs, ... : a power of ten), so two histograms merge exactly and every bucket
// boundary is a round time. At most kMaxBuckets: a longer span widens the buckets.
struct RateHistogram {
    static constexpr size_t kMaxBuckets = 4000;
    int64_t widthNs = 1000;
    int64_t firstIndex = 0;      // epoch ns / widthNs of counts[0]
    std::vector<int64_t> counts; // empty: no events

    void add(int64_t epochNs, int64_t events = 1);
    void merge(const RateHistogram &other);
    // About target buckets over the span, of a 1-2-5 multiple of widthNs.
    std::vector<RateBucket> buckets(size_t target = 200) const;
    int64_t total() const;

private:
    void widen(int64_t newWidthNs);
};

// A syscall name's tally: events, the syscalls they stand for (coalesced runs) and bytes.
struct SyscallTally {
    int64_t events = 0;
    int64_t calls = 0;
    int64_t bytes = 0;
};

// A file's tally: every event naming it (path or a rename's new path), and the writes
// among them (successful writes, truncates, opens for writing or creation, renames to it,
// in-kernel copies into it: sendfile, splice, copy_file_range).
// The top files written are absolute paths (not pipe:[ino] or socket:[ino]).
struct FileTally {
    int64_t events = 0;
    int64_t writeEvents = 0;
    int64_t writeCalls = 0;
    int64_t bytesWritten = 0;
};

struct SocketTally {
    int64_t events = 0;
    int64_t connects = 0;
    int64_t sends = 0; // send-like syscalls (send*, write*), coalesced runs counted in full
    int64_t bytesSent = 0;
    int64_t bytesReceived = 0;
};

// Tallies of a range of event ids, keyed by row ids (vectors indexed by the id).
// Mergeable: tallying [a, b] and [b+1, c] and merging equals tallying [a, c].
struct StatisticsAccumulator {
    int64_t firstId = 0; // ids covered: [firstId, lastId]; 0, 0 when none
    int64_t lastId = 0;
    int64_t events = 0;
    int64_t calls = 0;
    int64_t bytes = 0;
    int64_t failedEvents = 0;
    int64_t firstTsNs = 0; // epoch ns of the earliest event; 0 when none
    int64_t lastTsNs = 0;  // epoch ns of the latest (last syscall of a coalesced run)
    std::vector<SyscallTally> bySyscall; // index: strings.id of the name
    std::vector<int64_t> byProcess;      // events, index: processes.id
    std::vector<FileTally> byFile;       // index: files.id
    std::vector<SocketTally> bySocket;   // index: sockets.id
    // (strings.id of the syscall << 16 | errno) -> events
    std::unordered_map<uint64_t, int64_t> failures;
    RateHistogram rate;

    void merge(const StatisticsAccumulator &other);
};

// The top items with their names, as the dashboard shows them.
struct SyscallStat {
    std::string name;
    SyscallTally tally;
};
struct ProcessStat {
    uint32_t pid = 0;
    std::string name;   // comm of its busiest process instance with this pid
    std::string exe;
    int instances = 0;  // process instances with this pid (pid reuse, exec)
    int64_t events = 0;
};
struct FileWriteStat {
    std::string path;
    FileTally tally;
};
struct RemoteStat {
    std::string address; // numeric, or a Unix socket path
    uint16_t port = 0;
    int family = 2;      // AF_INET, AF_INET6 or AF_UNIX
    SocketTally tally;   // summed over the sockets with this remote end
};
struct FailureStat {
    std::string syscall;
    int64_t result = 0;     // negative errno
    std::string errnoName;  // "ENOENT"; empty when unknown
    int64_t events = 0;
};

// A loss record on the time line (epoch ns).
struct LossMark {
    int64_t firstNs = 0;
    int64_t lastNs = 0;
    int64_t count = 0;
    std::string source;
};

struct StatisticsReport {
    SessionCounts counts;   // from meta (processes, files, sockets, lost events)
    bool recording = false; // the writer has not finished
    bool finished = false;  // the capture end is recorded
    int64_t bootToEpochNs = 0;
    std::string host;
    std::string kernel;
    std::string evidenceDigest; // SHA-256 stored when recording ended; empty: none
    int64_t captureStartNs = 0; // epoch ns
    int64_t captureEndNs = 0;   // epoch ns, 0 when not finished
    int64_t scannedEvents = 0;  // events tallied (== counts.events once up to date)
    int64_t calls = 0;
    int64_t bytes = 0;
    int64_t failedEvents = 0;
    int64_t firstTsNs = 0;  // epoch ns, 0 when there are no events
    int64_t lastTsNs = 0;
    size_t distinctSyscalls = 0;
    std::vector<RateBucket> rate;
    std::vector<LossMark> losses; // every loss record, in table order
    std::vector<SyscallStat> topSyscalls;
    std::vector<ProcessStat> topProcesses;
    std::vector<FileWriteStat> topFilesWritten;
    std::vector<RemoteStat> topRemotes;
    std::vector<FailureStat> topFailures;
};

class SessionStatistics {
public:
    ~SessionStatistics();
    SessionStatistics(const SessionStatistics &) = delete;
    SessionStatistics &operator=(const SessionStatistics &) = delete;

    // Opens the session read-only as SessionReader does (same checks, same messages).
    static Result<std::unique_ptr<SessionStatistics>> open(const std::string &sessionPath);

    // Tallies the events with ids in [firstId, lastId] (lastId < 0: to the end) into
    // acc. progress(fraction) is called now and then; returning false cancels, and
    // then this returns false and acc is partial (throw it away).
    Result<bool> aggregate(StatisticsAccumulator &acc, int64_t firstId, int64_t lastId = -1,
                           const std::function<bool(double)> &progress = {});
    // The largest event id stored now (0: none); a live session's grows.
    Result<int64_t> lastEventId();
    // The counts and the top topN items of each list, with names.
    Result<StatisticsReport> report(const StatisticsAccumulator &acc, size_t topN = 10,
                                    size_t rateBuckets = 200);

    int64_t bootToEpochNs() const;

private:
    SessionStatistics();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace provscope
