#pragma once
// Time-respecting tracking (King & Chen; DESIGN.md: provenance) over a plain
// edge list, independent of how the graph was built or shown.
//   backward: from node n with threshold t, an incoming edge e is followed if
//             e.ts <= t (ties included); its source gets min(t, e.te).
//   forward:  from n with threshold t, an outgoing edge e is followed if
//             e.te >= t; its target gets max(t, e.ts).
// A node reached again with a better threshold (later backward, earlier
// forward) is expanded again, so nothing reachable is lost to visiting order.
// Adjacency is built once (CSR arrays, one per direction) so a tracker can
// answer many queries on millions of edges.
#include "provenance_graph.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace provscope {

// The lean form of an edge: what tracking needs, nothing else.
struct TrackEdge {
    int from = -1;
    int to = -1;
    uint64_t tsNs = 0;
    uint64_t teNs = 0;
};

enum class TrackDirection { Backward, Forward };

struct TrackLimits {
    int maxDepth = -1;  // hops from the point of interest; < 0: unlimited
    int maxNodes = -1;  // nodes in the result, the point of interest included; < 0: unlimited
};

// A point of interest: a node, or one edge (an event) whose time starts the search.
struct TrackPoi {
    int node = -1;
    int edge = -1;  // when >= 0, node is ignored
    // A node as of a moment (e.g. the process of an event that is no flow):
    // backward starts with threshold teNs, forward with tsNs. With an edge:
    // one event of a merged edge, the times its own (within the edge's).
    bool timed = false;
    uint64_t tsNs = 0, teNs = 0;
    static TrackPoi ofNode(int n) { return {n, -1}; }
    static TrackPoi ofEdge(int e) { return {-1, e}; }
    static TrackPoi ofNodeAt(int n, uint64_t ts, uint64_t te) { return {n, -1, true, ts, te}; }
    static TrackPoi ofEdgeAt(int e, uint64_t ts, uint64_t te) { return {-1, e, true, ts, te}; }
};

struct TrackedNode {
    int node = -1;
    // The time bound the node was expanded with: backward, only what reached
    // it at or before this time matters; forward, only what left it at or
    // after. A node point of interest has +inf (UINT64_MAX) backward and
    // -inf (0) forward.
    uint64_t thresholdNs = 0;
    int depth = 0;      // hops on the path that gave the threshold
};

struct TrackResult {
    std::vector<TrackedNode> nodes; // the point of interest first, then in the order reached
    std::vector<int> edges;         // indices of the edges followed, ascending
    bool depthCut = false;          // the depth limit left reachable nodes out
    bool nodeCut = false;           // the node limit left reachable nodes out
    // Distinct nodes that qualified but were left out at the cut (the frontier
    // only: what lies beyond them is not explored, so this is a lower bound).
    int omittedNodes = 0;
    bool cut() const { return depthCut || nodeCut; }
};

// "Both": ancestry first, then descendants; the node limit is shared, the
// descendants get what the ancestry left (the point of interest counts once).
struct TrackBothResult {
    TrackResult ancestry;
    TrackResult descendants;
};

class ProvenanceTracker {
public:
    static constexpr uint64_t kInfinity = std::numeric_limits<uint64_t>::max();

    // Edges with an endpoint outside [0, nodeCount) are ignored; with
    // flowsOnly, so are Open and Unlink edges (isFlowEdge(): they move no data).
    ProvenanceTracker(int nodeCount, const std::vector<GraphEdge> &edges, bool flowsOnly = false);
    ProvenanceTracker(int nodeCount, const std::vector<TrackEdge> &edges);

    // Tracks over the graph's own adjacency (outEdges/inEdges) instead of
    // arrays of its own: no memory per edge, a little slower per edge. The
    // graph must outlive the tracker and not change. flowsOnly as above.
    static std::unique_ptr<ProvenanceTracker> overGraph(const ProvenanceGraph &graph, bool flowsOnly);

    int nodeCount() const { return m_nodeCount; }
    int edgeCount() const { return m_edgeCount; }

    // An invalid point of interest gives an empty result.
    TrackResult track(TrackPoi poi, TrackDirection direction, TrackLimits limits = {}) const;
    TrackBothResult trackBoth(TrackPoi poi, TrackLimits limits = {}) const;
    // Several points of interest at once (a process's versions, every socket
    // of an address): the union of the single searches, each node with the
    // best threshold any of them gives it, in one search. Invalid ones are
    // skipped; the valid ones come first in nodes, at depth 0.
    TrackResult track(const std::vector<TrackPoi> &pois, TrackDirection direction, TrackLimits limits = {}) const;
    TrackBothResult trackBoth(const std::vector<TrackPoi> &pois, TrackLimits limits = {}) const;

private:
    // One adjacency entry, with times mapped so both directions run the
    // backward rule: follow if gate <= value, the neighbour gets min(value, cap).
    // Forward stores ~te as gate and ~ts as cap (bitwise not reverses order).
    struct Arc {
        uint64_t gate;
        uint64_t cap;
        int other;
        int edge;
    };
    struct Csr {
        std::vector<int64_t> start; // nodeCount + 1 offsets into arcs
        std::vector<Arc> arcs;
    };
    // Where a search starts: a node with its value, or an event (firstEdge).
    struct Start {
        int root;
        uint64_t rootValue;
        int firstEdge;
        uint64_t tsNs = 0, teNs = 0; // firstEdge's times (of the one event when timed)
    };
    template <class Edges, class Skip>
    void build(const Edges &edges, Skip skip);
    bool startOf(TrackPoi poi, bool forward, Start &start) const;
    TrackResult search(bool forward, const std::vector<Start> &starts, TrackLimits limits) const;
    template <class F>
    void forEachArc(bool forward, int node, F &&f) const;
    ProvenanceTracker() = default;

    int m_nodeCount = 0;
    int m_edgeCount = 0;
    // For edge points of interest: where each edge's arc sits in m_in (-1:
    // ignored), its source, ts and te are there, its target is the owner.
    std::vector<int32_t> m_inArc;
    TrackEdge edgeAt(int edge) const;
    Csr m_in;  // backward: incoming arcs, other = source
    Csr m_out; // forward: outgoing arcs, other = target
    const ProvenanceGraph *m_graph = nullptr; // overGraph(): arcs come from here
    bool m_flowsOnly = false;
};

} // namespace provscope
