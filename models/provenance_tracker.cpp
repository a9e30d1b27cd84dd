#include "provenance_tracker.h"

#include <algorithm>
#include <queue>

namespace provscope {

ProvenanceTracker::ProvenanceTracker(int nodeCount, const std::vector<GraphEdge> &edges, bool flowsOnly)
    : m_nodeCount(std::max(nodeCount, 0))
{
    build(edges, [flowsOnly](const GraphEdge &e) { return flowsOnly && !isFlowEdge(e.type); });
}

ProvenanceTracker::ProvenanceTracker(int nodeCount, const std::vector<TrackEdge> &edges)
    : m_nodeCount(std::max(nodeCount, 0))
{
    build(edges, [](const TrackEdge &) { return false; });
}

std::unique_ptr<ProvenanceTracker> ProvenanceTracker::overGraph(const ProvenanceGraph &graph, bool flowsOnly)
{
    std::unique_ptr<ProvenanceTracker> tracker(new ProvenanceTracker());
    tracker->m_graph = &graph;
    tracker->m_flowsOnly = flowsOnly;
    tracker->m_nodeCount = graph.nodeCount();
    tracker->m_edgeCount = graph.edgeCount();
    return tracker;
}

// GraphEdge or TrackEdge: both have from, to, tsNs, teNs (no lean copy of a
// million-edge graph is made).
template <class Edges, class Skip>
void ProvenanceTracker::build(const Edges &edges, Skip skip)
{
    m_edgeCount = static_cast<int>(edges.size());
    const size_t n = static_cast<size_t>(m_nodeCount);
    auto valid = [&](const auto &e) {
        return e.from >= 0 && e.to >= 0 && e.from < m_nodeCount && e.to < m_nodeCount && !skip(e);
    };
    m_in.start.assign(n + 1, 0);
    m_out.start.assign(n + 1, 0);
    for (const auto &e : edges) {
        if (!valid(e))
            continue;
        ++m_in.start[static_cast<size_t>(e.to) + 1];
        ++m_out.start[static_cast<size_t>(e.from) + 1];
    }
    for (size_t i = 0; i < n; ++i) {
        m_in.start[i + 1] += m_in.start[i];
        m_out.start[i + 1] += m_out.start[i];
    }
    m_in.arcs.resize(static_cast<size_t>(m_in.start[n]));
    m_out.arcs.resize(static_cast<size_t>(m_out.start[n]));
    m_inArc.assign(edges.size(), -1);
    std::vector<int64_t> inFill(m_in.start.begin(), m_in.start.end() - 1);
    std::vector<int64_t> outFill(m_out.start.begin(), m_out.start.end() - 1);
    // Filled in edge order, so each node's arcs stay in event order.
    for (int i = 0; i < m_edgeCount; ++i) {
        const auto &e = edges[static_cast<size_t>(i)];
        if (!valid(e))
            continue;
        const uint64_t te = e.teNs;
        m_inArc[static_cast<size_t>(i)] = static_cast<int32_t>(inFill[static_cast<size_t>(e.to)]);
        m_in.arcs[static_cast<size_t>(inFill[static_cast<size_t>(e.to)]++)] = {e.tsNs, te, e.from, i};
        m_out.arcs[static_cast<size_t>(outFill[static_cast<size_t>(e.from)]++)] = {~te, ~e.tsNs, e.to, i};
    }
}

TrackEdge ProvenanceTracker::edgeAt(int edge) const
{
    if (m_graph) {
        if (edge < 0 || edge >= m_edgeCount)
            return {};
        const GraphEdge &g = m_graph->edge(edge);
        if (m_flowsOnly && !isFlowEdge(g.type))
            return {};
        return {g.from, g.to, g.tsNs, g.teNs};
    }
    if (edge < 0 || edge >= m_edgeCount || m_inArc[static_cast<size_t>(edge)] < 0)
        return {};
    const int64_t pos = m_inArc[static_cast<size_t>(edge)];
    const Arc &arc = m_in.arcs[static_cast<size_t>(pos)];
    // The target owns the arc: the last node whose arcs start at or before pos.
    const auto owner = std::upper_bound(m_in.start.begin(), m_in.start.end(), pos) - m_in.start.begin() - 1;
    return {arc.other, static_cast<int>(owner), arc.gate, arc.cap};
}

bool ProvenanceTracker::startOf(TrackPoi poi, bool forward, Start &start) const
{
    if (poi.edge >= 0) {
        if (poi.edge >= m_edgeCount)
            return false;
        const TrackEdge e = edgeAt(poi.edge);
        if (e.from < 0 || e.to < 0)
            return false;
        // The event's own endpoint is where the search starts; the edge is its first step.
        start = {forward ? e.from : e.to, 0, poi.edge, e.tsNs, e.teNs};
        if (poi.timed) {
            start.tsNs = std::max(poi.tsNs, e.tsNs);
            start.teNs = std::max(std::min(poi.teNs, e.teNs), start.tsNs);
        }
        return true;
    }
    if (poi.node < 0 || poi.node >= m_nodeCount)
        return false;
    start = {poi.node, poi.timed ? (forward ? ~poi.tsNs : poi.teNs) : kInfinity, -1};
    if (start.rootValue == 0)
        start.rootValue = 1; // 0 means "not expanded": a threshold of 0 (or ~0) is as good as 1 here
    return true;
}

TrackResult ProvenanceTracker::track(TrackPoi poi, TrackDirection direction, TrackLimits limits) const
{
    return track(std::vector<TrackPoi>{poi}, direction, limits);
}

TrackResult ProvenanceTracker::track(const std::vector<TrackPoi> &pois, TrackDirection direction,
                                     TrackLimits limits) const
{
    const bool forward = direction == TrackDirection::Forward;
    std::vector<Start> starts;
    for (const TrackPoi &poi : pois) {
        Start start{};
        if (startOf(poi, forward, start))
            starts.push_back(start);
    }
    if (starts.empty())
        return {};
    return search(forward, starts, limits);
}

TrackBothResult ProvenanceTracker::trackBoth(TrackPoi poi, TrackLimits limits) const
{
    return trackBoth(std::vector<TrackPoi>{poi}, limits);
}

TrackBothResult ProvenanceTracker::trackBoth(const std::vector<TrackPoi> &pois, TrackLimits limits) const
{
    TrackBothResult both;
    both.ancestry = track(pois, TrackDirection::Backward, limits);
    TrackLimits rest = limits;
    if (limits.maxNodes >= 0) {
        // The points of interest (an event: both its ends) are in both halves: count them once.
        std::vector<int> shared;
        for (const TrackPoi &poi : pois) {
            if (poi.edge >= 0 && poi.edge < m_edgeCount) {
                shared.push_back(edgeAt(poi.edge).from);
                shared.push_back(edgeAt(poi.edge).to);
            } else if (poi.edge < 0) {
                shared.push_back(poi.node);
            }
        }
        std::sort(shared.begin(), shared.end());
        shared.erase(std::unique(shared.begin(), shared.end()), shared.end());
        int inAncestry = 0;
        for (const TrackedNode &n : both.ancestry.nodes)
            if (std::binary_search(shared.begin(), shared.end(), n.node))
                ++inAncestry;
        const int used = static_cast<int>(both.ancestry.nodes.size());
        const int keep = std::max(static_cast<int>(shared.size()), 1);
        rest.maxNodes = std::max(keep, limits.maxNodes - used + inAncestry);
    }
    both.descendants = track(pois, TrackDirection::Forward, rest);
    return both;
}

template <class F>
void ProvenanceTracker::forEachArc(bool forward, int node, F &&f) const
{
    if (m_graph) {
        // The graph's own adjacency, in edge order like the arrays below.
        const std::vector<GraphEdge> &edges = m_graph->edges();
        for (int e : forward ? m_graph->outEdges(node) : m_graph->inEdges(node)) {
            const GraphEdge &g = edges[static_cast<size_t>(e)];
            if (m_flowsOnly && !isFlowEdge(g.type))
                continue;
            f(forward ? Arc{~g.teNs, ~g.tsNs, g.to, e} : Arc{g.tsNs, g.teNs, g.from, e});
        }
        return;
    }
    const Csr &csr = forward ? m_out : m_in;
    const Arc *end = csr.arcs.data() + csr.start[static_cast<size_t>(node) + 1];
    for (const Arc *a = csr.arcs.data() + csr.start[static_cast<size_t>(node)]; a != end; ++a)
        f(*a);
}

TrackResult ProvenanceTracker::search(bool forward, const std::vector<Start> &starts, TrackLimits limits) const
{
    // Values are thresholds mapped so that larger is better in both directions
    // (forward uses ~t); 0 marks "reached but not expanded" (an edge's endpoint).
    const size_t n = static_cast<size_t>(m_nodeCount);
    std::vector<uint64_t> best(n, 0);
    std::vector<int> depth(n, -1);
    std::vector<uint8_t> isRoot(n, 0);
    std::vector<uint8_t> isNodeRoot(n, 0); // a node point of interest (not an event's end)
    std::vector<uint8_t> omitted;
    std::vector<int> order;
    std::vector<int> used;
    std::vector<std::pair<int, uint64_t>> edgeTimes; // an event's own endpoint: its time
    TrackResult result;

    auto admit = [&](int m, int d, uint64_t v) {
        if (limits.maxNodes >= 0 && static_cast<int>(order.size()) >= limits.maxNodes) {
            result.nodeCut = true;
            if (omitted.empty())
                omitted.assign(n, 0);
            if (!omitted[static_cast<size_t>(m)]) {
                omitted[static_cast<size_t>(m)] = 1;
                ++result.omittedNodes;
            }
            return false;
        }
        depth[static_cast<size_t>(m)] = d;
        best[static_cast<size_t>(m)] = v;
        order.push_back(m);
        return true;
    };

    // The roots first, at depth 0.
    for (const Start &start : starts) {
        const size_t r = static_cast<size_t>(start.root);
        if (depth[r] < 0) {
            if (!admit(start.root, 0, start.rootValue))
                continue;
        } else {
            best[r] = std::max(best[r], start.rootValue);
        }
        isRoot[r] = 1;
        if (start.firstEdge < 0)
            isNodeRoot[r] = 1;
        if (start.firstEdge >= 0)
            edgeTimes.emplace_back(start.root, forward ? start.tsNs : start.teNs);
    }
    if (order.empty())
        return result; // maxNodes == 0
    // Then each event's far end (depth 1): the event is its first step.
    std::vector<std::pair<int, uint64_t>> depthOneSeeds;
    for (const Start &start : starts) {
        if (start.firstEdge < 0 || depth[static_cast<size_t>(start.root)] < 0)
            continue;
        const TrackEdge e = edgeAt(start.firstEdge);
        const int far = forward ? e.to : e.from;
        const uint64_t value = forward ? ~start.tsNs : start.teNs;
        const size_t f = static_cast<size_t>(far);
        if (limits.maxDepth == 0) {
            if (!isRoot[f] && depth[f] < 0) {
                result.depthCut = true;
                if (omitted.empty())
                    omitted.assign(n, 0);
                if (!omitted[f]) {
                    omitted[f] = 1;
                    ++result.omittedNodes;
                }
            }
            continue;
        }
        if (depth[f] < 0) {
            if (!admit(far, 1, value))
                continue;
        } else if (value > best[f]) {
            best[f] = value;
        }
        used.push_back(start.firstEdge);
    }

    if (limits.maxDepth < 0) {
        // Best threshold first: thresholds only fall along a path, so (as in
        // Dijkstra) a node's first pop carries its final threshold and a node
        // reached again with a better one before that is expanded once, with it.
        // A pushed state that was superseded meanwhile is skipped when popped.
        struct State {
            uint64_t value;
            int depth;
            int node;
        };
        auto worse = [](const State &a, const State &b) {
            return a.value != b.value ? a.value < b.value : a.depth > b.depth;
        };
        std::priority_queue<State, std::vector<State>, decltype(worse)> heap(worse);
        for (int m : order)
            if (best[static_cast<size_t>(m)] > 0)
                heap.push({best[static_cast<size_t>(m)], depth[static_cast<size_t>(m)], m});
        while (!heap.empty()) {
            const State s = heap.top();
            heap.pop();
            if (s.value != best[static_cast<size_t>(s.node)] || s.depth != depth[static_cast<size_t>(s.node)])
                continue; // superseded by a better state of the same node
            forEachArc(forward, s.node, [&](const Arc &a) {
                if (a.gate > s.value)
                    return;
                const uint64_t nv = std::min(s.value, a.cap);
                const size_t m = static_cast<size_t>(a.other);
                const int nd = isRoot[m] ? 0 : s.depth + 1; // the roots stay at depth 0
                if (depth[m] < 0) {
                    if (!admit(a.other, nd, nv))
                        return;
                } else if (nv > best[m] || (nv == best[m] && nd < depth[m])) {
                    best[m] = nv;
                    depth[m] = nd;
                } else {
                    used.push_back(a.edge);
                    return;
                }
                used.push_back(a.edge);
                heap.push({nv, nd, a.other});
            });
        }
    } else {
        // Depth-limited: rounds of relaxation give, exactly, the best threshold
        // over paths of at most maxDepth hops (a best-first order cannot, since
        // a later threshold may need more hops). Depth is then the fewest hops.
        std::vector<std::pair<int, uint64_t>> frontier;
        std::vector<int> next;
        std::vector<uint8_t> queued(n, 0);
        for (int m : order) {
            const size_t i = static_cast<size_t>(m);
            // A self-loop event leaves its root one hop away from the start.
            if (isNodeRoot[i])
                frontier.emplace_back(m, best[i]);
            else if (best[i] > 0)
                depthOneSeeds.emplace_back(m, 0);
        }
        auto addSeeds = [&] {
            // The events' far ends join the hop-1 frontier (once each).
            for (const auto &[node, value] : frontier)
                queued[static_cast<size_t>(node)] = 1;
            for (const auto &[node, unused] : depthOneSeeds)
                if (!queued[static_cast<size_t>(node)])
                    frontier.emplace_back(node, best[static_cast<size_t>(node)]);
            for (const auto &[node, value] : frontier)
                queued[static_cast<size_t>(node)] = 0;
            depthOneSeeds.clear();
        };
        for (int d = 0; d < limits.maxDepth; ++d) {
            if (d == 1)
                addSeeds();
            if (frontier.empty() && depthOneSeeds.empty())
                break;
            next.clear();
            for (const auto &[node, value] : frontier) {
                forEachArc(forward, node, [&, value = value](const Arc &a) {
                    if (a.gate > value)
                        return;
                    const uint64_t nv = std::min(value, a.cap);
                    const size_t m = static_cast<size_t>(a.other);
                    if (depth[m] < 0) {
                        if (!admit(a.other, d + 1, nv))
                            return;
                    } else if (nv > best[m]) {
                        best[m] = nv;
                    } else {
                        used.push_back(a.edge);
                        return;
                    }
                    used.push_back(a.edge);
                    if (!queued[m]) {
                        queued[m] = 1;
                        next.push_back(a.other);
                    }
                });
            }
            // Snapshot the values so the next round extends paths by one hop only.
            frontier.clear();
            for (int m : next) {
                queued[static_cast<size_t>(m)] = 0;
                frontier.emplace_back(m, best[static_cast<size_t>(m)]);
            }
        }
        if (!depthOneSeeds.empty())
            addSeeds(); // maxDepth 1: the far ends are the last frontier
        // What the last round would have reached: the depth cut.
        for (const auto &[node, value] : frontier) {
            forEachArc(forward, node, [&, value = value](const Arc &a) {
                const size_t m = static_cast<size_t>(a.other);
                if (a.gate > value || depth[m] >= 0)
                    return;
                result.depthCut = true;
                if (omitted.empty())
                    omitted.assign(n, 0);
                if (!omitted[m]) {
                    omitted[m] = 1;
                    ++result.omittedNodes;
                }
            });
        }
    }

    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    result.edges = std::move(used);
    result.nodes.reserve(order.size());
    for (int m : order) {
        const size_t i = static_cast<size_t>(m);
        uint64_t value = best[i];
        uint64_t threshold = forward ? ~value : value;
        if (value == 0 && isRoot[i]) {
            // An event's own endpoint, not expanded: the event's time (the
            // latest backward, the earliest forward of several such events).
            bool first = true;
            for (const auto &[node, time] : edgeTimes)
                if (node == m) {
                    threshold = first ? time : forward ? std::min(threshold, time) : std::max(threshold, time);
                    first = false;
                }
        }
        result.nodes.push_back({m, threshold, depth[i]});
    }
    return result;
}

} // namespace provscope
