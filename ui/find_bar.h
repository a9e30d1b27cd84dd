#pragma once
// Find (Ctrl+F) under the event table: a filter expression, or plain text looked for
// in the process name, syscall and target. Matching rows are highlighted and
// Next/Previous (Enter/Shift+Enter) move the current row to the next match in the
// order the table shows, wrapping at the ends; the table is never filtered. With a
// display filter applied, only the rows it shows are searched. The search runs off
// the GUI thread on its own EventQuery (a newer search cancels the running one).
#include <QWidget>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

class QLabel;
class QLineEdit;
class QTableView;
class QThreadPool;
class QTimer;
class QToolButton;

namespace provscope {

class EventTableModel;
class TaskProgress;

class FindBar : public QWidget {
    Q_OBJECT
public:
    FindBar(QTableView *table, EventTableModel *model, QWidget *parent = nullptr);
    ~FindBar() override;

    // The session searched ("" when none): drops the matches.
    void setSessionPath(const QString &path);
    // The display filter the table shows ("" when none): matches stay within it.
    void setDisplayFilter(const QString &filter);
    void setTaskProgress(TaskProgress *progress) { m_progress = progress; }
    void cancelAndWait();

    // The filter the search runs: the text if it is a valid expression, otherwise
    // proc.name, evt.type or fd.name containing it.
    static QString searchExpression(const QString &text);

    bool isMatch(int64_t eventId) const;
    qint64 matchCount() const { return qint64(m_matches.size()); }
    bool isSearching() const { return m_running; }
    QLineEdit *lineEdit() const { return m_edit; }
    QLabel *statusLabel() const { return m_status; }

public slots:
    // Shows the bar with its text selected (Ctrl+F).
    void showBar();
    // Hides it and drops the highlight (Escape).
    void closeBar();
    void findNext();
    void findPrevious();
    // Stops a running search; the matches found so far stay.
    void cancel();

signals:
    // The set of matches changed (the table repaints its highlight).
    void matchesChanged();
    // A search ended (finished or cancelled).
    void searchFinished(qint64 matches);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void startSearch();
    void onChunk(int generation, const std::vector<int64_t> &ids);
    void onFinished(int generation, const QString &error);
    void step(int direction);
    void updateStatus();
    void dropMatches();
    void finishProgress();
    // The event of a row (0: none).
    int64_t eventAtRow(int row) const;
    // Makes row current; position: its 1-based place among the matches in view order (0: unknown).
    void select(int row, int position);
    // The 1-based place of row among the matches in view order, 0 when it is no match.
    int positionInView(int row) const;

    QTableView *m_table;
    EventTableModel *m_model;
    QLineEdit *m_edit = nullptr;
    QLabel *m_status = nullptr;
    QToolButton *m_next = nullptr;
    QToolButton *m_previous = nullptr;
    QTimer *m_delay = nullptr;
    QThreadPool *m_pool = nullptr;
    TaskProgress *m_progress = nullptr;
    int m_progressToken = 0;
    QString m_sessionPath;
    QString m_displayFilter;
    QString m_error;
    std::shared_ptr<std::atomic<int>> m_generation;
    int m_shownGeneration = 0;
    bool m_running = false;
    bool m_cancelled = false;
    bool m_moveOnFinish = false; // Enter was pressed while searching
    int m_pendingStep = 1;
    std::vector<int64_t> m_matches; // event ids, ascending
    mutable int m_positionRow = -1; // the row positionInView() last counted
    mutable int m_position = 0;
};

} // namespace provscope
