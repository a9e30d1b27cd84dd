#pragma once
// Writes capture batches into a session file on its own thread, so a slow disk
// never stalls the ring-buffer reader. The thread takes the invoking user's
// file identity before it creates anything.
//
// Nothing is lost silently: the queue is bounded, and when it is full the events of
// a batch are dropped and counted into a "user-queue" loss record (its processes and
// loss records are kept). When the disk fills up, appending stops and everything not
// stored is counted into one final "disk-full" loss record before the file is finished.
#include "capture_batch.h"
#include "privilege_drop.h"
#include "result.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace provscope {

class SessionWriter;

struct BackgroundWriterOptions {
    // Memory the queue may hold (estimated from the events' sizes) before batches are
    // dropped; a batch is always accepted into an empty queue.
    uint64_t maxQueueBytes = 256ull << 20;
    // Once the session reaches this size the recording ends there: shouldStop() turns
    // true, later batches are not stored (counted in eventsAfterLimit) and the capture
    // end is the last stored event. 0: no limit.
    uint64_t maxFileBytes = 0;
    // Tests: called on the writer thread before each batch is stored (a slow disk).
    std::function<void()> beforeAppend;
};

struct WriterSummary {
    int64_t events = 0;
    int64_t processes = 0;
    int64_t lostEvents = 0;
    uint64_t fileBytes = 0;
    int64_t queueDroppedEvents = 0; // stored as "user-queue" loss records
    bool sizeLimitReached = false;
    int64_t eventsAfterLimit = 0;   // queued when the limit was reached: after the end
    // Disk full: recording stopped at diskFullAtNs (boot ns of the first event not
    // stored); eventsNotStored went into a "disk-full" loss record.
    bool diskFull = false;
    uint64_t diskFullAtNs = 0;
    int64_t eventsNotStored = 0;
    std::string finishProblem; // disk full: why the session stayed in WAL form, if it did
};

class BackgroundWriter {
public:
    // Creates the session file (on the writer thread, as `owner` when given) and
    // returns once it exists, or with the reason it could not be created.
    static Result<std::unique_ptr<BackgroundWriter>> start(const std::string &path, const SessionMeta &meta,
                                                           const std::optional<TargetUser> &owner,
                                                           BackgroundWriterOptions options = {});
    ~BackgroundWriter();

    void enqueue(CaptureBatch &&batch);
    // True once the recording should stop: the size limit was reached or the disk is full.
    bool shouldStop() const { return m_sizeLimitReached.load() || m_diskFull.load(); }
    bool diskFull() const { return m_diskFull.load(); }
    // Estimated memory held by batches not yet stored.
    uint64_t queuedBytes() const;
    // Writes what is queued, finishes the session (one self-contained file) and
    // joins the thread. The first write error, if any, is returned here; a full disk
    // is not an error but a summary with diskFull set.
    Result<WriterSummary> finish(uint64_t captureEndNs);

    // Estimated memory of a batch in the queue.
    static uint64_t batchBytes(const CaptureBatch &batch);

private:
    BackgroundWriter() = default;
    void run(std::string path, SessionMeta meta, std::optional<TargetUser> owner);
    void storeBatches(SessionWriter &writer, std::deque<CaptureBatch> &work, const std::string &path);
    void countNotStored(const CaptureBatch &batch);

    BackgroundWriterOptions m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<CaptureBatch> m_queue;
    uint64_t m_queuedBytes = 0;
    std::optional<LossRecord> m_pendingDrop; // events dropped since the last accepted batch
    bool m_created = false;
    bool m_finishing = false;
    uint64_t m_endNs = 0;
    std::string m_error;
    WriterSummary m_summary;
    std::optional<LossRecord> m_notStored; // writer thread only: after the disk filled up
    uint64_t m_lastStoredNs = 0;           // writer thread only
    std::atomic<bool> m_sizeLimitReached{false};
    std::atomic<bool> m_diskFull{false};
    std::thread m_thread;
};

} // namespace provscope
