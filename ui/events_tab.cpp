#include "events_tab.h"

#include "event_details_view.h"
#include "event_table_model.h"
#include "filter_bar.h"
#include "filter_expression.h"
#include "find_bar.h"
#include "quick_filter_bar.h"
#include "session_reader.h"
#include "task_progress.h"

#include <QAction>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace provscope {

EventsTab::EventsTab(QWidget *parent)
    : QWidget(parent)
    , m_model(new EventTableModel(this))
{
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
    m_filterBar->cancelAndWait();
    m_findBar->cancelAndWait();
    m_quickBar->cancelAndWait();
    m_model->setReader(nullptr);
}

void EventsTab::setReader(std::shared_ptr<SessionReader> reader, const QString &path)
{
    m_reader = std::move(reader);
    m_details->clearEvent();
    m_model->setReader(m_reader);
    m_filterBar->setSessionPath(m_reader ? path : QString());
    m_findBar->setSessionPath(m_reader ? path : QString());
    m_findBar->setDisplayFilter(m_filterBar->appliedFilter());
    {
        // The quick filters' time range: the first to the last event (ids are in time order).
        int64_t first = 0, last = 0;
        if (m_reader && m_reader->counts().events > 0) {
            const int64_t offset = m_reader->meta().bootToEpochNs;
            if (auto event = m_reader->event(1))
                first = int64_t(event.value().tsNs) + offset;
            if (auto event = m_reader->event(m_reader->counts().events))
                last = int64_t(event.value().lastTsNs) + offset;
        }
        m_quickBar->setSession(m_reader ? path : QString(), first, std::max(first, last));
    }
    applyColumnWidths();
    if (m_reader && m_rowBeforeRelease >= 0)
        m_table->selectRow(m_rowBeforeRelease);
    if (m_reader && m_scrollBeforeRelease >= 0)
        m_table->verticalScrollBar()->setValue(m_scrollBeforeRelease);
    m_rowBeforeRelease = m_scrollBeforeRelease = -1;
}

void EventsTab::releaseSession()
{
    m_rowBeforeRelease = m_table->currentIndex().row();
    m_scrollBeforeRelease = m_table->verticalScrollBar()->value();
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
    if (atEnd)
        m_table->scrollToBottom();
}

const Event *EventsTab::currentEvent() const
{
    return m_model->eventAt(m_table->currentIndex().row());
}

void EventsTab::applyColumnWidths()
{
    // A model reset re-initialises the header, so this runs after every setReader().
    const auto width = [this](const char *sample) {
        return fontMetrics().horizontalAdvance(QLatin1String(sample)) + 12;
    };
    QHeaderView *columns = m_table->horizontalHeader();
    columns->setSectionResizeMode(QHeaderView::Interactive);
    m_table->setColumnWidth(EventTableModel::Time, width("00:00:00.000000"));
    m_table->setColumnWidth(EventTableModel::Pid, width("999999"));
    m_table->setColumnWidth(EventTableModel::Ppid, width("999999"));
    m_table->setColumnWidth(EventTableModel::Process, width("kworker/u4:"));
    m_table->setColumnWidth(EventTableModel::Syscall, width("renameat2"));
    m_table->setColumnWidth(EventTableModel::Ret, width("ECONNREFUSED"));
    m_table->setColumnWidth(EventTableModel::Count, width("Count"));
    m_table->setColumnWidth(EventTableModel::Bytes, width("1,000,000"));
    columns->setSectionResizeMode(EventTableModel::Target, QHeaderView::Stretch);
}

void EventsTab::onCurrentRowChanged()
{
    const Event *event = currentEvent();
    if (event)
        m_details->displayEvent(*event, m_model->bootToEpochNs(), m_reader.get());
    else
        m_details->clearEvent();
    emit currentEventChanged(event);
}

void EventsTab::showContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_table->indexAt(pos);
    if (!index.isValid())
        return;
    m_table->setCurrentIndex(index);
    QMenu menu(this);
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
