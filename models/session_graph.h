#pragma once
// The whole session as one provenance graph, built in a single pass over the
// events table (integer columns only; strings resolved once per row of the
// small tables), so tracking from any point of interest is a graph search,
// not a database query. Nodes: process versions (an exec starts a new version
// of the instance, linked by a Version edge), files (by dev+inode when the
// session recorded it, else by path; renames keep one node with every path),
// sockets (both ends of a loopback connection are one node), pipes. Keys:
// ProvenanceGraph::keyForProcessVersion() (proc:PID@START[/vN]),
// keyForFileIdentity() (inode:DEV:INO[/N]: a reused inode number is another
// file) or keyForFile() when no identity was recorded, keyForSocket(),
// keyForPipe(). Open and unlink edges are kept but never followed. Edges:
// one per raw event (DESIGN.md: provenance directions), forks from the
// process table, each with ts, te, count, bytes and its event ids.
// With reduce (the default) CPR (cpr_reduction.h) merges edges after the scan,
// holding the raw edges in a compact form (48 bytes each) meanwhile.
// The session graph keeps its edges' event ids in one flat array
// (eventIdsOf()); its GraphEdge::eventIds are empty. Views cut from it
// (provenance_analysis.h) have them filled.
#include "point_of_interest.h"
#include "provenance_graph.h"
#include "provenance_tracker.h"
#include "result.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace provscope {

struct SessionGraphOptions {
    bool reduce = true;                           // CPR; false: every raw edge kept
    const std::atomic<bool> *cancelled = nullptr; // polled while reading; a cancelled build fails
    std::function<void(int percent)> progress;    // called from the building thread
};

struct SessionGraphStats {
    int64_t eventsRead = 0;
    size_t rawEdges = 0;     // edges before reduction
    size_t edges = 0;        // edges kept
    double buildSeconds = 0; // reading and mapping the events
    double reduceSeconds = 0;
    double reductionRatio() const
    {
        return edges == 0 ? 1.0 : static_cast<double>(rawEdges) / static_cast<double>(edges);
    }
};

class SessionGraph {
public:
    // Reads the session file (read-only). Fails with a message naming the file.
    static Result<std::shared_ptr<const SessionGraph>> build(const std::string &sessionPath,
                                                             const SessionGraphOptions &options = {});
    // For tests and benchmarks: a graph assembled by hand (edges in any order).
    static std::shared_ptr<const SessionGraph> fromGraph(ProvenanceGraph graph, bool reduce);

    const ProvenanceGraph &graph() const { return m_graph; }
    const ProvenanceTracker &tracker() const { return *m_tracker; }
    const SessionGraphStats &stats() const { return m_stats; }
    bool reduced() const { return m_reduced; }

    // Where tracking starts for a point of interest: a process gives all its
    // versions (backward tracking uses them all, forward starts from each), a
    // file its node, an address every socket whose remote (or, for a
    // listening/accepted socket, local) endpoint matches, an event the edge
    // that carries it, at the event's own times (an open or unlink, which
    // moves no data: its process at that moment). Fails with a message
    // naming what was not found.
    Result<std::vector<TrackPoi>> resolve(const PointOfInterest &poi) const;

    // The edge that carries event id (-1 when the event made no edge).
    int edgeOfEvent(int64_t eventId) const;
    // The raw events an edge stands for, ascending (a fork edge: its clone
    // event when recorded; a Version edge: none).
    std::vector<int64_t> eventIdsOf(int edge) const;
    size_t eventIdCount(int edge) const;
    // A copy of the edge with its eventIds filled (for views built by hand).
    GraphEdge edgeWithEvents(int edge) const;

    // The session file (empty for fromGraph()).
    const std::string &sessionPath() const { return m_sessionPath; }

private:
    friend class SessionGraphScan;
    SessionGraph() = default;
    SessionGraph(const SessionGraph &) = delete; // the tracker points into m_graph
    SessionGraph &operator=(const SessionGraph &) = delete;
    // Moves the edges' eventIds into the flat arrays, builds the event index and the tracker.
    void finish();
    ProvenanceGraph m_graph;
    std::unique_ptr<ProvenanceTracker> m_tracker;
    SessionGraphStats m_stats;
    bool m_reduced = false;
    std::string m_sessionPath;
    bool m_recording = false;
    // An event's own [ts, te] from the session file (its edge may stand for several).
    bool eventTimes(int64_t eventId, uint64_t &tsNs, uint64_t &teNs) const;
    std::vector<int64_t> m_eventIds;      // every edge's ids, edge by edge
    std::vector<int64_t> m_eventStart;    // edge -> offset into m_eventIds (edgeCount + 1)
    int64_t m_firstEventId = 0;           // dense index: m_edgeOfEventDense[id - first]
    std::vector<int32_t> m_edgeOfEventDense;
    std::vector<std::pair<int64_t, int>> m_edgeByEvent; // sparse ids: sorted (event id, edge)
};

} // namespace provscope
