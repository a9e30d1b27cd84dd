#pragma once
// The Events tab: the display filter bar over the event table, and the details
// pane of the selected event beside it. The main window hands it the session's
// reader and the actions its context menu offers besides its own.
#include "event.h"

#include <QList>
#include <QWidget>

#include <memory>

class QAction;
class QMenu;
class QModelIndex;
class QSplitter;
class QTableView;

namespace provscope {

class EventDetailsView;
class EventTableModel;
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

    // The selected event; nullptr when none (or a gap row).
    const Event *currentEvent() const;

    QTableView *table() const { return m_table; }
    EventTableModel *model() const { return m_model; }
    FilterBar *filterBar() const { return m_filterBar; }
    FindBar *findBar() const { return m_findBar; }
    QuickFilterBar *quickFilterBar() const { return m_quickBar; }
    EventDetailsView *details() const { return m_details; }

signals:
    // The selection moved to another event (nullptr: none).
    void currentEventChanged(const provscope::Event *event);

private:
    void applyColumnWidths();
    void showContextMenu(const QPoint &pos);
    // "Apply as Filter" and "Prepare as Filter" for the cell at index.
    void addFilterActions(QMenu &menu, const QModelIndex &index);
    void onCurrentRowChanged();

    std::shared_ptr<SessionReader> m_reader;
    QTableView *m_table = nullptr;
    EventTableModel *m_model = nullptr;
    FilterBar *m_filterBar = nullptr;
    FindBar *m_findBar = nullptr;
    QuickFilterBar *m_quickBar = nullptr;
    QAction *m_quickFiltersAction = nullptr;
    TaskProgress *m_progress = nullptr;
    EventDetailsView *m_details = nullptr;
    QSplitter *m_splitter = nullptr;
    QList<QAction *> m_contextActions;
    int m_rowBeforeRelease = -1;
    int m_scrollBeforeRelease = -1;
};

} // namespace provscope
