#pragma once
// Builds the provenance graph around a point of interest from a session:
// the POI node, then breadth first over processes and files up to a depth and
// a node cap, using the reader's filtered queries (events by process, by path).
// Not yet time-respecting: King & Chen backtracking replaces the walk later.
#include "point_of_interest.h"
#include "provenance_graph.h"
#include "result.h"

#include <vector>

namespace provscope {

class SessionReader;
struct Event;
struct ProcessInfo;

struct GraphBuildOptions {
    int depth = 2;          // hops from the POI
    int maxNodes = 200;     // cap; the graph says how many were left out
    int eventLimit = 100000; // events read per object query
    // true: follow flows, backward from the POI along incoming edges and
    // forward along outgoing ones (what it came from, where its data went).
    // false: the plain neighbourhood, every edge in both directions.
    bool directed = true;
};

class GraphBuilder {
public:
    explicit GraphBuilder(SessionReader &reader);

    // Fails when the POI names no process / file in the session.
    Result<ProvenanceGraph> build(const PointOfInterest &poi,
                                  const GraphBuildOptions &options = {});

    // Maps one event to nodes and an edge (no-op for events that carry no
    // flow or failed, e.g. close, bind, a failed open). Forks come from the
    // process table in build(), not from clone events. Returns the indices of
    // the nodes the event touched (empty when none). Used by build() and tests.
    static std::vector<int> addEvent(ProvenanceGraph &graph, const Event &event,
                                     const ProcessInfo *process = nullptr);

private:
    SessionReader &m_reader;
};

} // namespace provscope
