#pragma once
// The display filter bar above the event table: a line edit with field-name
// completion, Apply on Enter, a Clear button and a line under it that shows either
// the syntax error ("column 13: expected a value after `==`", the edit turns red)
// or how many events match. A valid filter runs off the GUI thread on its own
// EventQuery (one query at a time; a newer filter cancels the running one) and the
// table model fills in chunk by chunk.
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

    // The session the filters run against ("" when none); clears the filter.
    void setSessionPath(const QString &path);
    // Cancels a running query and waits for it (before the session file is released).
    void cancelAndWait();

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
    qint64 m_matches = 0;
};

} // namespace provscope
