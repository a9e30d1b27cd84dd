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

#include <memory>

namespace provscope {

void MainWindow::createFlowsTab()
{
    m_flowsTab = new FlowsTab(this);
    m_flowsTab->setTaskProgress(m_progress);
    m_tabs->addTab(m_flowsTab, tr("Flows"));

    QuickFilterBar *quick = m_eventsTab->quickFilterBar();
    // What a chart selection did to the event filter: the filter before it (restored
    // by Clear), the one it applied, and the time part then.
    struct SelectionFilter {
        bool active = false;
        QString session, before, beforeTime, applied;
        QString quickRest; // the quick filters other than the time, as the selection left them
    };
    auto state = std::make_shared<SelectionFilter>();
    // The quick filters' expression without its time part.
    const auto quickRest = [quick] {
        QString rest = quick->expression();
        const QString time = quick->timeExpression();
        if (!time.isEmpty() && rest.startsWith(time))
            rest = rest.mid(time.size());
        if (rest.startsWith(QStringLiteral(" and ")))
            rest = rest.mid(5);
        return rest;
    };
    // Flows -> span: the From/To span covers the flows too (an import has no events;
    // a capture's flows may start before its first event).
    connect(m_flowsTab, &FlowsTab::flowsLoaded, this, [this, quick] {
        if (const auto span = m_flowsTab->flowSpanEpochNs())
            quick->widenSpan(span->first, span->second);
    });
    // Events -> flows: the quick filter's From/To restricts the table and the charts;
    // with a chart selection the tab asks again for its flows' events in the new range.
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
    connect(m_flowsTab, &FlowsTab::eventFilterRequested, this,
            [this, quick, state, quickRest](const QString &expression) {
        const QString current = filterBar()->appliedFilter();
        if (!state->active || state->session != m_sessionPath || current != state->applied) {
            // The user's own filter (or none): what Clear gives back.
            state->active = true;
            state->session = m_sessionPath;
            state->before = current;
            state->beforeTime = quick->timeExpression();
        }
        const QString time = quick->timeExpression();
        state->applied = time.isEmpty() ? expression : QStringLiteral("(%1) and %2").arg(expression, time);
        filterBar()->applyFilter(state->applied);
        state->quickRest = quickRest();
        m_statusBar->showMessage(tr("The Events tab shows the events of the selected flows."), 5000);
    });
    // A syscall, process or pid quick filter replaces the selection's event filter (the
    // time is kept, above): the selection is cleared visibly rather than left in the
    // breadcrumb while the Events tab no longer shows its flows.
    connect(quick, &QuickFilterBar::expressionChanged, this, [this, state, quickRest] {
        if (state->active && m_flowsTab->selection() && quickRest() != state->quickRest) {
            m_flowsTab->clearSelection();
            m_statusBar->showMessage(tr("The quick filters replaced the flows selection's event filter: "
                                        "the selection was cleared."), 5000);
        }
    });
    // Clear: the filter from before the selection, unless the user replaced the
    // selection's since (then theirs stays). A range changed since keeps the new range.
    connect(m_flowsTab, &FlowsTab::selectionCleared, this, [this, quick, state] {
        if (!state->active)
            return;
        state->active = false;
        if (state->session != m_sessionPath || filterBar()->appliedFilter() != state->applied)
            return;
        const QString restored = quick->timeExpression() == state->beforeTime ? state->before : quick->timeExpression();
        if (restored.isEmpty())
            filterBar()->clear();
        else
            filterBar()->applyFilter(restored);
        m_statusBar->showMessage(tr("The Events tab shows its filter from before the selection again."), 5000);
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
    // The event table's own reference (it has read it already); a session without events
    // counts from the capture start.
    int64_t reference = 0;
    if (m_reader) {
        reference = model->referenceTsNs();
        if (!reference)
            reference = int64_t(m_reader->meta().captureStartNs);
    }
    m_flowsTab->setTimeFormat(model->timeFormat(), reference);
}

} // namespace provscope
