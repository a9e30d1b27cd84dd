#pragma once
// Runs a piece of work on a worker thread while the caller waits in a local event
// loop, so the window keeps painting and responding; when the work takes more than a
// moment the status bar's TaskProgress shows it with a Cancel button. For operations
// whose caller needs the answer before going on (opening a file, exporting).
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

class QThreadPool;

namespace provscope {

class TaskProgress;

// Returns false when the user pressed Cancel: the work then runs to its end on its
// own, so it must own (capture by value or shared_ptr) everything it touches and
// leave nothing behind that the caller would not clean up. progress may be null.
// cancelled (optional) is set the moment the user presses Cancel, for work that
// looks at it.
bool runWithProgress(TaskProgress *progress, QThreadPool *pool, const QString &what,
                     std::function<void()> work, std::shared_ptr<std::atomic<bool>> cancelled = nullptr);

} // namespace provscope
