// The session graph's queries: points of interest, event ids, and the graph
// assembled by hand (fromGraph). The scan of a session file lives in
// session_graph_scan.cpp.
#include "session_graph.h"

#include "cpr_reduction.h"
#include "session_connection.h"
#include "sqlite_statement.h"

#include <algorithm>
#include <chrono>

namespace provscope {

std::shared_ptr<const SessionGraph> SessionGraph::fromGraph(ProvenanceGraph graph, bool reduce)
{
    std::shared_ptr<SessionGraph> session(new SessionGraph());
    SessionGraphStats &stats = session->m_stats;
    stats.rawEdges = graph.edges().size();
    if (reduce) {
        const auto start = std::chrono::steady_clock::now();
        CprResult cpr = reduceCausalityPreserving(graph.nodeCount(), graph.edges(), true);
        ProvenanceGraph reduced;
        for (const GraphNode &node : graph.nodes())
            reduced.addNode(node);
        reduced.setPoi(graph.poi());
        reduced.setBootToEpochNs(graph.bootToEpochNs());
        reduced.setOmittedNodes(graph.omittedNodes());
        reduced.reserveEdges(cpr.edges.size());
        for (GraphEdge &edge : cpr.edges)
            reduced.appendEdge(std::move(edge));
        graph = std::move(reduced);
        stats.reduceSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    session->m_graph = std::move(graph);
    session->m_reduced = reduce;
    session->finish();
    return session;
}

void SessionGraph::finish()
{
    // Flat ids: edge by edge, ascending within each edge.
    const int edges = m_graph.edgeCount();
    const bool flat = m_eventStart.size() == static_cast<size_t>(edges) + 1; // the scan filled them
    if (!flat)
        m_eventStart.assign(static_cast<size_t>(edges) + 1, 0);
    size_t total = 0;
    for (int e = 0; e < edges; ++e)
        total += m_graph.edge(e).eventIds.size();
    if (flat) {
        // already edge by edge
    } else if (total > 0) {
        m_eventIds.clear();
        m_eventIds.reserve(total);
        for (int e = 0; e < edges; ++e) {
            std::vector<int64_t> &ids = const_cast<GraphEdge &>(m_graph.edge(e)).eventIds;
            std::sort(ids.begin(), ids.end());
            m_eventStart[static_cast<size_t>(e)] = static_cast<int64_t>(m_eventIds.size());
            m_eventIds.insert(m_eventIds.end(), ids.begin(), ids.end());
            std::vector<int64_t>().swap(ids);
        }
        m_eventStart[static_cast<size_t>(edges)] = static_cast<int64_t>(m_eventIds.size());
    } else {
        std::fill(m_eventStart.begin(), m_eventStart.end(), static_cast<int64_t>(m_eventIds.size()));
    }
    // Event -> edge: dense when ids are (as in a session, ids are 1..n).
    int64_t lo = 0, hi = -1;
    for (int64_t id : m_eventIds) {
        if (id <= 0)
            continue;
        if (hi < lo) {
            lo = hi = id;
        } else {
            lo = std::min(lo, id);
            hi = std::max(hi, id);
        }
    }
    m_edgeOfEventDense.clear();
    m_edgeByEvent.clear();
    if (hi >= lo && static_cast<uint64_t>(hi - lo) <= 4 * m_eventIds.size() + 4096) {
        m_firstEventId = lo;
        m_edgeOfEventDense.assign(static_cast<size_t>(hi - lo + 1), -1);
        for (int e = 0; e < edges; ++e)
            for (int64_t i = m_eventStart[static_cast<size_t>(e)]; i < m_eventStart[static_cast<size_t>(e) + 1]; ++i)
                if (m_eventIds[static_cast<size_t>(i)] > 0)
                    m_edgeOfEventDense[static_cast<size_t>(m_eventIds[static_cast<size_t>(i)] - lo)] = e;
    } else if (hi >= lo) {
        for (int e = 0; e < edges; ++e)
            for (int64_t i = m_eventStart[static_cast<size_t>(e)]; i < m_eventStart[static_cast<size_t>(e) + 1]; ++i)
                if (m_eventIds[static_cast<size_t>(i)] > 0)
                    m_edgeByEvent.emplace_back(m_eventIds[static_cast<size_t>(i)], e);
        std::sort(m_edgeByEvent.begin(), m_edgeByEvent.end());
    }
    m_stats.edges = m_graph.edges().size();
    // Open and unlink move no data: shown, never followed.
    // Tracking reads the graph's own adjacency: no second copy of every edge.
    m_tracker = ProvenanceTracker::overGraph(m_graph, true);
}

int SessionGraph::edgeOfEvent(int64_t eventId) const
{
    if (!m_edgeOfEventDense.empty()) {
        if (eventId < m_firstEventId || eventId - m_firstEventId >= static_cast<int64_t>(m_edgeOfEventDense.size()))
            return -1;
        return m_edgeOfEventDense[static_cast<size_t>(eventId - m_firstEventId)];
    }
    const auto it = std::lower_bound(m_edgeByEvent.begin(), m_edgeByEvent.end(), std::pair<int64_t, int>(eventId, -1));
    return it != m_edgeByEvent.end() && it->first == eventId ? it->second : -1;
}

std::vector<int64_t> SessionGraph::eventIdsOf(int edge) const
{
    if (edge < 0 || edge >= m_graph.edgeCount() || m_eventStart.empty())
        return {};
    return {m_eventIds.begin() + m_eventStart[static_cast<size_t>(edge)],
            m_eventIds.begin() + m_eventStart[static_cast<size_t>(edge) + 1]};
}

GraphEdge SessionGraph::edgeWithEvents(int edge) const
{
    GraphEdge copy = m_graph.edge(edge);
    copy.eventIds = eventIdsOf(edge);
    return copy;
}

size_t SessionGraph::eventIdCount(int edge) const
{
    if (edge < 0 || edge >= m_graph.edgeCount() || m_eventStart.empty())
        return 0;
    return static_cast<size_t>(m_eventStart[static_cast<size_t>(edge) + 1] - m_eventStart[static_cast<size_t>(edge)]);
}

bool SessionGraph::eventTimes(int64_t eventId, uint64_t &tsNs, uint64_t &teNs) const
{
    if (m_sessionPath.empty())
        return false;
    auto db = openSessionReadOnly(m_sessionPath, m_recording);
    if (!db)
        return false;
    auto st = SqliteStatement::prepare(**db, "SELECT ts, dt FROM events WHERE id = ?1");
    if (!st)
        return false;
    st->bindInt64(1, eventId);
    auto row = st->step();
    if (!row || !*row)
        return false;
    tsNs = uint64_t(st->columnInt64(0));
    teNs = tsNs + uint64_t(st->columnInt64(1));
    return true;
}

namespace {

bool hasEdgeOfType(const ProvenanceGraph &graph, int node, EdgeType type, bool outgoing)
{
    for (int e : outgoing ? graph.outEdges(node) : graph.inEdges(node))
        if (graph.edge(e).type == type)
            return true;
    return false;
}

} // namespace

Result<std::vector<TrackPoi>> SessionGraph::resolve(const PointOfInterest &poi) const
{
    const std::string where = m_sessionPath.empty() ? std::string("the session") : m_sessionPath;
    std::vector<TrackPoi> roots;
    const std::vector<GraphNode> &nodes = m_graph.nodes();
    switch (poi.kind) {
    case PointOfInterest::Kind::Process: {
        // The instance: exact start, or the latest with that pid; then all its versions.
        bool found = false;
        uint64_t start = poi.startNs;
        if (!poi.hasStart) {
            for (const GraphNode &node : nodes)
                if (node.kind == NodeKind::Process && node.pid == poi.pid && (!found || node.startNs > start)) {
                    start = node.startNs;
                    found = true;
                }
        }
        for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
            const GraphNode &node = nodes[static_cast<size_t>(i)];
            if (node.kind == NodeKind::Process && node.pid == poi.pid && node.startNs == start)
                roots.push_back(TrackPoi::ofNode(i));
        }
        if (roots.empty())
            return makeError(poi.hasStart ? "no process " + std::to_string(poi.pid) + " started at "
                                                + std::to_string(poi.startNs) + " ns in " + where
                                          : "no process with pid " + std::to_string(poi.pid) + " in " + where);
        break;
    }
    case PointOfInterest::Kind::File:
        for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
            const GraphNode &node = nodes[static_cast<size_t>(i)];
            if (node.kind != NodeKind::File && node.kind != NodeKind::Pipe)
                continue;
            if (node.path == poi.path || std::find(node.paths.begin(), node.paths.end(), poi.path) != node.paths.end())
                roots.push_back(TrackPoi::ofNode(i));
        }
        if (roots.empty())
            return makeError("no event touches the file " + poi.path + " in " + where);
        break;
    case PointOfInterest::Kind::Net:
        for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
            const GraphNode &node = nodes[static_cast<size_t>(i)];
            if (node.kind != NodeKind::Socket)
                continue;
            const bool remote = !node.raddr.empty() && node.raddr == poi.addr && (!poi.hasPort || node.rport == poi.port);
            // The local end counts for a listening socket, an accepted one, or
            // a host-local connection whose two ends are this one node.
            const bool localMatters = node.raddr.empty() || hasEdgeOfType(m_graph, i, EdgeType::Accept, true)
                                      || (node.laddr == node.raddr && !node.laddr.empty());
            const bool local = localMatters && node.laddr == poi.addr && (!poi.hasPort || node.lport == poi.port);
            if (remote || local)
                roots.push_back(TrackPoi::ofNode(i));
        }
        if (roots.empty())
            return makeError("no socket with address " + poi.toString().substr(4) + " in " + where);
        break;
    case PointOfInterest::Kind::Event: {
        const int edge = edgeOfEvent(poi.eventId);
        if (edge < 0)
            return makeError("event " + std::to_string(poi.eventId) + " carries no flow in " + where
                             + " (no such event, or a call such as close or a failed one)");
        const GraphEdge &carrier = m_graph.edge(edge);
        uint64_t ts = carrier.tsNs, te = carrier.teNs;
        const bool own = eventTimes(poi.eventId, ts, te);
        if (!isFlowEdge(carrier.type)) {
            // An open or unlink moves no data: its process as of that moment.
            roots.push_back(TrackPoi::ofNodeAt(carrier.from, ts, te));
            break;
        }
        if (own) {
            roots.push_back(TrackPoi::ofEdgeAt(edge, ts, te));
            break;
        }
        roots.push_back(TrackPoi::ofEdge(edge));
        break;
    }
    }
    return roots;
}

} // namespace provscope
