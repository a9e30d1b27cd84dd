#include "graph_layout.h"

#include <gvc.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <set>
#include <utility>
#include <string>

namespace provscope {

namespace {

// Graphviz keeps global state (the context, plugin tables, error buffers):
// one layout at a time in the whole process.
std::mutex &graphvizMutex()
{
    static std::mutex mutex;
    return mutex;
}

GVC_t *graphvizContext()
{
    // Created once and kept: loading the plugins is the slow part.
    static GVC_t *context = gvContext();
    return context;
}

// Graphviz 2.42 takes char* everywhere: copy every literal into a buffer.
void setAttr(void *object, const std::string &name, const std::string &value)
{
    std::string n = name, v = value, empty;
    agsafeset(object, n.data(), v.data(), empty.data());
}

void setGraphAttr(Agraph_t *graph, const std::string &name, const std::string &value)
{
    std::string n = name, v = value;
    agattr(graph, AGRAPH, n.data(), v.data());
}

std::string number(double value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.4f", value);
    return buffer;
}

constexpr double kPointsPerInch = 72.0;

// RAII for the graph and its layout: both are freed on every path.
struct GraphHandle {
    Agraph_t *graph = nullptr;
    bool laidOut = false;
    ~GraphHandle()
    {
        if (laidOut)
            gvFreeLayout(graphvizContext(), graph);
        if (graph)
            agclose(graph);
    }
};

// A process that touched 150 files puts 150 files in one dot rank: a strip
// no report can show. Like Graphviz's `unflatten -l`, spread the end points
// (objects only read from or only written to) hanging off the same node over
// several ranks by giving their edges staggered minlen.
void staggerLeaves(const ProvenanceGraph &graph, const std::vector<Agedge_t *> &edges,
                   const std::vector<bool> &constrains)
{
    constexpr size_t kLeavesPerRank = 8;
    constexpr size_t kMaxStagger = 4; // dot pays a virtual node per rank a long edge crosses
    const size_t n = graph.nodes().size();
    std::vector<int> in(n, 0), out(n, 0), anchor(n, -1);
    for (size_t e = 0; e < edges.size(); ++e) {
        const GraphEdge &edge = graph.edges()[e];
        if (edge.from == edge.to || !constrains[e])
            continue;
        ++out[static_cast<size_t>(edge.from)];
        ++in[static_cast<size_t>(edge.to)];
        for (const auto &[self, other] : {std::pair(edge.from, edge.to), std::pair(edge.to, edge.from)}) {
            int &a = anchor[static_cast<size_t>(self)];
            a = a < 0 ? other : std::min(a, other);
        }
    }
    std::vector<std::vector<int>> endsOf(n);
    for (size_t node = 0; node < n; ++node) {
        const bool end = graph.nodes()[node].kind != NodeKind::Process && (in[node] == 0) != (out[node] == 0);
        if (end && anchor[node] >= 0)
            endsOf[static_cast<size_t>(anchor[node])].push_back(static_cast<int>(node));
    }
    std::vector<int> minlen(n, 0);
    for (const std::vector<int> &ends : endsOf) {
        if (ends.size() <= kLeavesPerRank)
            continue;
        const size_t ranks = std::min((ends.size() + kLeavesPerRank - 1) / kLeavesPerRank, kMaxStagger);
        for (size_t i = 0; i < ends.size(); ++i)
            minlen[static_cast<size_t>(ends[i])] = static_cast<int>(1 + i % ranks);
    }
    for (size_t e = 0; e < edges.size(); ++e) {
        const GraphEdge &edge = graph.edges()[e];
        const int len = std::max(minlen[static_cast<size_t>(edge.from)], minlen[static_cast<size_t>(edge.to)]);
        if (len > 1 && constrains[e])
            setAttr(edges[e], "minlen", std::to_string(len));
    }
}


// One Graphviz run; engine is Dot or Sfdp.
Result<GraphLayoutResult> computeOnce(const ProvenanceGraph &graph, const std::vector<QSizeF> &nodeSizes,
                                      const std::vector<QSizeF> &edgeLabelSizes, LayoutEngine engine,
                                      bool leftToRight)
{
    GraphLayoutResult result;
    result.leftToRight = leftToRight;
    result.engine = engine == LayoutEngine::Dot ? "dot" : "sfdp";
    result.nodes.resize(graph.nodes().size());
    result.edges.resize(graph.edges().size());
    if (graph.nodes().empty())
        return result;

    std::lock_guard lock(graphvizMutex());
    GVC_t *gvc = graphvizContext();
    if (!gvc)
        return makeError("graph layout: Graphviz could not be initialised");

    GraphHandle handle;
    std::string name = "provenance";
    handle.graph = agopen(name.data(), Agdirected, nullptr);
    Agraph_t *g = handle.graph;
    if (!g)
        return makeError("graph layout: agopen failed");

    if (leftToRight)
        setGraphAttr(g, "rankdir", "LR");
    setGraphAttr(g, "nodesep", "0.3");
    setGraphAttr(g, "ranksep", "0.5");
    if (engine == LayoutEngine::Sfdp) {
        setGraphAttr(g, "overlap", "prism");
        setGraphAttr(g, "sep", "+8");
    }
    // Defaults declared once so every node and edge gets the symbol.
    {
        std::string shape = "shape", box = "box", fixed = "fixedsize", yes = "true", label = "label",
                    empty, width = "width", height = "height", one = "1";
        agattr(g, AGNODE, shape.data(), box.data());
        agattr(g, AGNODE, fixed.data(), yes.data());
        agattr(g, AGNODE, label.data(), empty.data());
        agattr(g, AGNODE, width.data(), one.data());
        agattr(g, AGNODE, height.data(), one.data());
    }
    std::string labelAttr = "label", emptyValue;
    Agsym_t *edgeLabel = agattr(g, AGEDGE, labelAttr.data(), emptyValue.data());

    std::vector<Agnode_t *> nodes(graph.nodes().size());
    for (size_t i = 0; i < nodes.size(); ++i) {
        std::string nodeName = "n" + std::to_string(i);
        nodes[i] = agnode(g, nodeName.data(), 1);
        const QSizeF size = nodeSizes[i];
        setAttr(nodes[i], "width", number(std::max(size.width(), 1.0) / kPointsPerInch));
        setAttr(nodes[i], "height", number(std::max(size.height(), 1.0) / kPointsPerInch));
    }
    // Ranks follow information flow: an open/unlink beside a read or write of
    // the same object would fight it for the object's rank, so it yields.
    std::vector<bool> constrains(graph.edges().size(), true);
    {
        std::set<std::pair<int, int>> flowPairs;
        for (const GraphEdge &edge : graph.edges())
            if (isFlowEdge(edge.type))
                flowPairs.insert(std::minmax(edge.from, edge.to));
        for (size_t i = 0; i < constrains.size(); ++i) {
            const GraphEdge &edge = graph.edges()[i];
            constrains[i] = isFlowEdge(edge.type) || !flowPairs.count(std::minmax(edge.from, edge.to));
        }
    }
    std::vector<Agedge_t *> edges(graph.edges().size());
    for (size_t i = 0; i < edges.size(); ++i) {
        const GraphEdge &edge = graph.edges()[i];
        std::string edgeName = "e" + std::to_string(i); // named: parallel edges stay distinct
        edges[i] = agedge(g, nodes[static_cast<size_t>(edge.from)], nodes[static_cast<size_t>(edge.to)],
                          edgeName.data(), 1);
        if (!constrains[i])
            setAttr(edges[i], "constraint", "false");
        if (!edgeLabelSizes.empty() && !edgeLabelSizes[i].isEmpty()) {
            // An empty HTML table of the Qt-measured size: Graphviz reserves the
            // space and places the label without measuring any text itself.
            std::string html = "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLPADDING=\"0\" CELLSPACING=\"0\" "
                               "FIXEDSIZE=\"TRUE\" WIDTH=\""
                + std::to_string(static_cast<int>(std::ceil(edgeLabelSizes[i].width()))) + "\" HEIGHT=\""
                + std::to_string(static_cast<int>(std::ceil(edgeLabelSizes[i].height())))
                + "\"><TR><TD></TD></TR></TABLE>";
            char *value = agstrdup_html(g, html.data());
            agxset(edges[i], edgeLabel, value);
            agstrfree(g, value);
        }
    }

    if (engine == LayoutEngine::Dot)
        staggerLeaves(graph, edges, constrains);

    std::string engineName = result.engine;
    if (gvLayout(gvc, g, engineName.data()) != 0)
        return makeError("graph layout: Graphviz " + result.engine + " layout failed");
    handle.laidOut = true;

    // Graphviz: points, y up, origin at the bottom-left of bb. Qt: y down.
    const boxf bb = GD_bb(g);
    const double top = bb.UR.y;
    const double left = bb.LL.x;
    auto toQt = [&](pointf p) { return QPointF(p.x - left, top - p.y); };

    QRectF bounds;
    for (size_t i = 0; i < nodes.size(); ++i) {
        NodeGeometry &geometry = result.nodes[i];
        geometry.center = toQt(ND_coord(nodes[i]));
        geometry.size = QSizeF(ND_width(nodes[i]) * kPointsPerInch, ND_height(nodes[i]) * kPointsPerInch);
        bounds = bounds.united(geometry.rect());
    }
    for (size_t i = 0; i < edges.size(); ++i) {
        EdgeGeometry &geometry = result.edges[i];
        Agedge_t *e = edges[i];
        if (const splines *spl = ED_spl(e)) {
            for (int b = 0; b < spl->size; ++b) {
                const bezier &bz = spl->list[b];
                // Consecutive beziers join end to start: skip the repeated point.
                for (int p = (geometry.points.empty() ? 0 : 1); p < bz.size; ++p)
                    geometry.points.push_back(toQt(bz.list[p]));
                if (b == 0 && bz.sflag) {
                    geometry.hasArrowTail = true;
                    geometry.arrowTailTip = toQt(bz.sp);
                }
                if (b == spl->size - 1 && bz.eflag) {
                    geometry.hasArrowHead = true;
                    geometry.arrowTip = toQt(bz.ep);
                }
            }
        }
        if (geometry.points.empty()) {
            // No spline (should not happen): a straight cubic between the centres.
            const QPointF a = result.nodes[static_cast<size_t>(graph.edges()[i].from)].center;
            const QPointF z = result.nodes[static_cast<size_t>(graph.edges()[i].to)].center;
            geometry.points = {a, a + (z - a) / 3, a + (z - a) * 2 / 3, z};
        }
        if (!edgeLabelSizes.empty() && !edgeLabelSizes[i].isEmpty()) {
            geometry.hasLabel = true;
            geometry.labelSize = edgeLabelSizes[i];
            const textlabel_t *label = ED_label(e);
            if (label && label->set)
                geometry.labelCenter = toQt(label->pos);
            else // engines that do not place edge labels (sfdp): beside the middle
                geometry.labelCenter = geometry.points[geometry.points.size() / 2]
                    + QPointF(geometry.labelSize.width() / 2 + 2, 0);
            bounds = bounds.united(QRectF(geometry.labelCenter.x() - geometry.labelSize.width() / 2,
                                          geometry.labelCenter.y() - geometry.labelSize.height() / 2,
                                          geometry.labelSize.width(), geometry.labelSize.height()));
        }
        for (const QPointF &p : geometry.points)
            bounds = bounds.united(QRectF(p, QSizeF(0.001, 0.001)));
        if (geometry.hasArrowHead)
            bounds = bounds.united(QRectF(geometry.arrowTip, QSizeF(0.001, 0.001)));
    }
    // bb already covers everything Graphviz placed; unite with what we computed
    // (sfdp's fallback label positions) so nothing is ever clipped.
    result.boundingBox = QRectF(0, 0, bb.UR.x - bb.LL.x, bb.UR.y - bb.LL.y).united(bounds);
    return result;
}

// How large a layout can be drawn on a report page or a screen (1 = full size):
// the measure by which a left-to-right layout replaces a far too wide one.
double readableScale(const QRectF &box)
{
    constexpr double kPageWidth = 1800.0, kPageHeight = 3000.0;
    return std::min({1.0, kPageWidth / std::max(box.width(), 1.0), kPageHeight / std::max(box.height(), 1.0)});
}

} // namespace

Result<GraphLayoutResult> GraphLayout::compute(const ProvenanceGraph &graph,
                                               const std::vector<QSizeF> &nodeSizes,
                                               const std::vector<QSizeF> &edgeLabelSizes,
                                               LayoutEngine engine)
{
    if (nodeSizes.size() != graph.nodes().size())
        return makeError("graph layout: " + std::to_string(nodeSizes.size()) + " node sizes for "
                         + std::to_string(graph.nodes().size()) + " nodes");
    if (!edgeLabelSizes.empty() && edgeLabelSizes.size() != graph.edges().size())
        return makeError("graph layout: edge label sizes do not match the edges");

    const bool automatic = engine == LayoutEngine::Auto;
    if (automatic)
        engine = graph.nodeCount() <= kDotNodeLimit ? LayoutEngine::Dot : LayoutEngine::Sfdp;
    Result<GraphLayoutResult> topDown = computeOnce(graph, nodeSizes, edgeLabelSizes, engine, false);
    if (!automatic || engine != LayoutEngine::Dot || !topDown)
        return topDown;
    // Many siblings in one rank (two dozen processes sending to one address)
    // make a strip no page or window can show: lay it out left to right too
    // and keep whichever can be drawn larger.
    const QRectF box = topDown->boundingBox;
    if (box.width() <= kWideLayoutWidth || box.width() < 2.5 * box.height())
        return topDown;
    Result<GraphLayoutResult> sideways = computeOnce(graph, nodeSizes, edgeLabelSizes, engine, true);
    if (sideways && readableScale(sideways->boundingBox) > 1.2 * readableScale(box))
        return sideways;
    return topDown;
}

} // namespace provscope
