#pragma once
// The Process tree tab: the session's processes under their parents with exec images,
// command lines, lifetimes and event counts; a search box (name, pid, command line,
// image) that selects and expands to the next match; buttons and a context menu that
// filter the Events tab to a process or its whole subtree, or show it in the graph.
// The tree is built on a worker with its own connection (ProcessTree::build).
#include "point_of_interest.h"

#include <QFutureWatcher>
#include <QThreadPool>
#include <QWidget>

#include <atomic>
#include <cstdint>
#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QTreeView;

namespace provscope {

class ProcessTree;
struct ProcessFilter;
class ProcessTreeModel;
class SessionReader;
class TaskProgress;

class ProcessTreeTab : public QWidget {
    Q_OBJECT
public:
    explicit ProcessTreeTab(QWidget *parent = nullptr);
    ~ProcessTreeTab() override;

    // Builds the tree of this session in the background (nullptr / "": none).
    void setSession(const std::shared_ptr<SessionReader> &reader);
    void setSession(const QString &path);
    void setTaskProgress(TaskProgress *progress) { m_progress = progress; }
    // Stops a running build and waits for it (before the session file is released).
    void cancelAndWait();

    // Selects (and expands to) the process; startNs 0: the latest with that pid. While
    // the tree is being built the request waits for it. False when it is not in the tree.
    bool selectProcess(uint32_t pid, uint64_t startNs = 0);
    // The selected process's node in tree(), -1 when none.
    int currentNode() const;

    bool isLoading() const { return m_loading; }
    std::shared_ptr<const ProcessTree> tree() const { return m_tree; }
    ProcessTreeModel *model() const { return m_model; }
    QTreeView *view() const { return m_view; }
    QLineEdit *searchEdit() const { return m_search; }
    QLabel *statusLabel() const { return m_status; }
    QPushButton *filterProcessButton() const { return m_filterProcess; }
    QPushButton *filterSubtreeButton() const { return m_filterSubtree; }
    QPushButton *graphButton() const { return m_graph; }

public slots:
    // Builds the tree again (a live session grew, F5).
    void refresh();
    // Selects the next process (after the selected one) matching the search text.
    bool findNext();
    void filterToProcess();
    void filterToSubtree();
    void showInGraph();

signals:
    // A display filter for the Events tab, e.g. "proc.pid == 412".
    void filterRequested(const QString &expression);
    void graphRequested(const provscope::PointOfInterest &poi);
    // The tree was built (or failed: the status label says why).
    void treeReady();

private:
    // Shows the filter's note (why it is not exact) and asks for the filter.
    void requestFilter(const ProcessFilter &filter);

    struct Outcome {
        std::shared_ptr<const ProcessTree> tree;
        QString error;
        qint64 elapsedMs = 0;
        int generation = 0;
    };
    void startBuild();
    void onBuilt();
    void finishProgress();
    void expandToUsefulDepth();
    void updateButtons();
    void showContextMenu(const QPoint &pos);
    void selectNode(int node);

    QString m_path;
    std::shared_ptr<const ProcessTree> m_tree;
    ProcessTreeModel *m_model = nullptr;
    QTreeView *m_view = nullptr;
    QLineEdit *m_search = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_filterProcess = nullptr;
    QPushButton *m_filterSubtree = nullptr;
    QPushButton *m_graph = nullptr;
    TaskProgress *m_progress = nullptr;
    int m_progressToken = 0;
    // Its own thread: Qt's shared pool (2 threads here) also serves painting.
    QThreadPool m_pool;
    QFutureWatcher<Outcome> m_watcher;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    int m_generation = 0;
    bool m_loading = false;
    bool m_pendingSelection = false;
    uint32_t m_pendingPid = 0;
    uint64_t m_pendingStart = 0;
};

} // namespace provscope
