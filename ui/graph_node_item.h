#pragma once
// One provenance graph node in the scene, painted by the shared GraphPainter,
// with the view's own marks: a pin, and the highlight of a path through it.
#include "graph_painter.h"

#include <QGraphicsItem>

#include <memory>

namespace provscope {

class GraphNodeItem : public QGraphicsItem {
public:
    GraphNodeItem(std::shared_ptr<const GraphPainter> painter, const GraphNode &node,
                  int index, const NodeGeometry &geometry);

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    int nodeIndex() const { return m_index; }
    const GraphNode &node() const { return m_node; }
    // A painter with other annotations (marks): repaints, and the tooltip lists the notes.
    void setPainter(std::shared_ptr<const GraphPainter> painter);
    void setPinned(bool pinned);
    bool isPinned() const { return m_pinned; }
    // On the highlighted path: drawn as selected.
    void setHighlighted(bool on);
    bool isHighlighted() const { return m_highlighted; }

private:
    void updateToolTip();

    std::shared_ptr<const GraphPainter> m_painter;
    GraphNode m_node;
    int m_index;
    QRectF m_rect; // in item coordinates, centred on the origin
    bool m_pinned = false;
    bool m_highlighted = false;
};

} // namespace provscope
