#pragma once
// The display filter bar above the event table: a line edit with field-name
// completion, Apply on Enter, a Clear button and a line under it that shows either
// the syntax error ("column 13: expected a value after `==`", the edit turns red)
// or how many events match. A valid filter runs off the GUI thread on its own
// EventQuery (one query at a time; a newer filter cancels the running one) and the
// table model fills in chunk by chunk. While a live session grows, the filter
// runs again over the new events only and appends what matches.
#include "filter_sql.h"

#include <QWidget>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

class QCompleter;
class QLabel;
class QLineEdit;
class QPushButton;
class QThreadPool;

namespace provscope {

class EventTableModel;

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

    QLineEdit *lineEdit() const { return m_edit; }
    QLabel *statusLabel() const { return m_status; }
    QPushButton *clearButton() const { return m_clear; }
    bool isRunning() const { return m_running; }

public slots:
    // Compiles the text; shows the error or runs the query.
    void apply();
    // Empties the bar and shows every event again.
    void clear();
    void focusFilter();

signals:
    // A query finished: matches of total events.
    void filterFinished(qint64 matches, qint64 total);

private:
    void showError(const QString &text);
    void setErrorState(bool error);
    // Runs the current filter over the events from firstId on (off the GUI thread).
    void startQuery(int64_t firstId);
    void onChunk(int generation, const std::vector<int64_t> &ids);
    void onFinished(int generation, const QString &error);
    void updateCountText();

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
};

} // namespace provscope
