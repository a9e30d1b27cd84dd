#pragma once
// Pinned nodes keep their place across re-layouts. Graphviz's dot cannot take
// fixed positions (only neato/fdp honour pos+pin), so the pins are applied
// after it: the new layout is shifted so the first pinned node lands where it
// was, every other pinned node is put back in its place, and the edges that
// touch a moved node are drawn straight between the node boxes.
#include "graph_layout.h"
#include "provenance_graph.h"

#include <QPointF>

#include <map>
#include <string>

namespace provscope {

using GraphPins = std::map<std::string, QPointF>; // node key -> centre in scene coordinates

void applyPins(GraphLayoutResult &layout, const ProvenanceGraph &graph, const GraphPins &pins);

// Nodes, edge splines and labels, as GraphLayout computes it.
QRectF layoutBounds(const GraphLayoutResult &layout);

} // namespace provscope
