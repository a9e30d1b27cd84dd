#pragma once
// Positions for a provenance graph, computed with Graphviz cgraph/gvc and
// returned as a plain struct in Qt coordinates (points, y down) that the
// painter, the UI scene and the exporters all share, so exports match the
// screen. Node sizes come from Qt (GraphPainter::nodeSize) and are passed
// with fixedsize=true; Graphviz never measures text.
#include "provenance_graph.h"
#include "result.h"

#include <QPointF>
#include <QRectF>
#include <QSizeF>

#include <string>
#include <vector>

namespace provscope {

struct NodeGeometry {
    QPointF center;
    QSizeF size;
    QRectF rect() const { return QRectF(center.x() - size.width() / 2, center.y() - size.height() / 2,
                                        size.width(), size.height()); }
};

struct EdgeGeometry {
    // Cubic bezier control points: p0, c1, c2, p1, c1', c2', p2, ... (1 + 3n points).
    std::vector<QPointF> points;
    bool hasArrowHead = false;
    QPointF arrowTip;      // where the arrow head touches the target node
    bool hasArrowTail = false;
    QPointF arrowTailTip;  // unused for now (dir=forward)
    bool hasLabel = false;
    QPointF labelCenter;   // centre of the edge label box
    QSizeF labelSize;
};

enum class LayoutEngine { Auto, Dot, Sfdp };

struct GraphLayoutResult {
    std::vector<NodeGeometry> nodes; // by node index
    std::vector<EdgeGeometry> edges; // by edge index
    QRectF boundingBox;              // encloses nodes, edges and labels
    std::string engine;              // "dot" or "sfdp"
    bool leftToRight = false;        // dot ran with rankdir=LR (see GraphLayout::compute)
};

class GraphLayout {
public:
    static constexpr int kDotNodeLimit = 500; // Auto uses dot up to this many nodes
    // Auto: a dot layout wider than this and 2.5 times wider than high is
    // tried left to right as well, and replaced when that can be drawn larger.
    static constexpr double kWideLayoutWidth = 2400.0;

    // nodeSizes[i] is the size in points of node i; edgeLabelSizes may be
    // empty (no labels) or hold one size per edge (an empty size: no label).
    // Thread-safe: Graphviz has global state, calls are serialised.
    static Result<GraphLayoutResult> compute(const ProvenanceGraph &graph,
                                             const std::vector<QSizeF> &nodeSizes,
                                             const std::vector<QSizeF> &edgeLabelSizes = {},
                                             LayoutEngine engine = LayoutEngine::Auto);
};

} // namespace provscope
