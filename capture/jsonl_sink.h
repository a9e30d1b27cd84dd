#pragma once
// `provscope-capture --jsonl DIR`: BackTrack-compatible logs written live, beside
// (or instead of) the session file. Batches are converted and appended on the
// sink's own thread, which takes the invoking user's fs identity before it
// creates the directory or the files (never through a symlink, never over an
// existing file). The files grow during the capture and are flushed at finish().
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

struct JsonlSummary {
    std::string rawPath;
    std::string trackerPath;
    int64_t rawLines = 0;
};

class JsonlSink {
public:
    // Creates DIR if needed and both files; returns once they exist, or why not.
    static Result<std::unique_ptr<JsonlSink>> start(const std::string &dir, const SessionMeta &meta,
                                                    const std::optional<TargetUser> &owner);
    ~JsonlSink();

    void enqueue(CaptureBatch batch);
    // Writes what is queued, the pending fork edges, syncs and closes the files.
    // The first write error, if any, is returned here.
    Result<JsonlSummary> finish();

private:
    JsonlSink() = default;
    void run(std::string dir, SessionMeta meta, std::optional<TargetUser> owner);

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<CaptureBatch> m_queue;
    bool m_created = false;
    bool m_finishing = false;
    std::string m_error;
    JsonlSummary m_summary;
    std::thread m_thread;
};

} // namespace provscope
