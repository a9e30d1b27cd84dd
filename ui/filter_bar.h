#pragma once
// The display filter bar above the event table: a line edit with field-name
// completion, Apply on Enter, a Clear button and a line under it that shows either
// the syntax error ("column 13: expected a value after `==`", the edit turns red)
// or how many events match. A valid filter runs off the GUI thread on its own
// EventQuery (one query at a time; a newer filter cancels the running one) and the
// table model fills in chunk by chunk. While a live session grows, the filter
// runs again over the new events only and appends what matches.
// The last 30 valid filters applied are kept (QSettings), newest first: a drop-down
// beside the edit lists them, Up/Down in the edit walks through them. A long query
// shows in TaskProgress; its Cancel keeps the rows found so far, with a note.
#include "filter_sql.h"

#include <QWidget>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

class QCompleter;
class QLabel;
class QLineEdit;
class QMenu;
class QPushButton;
class QThreadPool;
class QToolButton;

namespace provscope {

class EventTableModel;
class TaskProgress;

class FilterBar : public QWidget {
    Q_OBJECT
public:
    explicit FilterBar(EventTableModel *model, QWidget *parent = nullptr);
    ~FilterBar() override;

    // The session the filters run against ("" when none), after the model got its
    // reader: clears the filter, or applies it again when the same file is reopened.
    void setSessionPath(const QString &path);
    // Cancels a running query and waits for it (before the session file is released).
    void cancelAndWait();
    // The live session grew (after the model's refresh): filter the new events too.
    void eventsAppended();

    // Long queries show there, with Cancel (nullptr: nowhere).
    void setTaskProgress(TaskProgress *progress) { m_progress = progress; }

    // The filters applied, newest first (at most kHistorySize, no duplicates).
    QStringList history() const;
    static constexpr int kHistorySize = 30;

    QLineEdit *lineEdit() const { return m_edit; }
    QLabel *statusLabel() const { return m_status; }
    QPushButton *clearButton() const { return m_clear; }
    QToolButton *historyButton() const { return m_historyButton; }
    bool isRunning() const { return m_running; }
    // The filter the table shows ("" when none).
    QString appliedFilter() const;

public slots:
    // Compiles the text; shows the error or runs the query.
    void apply();
    // Empties the bar and shows every event again.
    void clear();
    void focusFilter();
    // Puts text in the bar and applies it ("Apply as Filter", a quick filter, history).
    void applyFilter(const QString &text);
    // Puts text in the bar, focused, without applying it ("Prepare as Filter").
    void prepareFilter(const QString &text);
    // Stops the running query; the rows found so far stay, with a note.
    void cancel();

signals:
    // A query finished: matches of total events.
    void filterFinished(qint64 matches, qint64 total);
    // A filter was applied (text, valid) or cleared (""): quick filters follow it.
    void filterApplied(const QString &text);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void showError(const QString &text);
    void setErrorState(bool error);
    // Runs the current filter over the events from firstId on (off the GUI thread).
    void startQuery(int64_t firstId);
    void onChunk(int generation, const std::vector<int64_t> &ids);
    void onProgress(int generation, double fraction);
    void onFinished(int generation, const QString &error);
    void updateCountText();
    void remember(const QString &text);
    void rebuildHistoryMenu();
    void finishProgress();

    EventTableModel *m_model;
    QLineEdit *m_edit = nullptr;
    QPushButton *m_clear = nullptr;
    QLabel *m_status = nullptr;
    QCompleter *m_completer = nullptr;
    QThreadPool *m_pool = nullptr; // one thread: one query at a time
    QString m_sessionPath;
    std::shared_ptr<std::atomic<int>> m_generation; // the newest query; older ones cancel
    int m_shownGeneration = 0;
    bool m_running = false;
    bool m_active = false;       // a filter is applied (the model shows its view)
    bool m_morePending = false;  // new events arrived during a query
    CompiledFilter m_filter;
    int64_t m_nextUnscanned = 1; // first event id no query has looked at yet
    qint64 m_matches = 0;
    bool m_cancelled = false;
    QToolButton *m_historyButton = nullptr;
    QMenu *m_historyMenu = nullptr;
    int m_historyIndex = -1;   // Up/Down position in the history; -1: the text typed
    QString m_typedText;       // what was typed before Up
    TaskProgress *m_progress = nullptr;
    int m_progressToken = 0;
};

} // namespace provscope
