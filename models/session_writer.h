#pragma once
// Writes one recording into a new session file (current format 1.x). Used by the headless
// recorder (provscope-capture -o) and by the GUI for live captures: both produce
// the same format. WAL while recording; finish() makes it one self-contained file.
// Not thread-safe: one thread appends. Readers use their own SessionReader.
#include "capture_batch.h"
#include "event.h"
#include "result.h"
#include "session_schema.h"

#include <cstdint>
#include <memory>
#include <string>

namespace provscope {

class SessionWriter {
public:
    ~SessionWriter(); // not finished: leaves a valid WAL session (readable, "recording")
    SessionWriter(const SessionWriter &) = delete;
    SessionWriter &operator=(const SessionWriter &) = delete;

    // Creates path; refuses an existing file or a symlink (never follows one).
    // meta.formatVersion is ignored (always sessionFormatVersion()); captureEndNs is stored as 0.
    static Result<std::unique_ptr<SessionWriter>> create(const std::string &path,
                                                         const SessionMeta &meta);

    // Stores one batch in one transaction: processes are upserted (a later record for
    // the same (pid, startNs) fills in exe/argv/exit), events get dense ids 1, 2, 3...
    // written back into batch.events[i].id, losses are appended. Flows are upserted by
    // key (the last version wins) and attributed to the processes of the socket events
    // stored so far (flow_attribution.h), written back into batch.flows with comm and
    // peerComm; one not attributed yet is tried again on later appends and at finish()
    // (its connect may arrive after it). DNS records are appended. Counts in meta
    // are updated in the same transaction, so a live reader sees consistent totals.
    Result<void> append(CaptureBatch &batch);
    // A capture-file import: no event will ever come to attribute a flow, so flows do not
    // wait for one (that bookkeeping was 40% of an import's time).
    void setNoEventsExpected();
    // After append() failed: whether it failed for lack of space (SQLITE_FULL, ENOSPC).
    // The failed batch was rolled back; nothing more is appended.
    bool failedForLackOfSpace() const;
    // Stores one loss record (and the counts) even after a failed append: the final
    // "disk-full" record of what could not be stored. A tiny transaction that fits in
    // the space the rolled-back batch used.
    Result<void> appendFinalLoss(const LossRecord &loss);
    // Replaces the capture configuration JSON stored in meta.
    Result<void> setCaptureConfig(const std::string &json);
    // Replaces the capture start (boot ns): an import knows it once the file is read.
    Result<void> setCaptureStart(uint64_t captureStartNs);
    // Records the end, checkpoints the WAL, switches to journal_mode=DELETE and closes.
    // Afterwards append() fails.
    Result<void> finish(uint64_t captureEndNs);

    SessionCounts counts() const;
    // The size the finished file will have (page count x page size, WAL included).
    Result<uint64_t> databaseBytes() const;
    bool isFinished() const;
    const std::string &path() const;

private:
    SessionWriter();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace provscope
