#include "jsonl_sink.h"

#include "backtrack_log_writer.h"
#include "backtrack_output_dir.h"

#include <unistd.h>

namespace provscope {

Result<std::unique_ptr<JsonlSink>> JsonlSink::start(const std::string &dir, const SessionMeta &meta,
                                                    const std::optional<TargetUser> &owner)
{
    std::unique_ptr<JsonlSink> sink(new JsonlSink);
    sink->m_thread = std::thread(&JsonlSink::run, sink.get(), dir, meta, owner);
    std::unique_lock lock(sink->m_mutex);
    sink->m_wake.wait(lock, [&] { return sink->m_created || !sink->m_error.empty(); });
    if (!sink->m_created) {
        const std::string error = sink->m_error;
        lock.unlock();
        sink->m_thread.join();
        return makeError(error);
    }
    return sink;
}

JsonlSink::~JsonlSink()
{
    if (m_thread.joinable())
        (void)finish();
}

void JsonlSink::enqueue(CaptureBatch batch)
{
    if (batch.empty())
        return;
    {
        std::lock_guard lock(m_mutex);
        if (!m_error.empty())
            return; // the writer thread stopped on an error: finish() reports it
        m_queue.push_back(std::move(batch));
    }
    m_wake.notify_all();
}

Result<JsonlSummary> JsonlSink::finish()
{
    {
        std::lock_guard lock(m_mutex);
        m_finishing = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    if (!m_error.empty())
        return makeError(m_error);
    return m_summary;
}

void JsonlSink::run(std::string dirPath, SessionMeta meta, std::optional<TargetUser> owner)
{
    auto fail = [this](std::string message) {
        std::lock_guard lock(m_mutex);
        if (m_error.empty())
            m_error = std::move(message);
        m_queue.clear();
        m_wake.notify_all();
    };
    if (owner) {
        if (auto adopted = adoptFsIdentityForThisThread(*owner); !adopted)
            return fail(adopted.error());
    }
    auto opened = BacktrackOutputDir::open(dirPath);
    if (!opened)
        return fail(opened.error());
    const BacktrackOutputDir &dir = *opened;
    auto rawFd = dir.createFile(kBacktrackRawLogName);
    if (!rawFd)
        return fail(rawFd.error());
    auto trackerFd = dir.createFile(kBacktrackTrackerLogName);
    if (!trackerFd) {
        ::close(*rawFd);
        return fail(trackerFd.error());
    }
    struct Files {
        int raw, tracker;
        ~Files() { ::close(raw), ::close(tracker); }
    } files{*rawFd, *trackerFd};
    m_summary.rawPath = dir.pathOf(kBacktrackRawLogName);
    m_summary.trackerPath = dir.pathOf(kBacktrackTrackerLogName);
    {
        std::lock_guard lock(m_mutex);
        m_created = true;
    }
    m_wake.notify_all();

    BacktrackLogWriter writer(meta.bootId, meta.bootToEpochNs);
    std::string raw, tracker;
    auto write = [&]() -> Result<void> {
        if (auto written = writeAllTo(files.raw, raw, m_summary.rawPath); !written)
            return written;
        raw.clear();
        auto written = writeAllTo(files.tracker, tracker, m_summary.trackerPath);
        tracker.clear();
        return written;
    };
    for (;;) {
        std::deque<CaptureBatch> work;
        bool finishing = false;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return !m_queue.empty() || m_finishing; });
            work.swap(m_queue);
            finishing = m_finishing;
        }
        for (const CaptureBatch &batch : work) {
            for (const ProcessInfo &process : batch.processes)
                writer.addProcess(process);
            for (const Event &event : batch.events)
                writer.addEvent(event, raw, tracker);
            m_summary.rawLines += int64_t(batch.events.size());
        }
        if (auto written = write(); !written)
            return fail(written.error()); // the session (if any) goes on; finish() reports it
        if (finishing && work.empty())
            break;
    }
    writer.flush(tracker);
    if (auto written = write(); !written)
        return fail(written.error());
    if (::fsync(files.raw) != 0 || ::fsync(files.tracker) != 0)
        return fail("writing the BackTrack logs in " + dirPath + ": the data did not reach the disk");
}

} // namespace provscope
