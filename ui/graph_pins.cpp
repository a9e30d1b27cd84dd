#include "graph_pins.h"

#include <QLineF>

#include <cmath>
#include <vector>

namespace provscope {

namespace {

// Where the line from the box's centre towards target leaves the box.
QPointF boxExit(const NodeGeometry &box, const QPointF &target)
{
    const QPointF c = box.center;
    const QPointF d = target - c;
    const qreal hw = box.size.width() / 2, hh = box.size.height() / 2;
    if (std::abs(d.x()) < 1e-9 && std::abs(d.y()) < 1e-9)
        return c;
    const qreal tx = std::abs(d.x()) > 1e-9 ? hw / std::abs(d.x()) : 1e9;
    const qreal ty = std::abs(d.y()) > 1e-9 ? hh / std::abs(d.y()) : 1e9;
    return c + d * std::min(tx, ty);
}

void straighten(EdgeGeometry &edge, const NodeGeometry &from, const NodeGeometry &to)
{
    const QPointF start = boxExit(from, to.center);
    const QPointF tip = boxExit(to, from.center);
    QLineF line(start, tip);
    const qreal arrow = std::min<qreal>(9.0, line.length() / 2);
    const QPointF end = line.length() > 0 ? tip - (tip - start) / line.length() * arrow : tip;
    edge.points = {start, start + (end - start) / 3, start + (end - start) * 2 / 3, end};
    edge.hasArrowHead = true;
    edge.arrowTip = tip;
    if (edge.hasLabel)
        edge.labelCenter = (start + tip) / 2 + QPointF(0, -edge.labelSize.height() / 2 - 2);
}

} // namespace

QRectF layoutBounds(const GraphLayoutResult &layout)
{
    QRectF bounds;
    for (const NodeGeometry &node : layout.nodes)
        bounds |= node.rect();
    for (const EdgeGeometry &edge : layout.edges) {
        for (const QPointF &p : edge.points)
            bounds |= QRectF(p, QSizeF(1, 1));
        if (edge.hasArrowHead)
            bounds |= QRectF(edge.arrowTip, QSizeF(1, 1));
        if (edge.hasLabel)
            bounds |= QRectF(edge.labelCenter.x() - edge.labelSize.width() / 2,
                             edge.labelCenter.y() - edge.labelSize.height() / 2, edge.labelSize.width(),
                             edge.labelSize.height());
    }
    return bounds;
}

void applyPins(GraphLayoutResult &layout, const ProvenanceGraph &graph, const GraphPins &pins)
{
    if (pins.empty())
        return;
    std::vector<int> pinned;
    for (int i = 0; i < graph.nodeCount() && size_t(i) < layout.nodes.size(); ++i) {
        if (pins.count(graph.node(i).key))
            pinned.push_back(i);
    }
    if (pinned.empty())
        return;
    // Shift everything so the first pin is where it was: its edges keep their splines.
    const QPointF shift = pins.at(graph.node(pinned.front()).key) - layout.nodes[size_t(pinned.front())].center;
    for (NodeGeometry &node : layout.nodes)
        node.center += shift;
    for (EdgeGeometry &edge : layout.edges) {
        for (QPointF &p : edge.points)
            p += shift;
        edge.arrowTip += shift;
        edge.arrowTailTip += shift;
        edge.labelCenter += shift;
    }
    layout.nodes[size_t(pinned.front())].center = pins.at(graph.node(pinned.front()).key); // exactly, not x + (p - x)
    std::vector<bool> moved(layout.nodes.size(), false);
    for (size_t k = 1; k < pinned.size(); ++k) {
        NodeGeometry &node = layout.nodes[size_t(pinned[k])];
        const QPointF want = pins.at(graph.node(pinned[k]).key);
        if (QLineF(node.center, want).length() > 0.5) {
            node.center = want;
            moved[size_t(pinned[k])] = true;
        }
    }
    for (int e = 0; e < graph.edgeCount() && size_t(e) < layout.edges.size(); ++e) {
        const GraphEdge &edge = graph.edge(e);
        if (moved[size_t(edge.from)] || moved[size_t(edge.to)])
            straighten(layout.edges[size_t(e)], layout.nodes[size_t(edge.from)], layout.nodes[size_t(edge.to)]);
    }
    layout.boundingBox = layoutBounds(layout);
}

} // namespace provscope
