#pragma once
// One provenance graph edge in the scene, painted by the shared GraphPainter.
#include "graph_painter.h"

#include <QGraphicsItem>

#include <memory>

namespace provscope {

class GraphEdgeItem : public QGraphicsItem {
public:
    GraphEdgeItem(std::shared_ptr<const GraphPainter> painter, const GraphEdge &edge, int index,
                  const EdgeGeometry &geometry);

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    const GraphEdge &edge() const { return m_edge; }
    int edgeIndex() const { return m_index; }
    void setPainter(std::shared_ptr<const GraphPainter> painter);
    // On the highlighted path: drawn as selected.
    void setHighlighted(bool on);
    bool isHighlighted() const { return m_highlighted; }

private:
    std::shared_ptr<const GraphPainter> m_painter;
    GraphEdge m_edge;
    int m_index;
    EdgeGeometry m_geometry;
    QRectF m_bounds;
    QPainterPath m_path;
    bool m_highlighted = false;
};

} // namespace provscope
