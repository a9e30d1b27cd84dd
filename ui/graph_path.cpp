#include "graph_path.h"

#include <algorithm>
#include <deque>

namespace provscope {

namespace {

// Breadth first from a; forward: out edges, backward too when undirected.
GraphPath search(const ProvenanceGraph &graph, int a, int b, bool undirected)
{
    const size_t n = size_t(graph.nodeCount());
    std::vector<int> viaEdge(n, -1);
    std::vector<bool> seen(n, false);
    std::deque<int> queue{a};
    seen[size_t(a)] = true;
    while (!queue.empty() && !seen[size_t(b)]) {
        const int at = queue.front();
        queue.pop_front();
        const auto visit = [&](int e, int other) {
            if (seen[size_t(other)])
                return;
            seen[size_t(other)] = true;
            viaEdge[size_t(other)] = e;
            queue.push_back(other);
        };
        for (int e : graph.outEdges(at))
            visit(e, graph.edge(e).to);
        if (undirected) {
            for (int e : graph.inEdges(at))
                visit(e, graph.edge(e).from);
        }
    }
    GraphPath path;
    if (!seen[size_t(b)])
        return path;
    for (int at = b; at != a;) {
        const GraphEdge &edge = graph.edge(viaEdge[size_t(at)]);
        path.nodes.push_back(at);
        path.edges.push_back(viaEdge[size_t(at)]);
        at = edge.to == at ? edge.from : edge.to;
    }
    path.nodes.push_back(a);
    std::reverse(path.nodes.begin(), path.nodes.end());
    std::reverse(path.edges.begin(), path.edges.end());
    path.directed = !undirected;
    return path;
}

} // namespace

GraphPath shortestPath(const ProvenanceGraph &graph, int a, int b)
{
    if (a < 0 || b < 0 || a >= graph.nodeCount() || b >= graph.nodeCount() || a == b)
        return {};
    GraphPath path = search(graph, a, b, false);
    if (path.empty()) {
        path = search(graph, b, a, false);
    }
    if (path.empty())
        path = search(graph, a, b, true);
    return path;
}

} // namespace provscope
