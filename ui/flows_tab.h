#pragma once
// The Flows tab: the session's network flows as a sortable table (top flows by bytes)
// above the charts of the flows in the selected time range. The flows are read on a
// worker with its own read-only connection and read again while a live capture grows.
// The time range is the Events tab's (its quick filter's From/To); a chart click
// narrows the table to the flows it stands for and asks the event table to show
// their socket events; a double-click on a row shows the events of that flow.
#include "event_table_model.h"
#include "flow.h"
#include "flow_selection.h"
#include "flow_statistics.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QPointer>
#include <QThreadPool>
#include <QWidget>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

class QLabel;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTimer;

namespace provscope {

class FlowChartsPanel;
class FlowTableModel;
class TaskProgress;

class FlowsTab : public QWidget {
    Q_OBJECT
public:
    explicit FlowsTab(QWidget *parent = nullptr);
    ~FlowsTab() override;

    // The session to show (empty: none). recording: a live capture writes it (read
    // again every few seconds while the tab is visible). The same path again keeps
    // the table's selection, sort and chart selection.
    void setSession(const QString &path, bool recording);
    // Reads the flows again (after the running read when one runs).
    void refresh();
    // Stops a running read and waits: call before the file is released.
    void cancelAndWait();
    void setTaskProgress(TaskProgress *progress);

    // The shared time range in epoch ns [from, to); INT64_MIN / INT64_MAX for an
    // open end. clearTimeRange(): the whole session.
    void setTimeRange(int64_t fromEpochNs, int64_t toEpochNs);
    void clearTimeRange();
    // What a chart click does (also callable directly): narrows the table; a
    // time-range selection asks for that range (timeRangeRequested), any other for
    // the events of the matching flows (eventFilterRequested). Kind::All clears.
    void applySelection(const FlowSelection &selection);
    void clearSelection();
    const std::optional<FlowSelection> &selection() const { return m_selection; }
    // The first-seen column follows the event table's time format.
    void setTimeFormat(EventTableModel::TimeFormat format, int64_t referenceBootNs);

    bool isBusy() const { return m_jobRunning; }
    // A read of the current session finished (flows, or an error).
    bool isLoaded() const { return m_loaded; }
    const std::vector<Flow> &allFlows() const { return *m_all; }
    int64_t bootToEpochNs() const { return m_bootToEpochNs; }
    // How many flows the time range has (what the charts show).
    size_t flowsInRangeCount() const { return m_inRange.size(); }
    // The first packet of the first flow and the last of the last, epoch ns (none
    // without flows): the shared time range's span reaches them.
    std::optional<std::pair<int64_t, int64_t>> flowSpanEpochNs() const;
    // While recording: the pause between two reads (3 s, or twice the last read's
    // time when that was longer).
    int liveRefreshIntervalMs() const;

    QTableView *table() const { return m_table; }
    FlowTableModel *model() const { return m_model; }
    FlowChartsPanel *charts() const { return m_charts; }
    // "Showing flows to domain example.com" ("" without a chart selection).
    QString breadcrumbText() const;
    // The note in place of the table or charts: "This session has no network
    // capture...", "No flows in this range", an error; "" when flows are shown.
    QString messageText() const;

signals:
    // Filter the event table to these flows' events (the tab stays in front).
    void eventFilterRequested(const QString &expression);
    // Show the events of one flow in the Events tab.
    void flowEventsRequested(const QString &expression);
    // Set the shared time range to [from, to) epoch ns (a traffic-over-time bucket;
    // INT64_MIN, INT64_MAX: the whole session, the summary's "All times").
    void timeRangeRequested(int64_t fromEpochNs, int64_t toEpochNs);
    // A read finished and the tab shows its result (or its error).
    void flowsLoaded();
    // The chart selection was cleared (the breadcrumb's Clear, another session).
    void selectionCleared();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    struct Outcome;
    void start();
    void onFinished();
    // rangeChanged: the flows or the range changed (the charts get the range's flows again).
    void recompute(bool rangeChanged = true);
    void showRange(FlowRangeView view);
    // The range as boot ns [from, to) (INT64_MIN / INT64_MAX open).
    std::pair<int64_t, int64_t> bootRange() const;
    // Asks for the event filter of the selection's flows (or says why not).
    void requestSelectionEvents();
    void showStatus();
    void onRowActivated(const QModelIndex &index);
    void showFlowEvents(const Flow &flow);

    QString m_path;
    bool m_recording = false;
    quint64 m_generation = 0;
    std::shared_ptr<const std::vector<Flow>> m_all; // never null; shared with the table's model
    std::vector<uint32_t> m_inRange;                // indexes into *m_all
    int64_t m_bootToEpochNs = 0;
    int64_t m_flowFirstNs = 0, m_flowLastNs = 0; // boot ns; last < first: no flows
    bool m_loaded = false;
    bool m_readCancelled = false; // the user cancelled the first read
    QString m_error;
    QString m_olderFormat; // a session from before flows: its format version
    bool m_hasRange = false;
    int64_t m_rangeFromEpochNs = 0, m_rangeToEpochNs = 0;
    std::optional<FlowSelection> m_selection;
    QString m_selectionNote; // why the selection did not filter the event table
    EventTableModel::TimeFormat m_timeFormat = EventTableModel::TimeFormat::Absolute;
    int64_t m_referenceBootNs = 0;

    // Its own thread: Qt's shared pool also serves painting (house rule).
    QThreadPool m_pool;
    QFutureWatcher<std::shared_ptr<Outcome>> m_watcher;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    bool m_jobRunning = false;
    bool m_refreshPending = false;
    QPointer<TaskProgress> m_progress;
    int m_progressToken = 0;
    QTimer *m_liveTimer = nullptr;
    QElapsedTimer m_readClock; // from a read's start to its result shown

    QLabel *m_summary = nullptr;    // "120 flows · 10:15:00 – 10:15:10"
    QLabel *m_breadcrumb = nullptr; // "Showing flows to ... — Clear"
    QLabel *m_message = nullptr;    // "No flows in this range", errors
    QLabel *m_noNetwork = nullptr;  // the page for a session without flows
    QStackedWidget *m_pages = nullptr;
    QSplitter *m_splitter = nullptr;
    QTableView *m_table = nullptr;
    FlowTableModel *m_model = nullptr;
    FlowChartsPanel *m_charts = nullptr;
};

} // namespace provscope
