#include "background_task.h"

#include "task_progress.h"

#include <QEventLoop>
#include <QFutureWatcher>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

namespace provscope {

bool runWithProgress(TaskProgress *progress, QThreadPool *pool, const QString &what,
                     std::function<void()> work, std::shared_ptr<std::atomic<bool>> cancelFlag)
{
    QEventLoop loop;
    QFutureWatcher<void> watcher;
    QObject::connect(&watcher, &QFutureWatcher<void>::finished, &loop, &QEventLoop::quit);
    watcher.setFuture(QtConcurrent::run(pool, std::move(work)));
    bool cancelled = false;
    int token = 0;
    if (progress) {
        // Quick work never flashes a progress bar.
        QTimer::singleShot(250, &loop, [&] {
            token = progress->begin(what, [&] {
                cancelled = true;
                if (cancelFlag)
                    cancelFlag->store(true);
                loop.quit();
            });
        });
    }
    if (!watcher.isFinished())
        loop.exec();
    if (token)
        progress->finish(token);
    if (cancelled) {
        watcher.disconnect();
        return false;
    }
    watcher.waitForFinished();
    return true;
}

} // namespace provscope
