#include "provenance_tracker.h"

#include <algorithm>
#include <queue>

namespace provscope {

namespace {

std::vector<TrackEdge> leanEdges(const std::vector<GraphEdge> &edges)
{
    std::vector<TrackEdge> lean;
    lean.reserve(edges.size());
    for (const GraphEdge &e : edges)
        lean.push_back({e.from, e.to, e.tsNs, e.teNs});
    return lean;
}

} // namespace

ProvenanceTracker::ProvenanceTracker(int nodeCount, const std::vector<GraphEdge> &edges)
    : m_nodeCount(std::max(nodeCount, 0))
{
    build(leanEdges(edges));
}

ProvenanceTracker::ProvenanceTracker(int nodeCount, const std::vector<TrackEdge> &edges)
    : m_nodeCount(std::max(nodeCount, 0))
{
    build(edges);
}

void ProvenanceTracker::build(const std::vector<TrackEdge> &edges)
{
    m_edges = edges;
    m_edgeCount = static_cast<int>(edges.size());
    const size_t n = static_cast<size_t>(m_nodeCount);
    auto valid = [&](const TrackEdge &e) {
        return e.from >= 0 && e.to >= 0 && e.from < m_nodeCount && e.to < m_nodeCount;
    };
    m_in.start.assign(n + 1, 0);
    m_out.start.assign(n + 1, 0);
    for (const TrackEdge &e : edges) {
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
    std::vector<int64_t> inFill(m_in.start.begin(), m_in.start.end() - 1);
    std::vector<int64_t> outFill(m_out.start.begin(), m_out.start.end() - 1);
    // Filled in edge order, so each node's arcs stay in event order.
    for (int i = 0; i < m_edgeCount; ++i) {
        const TrackEdge &e = edges[static_cast<size_t>(i)];
        if (!valid(e))
            continue;
        m_in.arcs[static_cast<size_t>(inFill[static_cast<size_t>(e.to)]++)] = {e.tsNs, e.teNs, e.from, i};
        m_out.arcs[static_cast<size_t>(outFill[static_cast<size_t>(e.from)]++)] = {~e.teNs, ~e.tsNs, e.to, i};
    }
}

TrackResult ProvenanceTracker::track(TrackPoi poi, TrackDirection direction, TrackLimits limits) const
{
    const bool forward = direction == TrackDirection::Forward;
    const Csr &csr = forward ? m_out : m_in;
    if (poi.edge >= 0) {
        if (poi.edge >= m_edgeCount)
            return {};
        const TrackEdge &e = m_edges[static_cast<size_t>(poi.edge)];
        if (e.from < 0 || e.to < 0 || e.from >= m_nodeCount || e.to >= m_nodeCount)
            return {};
        // The event's own endpoint is where the search starts; the edge is its first step.
        return search(csr, forward, forward ? e.from : e.to, 0, poi.edge, limits);
    }
    if (poi.node < 0 || poi.node >= m_nodeCount)
        return {};
    return search(csr, forward, poi.node, kInfinity, -1, limits);
}

TrackBothResult ProvenanceTracker::trackBoth(TrackPoi poi, TrackLimits limits) const
{
    TrackBothResult both;
    both.ancestry = track(poi, TrackDirection::Backward, limits);
    TrackLimits rest = limits;
    if (limits.maxNodes >= 0) {
        const int shared = poi.edge >= 0 ? 2 : 1; // the point of interest is in both halves
        const int used = static_cast<int>(both.ancestry.nodes.size());
        rest.maxNodes = std::max(shared, limits.maxNodes - used + shared);
    }
    both.descendants = track(poi, TrackDirection::Forward, rest);
    return both;
}

TrackResult ProvenanceTracker::search(const Csr &csr, bool forward, int root, uint64_t rootValue,
                                      int firstEdge, TrackLimits limits) const
{
    // Values are thresholds mapped so that larger is better in both directions
    // (forward uses ~t); 0 marks "reached but not expanded" (an edge's endpoint).
    const size_t n = static_cast<size_t>(m_nodeCount);
    std::vector<uint64_t> best(n, 0);
    std::vector<int> depth(n, -1);
    std::vector<uint8_t> omitted;
    std::vector<int> order;
    std::vector<int> used;
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

    // The first state to expand: the node itself, or the far end of the event.
    int startNode = root;
    uint64_t startValue = rootValue;
    int startDepth = 0;
    if (!admit(root, 0, rootValue))
        return result; // maxNodes == 0
    uint64_t edgeTime = 0;
    if (firstEdge >= 0) {
        const TrackEdge &e = m_edges[static_cast<size_t>(firstEdge)];
        edgeTime = forward ? e.tsNs : e.teNs;
        startNode = forward ? e.to : e.from;
        startValue = forward ? ~e.tsNs : e.teNs;
        startDepth = 1;
        if (limits.maxDepth == 0) {
            result.depthCut = startNode != root;
            result.omittedNodes = result.depthCut ? 1 : 0;
            startNode = -1;
        } else if (startNode == root) {
            best[static_cast<size_t>(root)] = startValue; // a self-loop event
            used.push_back(firstEdge);
        } else if (admit(startNode, 1, startValue)) {
            used.push_back(firstEdge);
        } else {
            startNode = -1;
        }
    }

    auto arcsOf = [&](int node) {
        return std::pair{csr.arcs.data() + csr.start[static_cast<size_t>(node)],
                         csr.arcs.data() + csr.start[static_cast<size_t>(node) + 1]};
    };

    if (startNode >= 0 && limits.maxDepth < 0) {
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
        heap.push({startValue, depth[static_cast<size_t>(startNode)], startNode});
        while (!heap.empty()) {
            const State s = heap.top();
            heap.pop();
            if (s.value != best[static_cast<size_t>(s.node)] || s.depth != depth[static_cast<size_t>(s.node)])
                continue; // superseded by a better state of the same node
            const auto [begin, end] = arcsOf(s.node);
            for (const Arc *a = begin; a != end; ++a) {
                if (a->gate > s.value)
                    continue;
                const uint64_t nv = std::min(s.value, a->cap);
                const int nd = a->other == root ? 0 : s.depth + 1; // the root stays at depth 0
                const size_t m = static_cast<size_t>(a->other);
                if (depth[m] < 0) {
                    if (!admit(a->other, nd, nv))
                        continue;
                } else if (nv > best[m] || (nv == best[m] && nd < depth[m])) {
                    best[m] = nv;
                    depth[m] = nd;
                } else {
                    used.push_back(a->edge);
                    continue;
                }
                used.push_back(a->edge);
                heap.push({nv, nd, a->other});
            }
        }
    } else if (startNode >= 0) {
        // Depth-limited: rounds of relaxation give, exactly, the best threshold
        // over paths of at most maxDepth hops (a best-first order cannot, since
        // a later threshold may need more hops). Depth is then the fewest hops.
        std::vector<std::pair<int, uint64_t>> frontier{{startNode, startValue}};
        std::vector<int> next;
        std::vector<uint8_t> queued(n, 0);
        for (int d = startDepth; d < limits.maxDepth && !frontier.empty(); ++d) {
            next.clear();
            for (const auto &[node, value] : frontier) {
                const auto [begin, end] = arcsOf(node);
                for (const Arc *a = begin; a != end; ++a) {
                    if (a->gate > value)
                        continue;
                    const uint64_t nv = std::min(value, a->cap);
                    const size_t m = static_cast<size_t>(a->other);
                    if (depth[m] < 0) {
                        if (!admit(a->other, d + 1, nv))
                            continue;
                    } else if (nv > best[m]) {
                        best[m] = nv;
                    } else {
                        used.push_back(a->edge);
                        continue;
                    }
                    used.push_back(a->edge);
                    if (!queued[m]) {
                        queued[m] = 1;
                        next.push_back(a->other);
                    }
                }
            }
            // Snapshot the values so the next round extends paths by one hop only.
            frontier.clear();
            for (int m : next) {
                queued[static_cast<size_t>(m)] = 0;
                frontier.emplace_back(m, best[static_cast<size_t>(m)]);
            }
        }
        // What the last round would have reached: the depth cut.
        for (const auto &[node, value] : frontier) {
            const auto [begin, end] = arcsOf(node);
            for (const Arc *a = begin; a != end; ++a) {
                const size_t m = static_cast<size_t>(a->other);
                if (a->gate > value || depth[m] >= 0)
                    continue;
                result.depthCut = true;
                if (omitted.empty())
                    omitted.assign(n, 0);
                if (!omitted[m]) {
                    omitted[m] = 1;
                    ++result.omittedNodes;
                }
            }
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
        if (firstEdge >= 0 && m == root && value == 0)
            threshold = edgeTime; // the event's own endpoint, not expanded
        result.nodes.push_back({m, threshold, depth[i]});
    }
    return result;
}

} // namespace provscope
