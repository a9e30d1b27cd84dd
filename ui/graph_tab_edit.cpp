// The graph tab's editing and selection: expand, collapse, fold, pin, hide,
// the path between two nodes, search, the context menu, events of the selection.
#include "graph_tab.h"

#include "annotation_set.h"
#include "graph_edge_item.h"
#include "graph_node_item.h"
#include "graph_path.h"
#include "point_of_interest.h"
#include "session_graph.h"
#include "zoomable_graphics_view.h"

#include <QAction>
#include <QContextMenuEvent>
#include <QGraphicsScene>
#include <QLineEdit>
#include <QMenu>
#include <QMouseEvent>

#include <algorithm>
#include <set>

namespace provscope {

namespace {

bool contains(const std::string &haystack, const QString &needle)
{
    return !haystack.empty() && QString::fromStdString(haystack).contains(needle, Qt::CaseInsensitive);
}

bool nodeMatches(const GraphNode &node, const QString &text)
{
    if (contains(node.label, text) || contains(node.detail, text) || contains(node.path, text)
        || contains(node.exe, text) || contains(node.comm, text) || contains(node.laddr, text)
        || contains(node.raddr, text) || contains(node.dnsName, text))
        return true;
    if (std::any_of(node.paths.begin(), node.paths.end(), [&](const std::string &p) { return contains(p, text); }))
        return true;
    if (node.kind == NodeKind::Process && QString::number(node.pid) == text.trimmed())
        return true;
    if (node.kind == NodeKind::Socket) {
        const QString ports = QStringLiteral(":%1 :%2").arg(node.lport).arg(node.rport);
        if (text.startsWith(QLatin1Char(':')) && ports.contains(text))
            return true;
    }
    return false;
}

} // namespace

// ---- editing --------------------------------------------------------------

void GraphTab::relayout(const QString &note)
{
    if (!m_analysis)
        return;
    m_note = note;
    auto composed = std::make_shared<const ProvenanceGraph>(
        composeView(analysisBase(*m_analysis, hideNoise()), m_session.get(), m_spec));
    m_composed = composed;
    GraphJobRequest request;
    request.sessionPath = m_sessionPath;
    request.poi = m_lastPoi;
    request.shown = std::move(composed);
    requestJob(std::move(request));
    updateHiddenAction();
}

int GraphTab::remainingNeighbours(int node) const
{
    if (!m_graph || !m_session || !m_composed || node < 0 || node >= m_graph->nodeCount())
        return 0;
    return int(expansionCandidates(*m_session, *m_composed, m_spec, m_graph->node(node).key).size());
}

bool GraphTab::expandNode(int node)
{
    if (!m_graph || !m_session || !m_composed || node < 0 || node >= m_graph->nodeCount())
        return false;
    const GraphNode &shown = m_graph->node(node);
    const std::string key = shown.key;
    std::vector<std::string> candidates = expansionCandidates(*m_session, *m_composed, m_spec, key);
    if (candidates.empty()) {
        m_note = m_session->graph().findNode(key) < 0
            ? tr("%1 is a group: turn Hide noise off to see its members").arg(QString::fromStdString(shown.label))
            : tr("%1 has no more neighbours to show").arg(QString::fromStdString(shown.label));
        updateStatus();
        return false;
    }
    const size_t take = std::min(candidates.size(), size_t(kExpandStep));
    const int left = int(candidates.size() - take);
    candidates.resize(take);
    auto it = std::find_if(m_spec.expansions.begin(), m_spec.expansions.end(),
                           [&](const GraphExpansion &e) { return e.anchor == key; });
    if (it == m_spec.expansions.end())
        m_spec.expansions.push_back({key, std::move(candidates)});
    else
        it->added.insert(it->added.end(), candidates.begin(), candidates.end());
    m_focusKey = key; // the new layout is shown around it
    QString note = tr("%1: %2 neighbours added").arg(QString::fromStdString(shown.label)).arg(take);
    if (left > 0)
        note += tr(", %1 more (double-click again or Show More)").arg(left);
    relayout(note);
    return true;
}

bool GraphTab::collapseNode(int node)
{
    if (!m_graph || node < 0 || node >= m_graph->nodeCount())
        return false;
    const std::string key = m_graph->node(node).key;
    const auto before = m_spec.expansions.size();
    m_spec.expansions.erase(std::remove_if(m_spec.expansions.begin(), m_spec.expansions.end(),
                                           [&](const GraphExpansion &e) { return e.anchor == key; }),
                            m_spec.expansions.end());
    if (m_spec.expansions.size() == before)
        return false;
    relayout(tr("%1 collapsed").arg(QString::fromStdString(m_graph->node(node).label)));
    return true;
}

bool GraphTab::foldLeaves(int node)
{
    if (!m_graph || node < 0 || node >= m_graph->nodeCount())
        return false;
    const std::vector<int> leaves = leafNeighbours(*m_graph, node);
    if (leaves.empty())
        return false;
    auto &folded = m_spec.folded[m_graph->node(node).key];
    for (int leaf : leaves)
        folded.push_back(m_graph->node(leaf).key);
    relayout(tr("%1 leaves of %2 folded").arg(leaves.size()).arg(QString::fromStdString(m_graph->node(node).label)));
    return true;
}

bool GraphTab::unfoldLeaves(int node)
{
    if (!m_graph || node < 0 || node >= m_graph->nodeCount())
        return false;
    if (m_spec.folded.erase(m_graph->node(node).key) == 0)
        return false;
    relayout(tr("%1 unfolded").arg(QString::fromStdString(m_graph->node(node).label)));
    return true;
}

void GraphTab::hideNode(int node)
{
    if (!m_graph || node < 0 || node >= m_graph->nodeCount() || node == m_graph->poi())
        return;
    m_spec.hidden.insert(m_graph->node(node).key);
    relayout(tr("%1 hidden").arg(QString::fromStdString(m_graph->node(node).label)));
}

void GraphTab::showHidden()
{
    if (m_spec.hidden.empty())
        return;
    const size_t count = m_spec.hidden.size();
    m_spec.hidden.clear();
    relayout(tr("%1 hidden nodes shown again").arg(count));
}

void GraphTab::updateHiddenAction()
{
    m_showHidden->setText(tr("Show Hidden (%1)").arg(m_spec.hidden.size()));
    m_showHidden->setEnabled(!m_spec.hidden.empty());
}

void GraphTab::setPinned(int node, bool pinned)
{
    if (!m_graph || node < 0 || node >= m_graph->nodeCount() || size_t(node) >= m_layout.nodes.size())
        return;
    const std::string &key = m_graph->node(node).key;
    if (pinned)
        m_pins[key] = m_layout.nodes[size_t(node)].center;
    else
        m_pins.erase(key);
    for (QGraphicsItem *item : m_scene->items()) {
        if (auto *nodeItem = dynamic_cast<GraphNodeItem *>(item); nodeItem && nodeItem->nodeIndex() == node)
            nodeItem->setPinned(pinned);
    }
    updateStatus();
}

bool GraphTab::isPinned(int node) const
{
    return m_graph && node >= 0 && node < m_graph->nodeCount() && m_pins.count(m_graph->node(node).key) > 0;
}

// ---- selection --------------------------------------------------------------

void GraphTab::selectNode(int node, bool add)
{
    if (!add)
        m_scene->clearSelection();
    for (QGraphicsItem *item : m_scene->items()) {
        if (auto *nodeItem = dynamic_cast<GraphNodeItem *>(item); nodeItem && nodeItem->nodeIndex() == node) {
            m_view->centerOn(nodeItem); // first: a path the selection makes is then brought into view
            nodeItem->setSelected(true);
        }
    }
}

void GraphTab::selectEdge(int edge)
{
    m_scene->clearSelection();
    for (QGraphicsItem *item : m_scene->items()) {
        if (auto *edgeItem = dynamic_cast<GraphEdgeItem *>(item); edgeItem && edgeItem->edgeIndex() == edge) {
            edgeItem->setSelected(true);
            m_view->ensureVisible(edgeItem, 40, 40);
        }
    }
}

void GraphTab::clearSelection()
{
    m_scene->clearSelection();
}

std::vector<int> GraphTab::selectedNodes() const
{
    std::vector<int> nodes;
    for (QGraphicsItem *item : m_scene->selectedItems()) {
        if (auto *nodeItem = dynamic_cast<GraphNodeItem *>(item))
            nodes.push_back(nodeItem->nodeIndex());
    }
    std::sort(nodes.begin(), nodes.end());
    return nodes;
}

std::vector<int> GraphTab::selectedEdges() const
{
    std::vector<int> edges;
    for (QGraphicsItem *item : m_scene->selectedItems()) {
        if (auto *edgeItem = dynamic_cast<GraphEdgeItem *>(item))
            edges.push_back(edgeItem->edgeIndex());
    }
    std::sort(edges.begin(), edges.end());
    return edges;
}

std::vector<int64_t> GraphTab::selectedEventIds() const
{
    if (!m_graph)
        return {};
    std::set<int> edges;
    if (!m_pathEdges.empty()) {
        edges.insert(m_pathEdges.begin(), m_pathEdges.end());
    } else {
        for (int e : selectedEdges())
            edges.insert(e);
        for (int n : selectedNodes()) {
            edges.insert(m_graph->inEdges(n).begin(), m_graph->inEdges(n).end());
            edges.insert(m_graph->outEdges(n).begin(), m_graph->outEdges(n).end());
        }
    }
    std::vector<int64_t> ids;
    for (int e : edges) {
        const auto &eventIds = m_graph->edge(e).eventIds;
        ids.insert(ids.end(), eventIds.begin(), eventIds.end());
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

bool GraphTab::selectEvent(int64_t eventId)
{
    if (!m_graph || eventId <= 0)
        return false;
    const std::vector<int64_t> current = selectedEventIds();
    if (std::binary_search(current.begin(), current.end(), eventId))
        return true; // the selection already stands for it
    for (int e = 0; e < m_graph->edgeCount(); ++e) {
        const auto &ids = m_graph->edge(e).eventIds; // sorted by composeView()
        if (!std::binary_search(ids.begin(), ids.end(), eventId))
            continue;
        m_selecting = true;
        selectEdge(e);
        m_selecting = false;
        return true;
    }
    return false;
}

void GraphTab::onSceneSelectionChanged()
{
    if (!m_graph)
        return;
    const std::vector<int> nodes = selectedNodes();
    m_pathNodes.clear();
    m_pathEdges.clear();
    if (nodes.size() == 2 && selectedEdges().empty()) {
        const GraphPath path = shortestPath(*m_graph, nodes[0], nodes[1]);
        m_pathNodes = path.nodes;
        m_pathEdges = path.edges;
        if (path.empty())
            m_note = tr("no path between the two selected nodes");
        else
            m_note = tr("path of %1 edges%2").arg(path.edges.size()).arg(path.directed ? QString() : tr(" (ignoring direction)"));
        updateStatus();
        // Bring the whole path into view: centred when it fits at this zoom, else zoomed out to it.
        QRectF bounds;
        for (int node : m_pathNodes) {
            if (size_t(node) < m_layout.nodes.size())
                bounds |= m_layout.nodes[size_t(node)].rect();
        }
        bounds.adjust(-30, -30, 30, 30);
        const QRectF shown = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
        if (m_pathNodes.size() > 1 && !shown.contains(bounds)) {
            if (bounds.width() > shown.width() || bounds.height() > shown.height())
                m_view->fitInView(bounds, Qt::KeepAspectRatio);
            m_view->centerOn(bounds.center());
        }
    }
    applyHighlight();
    if (!m_selecting)
        emit eventsSelected(selectedEventIds());
}

void GraphTab::applyHighlight()
{
    const bool dim = !m_pathNodes.empty();
    const std::set<int> nodes(m_pathNodes.begin(), m_pathNodes.end());
    const std::set<int> edges(m_pathEdges.begin(), m_pathEdges.end());
    for (QGraphicsItem *item : m_scene->items()) {
        bool on = false;
        if (auto *node = dynamic_cast<GraphNodeItem *>(item)) {
            on = nodes.count(node->nodeIndex()) > 0;
            node->setHighlighted(on);
        } else if (auto *edge = dynamic_cast<GraphEdgeItem *>(item)) {
            on = edges.count(edge->edgeIndex()) > 0;
            edge->setHighlighted(on);
        }
        item->setOpacity(dim && !on ? 0.25 : 1.0);
    }
}

int GraphTab::findNext(const QString &text)
{
    if (!m_graph || text.trimmed().isEmpty())
        return -1;
    if (text != m_searchText) {
        m_searchText = text;
        m_searchAt = -1;
    }
    const int count = m_graph->nodeCount();
    int matches = 0, found = -1, index = 0;
    for (int i = 0; i < count; ++i) {
        if (!nodeMatches(m_graph->node(i), text))
            continue;
        ++matches;
        if (found < 0 && i > m_searchAt) {
            found = i;
            index = matches;
        }
    }
    if (matches > 0 && found < 0) { // wrap around
        for (int i = 0; i < count && found < 0; ++i) {
            if (nodeMatches(m_graph->node(i), text)) {
                found = i;
                index = 1;
            }
        }
    }
    if (found < 0) {
        m_note = tr("no node matches \u201c%1\u201d").arg(text);
        updateStatus();
        return -1;
    }
    m_searchAt = found;
    selectNode(found);
    m_note = tr("match %1 of %2: %3").arg(index).arg(matches).arg(QString::fromStdString(m_graph->node(found).label));
    updateStatus();
    return found;
}

// ---- menus and mouse --------------------------------------------------------

void GraphTab::onNode(const std::string &key, const std::function<void(int)> &action)
{
    const int node = m_graph && !key.empty() ? m_graph->findNode(key) : -1;
    if (node >= 0)
        action(node);
}

QMenu *GraphTab::createNodeMenu(int nodeIndex, QWidget *parent)
{
    auto *menu = new QMenu(parent);
    const bool usable = m_graph && nodeIndex >= 0 && nodeIndex < m_graph->nodeCount() && m_annotations
        && !m_annotations->sessionPath().isEmpty();
    // The menu is not modal: a layout may finish while it is open, so the
    // actions find their node again by key (nothing happens when it is gone).
    const std::string key = usable ? m_graph->node(nodeIndex).key : std::string();
    QAction *tag = menu->addAction(tr("Tag…"), this, [this, key] { onNode(key, [&](int n) { annotateNode(n, Annotation::Kind::Tag); }); });
    QAction *comment = menu->addAction(tr("Comment…"), this, [this, key] {
        onNode(key, [&](int n) { annotateNode(n, Annotation::Kind::Comment); });
    });
    tag->setEnabled(usable);
    comment->setEnabled(usable);
    return menu;
}

QMenu *GraphTab::createContextMenu(int node, QWidget *parent)
{
    if (!m_graph || node < 0 || node >= m_graph->nodeCount()) {
        auto *menu = new QMenu(parent);
        menu->addAction(m_showHidden);
        menu->addAction(tr("Zoom to Fit"), m_view, &ZoomableGraphicsView::zoomToFit);
        return menu;
    }
    QMenu *menu = createNodeMenu(node, parent);
    QAction *first = menu->actions().value(0);
    const auto insert = [&](const QString &text, bool enabled, std::function<void()> slot) {
        auto *action = new QAction(text, menu);
        action->setEnabled(enabled);
        connect(action, &QAction::triggered, this, std::move(slot));
        menu->insertAction(first, action);
        return action;
    };
    const std::string key = m_graph->node(node).key;
    const int remaining = remainingNeighbours(node);
    const bool expanded = m_spec.hasExpansion(key);
    const int step = std::min(remaining, kExpandStep);
    if (expanded)
        insert(tr("Show %1 More Neighbours (%2 left)").arg(step).arg(remaining), remaining > 0,
               [this, key] { onNode(key, [&](int n) { expandNode(n); }); });
    else
        insert(tr("Expand Neighbours (%1)").arg(remaining), remaining > 0,
               [this, key] { onNode(key, [&](int n) { expandNode(n); }); });
    insert(tr("Collapse"), expanded, [this, key] { onNode(key, [&](int n) { collapseNode(n); }); });
    if (m_spec.folded.count(key))
        insert(tr("Unfold Leaves (%1)").arg(m_spec.folded.at(key).size()), true,
               [this, key] { onNode(key, [&](int n) { unfoldLeaves(n); }); });
    else
        insert(tr("Fold Leaves (%1)").arg(leafNeighbours(*m_graph, node).size()),
               !leafNeighbours(*m_graph, node).empty(), [this, key] { onNode(key, [&](int n) { foldLeaves(n); }); });
    const bool pinned = isPinned(node);
    insert(pinned ? tr("Unpin") : tr("Pin in Place"), true,
           [this, key, pinned] { onNode(key, [&](int n) { setPinned(n, !pinned); }); });
    insert(tr("Hide"), node != m_graph->poi(), [this, key] { onNode(key, [&](int n) { hideNode(n); }); });
    const GraphNode &n = m_graph->node(node);
    std::optional<PointOfInterest> poi;
    if (n.kind == NodeKind::Process)
        poi = PointOfInterest::process(n.pid, n.startNs);
    else if (n.kind == NodeKind::File && !n.path.empty())
        poi = PointOfInterest::file(n.path);
    else if (n.kind == NodeKind::Socket && !n.raddr.empty())
        poi = PointOfInterest::net(n.raddr, n.rport);
    insert(tr("Track From Here"), poi.has_value(), [this, poi] {
        if (poi)
            showGraph(*poi);
    });
    menu->insertSeparator(first);
    return menu;
}

int GraphTab::nodeAt(const QPoint &viewportPos) const
{
    for (QGraphicsItem *item : m_view->items(viewportPos)) {
        if (auto *nodeItem = dynamic_cast<GraphNodeItem *>(item))
            return nodeItem->nodeIndex();
    }
    return -1;
}

bool GraphTab::annotateNode(int nodeIndex, Annotation::Kind kind)
{
    if (!m_graph || nodeIndex < 0 || nodeIndex >= m_graph->nodeCount() || !m_annotations)
        return false;
    const GraphNode &node = m_graph->node(nodeIndex);
    // A process node stands for its process: the tag shows wherever the process does.
    const bool process = node.kind == NodeKind::Process;
    const Annotation::Target target = process ? Annotation::Target::Process : Annotation::Target::Node;
    const std::string key = process ? Annotation::processTarget(node.pid, node.startNs) : node.key;
    QString what = QString::fromStdString(node.label);
    if (!node.detail.empty())
        what += QStringLiteral(" (%1)").arg(QString::fromStdString(node.detail));
    const auto text = m_prompt(this, kind, what, QString());
    if (!text)
        return false;
    return m_annotations->add(target, key, kind, *text) != 0;
}

bool GraphTab::eventFilter(QObject *watched, QEvent *event)
{
    // The viewport shrinks when scroll bars appear: the overlays keep to its corners.
    if (watched == m_view->viewport() && event->type() == QEvent::Resize)
        placeOverlays();
    if (watched == m_view->viewport() && event->type() == QEvent::MouseButtonDblClick) {
        // Double-click on a node: its next neighbours from the session graph.
        const int node = nodeAt(static_cast<QMouseEvent *>(event)->position().toPoint());
        if (node >= 0) {
            expandNode(node);
            return true;
        }
    }
    if (watched == m_view->viewport() && event->type() == QEvent::ContextMenu) {
        const auto *menuEvent = static_cast<QContextMenuEvent *>(event);
        QMenu *menu = createContextMenu(nodeAt(menuEvent->pos()), this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(menuEvent->globalPos());
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace provscope
