#pragma once
// The path the graph tab highlights between two nodes: the shortest directed
// path from a to b (the way information flowed), else from b to a, else the
// shortest path ignoring direction. Empty when they are not connected.
#include "provenance_graph.h"

#include <vector>

namespace provscope {

struct GraphPath {
    std::vector<int> nodes; // from one end to the other
    std::vector<int> edges;
    bool directed = false;  // follows the edges' direction
    bool empty() const { return nodes.empty(); }
};

GraphPath shortestPath(const ProvenanceGraph &graph, int a, int b);

} // namespace provscope
