#include "graph_edge_item.h"

#include <QPainter>
#include <QPainterPathStroker>

namespace provscope {

GraphEdgeItem::GraphEdgeItem(std::shared_ptr<const GraphPainter> painter, const GraphEdge &edge, int index,
                             const EdgeGeometry &geometry)
    : m_painter(std::move(painter))
    , m_edge(edge)
    , m_index(index)
    , m_geometry(geometry)
{
    setFlag(QGraphicsItem::ItemIsSelectable);
    setZValue(0);
    const auto &points = m_geometry.points;
    if (!points.empty()) {
        m_path.moveTo(points.front());
        for (size_t i = 1; i + 2 < points.size(); i += 3)
            m_path.cubicTo(points[i], points[i + 1], points[i + 2]);
        if (m_geometry.hasArrowHead)
            m_path.lineTo(m_geometry.arrowTip);
    }
    QRectF bounds = m_path.controlPointRect();
    if (m_geometry.hasArrowHead)
        bounds |= QRectF(m_geometry.arrowTip, QSizeF(1, 1));
    if (m_geometry.hasLabel) {
        const QSizeF size = m_geometry.labelSize;
        bounds |= QRectF(m_geometry.labelCenter.x() - size.width() / 2,
                         m_geometry.labelCenter.y() - size.height() / 2, size.width(), size.height());
    }
    m_bounds = bounds.adjusted(-8, -8, 8, 8); // arrow head and pen width
    setToolTip(m_painter->edgeLabel(m_edge));
}

void GraphEdgeItem::setPainter(std::shared_ptr<const GraphPainter> painter)
{
    m_painter = std::move(painter);
    update();
}

void GraphEdgeItem::setHighlighted(bool on)
{
    if (m_highlighted == on)
        return;
    m_highlighted = on;
    update();
}

QRectF GraphEdgeItem::boundingRect() const
{
    return m_bounds;
}

QPainterPath GraphEdgeItem::shape() const
{
    QPainterPathStroker stroker;
    stroker.setWidth(8);
    QPainterPath shape = stroker.createStroke(m_path);
    if (m_geometry.hasLabel) {
        const QSizeF size = m_geometry.labelSize;
        shape.addRect(QRectF(m_geometry.labelCenter.x() - size.width() / 2,
                             m_geometry.labelCenter.y() - size.height() / 2, size.width(), size.height()));
    }
    return shape;
}

void GraphEdgeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    m_painter->paintEdge(*painter, m_edge, m_geometry, isSelected() || m_highlighted);
}

} // namespace provscope
