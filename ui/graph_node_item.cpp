#include "graph_node_item.h"

#include <QPainter>

namespace provscope {

GraphNodeItem::GraphNodeItem(std::shared_ptr<const GraphPainter> painter, const GraphNode &node,
                             int index, const NodeGeometry &geometry)
    : m_painter(std::move(painter))
    , m_node(node)
    , m_index(index)
    , m_rect(-geometry.size.width() / 2, -geometry.size.height() / 2,
             geometry.size.width(), geometry.size.height())
{
    setPos(geometry.center);
    setFlag(QGraphicsItem::ItemIsSelectable);
    setZValue(1);
    setToolTip(QString::fromStdString(m_node.detail.empty() ? m_node.label : m_node.detail));
}

QRectF GraphNodeItem::boundingRect() const
{
    return m_rect.adjusted(-3, -3, 3, 3); // room for a selection outline
}

void GraphNodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    m_painter->paintNode(*painter, m_node, m_rect, isSelected());
}

} // namespace provscope
