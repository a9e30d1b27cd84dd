#include "matching_job.h"

#include "event_query.h"

#include <QMetaObject>
#include <QObject>
#include <QThreadPool>

namespace provscope {

void startMatchingJob(QThreadPool *pool, QObject *receiver, MatchingJob job,
                      std::function<void(const std::vector<int64_t> &ids)> onChunk,
                      std::function<void(double fraction)> onProgress,
                      std::function<void(const QString &error)> onFinished)
{
    pool->start([receiver, job = std::move(job), onChunk = std::move(onChunk), onProgress = std::move(onProgress),
                 onFinished = std::move(onFinished)] {
        const auto isCurrent = [&job] { return job.current->load() == job.generation; };
        if (!isCurrent())
            return;
        QString failure;
        auto query = EventQuery::open(job.sessionPath);
        if (!query) {
            failure = QString::fromStdString(query.error());
        } else {
            const auto takeChunk = [&](const std::vector<int64_t> &chunk) {
                if (!isCurrent())
                    return false;
                if (!chunk.empty())
                    QMetaObject::invokeMethod(receiver, [onChunk, chunk] { onChunk(chunk); }, Qt::QueuedConnection);
                return true;
            };
            const auto takeProgress = [&](double fraction) {
                if (!isCurrent())
                    return false;
                QMetaObject::invokeMethod(receiver, [onProgress, fraction] { onProgress(fraction); },
                                          Qt::QueuedConnection);
                return true;
            };
            auto ran = query.value()->matchingIds(job.filter, takeChunk, takeProgress, job.chunkSize, job.firstId);
            if (!ran)
                failure = QString::fromStdString(ran.error());
        }
        QMetaObject::invokeMethod(receiver, [onFinished, failure] { onFinished(failure); }, Qt::QueuedConnection);
    });
}

} // namespace provscope
