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

void GraphNodeItem::setPinned(bool pinned)
{
    if (m_pinned == pinned)
        return;
    m_pinned = pinned;
    updateToolTip();
    update();
}

void GraphNodeItem::setHighlighted(bool on)
{
    if (m_highlighted == on)
        return;
    m_highlighted = on;
    update();
}

void GraphNodeItem::updateToolTip()
{
    QString tip = QString::fromStdString(m_node.detail.empty() ? m_node.label : m_node.detail);
    const QStringList notes = m_painter->nodeNotes(m_node);
    if (!notes.isEmpty())
        tip += QLatin1Char('\n') + notes.join(QLatin1Char('\n'));
    if (m_pinned)
        tip += QLatin1Char('\n') + QObject::tr("pinned: keeps its place when the graph is laid out again");
    setToolTip(tip);
}

QRectF GraphNodeItem::boundingRect() const
{
    // Room for a selection outline, the note mark on the top-right corner and the pin top-left.
    return m_rect.adjusted(-8, -8, 8, 3);
}

void GraphNodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    m_painter->paintNode(*painter, m_node, m_rect, isSelected() || m_highlighted);
    if (m_pinned) {
        // A drawing pin on the top-left corner.
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        const QPointF head = m_rect.topLeft() + QPointF(1, 1);
        painter->setPen(QPen(QColor(90, 90, 90), 1.5));
        painter->drawLine(head, head + QPointF(5, 5));
        painter->setPen(QPen(QColor(120, 20, 20), 1));
        painter->setBrush(QColor(220, 40, 40));
        painter->drawEllipse(head, 4.5, 4.5);
        painter->restore();
    }
}

} // namespace provscope
