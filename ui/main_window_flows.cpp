// MainWindow's Flows tab: created after the Events tab and wired to the event table.
// The time range is shared through the quick filter bar's From/To; a chart selection
// filters the event table to the selected flows' socket events within that range.
#include "main_window.h"

#include "event_table_model.h"
#include "events_tab.h"
#include "filter_bar.h"
#include "flows_tab.h"
#include "quick_filter_bar.h"
#include "session_reader.h"
#include "session_status_bar.h"

#include <QAction>
#include <QTabWidget>

namespace provscope {

void MainWindow::createFlowsTab()
{
    m_flowsTab = new FlowsTab(this);
    m_flowsTab->setTaskProgress(m_progress);
    m_tabs->addTab(m_flowsTab, tr("Flows"));

    QuickFilterBar *quick = m_eventsTab->quickFilterBar();
    // Events -> flows: the quick filter's From/To restricts the table and the charts.
    connect(quick, &QuickFilterBar::timeRangeChanged, this, [this, quick] {
        if (quick->hasTimeRange()) {
            const auto [from, to] = quick->timeRange();
            m_flowsTab->setTimeRange(from, to);
        } else {
            m_flowsTab->clearTimeRange();
        }
    });
    // Flows -> events: a traffic-over-time bucket becomes the range of both.
    connect(m_flowsTab, &FlowsTab::timeRangeRequested, quick, &QuickFilterBar::setTimeRange);
    // A chart selection filters the event table (the Flows tab stays in front); the
    // range is kept, so the bar reads "(flows) and evt.time ...".
    connect(m_flowsTab, &FlowsTab::eventFilterRequested, this, [this, quick](const QString &expression) {
        const QString time = quick->timeExpression();
        filterBar()->applyFilter(time.isEmpty() ? expression
                                                : QStringLiteral("(%1) and %2").arg(expression, time));
        m_statusBar->showMessage(tr("The Events tab shows the events of the selected flows."), 5000);
    });
    // A double-clicked flow: all of its events, in the Events tab.
    connect(m_flowsTab, &FlowsTab::flowEventsRequested, this, &MainWindow::showFilteredEvents);
    // The first-seen column follows the event table's time format.
    for (QAction *action : m_eventsTab->timeFormatActions())
        connect(action, &QAction::triggered, this, &MainWindow::syncFlowsTimeFormat);
    connect(m_eventsTab->setTimeReferenceAction(), &QAction::triggered, this, &MainWindow::syncFlowsTimeFormat);
}

void MainWindow::syncFlowsTimeFormat()
{
    const EventTableModel *model = m_eventsTab->model();
    int64_t reference = 0;
    if (m_reader) {
        // Relative times count from the reference event, else from the first event.
        std::optional<Event> event;
        if (model->timeFormat() == EventTableModel::TimeFormat::RelativeToReference && model->timeReference() > 0) {
            if (auto found = m_reader->event(model->timeReference()))
                event = std::move(found.value());
        }
        if (!event) {
            if (auto first = m_reader->eventsByIdRange(1, 1); first && !first.value().empty())
                event = std::move(first.value().front());
        }
        reference = event ? int64_t(event->tsNs) : int64_t(m_reader->meta().captureStartNs);
    }
    m_flowsTab->setTimeFormat(model->timeFormat(), reference);
}

} // namespace provscope
