#include "backtrack_export.h"

#include "backtrack_log_writer.h"
#include "backtrack_output_dir.h"
#include "session_reader.h"

#include <algorithm>
#include <unistd.h>

namespace provscope {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

// One output file under its temporary name until commit().
class PendingFile {
public:
    PendingFile(const BacktrackOutputDir &dir, std::string finalName)
        : m_dir(dir), m_final(std::move(finalName)),
          m_temp("." + m_final + "." + std::to_string(getpid()) + ".part")
    {
    }
    ~PendingFile()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        if (m_created && !m_committed)
            m_dir.remove(m_temp);
    }

    Result<void> create()
    {
        auto fd = m_dir.createFile(m_temp);
        if (!fd)
            return makeError(fd.error());
        m_fd = *fd;
        m_created = true;
        return {};
    }
    // Writes the buffer once it is big enough (or always, when final).
    Result<void> drain(std::string &buffer, bool final = false)
    {
        if (buffer.empty() || (!final && buffer.size() < kFlushBytes))
            return {};
        auto written = writeAllTo(m_fd, buffer, m_dir.pathOf(m_final));
        buffer.clear();
        return written;
    }
    Result<void> close()
    {
        const int fd = m_fd;
        m_fd = -1;
        if (::fsync(fd) != 0 || ::close(fd) != 0)
            return makeError("writing " + m_dir.pathOf(m_final) + ": the data did not reach the disk");
        return {};
    }
    Result<void> commit()
    {
        auto renamed = m_dir.renameNoReplace(m_temp, m_final);
        m_committed = bool(renamed);
        return renamed;
    }
    void uncommit() // the other file failed: this one must not stand alone
    {
        if (m_committed)
            m_dir.remove(m_final);
        m_committed = false;
    }
    std::string finalPath() const { return m_dir.pathOf(m_final); }

private:
    const BacktrackOutputDir &m_dir;
    std::string m_final;
    std::string m_temp;
    int m_fd = -1;
    bool m_created = false;
    bool m_committed = false;
};

int64_t countLines(std::string_view text, std::string_view prefix)
{
    int64_t n = 0;
    for (size_t pos = 0; (pos = text.find(prefix, pos)) != std::string::npos; pos += prefix.size())
        ++n;
    return n;
}

} // namespace

Result<BacktrackExportSummary> exportBacktrackJsonl(const SessionReader &reader, const std::string &dirPath)
{
    auto opened = BacktrackOutputDir::open(dirPath);
    if (!opened)
        return makeError(opened.error());
    const BacktrackOutputDir &dir = *opened;
    for (const char *name : {kBacktrackRawLogName, kBacktrackTrackerLogName}) {
        if (dir.exists(name))
            return makeError(dir.pathOf(name) + " already exists; refusing to overwrite it");
    }
    PendingFile rawFile(dir, kBacktrackRawLogName);
    PendingFile trackerFile(dir, kBacktrackTrackerLogName);
    if (auto created = rawFile.create(); !created)
        return makeError(created.error());
    if (auto created = trackerFile.create(); !created)
        return makeError(created.error());

    const SessionMeta &meta = reader.meta();
    BacktrackLogWriter writer(meta.bootId, meta.bootToEpochNs);
    auto processes = reader.processes();
    if (!processes)
        return makeError(processes.error());
    for (const ProcessInfo &process : *processes)
        writer.addProcess(process);

    BacktrackExportSummary summary;
    std::string raw, tracker;
    std::string writeError;
    // Node and edge lines counted in what each call appended.
    auto countNew = [&](size_t from) {
        const std::string_view added = std::string_view(tracker).substr(from);
        summary.nodeLines += countLines(added, "{\"LogType\":\"node\"");
        summary.edgeLines += countLines(added, "{\"LogType\":\"edge\"");
    };
    auto visited = reader.forEachEvent(EventFilter{}, [&](const Event &event) {
        const size_t before = tracker.size();
        writer.addEvent(event, raw, tracker);
        countNew(before);
        ++summary.rawLines;
        Result<void> drained = rawFile.drain(raw);
        if (drained)
            drained = trackerFile.drain(tracker);
        if (!drained)
            writeError = drained.error();
        return writeError.empty();
    });
    if (!writeError.empty())
        return makeError(writeError);
    if (!visited)
        return makeError("reading " + reader.path() + ": " + visited.error());
    const size_t before = tracker.size();
    writer.flush(tracker);
    countNew(before);
    for (auto [file, buffer] : {std::pair{&rawFile, &raw}, std::pair{&trackerFile, &tracker}}) {
        if (auto drained = file->drain(*buffer, true); !drained)
            return makeError(drained.error());
        if (auto closed = file->close(); !closed)
            return makeError(closed.error());
    }
    if (auto committed = rawFile.commit(); !committed)
        return makeError(committed.error());
    if (auto committed = trackerFile.commit(); !committed) {
        rawFile.uncommit();
        return makeError(committed.error());
    }
    summary.rawPath = rawFile.finalPath();
    summary.trackerPath = trackerFile.finalPath();
    return summary;
}

} // namespace provscope
