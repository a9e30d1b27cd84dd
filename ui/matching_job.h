#pragma once
// A display filter's matching event ids, found on a worker thread and handed to a
// widget piece by piece (the filter bar's rows, Find's matches).
#include "filter_sql.h"

#include <QString>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

class QObject;
class QThreadPool;

namespace provscope {

struct MatchingJob {
    std::string sessionPath; // local 8-bit encoding (QFile::encodeName)
    CompiledFilter filter;
    // The job runs while *current == generation: a newer job (or a cancel that
    // increments it) stops this one at its next chunk or progress report.
    std::shared_ptr<std::atomic<int>> current;
    int generation = 0;
    size_t chunkSize = 4096;
    int64_t firstId = 1;
};

// Runs job on pool; the callbacks run on receiver's thread (none after receiver is
// gone). onChunk gets each non-empty chunk and onProgress each fraction in [0, 1]
// posted while the job is current; onFinished (an error text, empty when the scan
// ended or was stopped) follows once, unless the job was stale before it started.
void startMatchingJob(QThreadPool *pool, QObject *receiver, MatchingJob job,
                      std::function<void(const std::vector<int64_t> &ids)> onChunk,
                      std::function<void(double fraction)> onProgress,
                      std::function<void(const QString &error)> onFinished);

} // namespace provscope
