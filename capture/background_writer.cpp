#include "background_writer.h"

#include "session_writer.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace provscope {
namespace {

// Widens loss to cover [first, last] and count more events.
void fold(std::optional<LossRecord> &loss, const char *source, uint64_t first, uint64_t last, uint64_t count)
{
    if (!loss) {
        loss = LossRecord{first, last, -1, 0, source};
    } else {
        loss->firstTsNs = std::min(loss->firstTsNs, first);
        loss->lastTsNs = std::max(loss->lastTsNs, last);
    }
    loss->count += count;
}

uint64_t stringsBytes(const std::vector<std::string> &strings)
{
    uint64_t n = 0;
    for (const std::string &s : strings)
        n += sizeof(std::string) + s.size();
    return n;
}

uint64_t fileBytes(const std::string &path)
{
    struct stat st {};
    uint64_t total = ::stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
    if (::stat((path + "-wal").c_str(), &st) == 0) // a session left in WAL form
        total += uint64_t(st.st_size);
    return total;
}

// Disk space held back beside the session while it is recorded ("FILE-reserve"), so
// that when the disk fills up the final loss record, the capture end and, when the
// WAL is small enough, the checkpoint still fit. Released at the end either way.
class SpaceReserve {
public:
    explicit SpaceReserve(const std::string &sessionPath) : m_path(sessionPath + "-reserve")
    {
        const std::string dir = sessionPath.find('/') == std::string::npos
            ? std::string(".")
            : sessionPath.substr(0, sessionPath.rfind('/') + 1);
        struct statvfs fs {};
        if (::statvfs(dir.c_str(), &fs) != 0)
            return;
        // As much as a full WAL between checkpoints (wal_autocheckpoint) when the disk
        // is big; a quarter of the free space when it is small.
        const uint64_t freeBytes = uint64_t(fs.f_bavail) * fs.f_frsize;
        const uint64_t size = std::min<uint64_t>(33ull << 20, freeBytes / 4) & ~uint64_t(4095);
        if (size == 0)
            return;
        const int fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return;
        m_held = ::posix_fallocate(fd, 0, off_t(size)) == 0;
        ::close(fd);
        if (!m_held)
            ::unlink(m_path.c_str());
    }
    ~SpaceReserve() { release(); }
    void release()
    {
        if (m_held)
            ::unlink(m_path.c_str());
        m_held = false;
    }

private:
    std::string m_path;
    bool m_held = false;
};

} // namespace

uint64_t BackgroundWriter::batchBytes(const CaptureBatch &batch)
{
    uint64_t n = sizeof(CaptureBatch);
    for (const Event &e : batch.events)
        n += sizeof(Event) + e.comm.size() + e.syscall.size() + e.path.size() + e.path2.size() +
             e.laddr.size() + e.raddr.size() + stringsBytes(e.argv);
    for (const ProcessInfo &p : batch.processes)
        n += sizeof(ProcessInfo) + p.comm.size() + p.exe.size() + stringsBytes(p.argv);
    for (const LossRecord &l : batch.losses)
        n += sizeof(LossRecord) + l.source.size();
    for (const Flow &f : batch.flows)
        n += sizeof(Flow) + f.src.size() + f.dst.size() + f.interfaceName.size() + f.dnsName.size();
    for (const DnsRecord &r : batch.dnsRecords)
        n += sizeof(DnsRecord) + r.name.size() + r.value.size() + r.queryName.size() + r.server.size();
    return n;
}

Result<std::unique_ptr<BackgroundWriter>> BackgroundWriter::start(const std::string &path, const SessionMeta &meta,
                                                                  const std::optional<TargetUser> &owner,
                                                                  BackgroundWriterOptions options)
{
    std::unique_ptr<BackgroundWriter> writer(new BackgroundWriter);
    writer->m_options = std::move(options);
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
    uint64_t bytes = batchBytes(batch);
    {
        std::lock_guard lock(m_mutex);
        if (m_finishing)
            return;
        if (m_queuedBytes > 0 && m_queuedBytes + bytes > m_options.maxQueueBytes && !batch.events.empty()) {
            // Full: the events go, counted; processes and kernel loss records are kept.
            for (const Event &e : batch.events)
                fold(m_pendingDrop, "user-queue", e.tsNs, std::max(e.lastTsNs, e.tsNs), 1);
            m_summary.queueDroppedEvents += int64_t(batch.events.size());
            batch.events.clear();
            if (batch.empty())
                return;
            bytes = batchBytes(batch);
        } else if (m_pendingDrop && !batch.events.empty()) {
            // Room again: the gap goes in before the events that follow it.
            CaptureBatch gap;
            gap.losses.push_back(*m_pendingDrop);
            m_pendingDrop.reset();
            m_queuedBytes += batchBytes(gap);
            m_queue.push_back(std::move(gap));
        }
        m_queuedBytes += bytes;
        m_queue.push_back(std::move(batch));
    }
    m_wake.notify_all();
}

uint64_t BackgroundWriter::queuedBytes() const
{
    std::lock_guard lock(m_mutex);
    return m_queuedBytes;
}

Result<WriterSummary> BackgroundWriter::finish(uint64_t captureEndNs)
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_finishing && m_pendingDrop) {
            CaptureBatch gap;
            gap.losses.push_back(*m_pendingDrop);
            m_pendingDrop.reset();
            m_queue.push_back(std::move(gap));
        }
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

void BackgroundWriter::countNotStored(const CaptureBatch &batch)
{
    for (const Event &e : batch.events)
        fold(m_notStored, "disk-full", e.tsNs, std::max(e.lastTsNs, e.tsNs), 1);
    for (const LossRecord &l : batch.losses) // lost already, and now their record too
        fold(m_notStored, "disk-full", l.firstTsNs, l.lastTsNs, l.count);
}

void BackgroundWriter::storeBatches(SessionWriter &writer, std::deque<CaptureBatch> &work, const std::string &path)
{
    for (CaptureBatch &batch : work) {
        const uint64_t bytes = batchBytes(batch);
        if (m_options.beforeAppend)
            m_options.beforeAppend();
        if (m_notStored) {
            countNotStored(batch);
        } else if (m_sizeLimitReached.load()) {
            m_summary.eventsAfterLimit += int64_t(batch.events.size()); // the recording has ended
        } else if (auto appended = writer.append(batch); !appended) {
            if (!writer.failedForLackOfSpace()) {
                std::lock_guard lock(m_mutex);
                if (m_error.empty())
                    m_error = "writing " + path + ": " + appended.error();
                return;
            }
            // Disk full: stop appending; what follows is counted, never silently dropped.
            m_diskFull.store(true);
            countNotStored(batch);
            if (!m_notStored) // a batch of processes only: nothing to count, but still stop
                m_notStored = LossRecord{0, 0, -1, 0, "disk-full"};
        } else {
            for (const Event &e : batch.events)
                m_lastStoredNs = std::max({m_lastStoredNs, e.tsNs, e.lastTsNs});
            if (m_options.maxFileBytes) {
                auto size = writer.databaseBytes();
                if (size && *size >= m_options.maxFileBytes)
                    m_sizeLimitReached.store(true);
            }
        }
        std::lock_guard lock(m_mutex);
        m_queuedBytes -= std::min(m_queuedBytes, bytes);
    }
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
    SpaceReserve reserve(path);
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
        storeBatches(*writer, work, path);
        {
            std::lock_guard lock(m_mutex);
            if (!m_error.empty())
                return;
        }
        if (finishing && work.empty())
            break;
    }

    if (m_notStored) {
        reserve.release(); // room for the loss record, the capture end and maybe the checkpoint
        if (m_notStored->firstTsNs == 0) // nothing but processes failed: the gap is "now"
            m_notStored->firstTsNs = m_notStored->lastTsNs = m_endNs;
        m_summary.diskFull = true;
        m_summary.diskFullAtNs = m_notStored->firstTsNs;
        m_summary.eventsNotStored = int64_t(m_notStored->count);
        if (auto recorded = writer->appendFinalLoss(*m_notStored); !recorded)
            m_summary.finishProblem = recorded.error();
    }
    const SessionCounts counts = writer->counts();
    reserve.release();
    // Stopped by the size limit: the recording ends with the last event it holds.
    const uint64_t endNs = m_sizeLimitReached.load() && m_lastStoredNs ? std::min(m_endNs, m_lastStoredNs) : m_endNs;
    if (auto finished = writer->finish(endNs); !finished) {
        if (!m_summary.diskFull)
            return fail("finishing " + path + ": " + finished.error());
        // No room to fold the WAL in: the session stays a valid WAL session that opens.
        m_summary.finishProblem = finished.error();
    }
    m_summary.events = counts.events;
    m_summary.processes = counts.processes;
    m_summary.lostEvents = counts.lostEvents;
    m_summary.sizeLimitReached = m_sizeLimitReached.load();
    m_summary.fileBytes = fileBytes(path);
}

} // namespace provscope
