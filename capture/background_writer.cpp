#include "background_writer.h"

#include "session_writer.h"

#include <sys/stat.h>

namespace provscope {

Result<std::unique_ptr<BackgroundWriter>> BackgroundWriter::start(const std::string &path, const SessionMeta &meta,
                                                                  const std::optional<TargetUser> &owner)
{
    std::unique_ptr<BackgroundWriter> writer(new BackgroundWriter);
    writer->m_thread = std::thread(&BackgroundWriter::run, writer.get(), path, meta, owner);
    std::unique_lock lock(writer->m_mutex);
    writer->m_wake.wait(lock, [&] { return writer->m_created || !writer->m_error.empty(); });
    if (!writer->m_created) {
        const std::string error = writer->m_error;
        lock.unlock();
        writer->m_thread.join();
        return makeError(error);
    }
    return writer;
}

BackgroundWriter::~BackgroundWriter()
{
    if (m_thread.joinable())
        (void)finish(0);
}

void BackgroundWriter::enqueue(CaptureBatch &&batch)
{
    if (batch.empty())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(batch));
    }
    m_wake.notify_all();
}

Result<WriterSummary> BackgroundWriter::finish(uint64_t captureEndNs)
{
    {
        std::lock_guard lock(m_mutex);
        m_finishing = true;
        m_endNs = captureEndNs;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    if (!m_error.empty())
        return makeError(m_error);
    return m_summary;
}

void BackgroundWriter::run(std::string path, SessionMeta meta, std::optional<TargetUser> owner)
{
    auto fail = [this](std::string message) {
        std::lock_guard lock(m_mutex);
        if (m_error.empty())
            m_error = std::move(message);
        m_wake.notify_all();
    };
    if (owner) {
        if (auto adopted = adoptFsIdentityForThisThread(*owner); !adopted)
            return fail(adopted.error());
    }
    auto created = SessionWriter::create(path, meta);
    if (!created)
        return fail(created.error());
    std::unique_ptr<SessionWriter> writer = std::move(created).value();
    {
        std::lock_guard lock(m_mutex);
        m_created = true;
    }
    m_wake.notify_all();

    for (;;) {
        std::deque<CaptureBatch> work;
        bool finishing = false;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return !m_queue.empty() || m_finishing; });
            work.swap(m_queue);
            finishing = m_finishing;
        }
        for (CaptureBatch &batch : work) {
            if (auto appended = writer->append(batch); !appended)
                return fail("writing " + path + ": " + appended.error());
        }
        if (finishing && work.empty())
            break;
    }
    const SessionCounts counts = writer->counts();
    if (auto finished = writer->finish(m_endNs); !finished)
        return fail("finishing " + path + ": " + finished.error());
    struct stat st {};
    m_summary.events = counts.events;
    m_summary.processes = counts.processes;
    m_summary.lostEvents = counts.lostEvents;
    m_summary.fileBytes = ::stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
}

} // namespace provscope
