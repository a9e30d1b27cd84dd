#pragma once
// Opens a session file read-only and answers the queries of the views, the graph
// builder and the CLI. Finished sessions are opened immutable: nothing is ever
// written beside them. A session still being recorded (WAL) is opened read-only
// and refresh() follows its growth.
// One SessionReader per thread (its prepared statements are reused).
#include "event.h"
#include "flow.h"
#include "result.h"
#include "session_schema.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace provscope {

struct EventFilter {
    std::optional<uint32_t> pid;
    std::optional<uint64_t> procStartNs; // with pid: one process instance
    std::optional<std::string> syscall;  // exact name, e.g. "openat"
    std::optional<std::string> path;     // exact path (path or path2)
    int64_t firstId = 1;                 // ids ascending from here
    int64_t limit = -1;                  // -1: no limit
};

// A loss record and where the event table shows it: before the event with this id
// (count + 1: after the last event).
struct PlacedLoss {
    int64_t beforeEventId = 1;
    LossRecord loss;
};

// One identity a file row had (format 1.2, table file_ids): from event firstEventId
// on, events on path showed this (dev, ino) — stat()'s st_dev encoding and st_ino —
// until the file's next identity, if any.
struct FileIdentity {
    int64_t fileId = 0;     // files.id
    std::string path;
    uint64_t dev = 0;
    uint64_t ino = 0;
    int64_t firstEventId = 0;
};

class SessionReader {
public:
    ~SessionReader();
    SessionReader(const SessionReader &) = delete;
    SessionReader &operator=(const SessionReader &) = delete;

    // Checks the file before SQLite sees it, then the application id, the format
    // version and the tables. Failure messages name the file and say which:
    //   "<path> is not a provscope session (not an SQLite database)"
    //   "<path> is an SQLite database but not a provscope session"
    //   "<path> is damaged: <what>"
    //   "<path> was written by a newer provscope (format 2.0); this version reads 1.x"
    static Result<std::unique_ptr<SessionReader>> open(const std::string &path);

    const SessionMeta &meta() const;
    SessionCounts counts() const;
    // True while the writer has not finished (WAL file, no capture end yet);
    // also true for a recording that was interrupted.
    bool isRecording() const;
    // Re-reads counts and meta (capture end) of a live session.
    Result<void> refresh();

    // Events with ids firstId .. firstId+count-1 (fewer at the end). By primary key.
    Result<std::vector<Event>> eventsByIdRange(int64_t firstId, int count) const;
    Result<Event> event(int64_t id) const;
    // Calls visit for every matching event in id order; visit returns false to stop.
    Result<void> forEachEvent(const EventFilter &filter,
                              const std::function<bool(const Event &)> &visit) const;

    Result<std::vector<ProcessInfo>> processes() const;
    // startNs 0: the latest process instance with that pid. nullopt when unknown.
    Result<std::optional<ProcessInfo>> process(uint32_t pid, uint64_t startNs = 0) const;
    Result<std::vector<LossRecord>> losses() const;
    // The losses in table order (by beforeEventId, then as stored). Format 1.1 stores
    // the position at write time; for a 1.0 file it is the first event at or after the
    // loss's first timestamp (a binary search over ids: ids are nearly time-ordered).
    Result<std::vector<PlacedLoss>> placedLosses() const;
    // Every file identity in the order written (by first event); empty for a session
    // older than format 1.2.
    Result<std::vector<FileIdentity>> fileIdentities() const;
    // Format 1.3: whether the session has the flows and dns tables. False for an older
    // session: its flows were not recorded (not the same as none seen).
    bool hasFlowTables() const;
    // Every flow ordered by first packet (then key), comm/peerComm from the processes
    // table; empty without the tables.
    Result<std::vector<Flow>> flows() const;
    // The same, one at a time (a big import's flows need not be held); visit returns
    // false to stop.
    Result<void> forEachFlow(const std::function<bool(const Flow &)> &visit) const;
    // Every DNS answer in the order stored; empty without the tables.
    Result<std::vector<DnsRecord>> dnsRecords() const;
    // The same, one at a time; visit returns false to stop.
    Result<void> forEachDnsRecord(const std::function<bool(const DnsRecord &)> &visit) const;

    const std::string &path() const;

private:
    SessionReader();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace provscope
