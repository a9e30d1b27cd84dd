// FlowsTab's chart selection: what it narrows the table to, the breadcrumb, and the
// event filter it asks the Events tab for (the flows one by one when that fits,
// else by their addresses and ports, else not at all, saying why).
#include "flows_tab.h"

#include "flow_table_model.h"

#include <QLocale>

#include <string_view>
#include <unordered_set>

namespace provscope {

namespace {
// Longer event filters are not handed to the event table: the filter bar's line edit
// holds 32,767 characters (a cut expression does not parse) and nobody reads them.
constexpr size_t kMaxEventFilterLength = 30000; // about 90 IPv4 flows spelled out fit
// Flows spelled out one by one when their expression fits the length above.
constexpr int kMaxSpelledFlows = 200;

// "to domain example.com", "from 10.0.0.5": the selection's label read as a sentence.
QString selectionPhrase(const FlowSelection &selection)
{
    const QString label = QString::fromStdString(selection.label);
    switch (selection.kind) {
    case FlowSelection::Kind::Destination:
    case FlowSelection::Kind::Domain:
    case FlowSelection::Kind::Port: return FlowsTab::tr("to %1").arg(label);
    case FlowSelection::Kind::Source: return FlowsTab::tr("from %1").arg(label);
    case FlowSelection::Kind::TimeRange: return FlowsTab::tr("active in %1").arg(label);
    default: return FlowsTab::tr("with %1").arg(label);
    }
}
} // namespace

void FlowsTab::applySelection(const FlowSelection &selection)
{
    if (selection.kind == FlowSelection::Kind::All) {
        clearSelection();
        return;
    }
    m_selection = selection;
    m_selectionNote.clear();
    recompute(false); // the charts show the range, not the selection: they stay as they are
    if (selection.kind == FlowSelection::Kind::TimeRange) {
        // The bucket becomes the shared range: the event table shows its events.
        emit timeRangeRequested(selection.minNs + m_bootToEpochNs, selection.maxNs + m_bootToEpochNs);
        return;
    }
    requestSelectionEvents();
}

void FlowsTab::requestSelectionEvents()
{
    m_selectionNote.clear();
    const int rows = m_model->rowCount();
    // Past a few hundred flows they are named by their addresses (eventFilterForFlows):
    // when those lists alone pass the budget, the rows are not copied to find out.
    size_t listLength = 0;
    if (rows > kMaxSpelledFlows) {
        std::unordered_set<std::string_view> addresses;
        for (int row = 0; row < rows && 2 * listLength <= kMaxEventFilterLength; ++row) {
            const Flow &flow = m_model->flowAt(row);
            for (const std::string *address : {&flow.src, &flow.dst})
                if (addresses.insert(*address).second) // quoted, ", ", and "::ffff:" for IPv4
                    listLength += address->size() + 4 + (address->find(':') == std::string::npos ? address->size() + 11 : 0);
        }
    }
    std::string expression;
    bool approximate = false;
    if (2 * listLength <= kMaxEventFilterLength) {
        const std::vector<Flow> flows = m_model->shownFlows();
        // One by one (exactly their sockets) as long as that fits, else by addresses.
        if (flows.size() <= size_t(kMaxSpelledFlows))
            expression = eventFilterForFlows(flows, flows.size(), m_bootToEpochNs);
        if (expression.empty() || expression.size() > kMaxEventFilterLength) {
            expression = eventFilterForFlows(flows, 0);
            approximate = true;
        }
    }
    const size_t length = expression.empty() ? 2 * listLength : expression.size();
    if (length > kMaxEventFilterLength) {
        m_selectionNote = tr("The events of these %1 flows are not filtered in the Events tab: their sockets "
                             "would take a filter of %2 kB or more. Narrow the selection first (a time "
                             "range, a destination).")
                              .arg(QLocale().toString(rows))
                              .arg(length / 1000);
        showStatus();
        return;
    }
    if (approximate)
        m_selectionNote = tr("The Events tab shows approximately these %1 flows' events: the sockets between "
                             "their addresses and ports (too many flows to name one by one).")
                              .arg(QLocale().toString(rows));
    showStatus();
    if (!expression.empty())
        emit eventFilterRequested(QString::fromStdString(expression));
}

void FlowsTab::clearSelection()
{
    if (!m_selection)
        return;
    m_selection.reset();
    m_selectionNote.clear();
    recompute(false);
    emit selectionCleared(); // the Events tab gets back the filter it had before
}

void FlowsTab::onRowActivated(const QModelIndex &index)
{
    if (index.isValid())
        showFlowEvents(m_model->flowAt(index.row()));
}

void FlowsTab::showFlowEvents(const Flow &flow)
{
    const std::string expression = eventFilterForFlows({flow}, 1, m_bootToEpochNs);
    if (!expression.empty())
        emit flowEventsRequested(QString::fromStdString(expression));
}

QString FlowsTab::breadcrumbText() const
{
    if (!m_selection)
        return {};
    if (m_selection->kind == FlowSelection::Kind::Flow)
        return tr("Showing the flow %1").arg(QString::fromStdString(m_selection->label));
    return tr("Showing flows %1").arg(selectionPhrase(*m_selection));
}

} // namespace provscope
