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
    updateToolTip();
}

void GraphNodeItem::setPainter(std::shared_ptr<const GraphPainter> painter)
{
    m_painter = std::move(painter);
    updateToolTip();
    update();
}

void GraphNodeItem::updateToolTip()
{
    QString tip = QString::fromStdString(m_node.detail.empty() ? m_node.label : m_node.detail);
    const QStringList notes = m_painter->nodeNotes(m_node);
    if (!notes.isEmpty())
        tip += QLatin1Char('\n') + notes.join(QLatin1Char('\n'));
    setToolTip(tip);
}

QRectF GraphNodeItem::boundingRect() const
{
    // Room for a selection outline and the note mark on the top-right corner.
    return m_rect.adjusted(-3, -8, 8, 3);
}

void GraphNodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    m_painter->paintNode(*painter, m_node, m_rect, isSelected());
}

} // namespace provscope
