#pragma once
// The Dashboard tab (the first one): the recording state and the session's counts,
// the event rate over time and the top syscalls, processes, files written, remote
// addresses and failed syscalls. Statistics are computed on a worker with their own
// read-only connection (SessionStatistics), with progress and Cancel in the status
// bar's TaskProgress; a growing session is refreshed incrementally (only its new
// events are scanned). Every item drills down: filterRequested() carries the display
// filter that shows its events, for the Events tab.
#include "session_statistics.h"

#include <QFutureWatcher>
#include <QThreadPool>
#include <QPointer>
#include <QWidget>

#include <atomic>
#include <memory>

class QLabel;
class QPushButton;
class QTableView;
class QTimer;

namespace provscope {

class RateChart;
class TaskProgress;
class TopListModel;

class DashboardTab : public QWidget {
    Q_OBJECT
public:
    // The top lists, in the order they are laid out.
    enum List { Syscalls, Processes, FilesWritten, RemoteAddresses, Failures, ListCount };
    // The count tiles of the header.
    enum Tile { EventsTile, ProcessesTile, FilesTile, SocketsTile, LostTile, FailedTile, RateTile,
                TileCount };

    explicit DashboardTab(QWidget *parent = nullptr);
    ~DashboardTab() override;

    // Shows the statistics of a session (empty path: none). recording: this window is
    // recording it (the state shows Recording and it is refreshed every few seconds
    // while the tab is visible). The same path again keeps what was scanned and only
    // scans new events.
    void setSession(const QString &path, bool recording);
    // Recording started or ended for the current session (the state, then a refresh).
    void setRecording(bool recording);
    // Scans the events added since the last scan (all of them the first time).
    void refresh();
    // Progress and Cancel of the scans go there (may be null).
    void setTaskProgress(TaskProgress *progress);
    // Cancels a running scan and waits for it: call before the file is released.
    void cancelAndWait();

    bool isBusy() const;
    QString sessionPath() const { return m_path; }
    // The last statistics shown; nullptr before the first scan finished.
    const StatisticsReport *report() const { return m_report.get(); }
    QString stateText() const;
    QString tileValue(Tile tile) const;
    QTableView *listView(List list) const { return m_views[list]; }
    TopListModel *listModel(List list) const { return m_models[list]; }
    RateChart *rateChart() const { return m_chart; }

signals:
    // Show these events in the Events tab: a display-filter expression.
    void filterRequested(const QString &expression);
    // A scan finished and the dashboard shows its result.
    void statisticsUpdated();
    void statisticsFailed(const QString &message);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    struct Outcome;
    void start();
    void onFinished();
    void showReport();
    void showState();
    void setStatus(const QString &text, bool error = false);
    void clearViews();

    QString m_path;
    bool m_recording = false;
    quint64 m_generation = 0; // bumped by setSession: a result of an older one is dropped
    std::shared_ptr<const StatisticsAccumulator> m_accumulator;
    std::unique_ptr<StatisticsReport> m_report;
    // Its own thread: Qt's shared pool (2 threads here) also serves painting.
    QThreadPool m_pool;
    QFutureWatcher<std::shared_ptr<Outcome>> m_watcher;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    bool m_jobRunning = false; // started and its result not handled yet
    bool m_refreshPending = false;
    QPointer<TaskProgress> m_progress;
    int m_progressToken = 0;
    QTimer *m_liveTimer;

    QLabel *m_state;
    QLabel *m_title;
    QLabel *m_subtitle;
    QLabel *m_status;
    QPushButton *m_refresh;
    QLabel *m_tileValues[TileCount] = {};
    QLabel *m_tileNotes[TileCount] = {};
    RateChart *m_chart;
    QLabel *m_chartTitle;
    QTableView *m_views[ListCount] = {};
    TopListModel *m_models[ListCount] = {};
    QLabel *m_empty[ListCount] = {};
};

} // namespace provscope
