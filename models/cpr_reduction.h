#pragma once
// Causality-Preserving Reduction (Xu et al., CCS 2016) over a plain edge list:
// repeated edges of the same (from, to, type) merge into one interval edge
// only where no time-respecting dependency (DESIGN.md: provenance; King & Chen)
// can appear or vanish, so backward and forward tracking from any node at any
// threshold reach exactly the same nodes before and after.
//
// Merge rule, derived from the tracking rule (backward: follow e if
// e.ts <= threshold, new threshold min(threshold, e.te); forward: follow e if
// e.te >= threshold, new threshold max(threshold, e.ts); ties included).
// Edges are taken in ts order; e (u -> v) merges into e', the last kept edge
// of its (u, v, type), unless te(e') < ts(e) and one of these already exists:
//  - an edge into u with ts < ts(e) and te > te(e') (a backward search reaching
//    v in (te(e'), ts(e)) would otherwise reach u with a later threshold and
//    could then follow it), or
//  - an edge out of v with ts < ts(e) and te > te(e') (a forward search
//    leaving u in (te(e'), ts(e)] would otherwise reach v with an earlier
//    threshold and could then follow it).
// So an edge touching the endpoint at exactly te(e') or starting at exactly
// ts(e) does not block the merge; an edge that starts at ts(e) and is only seen
// later cannot matter. This is the exact (tightest) form of the windows
// [te(e'), te(e)] for the source and [ts(e'), ts(e)] for the target, which
// contain (te(e'), ts(e)); if ts(e) <= te(e') nothing can tell e from e'.
// Other edges count with their merged intervals. A self-loop follows the same
// rule (e' ends at te(e'), so it never blocks itself). The random-graph oracle
// in tests/models/tst_cpr_reduction.cpp checks all of this.
//
// The merged edge spans [ts(e'), max te], adds count and bytes and appends the
// event ids. Time and memory are linear in the edges (one hash look-up each;
// plus a sort when the input is not in ts order).
#include "provenance_graph.h"

#include <cstddef>
#include <vector>

namespace provscope {

struct CprResult {
    std::vector<GraphEdge> edges; // kept edges, by the ts of their first part
    size_t edgesIn = 0;
    // edges in / edges out (1 for an empty list): 3.0 means a third remain.
    double ratio() const
    {
        return edges.empty() ? 1.0 : static_cast<double>(edgesIn) / static_cast<double>(edges.size());
    }
};

// edges: in event order; they are stably sorted by tsNs when not already in
// that order (coalesced I/O is emitted at its last ts, not its first). An edge
// with teNs < tsNs is taken as instantaneous at tsNs. An edge whose from or to
// lies outside [0, nodeCount) is passed through unmerged and blocks nothing.
// flowsOnly: Open and Unlink edges (not flows, never followed by a tracker
// built with flowsOnly) merge by the same rule but block nothing.
CprResult reduceCausalityPreserving(int nodeCount, std::vector<GraphEdge> edges, bool flowsOnly = false);

// The same rule one edge at a time, for builders that hold only the kept
// edges' intervals (16 bytes each) instead of every raw edge: feed edges in
// ts order (ties in event order); each add() says which kept edge the edge
// went into. Memory: per node 48 bytes, per distinct (from, to, type) 16,
// per kept edge 16.
class CprReducer {
public:
    explicit CprReducer(int nodeCount);
    ~CprReducer();
    CprReducer(const CprReducer &) = delete;
    CprReducer &operator=(const CprReducer &) = delete;

    // The index of the kept edge e is now part of: keptCount() - 1 when e
    // starts a kept edge of its own.
    // followed = false: an edge no tracker follows (Open, Unlink): it merges
    // by the same rule but blocks no other merge.
    size_t add(int from, int to, EdgeType type, uint64_t tsNs, uint64_t teNs, bool followed = true);
    size_t keptCount() const;
    uint64_t keptTs(size_t kept) const;
    uint64_t keptTe(size_t kept) const; // the merged interval's end
    // The kept intervals (ts, te), moved out; the reducer is empty afterwards.
    std::vector<std::pair<uint64_t, uint64_t>> takeKept();

private:
    struct Impl;
    Impl *m_impl;
};

} // namespace provscope
