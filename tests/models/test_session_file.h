#pragma once
// Writing a whole test session in one call, with the real SessionWriter, and the
// metadata the sample sessions share.
#include "capture_batch.h"
#include "session_writer.h"

#include <QString>

#include <string>
#include <vector>

namespace provscope::test {

// A process instance as the process table keeps it.
inline ProcessInfo processInfo(uint32_t pid, uint64_t startNs, uint32_t ppid, uint64_t parentStartNs, const char *comm,
                               const char *exe)
{
    ProcessInfo p;
    p.pid = pid;
    p.startNs = startNs;
    p.ppid = ppid;
    p.parentStartNs = parentStartNs;
    p.comm = comm;
    p.exe = exe;
    return p;
}

// Metadata of a test capture on host with boot id bootId: tool "test", kernel
// "6.1.0-test", an empty capture configuration.
inline SessionMeta testSessionMeta(std::string host, std::string bootId, int64_t bootToEpochNs,
                                   uint64_t captureStartNs)
{
    SessionMeta meta;
    meta.toolVersion = "test";
    meta.host = std::move(host);
    meta.kernel = "6.1.0-test";
    meta.bootId = std::move(bootId);
    meta.bootToEpochNs = bootToEpochNs;
    meta.captureStartNs = captureStartNs;
    meta.captureConfig = "{}";
    return meta;
}

// Writes meta and batches to a new session at path and finishes it at endNs (boot ns).
// Returns an error message or "".
inline QString writeSession(const QString &path, const SessionMeta &meta,
                            std::vector<CaptureBatch> batches, uint64_t endNs)
{
    auto writer = SessionWriter::create(path.toStdString(), meta);
    if (!writer)
        return QString::fromStdString(writer.error());
    for (CaptureBatch &batch : batches)
        if (auto appended = writer.value()->append(batch); !appended)
            return QString::fromStdString(appended.error());
    if (auto finished = writer.value()->finish(endNs); !finished)
        return QString::fromStdString(finished.error());
    return {};
}

} // namespace provscope::test
