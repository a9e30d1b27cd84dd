#include "provenance_analysis.h"

#include "security_relevance.h"
#include "session_graph.h"

#include <algorithm>
#include <chrono>
#include <unordered_set>

namespace provscope {

Result<TrackScope> parseTrackScope(std::string_view text)
{
    if (text == "backward")
        return TrackScope::Backward;
    if (text == "forward")
        return TrackScope::Forward;
    if (text == "both")
        return TrackScope::Both;
    return makeError("unknown direction '" + std::string(text) + "' (expected backward, forward or both)");
}

namespace {

constexpr size_t kMaxTouchEdges = 5000;

// The node a search from poi starts at, in the session graph.
int startNode(const ProvenanceGraph &graph, const TrackPoi &poi, bool forward)
{
    if (poi.edge < 0)
        return poi.node;
    const GraphEdge &edge = graph.edge(poi.edge);
    return forward ? edge.from : edge.to;
}

} // namespace

Result<AnalysisResult> analyzeProvenance(const SessionGraph &session, const PointOfInterest &poi,
                                         const AnalysisOptions &options)
{
    auto roots = session.resolve(poi);
    if (!roots)
        return makeError(roots.error());
    const auto started = std::chrono::steady_clock::now();
    const ProvenanceGraph &graph = session.graph();
    const ProvenanceTracker &tracker = session.tracker();

    std::vector<const TrackResult *> parts;
    TrackResult single;
    TrackBothResult both;
    switch (options.scope) {
    case TrackScope::Backward:
        single = tracker.track(*roots, TrackDirection::Backward, options.limits);
        parts = {&single};
        break;
    case TrackScope::Forward:
        single = tracker.track(*roots, TrackDirection::Forward, options.limits);
        parts = {&single};
        break;
    case TrackScope::Both:
        both = tracker.trackBoth(*roots, options.limits);
        parts = {&both.ancestry, &both.descendants};
        break;
    }

    AnalysisResult result;
    ProvenanceGraph &view = result.view;
    view.setBootToEpochNs(graph.bootToEpochNs());
    // Session node -> view node (-1: not shown). One int per session node:
    // cheap next to the search's own per-node arrays.
    std::vector<int> toView(static_cast<size_t>(graph.nodeCount()), -1);
    auto viewOf = [&](int sessionNode) { return toView[static_cast<size_t>(sessionNode)]; };
    size_t reached = 0;
    for (const TrackResult *part : parts)
        reached += part->nodes.size();
    view.reserveNodes(reached);
    for (const TrackResult *part : parts)
        for (const TrackedNode &n : part->nodes) {
            int &v = toView[static_cast<size_t>(n.node)];
            if (v >= 0)
                continue;
            GraphNode copy = graph.node(n.node);
            copy.isPoi = false;
            v = view.addNode(std::move(copy));
            result.sessionNode.push_back(n.node);
        }
    // What a process point of interest itself opened, renamed or deleted is
    // shown even when no data flowed: those objects are why it was picked.
    const bool forwardStart = options.scope == TrackScope::Forward;
    std::unordered_set<int> touchedLeftOut; // over the node limit
    for (const TrackPoi &root : *roots) {
        const int start = startNode(graph, root, forwardStart);
        if (poi.kind != PointOfInterest::Kind::Process || graph.node(start).kind != NodeKind::Process)
            continue;
        for (int e : graph.outEdges(start)) {
            const int target = graph.edge(e).to;
            if (isFlowEdge(graph.edge(e).type) || toView[static_cast<size_t>(target)] >= 0)
                continue;
            if (options.limits.maxNodes >= 0 && view.nodeCount() >= options.limits.maxNodes) {
                touchedLeftOut.insert(target);
                continue;
            }
            GraphNode copy = graph.node(target);
            copy.isPoi = false;
            toView[static_cast<size_t>(target)] = view.addNode(std::move(copy));
            result.sessionNode.push_back(target);
        }
    }
    std::vector<int> followed;
    for (const TrackResult *part : parts)
        followed.insert(followed.end(), part->edges.begin(), part->edges.end());
    std::sort(followed.begin(), followed.end());
    followed.erase(std::unique(followed.begin(), followed.end()), followed.end());
    std::vector<GraphEdge> edges;
    edges.reserve(followed.size());
    auto take = [&](int e, int from, int to) {
        GraphEdge &copy = edges.emplace_back(graph.edge(e));
        copy.from = from;
        copy.to = to;
        copy.eventIds = session.eventIdsOf(e);
    };
    for (int e : followed)
        take(e, viewOf(graph.edge(e).from), viewOf(graph.edge(e).to)); // a followed edge's ends were reached
    // Opens and unlinks between shown nodes: never followed (no data moves),
    // but they tell which files a process touched (drawn dashed).
    size_t touches = 0;
    for (int v = 0; v < view.nodeCount() && touches < kMaxTouchEdges; ++v) {
        const int from = result.sessionNode[static_cast<size_t>(v)];
        if (graph.node(from).kind != NodeKind::Process)
            continue;
        for (int e : graph.outEdges(from)) {
            if (isFlowEdge(graph.edge(e).type) || viewOf(graph.edge(e).to) < 0)
                continue;
            take(e, v, viewOf(graph.edge(e).to));
            if (++touches >= kMaxTouchEdges)
                break;
        }
    }
    view.setEdges(std::move(edges));
    // The point of interest: every node the search started from is marked;
    // view.poi() is the first of them.
    const bool forward = forwardStart;
    int poiNode = -1;
    for (const TrackPoi &root : *roots) {
        const int v = viewOf(startNode(graph, root, forward));
        if (v < 0)
            continue;
        if (poiNode < 0)
            poiNode = v;
        view.mutableNode(v).isPoi = true;
    }
    view.setPoi(poiNode);

    result.cut = !touchedLeftOut.empty();
    result.omittedNodes = static_cast<int>(touchedLeftOut.size());
    for (const TrackResult *part : parts) {
        result.cut = result.cut || part->cut();
        result.omittedNodes += part->omittedNodes;
    }
    view.setOmittedNodes(result.omittedNodes);
    result.trackSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    // Security relevance is judged on the whole tracked graph (a hidden edge
    // can be what makes a node relevant), then carried over to what is shown.
    classifySecurityRelevance(view);
    result.unfiltered = view;
    if (options.hideNoise) {
        std::vector<int> nodeMap;
        result.view = applyNoiseFilters(result.unfiltered, options.noise, &result.noise, &nodeMap);
        std::vector<int> sessionNode(static_cast<size_t>(result.view.nodeCount()), -1);
        for (size_t i = 0; i < nodeMap.size() && i < result.sessionNode.size(); ++i) {
            const int m = nodeMap[i];
            if (m < 0 || m >= result.view.nodeCount())
                continue;
            GraphNode &shown = result.view.mutableNode(m);
            shown.flags |= result.unfiltered.node(static_cast<int>(i)).flags;
            if (shown.collapsed == 0)
                sessionNode[static_cast<size_t>(m)] = result.sessionNode[i];
        }
        result.sessionNode = std::move(sessionNode);
    }
    return result;
}

} // namespace provscope
