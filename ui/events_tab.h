#pragma once
// The Events tab: the display filter bar over the event table, and the details
// pane of the selected event beside it. The main window hands it the session's
// reader and the actions its context menu offers besides its own.
// The table's columns are chosen from the header's context menu (remembered in
// QSettings); Time, PID and Syscall sort on a header click (ascending, descending,
// back to id order), computed off the GUI thread while the table stays usable.
#include "event.h"
#include "event_table_model.h"

#include <QList>
#include <QWidget>

#include <atomic>
#include <memory>
#include <utility>
#include <vector>

class QAction;
class QActionGroup;
class QMenu;
class QThreadPool;
class QModelIndex;
class QSplitter;
class QTableView;

namespace provscope {

class EventDetailsView;
class FilterBar;
class FindBar;
class QuickFilterBar;
class SessionReader;
class TaskProgress;

class EventsTab : public QWidget {
    Q_OBJECT
public:
    explicit EventsTab(QWidget *parent = nullptr);
    ~EventsTab() override;

    // Shows the session (nullptr: none); path is its absolute file path.
    void setReader(std::shared_ptr<SessionReader> reader, const QString &path);
    // Stops background queries and lets go of the reader (before the file is
    // rewritten); remembers the position for setReader() of the same file.
    void releaseSession();
    // A live session grew: new rows, filtered too; follows the end if it was shown.
    void eventsAppended();

    // Actions the table's context menu offers after its own (graph of this process...).
    void setContextActions(const QList<QAction *> &actions) { m_contextActions = actions; }

    // The selected event; nullptr when none (or a gap row).
    const Event *currentEvent() const;
    // Its id, 0 when none.
    int64_t currentEventId() const;
    // Selects the event and scrolls to it, wherever the filter and sort show it;
    // false when it is not shown (filtered out, unknown).
    bool selectEventId(int64_t id);
    // Selects the rows of these events (a graph node's or edge's) and scrolls to the
    // first, which becomes current; at most kMaxSelectedEvents rows. Says how many
    // the display filter hides (events_tab_select.cpp).
    static constexpr int kMaxSelectedEvents = 5000;
    struct EventSelection {
        int requested = 0; // distinct ids asked for
        int selected = 0;  // rows selected
        int hidden = 0;    // not shown by the current filter (or unknown)
    };
    EventSelection selectEvents(const std::vector<int64_t> &ids);

    // Long operations (filter, find, sort) show there with Cancel (may be null).
    void setTaskProgress(TaskProgress *progress);
    // Find (Ctrl+F): the bar under the table. Next/Previous open it when hidden.
    void showFindBar();
    void findNext();
    void findPrevious();
    // The quick-filter row above the table (remembered); the View menu toggles it
    // with quickFiltersAction().
    void setQuickFiltersVisible(bool visible);
    bool quickFiltersVisible() const;
    QAction *quickFiltersAction() const { return m_quickFiltersAction; }

    // Columns: hidden ones are remembered (QSettings "events/hiddenColumns").
    // The last visible column cannot be hidden.
    void setColumnVisible(int column, bool visible);
    bool isColumnVisible(int column) const;
    // The header's context menu: one checkable entry per column (caller owns it).
    QMenu *createColumnMenu(QWidget *parent);

    // Time column format and reference (also in the table's context menu).
    void setTimeFormat(EventTableModel::TimeFormat format);
    // Relative times from this event on (0 clears); the format becomes RelativeToReference.
    void setTimeReference(int64_t eventId);
    // Checkable, exclusive View-menu entries: Absolute, Relative to Start, Relative
    // to Reference; and "Set as Time Reference" (the selected event).
    QList<QAction *> timeFormatActions() const { return m_timeFormatActions; }
    QAction *setTimeReferenceAction() const { return m_setReferenceAction; }

    // Sorts by Time, PID or Syscall (other columns are ignored); off the GUI thread
    // unless only the direction changes. The table switches when it is done.
    void sortByColumn(int column, Qt::SortOrder order);
    // Back to the natural id order (with gap rows); cancels a running sort.
    void clearSort();
    bool isSorting() const { return m_sortRunning; }

    QTableView *table() const { return m_table; }
    EventTableModel *model() const { return m_model; }
    FilterBar *filterBar() const { return m_filterBar; }
    FindBar *findBar() const { return m_findBar; }
    QuickFilterBar *quickFilterBar() const { return m_quickBar; }
    EventDetailsView *details() const { return m_details; }

signals:
    // The selection moved to another event (nullptr: none).
    void currentEventChanged(const provscope::Event *event);
    // A sort could not run (unreadable session); the order stays as it was.
    void sortFailed(const QString &message);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void applyColumnWidths();
    void applyHiddenColumns();
    void saveHiddenColumns() const;
    void updateTimeActions();
    void onHeaderClicked(int column);
    void startSort(int column, Qt::SortOrder order);
    void cancelSort();
    void onSortDone(int generation, int column, Qt::SortOrder order,
                    std::shared_ptr<std::vector<uint32_t>> ids, const QString &error);
    void showSortIndicator(int column, Qt::SortOrder order);
    void showContextMenu(const QPoint &pos);
    // "Apply as Filter" and "Prepare as Filter" for the cell at index.
    void addFilterActions(QMenu &menu, const QModelIndex &index);
    // Epoch ns of the first and the last event (the quick filters' time range).
    std::pair<int64_t, int64_t> eventSpan() const;
    void onCurrentRowChanged();

    std::shared_ptr<SessionReader> m_reader;
    QTableView *m_table = nullptr;
    EventTableModel *m_model = nullptr;
    FilterBar *m_filterBar = nullptr;
    FindBar *m_findBar = nullptr;
    QuickFilterBar *m_quickBar = nullptr;
    QAction *m_quickFiltersAction = nullptr;
    EventDetailsView *m_details = nullptr;
    QSplitter *m_splitter = nullptr;
    QList<QAction *> m_contextActions;
    QString m_sessionPath;
    TaskProgress *m_progress = nullptr;
    QList<QAction *> m_timeFormatActions;
    QActionGroup *m_timeFormatGroup = nullptr;
    QAction *m_setReferenceAction = nullptr;
    QThreadPool *m_sortPool = nullptr; // one thread: one sort at a time
    std::shared_ptr<std::atomic<int>> m_sortGeneration; // the newest sort; older ones cancel
    int m_sortToken = 0;         // TaskProgress token of the running sort
    bool m_sortRunning = false;
    int m_wantedSortColumn = -1; // what the user asked for (kept over a reopen)
    Qt::SortOrder m_wantedSortOrder = Qt::AscendingOrder;
    int64_t m_idBeforeReset = 0;
    int64_t m_idBeforeRelease = 0;
    bool m_splitterSized = false; // the details pane gets its width once the tab has one
    int m_scrollBeforeRelease = -1;
};

} // namespace provscope
