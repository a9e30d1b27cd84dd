#pragma once
// Draws provenance graph nodes and edges with QtGui only. The UI's scene
// items, the PNG/SVG exports and the CLI all paint through this class, so
// what is exported is what is on screen.
#include "graph_layout.h"
#include "provenance_graph.h"
#include "result.h"

#include <QColor>
#include <QFont>
#include <QImage>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QStringList>

class QPainter;

namespace provscope {

class GraphPainter {
public:
    static constexpr qreal kMargin = 24.0; // around the graph in images

    explicit GraphPainter(int64_t bootToEpochNs = 0);
    // Uses graph.bootToEpochNs().
    explicit GraphPainter(const ProvenanceGraph &graph);

    static QFont font();            // "DejaVu Sans" 9 pt
    static QColor fillColor(NodeKind kind);
    static QColor borderColor(NodeKind kind);

    // Text shown on a node (one or two lines) and its measured box size.
    QStringList nodeLines(const GraphNode &node) const;
    QSizeF nodeSize(const GraphNode &node) const;
    // "read 12:34:56.789 ×3": syscall type, local time of the first event, count when > 1.
    QString edgeLabel(const GraphEdge &edge) const;
    // Empty for open/unlink edges: they are drawn unlabelled.
    QSizeF edgeLabelSize(const GraphEdge &edge) const;
    QString formatTime(uint64_t bootNs) const; // HH:MM:SS.mmm local time

    void paintNode(QPainter &painter, const GraphNode &node, const QRectF &rect, bool selected = false) const;
    void paintEdge(QPainter &painter, const GraphEdge &edge, const EdgeGeometry &geometry,
                   bool selected = false) const;
    // Background-less: the whole graph in layout coordinates.
    void paintGraph(QPainter &painter, const ProvenanceGraph &graph, const GraphLayoutResult &layout) const;

    // Measures every node and edge label and lays the graph out.
    Result<GraphLayoutResult> layout(const ProvenanceGraph &graph,
                                     LayoutEngine engine = LayoutEngine::Auto) const;

    // White background, margins, antialiased. scale 2.0 for high-DPI reports.
    QImage renderImage(const ProvenanceGraph &graph, const GraphLayoutResult &layout, qreal scale = 1.0) const;
    // Size of the rendered page in points (bbox + margins).
    static QSizeF pageSize(const GraphLayoutResult &layout);

private:
    int64_t m_bootToEpochNs = 0;
};

} // namespace provscope
