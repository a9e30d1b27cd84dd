#pragma once
// Small helpers shared by the tracker suites: an edge in one line, and the
// nodes of a result as a set or by node.
#include "provenance_tracker.h"

#include <QSet>

namespace provscope::tracker_test {

inline TrackEdge edge(int from, int to, uint64_t ts, uint64_t te = 0)
{
    return {from, to, ts, te == 0 ? ts : te};
}

inline QSet<int> nodeSet(const TrackResult &r)
{
    QSet<int> set;
    for (const TrackedNode &n : r.nodes)
        set.insert(n.node);
    return set;
}

inline const TrackedNode *find(const TrackResult &r, int node)
{
    for (const TrackedNode &n : r.nodes)
        if (n.node == node)
            return &n;
    return nullptr;
}

} // namespace provscope::tracker_test
