#pragma once
// The event table: a model over a SessionReader. Rows are the events in id order
// with each loss record shown as a gap row where it was noticed (rows = events +
// losses). Losses are few: a sorted vector of their rows and a binary search map a
// row to an event id. Events are read in blocks into a bounded cache and formatted on
// demand, never copied wholesale.
// A display filter switches the model to a filtered view: rows are then the
// matching events only (row -> id through a sorted id vector, no gap rows), filled
// in chunk by chunk as a background query finds them.
#include "event.h"
#include "event_block_cache.h"
#include "session_reader.h"

#include <QAbstractTableModel>

#include <memory>
#include <vector>

namespace provscope {

class SessionReader;

class EventTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Time, Pid, Ppid, Process, Syscall, Target, Ret, Count, Bytes, ColumnCount };
    enum Role {
        EventIdRole = Qt::UserRole + 1, // the event's id; none on a gap row
        IsGapRole,                      // true on a loss record's gap row
    };

    explicit EventTableModel(QObject *parent = nullptr);
    ~EventTableModel() override;

    // Shows the reader's events (nullptr: empty). The model shares the reader.
    void setReader(std::shared_ptr<SessionReader> reader);
    const std::shared_ptr<SessionReader> &reader() const { return m_reader; }
    // Re-reads the counts of a live session and inserts the rows that appeared.
    // Returns the number of new rows.
    int refresh();

    // Filtered view: starts empty (a reset), then appendFilteredIds() inserts each
    // chunk of matching ids (ascending, after the ones already shown).
    void beginFilteredView();
    void appendFilteredIds(const std::vector<int64_t> &ids);
    // Back to every event (and gap row).
    void clearFilteredView();
    bool isFiltered() const { return m_filtered; }
    // Every event of the session (filtered or not).
    int64_t eventCount() const { return m_eventCount; }

    // The event of a row, nullptr for a gap row, out of range or unreadable.
    const Event *eventAt(int row) const;
    // The loss record of a gap row, nullptr for an event row.
    const PlacedLoss *lossAt(int row) const;
    // The rows of the gap rows, ascending (the view spans them across all columns).
    const std::vector<int> &gapRows() const { return m_filtered ? m_noGaps : m_gapRows; }
    // "⚠ 1,234 events lost (kernel ring buffer, CPU 1)"
    static QString lossText(const LossRecord &loss);
    int64_t bootToEpochNs() const { return m_bootToEpochNs; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant displayText(const Event &event, int column) const;
    QVariant gapData(const PlacedLoss &loss, int column, int role) const;
    int shownRows() const;
    // Event id of a row, or -(index + 1) of the loss shown there.
    int64_t itemAt(int row) const;
    bool loadLosses(std::vector<PlacedLoss> &out) const;
    void setLosses(std::vector<PlacedLoss> losses);

    std::shared_ptr<SessionReader> m_reader;
    mutable EventBlockCache m_cache;
    int m_rowCount = 0; // unfiltered rows (events + gaps)
    bool m_filtered = false;
    std::vector<int64_t> m_filteredIds; // the filtered view's rows
    std::vector<int> m_noGaps;
    int64_t m_eventCount = 0;
    std::vector<PlacedLoss> m_losses; // by beforeEventId
    std::vector<int> m_gapRows;       // row of m_losses[i]
    int64_t m_bootToEpochNs = 0;
};

} // namespace provscope
