#pragma once
// Writes capture batches into a session file on its own thread, so a slow disk
// never stalls the ring-buffer reader. The thread takes the invoking user's
// file identity before it creates anything.
#include "capture_batch.h"
#include "privilege_drop.h"
#include "result.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace provscope {

class SessionWriter;

struct WriterSummary {
    int64_t events = 0;
    int64_t processes = 0;
    int64_t lostEvents = 0;
    uint64_t fileBytes = 0;
};

class BackgroundWriter {
public:
    // Creates the session file (on the writer thread, as `owner` when given) and
    // returns once it exists, or with the reason it could not be created.
    static Result<std::unique_ptr<BackgroundWriter>> start(const std::string &path, const SessionMeta &meta,
                                                           const std::optional<TargetUser> &owner);
    ~BackgroundWriter();

    void enqueue(CaptureBatch &&batch);
    // Writes what is queued, finishes the session (one self-contained file) and
    // joins the thread. The first write error, if any, is returned here.
    Result<WriterSummary> finish(uint64_t captureEndNs);

private:
    BackgroundWriter() = default;
    void run(std::string path, SessionMeta meta, std::optional<TargetUser> owner);

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<CaptureBatch> m_queue;
    bool m_created = false;
    bool m_finishing = false;
    uint64_t m_endNs = 0;
    std::string m_error;
    WriterSummary m_summary;
    std::thread m_thread;
};

} // namespace provscope
