#pragma once
// The event table: a model over a SessionReader. Rows are the events in id order
// with each loss record shown as a gap row where it was noticed (rows = events +
// losses). Losses are few: a sorted vector of their rows and a binary search map a
// row to an event id. Events are read in blocks into a bounded cache and formatted on
// demand, never copied wholesale.
// A display filter switches the model to a filtered view: rows are then the
// matching events only (row -> id through a sorted id vector, no gap rows), filled
// in chunk by chunk as a background query finds them.
// A sort by time, pid or syscall is a permutation of every event id computed off
// the GUI thread (models/event_sort.h) and handed in with setSortedIds(); a
// filtered view is then the permutation restricted to the filter's ids, so
// filter and sort compose. Descending is the ascending order read backwards.
// Gap rows appear only in the natural (id) order.
#include "event.h"
#include "event_block_cache.h"
#include "session_reader.h"

#include <QAbstractTableModel>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

class QTimer;

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
    enum class TimeFormat {
        Absolute,            // local clock time, "10:15:00.123456"
        RelativeToStart,     // "+12.345678 s" after the session's first event
        RelativeToReference, // the same after the reference event (negative before it)
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

    // Time column: absolute or relative. RelativeToReference without a reference
    // event shows offsets from the first event, as RelativeToStart.
    void setTimeFormat(TimeFormat format);
    TimeFormat timeFormat() const { return m_timeFormat; }
    // The event relative times count from (Wireshark's "Set as Time Reference");
    // switches the format to RelativeToReference. 0 clears it (back to the start).
    void setTimeReference(int64_t eventId);
    int64_t timeReference() const { return m_referenceId; }

    // Row marks (bookmarks, annotations): marker(id) returns the mark ("★") shown
    // before the time, or "" for none; a marked row is tinted. Called while
    // painting: it must be cheap. marksChanged() repaints after the marks changed.
    void setEventMarker(std::function<QString(int64_t eventId)> marker);
    void marksChanged();

    // Sorting. sort() (a header click) switches at once when the permutation of
    // that column is at hand (the other direction), otherwise emits sortRequested
    // and the owner computes it off the GUI thread and calls setSortedIds().
    static bool isSortable(int column) { return column == Time || column == Pid || column == Syscall; }
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    // ascendingIds: every event id ordered by the column's key ascending (ties by id).
    void setSortedIds(int column, Qt::SortOrder order, std::vector<uint32_t> ascendingIds);
    // Back to the natural id order (with gap rows); frees the permutation.
    void clearSort();
    // -1: natural order.
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }
    // Events the sort knows of (a live session may have grown since).
    int64_t sortedEventCount() const { return int64_t(m_sortAsc.size()); }

    // The row showing an event, -1 when it is not shown (filtered out, not sorted yet).
    int rowOfEvent(int64_t eventId) const;
    // The event id of a row, 0 for a gap row or out of range.
    int64_t eventIdAt(int row) const;

    // The event of a row, nullptr for a gap row, out of range or unreadable.
    const Event *eventAt(int row) const;
    // The loss record of a gap row, nullptr for an event row.
    const PlacedLoss *lossAt(int row) const;
    // The rows of the gap rows, ascending (the view spans them across all columns).
    const std::vector<int> &gapRows() const { return m_filtered || isSorted() ? m_noGaps : m_gapRows; }
    // "⚠ 1,234 events lost (kernel ring buffer, CPU 1)"
    static QString lossText(const LossRecord &loss);
    int64_t bootToEpochNs() const { return m_bootToEpochNs; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    // Boot ns relative times count from: the reference event's, else the first event's
    // (0 when the session has no events).
    int64_t referenceTsNs() const;

signals:
    // sort() needs the permutation of column (see setSortedIds()).
    void sortRequested(int column, Qt::SortOrder order);

private:
    QVariant timeText(const Event &event) const;
    // The sorted filtered view again from the filter's ids (after chunks arrived).
    void rebuildSortedFilter();
    std::vector<uint32_t> sortedFilterRows() const;
    bool isSorted() const { return m_sortColumn >= 0; }
    const std::vector<uint32_t> &sortedRows() const { return m_filtered ? m_sortedFiltered : m_sortAsc; }
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

    TimeFormat m_timeFormat = TimeFormat::Absolute;
    int64_t m_referenceId = 0;
    int64_t m_startTsNs = 0;     // boot ns of the first event
    int64_t m_referenceTsNs = 0; // boot ns of the reference event
    std::function<QString(int64_t)> m_marker;

    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    std::vector<uint32_t> m_sortAsc;        // every event id, ascending by the sort key
    std::vector<uint32_t> m_sortedFiltered; // the filter's ids in that order
    QTimer *m_resortTimer = nullptr;        // coalesces filter chunks in a sorted view
};

} // namespace provscope
