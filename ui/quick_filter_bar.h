#pragma once
// Quick filters above the event table: a time range (from/to, to the second,
// defaulting to the session's span), the syscall and the process name (the values
// present in the session, read off the GUI thread), a pid and a ppid, and Clear.
// Every change emits the equivalent display-filter expression, which the Events tab
// puts in the filter bar and applies: the bar always shows what the table filters.
#include <QWidget>

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>

class QComboBox;
class QDateTimeEdit;
class QLineEdit;
class QPushButton;
class QThreadPool;

namespace provscope {

class QuickFilterBar : public QWidget {
    Q_OBJECT
public:
    explicit QuickFilterBar(QWidget *parent = nullptr);
    ~QuickFilterBar() override;

    // The session ("" when none) and the epoch ns of its first and last event:
    // resets every quick filter and reads the syscalls and process names.
    void setSession(const QString &path, int64_t firstEpochNs, int64_t lastEpochNs);
    void cancelAndWait();
    // A live session grew: the time range reaches its new last event (a To at the
    // end of the old span follows the end; a narrowed one stays).
    void extendSpan(int64_t firstEpochNs, int64_t lastEpochNs);
    // The span also covers [firstEpochNs, lastEpochNs] (the Flows tab's flows, which
    // may reach before or after the events; a session of imported flows has none):
    // both ends widen, a From/To left at an end of the span follows that end.
    void widenSpan(int64_t firstEpochNs, int64_t lastEpochNs);
    // The span in epoch seconds (From's minimum and To's maximum).
    std::pair<int64_t, int64_t> spanSeconds() const { return {m_firstSecond, m_lastSecond}; }

    // The expression of the quick filters as set ("" when none is), e.g.
    // evt.type == "openat" and proc.name == "bash" and proc.pid == 412
    QString expression() const;
    // The filter bar now shows text: quick filters that no longer describe it reset
    // (without emitting).
    void followFilter(const QString &text);
    bool valuesLoaded() const { return m_valuesLoaded; }

    // The time range, shared with the Flows tab: whether From or To is narrowed, and
    // [from, to) in epoch ns (INT64_MIN / INT64_MAX for an end left at the span's).
    bool hasTimeRange() const;
    std::pair<int64_t, int64_t> timeRange() const;
    // Only the time part of expression() ("" when not narrowed).
    QString timeExpression() const;
    // Narrows From/To to whole seconds covering [fromEpochNs, toEpochNs) (clamped to
    // the span; INT64_MIN / INT64_MAX: the span's start / end) and applies it like a
    // user's change.
    void setTimeRange(int64_t fromEpochNs, int64_t toEpochNs);

    QDateTimeEdit *fromEdit() const { return m_from; }
    QDateTimeEdit *toEdit() const { return m_to; }
    QComboBox *syscallCombo() const { return m_syscall; }
    QComboBox *processCombo() const { return m_process; }
    QLineEdit *pidEdit() const { return m_pid; }
    QLineEdit *ppidEdit() const { return m_ppid; }
    QPushButton *clearButton() const { return m_clear; }

public slots:
    // Every quick filter back to "any"; emits expressionChanged("") when one was set.
    void clearFilters();

signals:
    // The user changed a quick filter; expression() is the new filter ("" for none).
    void expressionChanged(const QString &expression);
    // hasTimeRange() / timeRange() changed (also by a reset or another session).
    void timeRangeChanged();
    // The syscall and process lists are filled in.
    void valuesReady();

private:
    void reset(bool keepTime = false);
    void changed();
    void noteTimeRange();
    void loadValues();

    QDateTimeEdit *m_from = nullptr;
    QDateTimeEdit *m_to = nullptr;
    QComboBox *m_syscall = nullptr;
    QComboBox *m_process = nullptr;
    QLineEdit *m_pid = nullptr;
    QLineEdit *m_ppid = nullptr;
    QPushButton *m_clear = nullptr;
    QThreadPool *m_pool = nullptr;
    std::shared_ptr<std::atomic<int>> m_generation;
    QString m_sessionPath;
    int64_t m_firstSecond = 0; // the span's default from/to, epoch seconds
    int64_t m_lastSecond = 0;
    bool m_hasSpan = false;    // some events or flows gave the span (else 0, 0)
    bool m_updating = false;   // set programmatically: no expressionChanged
    bool m_valuesLoaded = false;
    QString m_lastEmitted;
    std::pair<int64_t, int64_t> m_lastRange{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
};

} // namespace provscope
