#include "events_tab.h"

#include "event_details_view.h"
#include "event_table_model.h"
#include "filter_bar.h"
#include "filter_expression.h"
#include "find_bar.h"
#include "quick_filter_bar.h"
#include "event_sort.h"
#include "session_reader.h"
#include "task_progress.h"

#include <algorithm>
#include <QActionGroup>
#include <QFile>
#include <QAction>
#include <QHeaderView>
#include <QLocale>
#include <QSettings>
#include <QThreadPool>
#include <QLineEdit>
#include <QMenu>
#include <QPointer>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace provscope {

namespace {
// Stable names for QSettings (the column enum may grow).
const char *const kColumnKeys[EventTableModel::ColumnCount] = {
    "time", "pid", "ppid", "process", "syscall", "target", "result", "count", "bytes"};
const char *const kHiddenColumnsKey = "events/hiddenColumns";

EventSortKey sortKeyOf(int column)
{
    switch (column) {
    case EventTableModel::Pid: return EventSortKey::Pid;
    case EventTableModel::Syscall: return EventSortKey::Syscall;
    default: return EventSortKey::Time;
    }
}
} // namespace

EventsTab::EventsTab(QWidget *parent)
    : QWidget(parent)
    , m_model(new EventTableModel(this))
    , m_sortPool(new QThreadPool(this))
    , m_sortGeneration(std::make_shared<std::atomic<int>>(0))
{
    m_sortPool->setMaxThreadCount(1);
    m_table = new QTableView(this);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    // Fixed row height: the view never measures rows, so millions scroll smoothly.
    QHeaderView *rows = m_table->verticalHeader();
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(fontMetrics().height() + 6);
    QHeaderView *columns = m_table->horizontalHeader();
    columns->setHighlightSections(false);
    columns->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    // Sorting: clicks handled here (three states, only sortable columns), not by
    // QTableView's synchronous sortByColumn().
    columns->setSectionsClickable(true);
    columns->setSortIndicatorShown(false);
    connect(columns, &QHeaderView::sectionClicked, this, &EventsTab::onHeaderClicked);
    connect(m_model, &EventTableModel::sortRequested, this, &EventsTab::startSort);
    columns->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(columns, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu *menu = createColumnMenu(this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(m_table->horizontalHeader()->viewport()->mapToGlobal(pos));
    });
    // A sort or a sorted filter's refill resets the model: the selected event stays selected.
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, [this] {
        m_idBeforeReset = m_model->reader() == m_reader ? currentEventId() : 0;
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        if (m_idBeforeReset > 0 && m_model->reader() == m_reader)
            selectEventId(m_idBeforeReset);
        m_idBeforeReset = 0;
    });

    m_timeFormatGroup = new QActionGroup(this);
    const auto addFormat = [this](const QString &text, EventTableModel::TimeFormat format) {
        QAction *action = m_timeFormatGroup->addAction(text);
        action->setCheckable(true);
        action->setData(int(format));
        connect(action, &QAction::triggered, this, [this, format] { setTimeFormat(format); });
        m_timeFormatActions << action;
    };
    addFormat(tr("Absolute Time of Day"), EventTableModel::TimeFormat::Absolute);
    addFormat(tr("Seconds Since First Event"), EventTableModel::TimeFormat::RelativeToStart);
    addFormat(tr("Seconds Since Time Reference"), EventTableModel::TimeFormat::RelativeToReference);
    m_setReferenceAction = new QAction(tr("Set as Time Reference"), this);
    m_setReferenceAction->setCheckable(true);
    m_setReferenceAction->setToolTip(tr("Show times relative to the selected event"));
    connect(m_setReferenceAction, &QAction::triggered, this, [this](bool checked) {
        setTimeReference(checked ? currentEventId() : 0);
    });
    updateTimeActions();
    applyColumnWidths();
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged,
            this, &EventsTab::onCurrentRowChanged);
    connect(m_table, &QWidget::customContextMenuRequested, this, &EventsTab::showContextMenu);
    // A loss record's gap row spans the whole width: "⚠ 1,234 events lost (...)".
    const auto spanGaps = [this] {
        m_table->clearSpans();
        for (int row : m_model->gapRows())
            m_table->setSpan(row, 0, 1, EventTableModel::ColumnCount);
    };
    connect(m_model, &QAbstractItemModel::modelReset, this, spanGaps);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, spanGaps);

    m_details = new EventDetailsView(this);
    m_filterBar = new FilterBar(m_model, this);
    m_quickBar = new QuickFilterBar(this);
    m_findBar = new FindBar(m_table, m_model, this);
    // A quick filter shows as its expression in the bar; a filter typed there resets them.
    connect(m_quickBar, &QuickFilterBar::expressionChanged, this, [this](const QString &text) {
        if (text.isEmpty())
            m_filterBar->clear();
        else
            m_filterBar->applyFilter(text);
    });
    connect(m_filterBar, &FilterBar::filterApplied, m_quickBar, &QuickFilterBar::followFilter);
    connect(m_filterBar, &FilterBar::filterApplied, m_findBar, &FindBar::setDisplayFilter);
    m_quickFiltersAction = new QAction(tr("Quick Filters"), this);
    m_quickFiltersAction->setCheckable(true);
    m_quickFiltersAction->setToolTip(tr("Show the time, syscall, process, pid and ppid filters above the table"));
    connect(m_quickFiltersAction, &QAction::toggled, this, &EventsTab::setQuickFiltersVisible);

    QWidget *tablePane = new QWidget(this);
    QVBoxLayout *tableLayout = new QVBoxLayout(tablePane);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->setSpacing(0);
    tableLayout->addWidget(m_filterBar);
    tableLayout->addWidget(m_quickBar);
    tableLayout->addWidget(m_table, 1);
    tableLayout->addWidget(m_findBar);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->addWidget(tablePane);
    m_splitter->addWidget(m_details);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({930, 350});
    m_splitter->setChildrenCollapsible(false);

    QVBoxLayout *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter);
    setQuickFiltersVisible(QSettings().value(QStringLiteral("events/quickFilters"), true).toBool());
}

EventsTab::~EventsTab()
{
    ++*m_sortGeneration;
    m_sortPool->waitForDone();
    m_filterBar->cancelAndWait();
    m_findBar->cancelAndWait();
    m_quickBar->cancelAndWait();
    m_model->setReader(nullptr);
}

void EventsTab::setReader(std::shared_ptr<SessionReader> reader, const QString &path)
{
    cancelSort();
    const bool sameFile = m_reader == nullptr && !path.isEmpty() && path == m_sessionPath;
    m_reader = std::move(reader);
    m_sessionPath = m_reader ? path : QString();
    m_details->clearEvent();
    m_model->setReader(m_reader);
    showSortIndicator(-1, Qt::AscendingOrder);
    // The same file reopened (a finished capture) keeps its sort; another starts in id order.
    if (m_reader && sameFile && m_wantedSortColumn >= 0)
        startSort(m_wantedSortColumn, m_wantedSortOrder);
    else
        m_wantedSortColumn = -1;
    updateTimeActions();
    m_filterBar->setSessionPath(m_reader ? path : QString());
    m_findBar->setSessionPath(m_reader ? path : QString());
    m_findBar->setDisplayFilter(m_filterBar->appliedFilter());
    const auto [first, last] = eventSpan();
    m_quickBar->setSession(m_reader ? path : QString(), first, last);
    applyColumnWidths();
    if (m_reader && m_idBeforeRelease > 0)
        selectEventId(m_idBeforeRelease);
    if (m_reader && m_scrollBeforeRelease >= 0)
        m_table->verticalScrollBar()->setValue(m_scrollBeforeRelease);
    m_idBeforeRelease = 0;
    m_scrollBeforeRelease = -1;
}

void EventsTab::releaseSession()
{
    m_idBeforeRelease = currentEventId();
    m_scrollBeforeRelease = m_table->verticalScrollBar()->value();
    // The sort's connection closes before the file is rewritten.
    cancelSort();
    m_sortPool->waitForDone();
    m_filterBar->cancelAndWait();
    m_findBar->cancelAndWait();
    m_quickBar->cancelAndWait();
    m_model->setReader(nullptr);
    m_reader.reset();
}

void EventsTab::eventsAppended()
{
    QScrollBar *bar = m_table->verticalScrollBar();
    const bool atEnd = m_model->rowCount() == 0 || bar->value() >= bar->maximum();
    m_model->refresh();
    m_filterBar->eventsAppended(); // a filtered view filters the new events
    const auto [first, last] = eventSpan();
    m_quickBar->extendSpan(first, last);
    // A sorted view takes the new events in by sorting again (the old order stays
    // shown meanwhile).
    if (m_model->sortColumn() >= 0 && !m_sortRunning && m_model->sortedEventCount() < m_model->eventCount())
        startSort(m_model->sortColumn(), m_model->sortOrder());
    if (atEnd)
        m_table->scrollToBottom();
}

void EventsTab::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_splitterSized || width() < 800)
        return;
    m_splitterSized = true;
    const int details = std::max(320, width() / 4);
    m_splitter->setSizes({width() - details, details});
}

const Event *EventsTab::currentEvent() const
{
    return m_model->eventAt(m_table->currentIndex().row());
}

int64_t EventsTab::currentEventId() const
{
    const QModelIndex current = m_table->currentIndex();
    return current.isValid() ? m_model->eventIdAt(current.row()) : 0;
}

bool EventsTab::selectEventId(int64_t id)
{
    const int row = m_model->rowOfEvent(id);
    if (row < 0)
        return false;
    const int column = m_table->currentIndex().isValid() ? m_table->currentIndex().column()
                                                          : m_table->horizontalHeader()->logicalIndexAt(0);
    const QModelIndex index = m_model->index(row, std::max(0, column));
    m_table->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index, QAbstractItemView::EnsureVisible);
    return true;
}

void EventsTab::setColumnVisible(int column, bool visible)
{
    if (column < 0 || column >= EventTableModel::ColumnCount || isColumnVisible(column) == visible)
        return;
    QHeaderView *header = m_table->horizontalHeader();
    if (!visible && header->count() - header->hiddenSectionCount() <= 1)
        return; // the last visible column stays
    m_table->setColumnHidden(column, !visible);
    saveHiddenColumns();
}

bool EventsTab::isColumnVisible(int column) const
{
    return !m_table->isColumnHidden(column);
}

QMenu *EventsTab::createColumnMenu(QWidget *parent)
{
    QMenu *menu = new QMenu(tr("Columns"), parent);
    QHeaderView *header = m_table->horizontalHeader();
    const bool lastOne = header->count() - header->hiddenSectionCount() <= 1;
    for (int column = 0; column < EventTableModel::ColumnCount; ++column) {
        const QString title = column == EventTableModel::Time
                                  ? tr("Time")
                                  : m_model->headerData(column, Qt::Horizontal).toString();
        QAction *action = menu->addAction(title);
        action->setCheckable(true);
        action->setChecked(isColumnVisible(column));
        action->setData(column);
        action->setEnabled(!(lastOne && isColumnVisible(column)));
        connect(action, &QAction::toggled, this, [this, column](bool on) { setColumnVisible(column, on); });
    }
    return menu;
}

void EventsTab::applyHiddenColumns()
{
    const QStringList hidden = QSettings().value(QLatin1String(kHiddenColumnsKey)).toStringList();
    int shown = 0;
    for (int column = 0; column < EventTableModel::ColumnCount; ++column) {
        const bool hide = hidden.contains(QLatin1String(kColumnKeys[column]));
        m_table->setColumnHidden(column, hide);
        shown += hide ? 0 : 1;
    }
    if (shown == 0) // a settings file that hides everything
        m_table->setColumnHidden(EventTableModel::Time, false);
}

void EventsTab::saveHiddenColumns() const
{
    QStringList hidden;
    for (int column = 0; column < EventTableModel::ColumnCount; ++column)
        if (m_table->isColumnHidden(column))
            hidden << QLatin1String(kColumnKeys[column]);
    QSettings().setValue(QLatin1String(kHiddenColumnsKey), hidden);
}

void EventsTab::setTimeFormat(EventTableModel::TimeFormat format)
{
    m_model->setTimeFormat(format);
    updateTimeActions();
    applyColumnWidths();
}

void EventsTab::setTimeReference(int64_t eventId)
{
    m_model->setTimeReference(eventId);
    updateTimeActions();
    applyColumnWidths();
}

void EventsTab::updateTimeActions()
{
    for (QAction *action : std::as_const(m_timeFormatActions))
        action->setChecked(action->data().toInt() == int(m_model->timeFormat()));
    const int64_t current = currentEventId();
    m_setReferenceAction->setEnabled(current > 0);
    m_setReferenceAction->setChecked(current > 0 && current == m_model->timeReference());
}

void EventsTab::showSortIndicator(int column, Qt::SortOrder order)
{
    QHeaderView *header = m_table->horizontalHeader();
    header->setSortIndicatorShown(column >= 0);
    header->setSortIndicator(column, order);
}

void EventsTab::onHeaderClicked(int column)
{
    // QHeaderView has already flipped its indicator; the model's state decides.
    if (!EventTableModel::isSortable(column)) {
        showSortIndicator(m_wantedSortColumn, m_wantedSortOrder);
        return;
    }
    // Ascending, descending, then back to id order (Wireshark's three states).
    if (column != m_wantedSortColumn)
        sortByColumn(column, Qt::AscendingOrder);
    else if (m_wantedSortOrder == Qt::AscendingOrder)
        sortByColumn(column, Qt::DescendingOrder);
    else
        clearSort();
}

void EventsTab::sortByColumn(int column, Qt::SortOrder order)
{
    if (!EventTableModel::isSortable(column) || !m_reader)
        return;
    const bool sameRunning = m_sortRunning && column == m_wantedSortColumn;
    m_wantedSortColumn = column;
    m_wantedSortOrder = order;
    showSortIndicator(column, order);
    if (sameRunning)
        return; // the running sort shows the direction asked for last
    if (column == m_model->sortColumn() && m_model->sortedEventCount() >= m_model->eventCount()) {
        cancelSort(); // a sort by another column that was still running
        m_model->sort(column, order);
        if (const QModelIndex current = m_table->currentIndex(); current.isValid())
            m_table->scrollTo(current);
        return;
    }
    startSort(column, order); // also when the model asks through sortRequested
}

void EventsTab::clearSort()
{
    cancelSort();
    m_wantedSortColumn = -1;
    showSortIndicator(-1, Qt::AscendingOrder);
    m_model->clearSort();
    if (const QModelIndex current = m_table->currentIndex(); current.isValid())
        m_table->scrollTo(current, QAbstractItemView::PositionAtCenter);
}

void EventsTab::startSort(int column, Qt::SortOrder order)
{
    if (!EventTableModel::isSortable(column) || !m_reader || m_sessionPath.isEmpty())
        return;
    cancelSort();
    m_wantedSortColumn = column;
    m_wantedSortOrder = order;
    showSortIndicator(column, order);
    const int generation = ++*m_sortGeneration;
    m_sortRunning = true;
    const int64_t maxId = m_model->eventCount();
    const QString key = column == EventTableModel::Time ? tr("time")
                        : column == EventTableModel::Pid ? tr("PID") : tr("syscall");
    const QString what = tr("Sorting %1 events by %2").arg(QLocale().toString(qlonglong(maxId)), key);
    if (m_progress) {
        m_sortToken = m_progress->begin(what, [this] {
            // Cancel: the table keeps the order it shows.
            cancelSort();
            m_wantedSortColumn = m_model->sortColumn();
            m_wantedSortOrder = m_model->sortOrder();
            showSortIndicator(m_wantedSortColumn, m_wantedSortOrder);
        });
    }
    const std::string path = QFile::encodeName(m_sessionPath).toStdString();
    const std::shared_ptr<std::atomic<int>> current = m_sortGeneration;
    const int token = m_sortToken;
    QPointer<TaskProgress> progress = m_progress;
    m_sortPool->start([this, path, current, generation, column, order, maxId, token, progress] {
        if (current->load() != generation)
            return;
        auto sorted = sortEventIds(path, sortKeyOf(column), maxId, [&](double fraction) {
            if (current->load() != generation)
                return false;
            if (progress)
                QMetaObject::invokeMethod(progress, [progress, token, fraction] {
                    if (progress)
                        progress->setProgress(token, fraction);
                }, Qt::QueuedConnection);
            return true;
        });
        auto ids = std::make_shared<std::vector<uint32_t>>();
        QString error;
        if (sorted)
            *ids = std::move(sorted.value());
        else
            error = QString::fromStdString(sorted.error());
        QMetaObject::invokeMethod(this, [this, generation, column, order, ids, error] {
            onSortDone(generation, column, order, ids, error);
        }, Qt::QueuedConnection);
    });
}

void EventsTab::cancelSort()
{
    ++*m_sortGeneration; // the worker stops at its next progress report
    m_sortRunning = false;
    if (m_progress && m_sortToken)
        m_progress->finish(m_sortToken);
    m_sortToken = 0;
}

void EventsTab::onSortDone(int generation, int column, Qt::SortOrder order,
                           std::shared_ptr<std::vector<uint32_t>> ids, const QString &error)
{
    if (generation != m_sortGeneration->load())
        return; // cancelled or superseded
    m_sortRunning = false;
    if (m_progress && m_sortToken)
        m_progress->finish(m_sortToken);
    m_sortToken = 0;
    if (!error.isEmpty()) {
        m_wantedSortColumn = m_model->sortColumn();
        m_wantedSortOrder = m_model->sortOrder();
        showSortIndicator(m_wantedSortColumn, m_wantedSortOrder);
        emit sortFailed(tr("Could not sort: %1").arg(error));
        return;
    }
    if (column == m_wantedSortColumn)
        order = m_wantedSortOrder; // clicked again while it ran
    // The model reset keeps the selected event selected (see the constructor).
    m_model->setSortedIds(column, order, std::move(*ids));
    if (const QModelIndex current = m_table->currentIndex(); current.isValid())
        m_table->scrollTo(current, QAbstractItemView::PositionAtCenter);
}

void EventsTab::applyColumnWidths()
{
    // A model reset re-initialises the header, so this runs after every setReader().
    const auto width = [this](const char *sample) {
        return fontMetrics().horizontalAdvance(QLatin1String(sample)) + 12;
    };
    QHeaderView *columns = m_table->horizontalHeader();
    columns->setSectionResizeMode(QHeaderView::Interactive);
    m_table->setColumnWidth(EventTableModel::Time, width(m_model->timeFormat() == EventTableModel::TimeFormat::Absolute
                                                             ? "★ 00:00:00.000000" : "★ +00000.000000 s"));
    m_table->setColumnWidth(EventTableModel::Pid, width("999999"));
    m_table->setColumnWidth(EventTableModel::Ppid, width("999999"));
    m_table->setColumnWidth(EventTableModel::Process, width("kworker/u4:"));
    m_table->setColumnWidth(EventTableModel::Syscall, width("renameat2"));
    m_table->setColumnWidth(EventTableModel::Ret, width("ECONNREFUSED"));
    m_table->setColumnWidth(EventTableModel::Count, width("Count"));
    m_table->setColumnWidth(EventTableModel::Bytes, width("1,000,000"));
    columns->setSectionResizeMode(EventTableModel::Target, QHeaderView::Stretch);
    applyHiddenColumns();
}

void EventsTab::onCurrentRowChanged()
{
    const Event *event = currentEvent();
    if (event)
        m_details->displayEvent(*event, m_model->bootToEpochNs(), m_reader.get());
    else
        m_details->clearEvent();
    updateTimeActions();
    emit currentEventChanged(event);
}

void EventsTab::showContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_table->indexAt(pos);
    if (!index.isValid())
        return;
    m_table->setCurrentIndex(index);
    QMenu menu(this);
    if (m_setReferenceAction->isEnabled()) {
        menu.addAction(m_setReferenceAction);
        menu.addSeparator();
    }
    addFilterActions(menu, index);
    menu.addActions(m_contextActions);
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void EventsTab::addFilterActions(QMenu &menu, const QModelIndex &index)
{
    // Wireshark's "Apply as Filter" / "Prepare as Filter" on the clicked cell.
    const Event *event = m_model->eventAt(index.row());
    const QString selected =
        event ? FilterExpression::forCell(*event, index.column(), m_model->bootToEpochNs()) : QString();
    QMenu *apply = menu.addMenu(tr("Apply as Filter"));
    QMenu *prepare = menu.addMenu(tr("Prepare as Filter"));
    apply->setEnabled(!selected.isEmpty());
    prepare->setEnabled(!selected.isEmpty());
    if (!selected.isEmpty()) {
        apply->setToolTip(selected);
        prepare->setToolTip(selected);
    }
    for (int i = FilterExpression::Selected; i <= FilterExpression::OrNotSelected; ++i) {
        const auto how = FilterExpression::Combine(i);
        connect(apply->addAction(FilterExpression::label(how)), &QAction::triggered, this, [this, selected, how] {
            m_filterBar->applyFilter(FilterExpression::combine(m_filterBar->lineEdit()->text(), selected, how));
        });
        connect(prepare->addAction(FilterExpression::label(how)), &QAction::triggered, this, [this, selected, how] {
            m_filterBar->prepareFilter(FilterExpression::combine(m_filterBar->lineEdit()->text(), selected, how));
        });
    }
    if (!m_contextActions.isEmpty())
        menu.addSeparator();
}

std::pair<int64_t, int64_t> EventsTab::eventSpan() const
{
    // The first and the last event (ids are in time order), epoch ns; 0, 0 when none.
    int64_t first = 0, last = 0;
    if (m_reader && m_reader->counts().events > 0) {
        const int64_t offset = m_reader->meta().bootToEpochNs;
        if (auto event = m_reader->event(1))
            first = int64_t(event.value().tsNs) + offset;
        if (auto event = m_reader->event(m_reader->counts().events))
            last = int64_t(event.value().lastTsNs) + offset;
    }
    return {first, std::max(first, last)};
}

void EventsTab::setTaskProgress(TaskProgress *progress)
{
    m_progress = progress;
    m_filterBar->setTaskProgress(progress);
    m_findBar->setTaskProgress(progress);
}

void EventsTab::showFindBar()
{
    m_findBar->showBar();
}

void EventsTab::findNext()
{
    if (!m_findBar->isVisible())
        m_findBar->showBar();
    else
        m_findBar->findNext();
}

void EventsTab::findPrevious()
{
    if (!m_findBar->isVisible())
        m_findBar->showBar();
    else
        m_findBar->findPrevious();
}

void EventsTab::setQuickFiltersVisible(bool visible)
{
    m_quickBar->setVisible(visible);
    if (m_quickFiltersAction->isChecked() != visible)
        m_quickFiltersAction->setChecked(visible);
    QSettings().setValue(QStringLiteral("events/quickFilters"), visible);
}

bool EventsTab::quickFiltersVisible() const
{
    return m_quickFiltersAction->isChecked();
}

} // namespace provscope
