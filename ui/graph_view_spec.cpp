#include "graph_view_spec.h"

#include "noise_filter.h"
#include "security_relevance.h"
#include "session_graph.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace provscope {

bool GraphViewSpec::hasExpansion(const std::string &anchor) const
{
    return std::any_of(expansions.begin(), expansions.end(),
                       [&](const GraphExpansion &e) { return e.anchor == anchor; });
}

int GraphViewSpec::foldedCount() const
{
    int count = 0;
    for (const auto &[node, leaves] : folded)
        count += int(leaves.size());
    return count;
}

namespace {

struct EdgeKey {
    int from, to;
    EdgeType type;
    bool operator==(const EdgeKey &o) const { return from == o.from && to == o.to && type == o.type; }
};
struct EdgeKeyHash {
    size_t operator()(const EdgeKey &k) const
    {
        return std::hash<int64_t>()((int64_t(k.from) << 32) ^ int64_t(k.to)) ^ (size_t(k.type) << 7);
    }
};

} // namespace

ProvenanceGraph composeView(const ProvenanceGraph &base, const SessionGraph *session, GraphViewSpec &spec)
{
    std::unordered_set<std::string> removed(spec.hidden.begin(), spec.hidden.end());
    for (const auto &[node, leaves] : spec.folded)
        removed.insert(leaves.begin(), leaves.end());

    ProvenanceGraph out;
    out.setBootToEpochNs(base.bootToEpochNs());
    out.setOmittedNodes(base.omittedNodes());
    std::vector<int> baseMap(size_t(base.nodeCount()), -1);
    for (int i = 0; i < base.nodeCount(); ++i) {
        const GraphNode &node = base.node(i);
        if (removed.count(node.key) && i != base.poi())
            continue;
        baseMap[size_t(i)] = out.addNode(node);
    }
    if (base.poi() >= 0)
        out.setPoi(baseMap[size_t(base.poi())]);
    // One picture edge per (from, to, type): parallel edges (kept apart by CPR
    // or tracking for their times) merge into one with every event id, the
    // earliest ts, the latest te and the summed count and bytes. Thousands of
    // parallel edges would make dot take minutes and the picture unreadable.
    std::unordered_map<EdgeKey, size_t, EdgeKeyHash> merged;
    std::vector<GraphEdge> edges;
    const auto merge = [&](const GraphEdge &edge, int from, int to) {
        const auto [it, inserted] = merged.emplace(EdgeKey{from, to, edge.type}, edges.size());
        if (inserted) {
            edges.push_back(edge);
            edges.back().from = from;
            edges.back().to = to;
            return;
        }
        GraphEdge &into = edges[it->second];
        into.tsNs = std::min(into.tsNs, edge.tsNs);
        into.teNs = std::max(into.teNs, edge.teNs);
        into.count += edge.count;
        into.bytes += edge.bytes;
        into.eventIds.insert(into.eventIds.end(), edge.eventIds.begin(), edge.eventIds.end());
    };
    for (const GraphEdge &edge : base.edges()) {
        const int from = baseMap[size_t(edge.from)], to = baseMap[size_t(edge.to)];
        if (from >= 0 && to >= 0)
            merge(edge, from, to);
    }

    // Expansions whose anchor is shown (an earlier one may have brought it in).
    std::vector<GraphExpansion> kept;
    std::vector<std::pair<int, int>> added; // (view node, session node)
    if (session) {
        const ProvenanceGraph &sg = session->graph();
        for (GraphExpansion &expansion : spec.expansions) {
            if (out.findNode(expansion.anchor) < 0) {
                kept.push_back(std::move(expansion)); // back when its anchor is shown again
                continue;
            }
            for (const std::string &key : expansion.added) {
                if (removed.count(key) || out.findNode(key) >= 0)
                    continue;
                const int s = sg.findNode(key);
                if (s < 0)
                    continue;
                GraphNode node = sg.node(s);
                node.isPoi = false;
                added.emplace_back(out.addNode(std::move(node)), s);
            }
            kept.push_back(std::move(expansion));
        }
        // Session edges between an added node and any shown node.
        std::unordered_set<int> seen;
        const auto take = [&](int e) {
            if (!seen.insert(e).second)
                return;
            const int from = out.findNode(sg.node(sg.edge(e).from).key);
            const int to = out.findNode(sg.node(sg.edge(e).to).key);
            if (from >= 0 && to >= 0) // the session graph keeps event ids apart: copy only these
                merge(session->edgeWithEvents(e), from, to);
        };
        for (const auto &entry : added) {
            for (int e : sg.inEdges(entry.second))
                take(e);
            for (int e : sg.outEdges(entry.second))
                take(e);
        }
    }
    for (GraphEdge &edge : edges) {
        std::sort(edge.eventIds.begin(), edge.eventIds.end());
        out.appendEdge(std::move(edge));
    }
    if (!added.empty()) {
        // Added nodes are judged in the picture they joined; the others keep the
        // analysis' judgement (made on everything it tracked).
        ProvenanceGraph judged = out;
        classifySecurityRelevance(judged);
        for (const auto &entry : added)
            out.mutableNode(entry.first).flags = judged.node(entry.first).flags;
    }
    if (session)
        spec.expansions = std::move(kept); // without a session graph nothing was expanded
    for (auto it = spec.folded.begin(); it != spec.folded.end();)
        it = out.findNode(it->first) < 0 ? spec.folded.erase(it) : std::next(it);
    return out;
}

std::vector<std::string> expansionCandidates(const SessionGraph &session, const ProvenanceGraph &shown,
                                             const GraphViewSpec &spec, const std::string &key)
{
    const ProvenanceGraph &sg = session.graph();
    const int s = sg.findNode(key);
    if (s < 0)
        return {};
    std::unordered_map<int, uint64_t> first; // neighbour -> earliest edge time
    const auto consider = [&](int other, uint64_t ts) {
        if (other == s)
            return;
        auto [it, inserted] = first.emplace(other, ts);
        if (!inserted)
            it->second = std::min(it->second, ts);
    };
    for (int e : sg.inEdges(s))
        consider(sg.edge(e).from, sg.edge(e).tsNs);
    for (int e : sg.outEdges(s))
        consider(sg.edge(e).to, sg.edge(e).tsNs);
    std::vector<std::tuple<uint64_t, std::string, int>> order;
    for (const auto &[other, ts] : first) {
        const GraphNode &node = sg.node(other);
        if (shown.findNode(node.key) >= 0 || spec.hidden.count(node.key))
            continue;
        if (spec.skipNoise && isSystemNoiseFile(sg, other))
            continue;
        order.emplace_back(ts, node.key, other);
    }
    std::sort(order.begin(), order.end());
    std::vector<std::string> keys;
    keys.reserve(order.size());
    for (auto &entry : order)
        keys.push_back(std::move(std::get<1>(entry)));
    return keys;
}

std::vector<int> leafNeighbours(const ProvenanceGraph &graph, int node)
{
    std::vector<int> leaves;
    if (node < 0 || node >= graph.nodeCount())
        return leaves;
    std::set<int> neighbours;
    for (int e : graph.inEdges(node))
        neighbours.insert(graph.edge(e).from);
    for (int e : graph.outEdges(node))
        neighbours.insert(graph.edge(e).to);
    for (int other : neighbours) {
        if (other == node || other == graph.poi())
            continue;
        bool onlyThis = true;
        for (int e : graph.inEdges(other))
            onlyThis = onlyThis && graph.edge(e).from == node;
        for (int e : graph.outEdges(other))
            onlyThis = onlyThis && graph.edge(e).to == node;
        if (onlyThis)
            leaves.push_back(other);
    }
    return leaves;
}

} // namespace provscope
