// The tracker's other ways in: several points of interest in one search, a
// node as of a moment, flows only (opens and unlinks never followed), and the
// tracker over a graph's own adjacency, each checked against the plain form.
#include "provenance_tracker.h"
#include "tracker_test_helpers.h"

#include <QSet>
#include <QtTest>

#include <map>
#include <random>
#include <set>

using namespace provscope;
using namespace provscope::tracker_test;

class TestTrackerModes : public QObject {
    Q_OBJECT
private slots:
    void severalRootsAreTheUnion();
    void timedNodeStartsAtItsMoment();
    void flowsOnlySkipsOpens();
    void overGraphAgreesWithArrays();
};

// Several points of interest in one search: each node gets the best threshold
// any single search gives it (unlimited depth), the same nodes and edges.
void TestTrackerModes::severalRootsAreTheUnion()
{
    std::mt19937 rng(5);
    for (int graph = 0; graph < 200; ++graph) {
        const int nodeCount = 2 + static_cast<int>(rng() % 10);
        std::vector<TrackEdge> edges;
        for (int i = 0, n = static_cast<int>(rng() % 30); i < n; ++i) {
            const uint64_t ts = 1 + rng() % 20;
            edges.push_back({static_cast<int>(rng() % static_cast<unsigned>(nodeCount)),
                             static_cast<int>(rng() % static_cast<unsigned>(nodeCount)), ts,
                             ts + (rng() % 3 == 0 ? rng() % 6 : 0)});
        }
        const ProvenanceTracker tracker(nodeCount, edges);
        std::vector<TrackPoi> pois;
        for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i)
            pois.push_back(rng() % 2 || edges.empty() ? TrackPoi::ofNode(static_cast<int>(rng() % static_cast<unsigned>(nodeCount)))
                                                      : TrackPoi::ofEdge(static_cast<int>(rng() % edges.size())));
        for (bool forward : {false, true}) {
            const auto direction = forward ? TrackDirection::Forward : TrackDirection::Backward;
            std::map<int, uint64_t> want;
            std::set<int> wantEdges;
            for (const TrackPoi &poi : pois) {
                const TrackResult one = tracker.track(poi, direction);
                for (const TrackedNode &n : one.nodes) {
                    auto [it, fresh] = want.emplace(n.node, n.thresholdNs);
                    if (!fresh)
                        it->second = forward ? std::min(it->second, n.thresholdNs) : std::max(it->second, n.thresholdNs);
                }
                wantEdges.insert(one.edges.begin(), one.edges.end());
            }
            const TrackResult got = tracker.track(pois, direction);
            std::map<int, uint64_t> reported;
            for (const TrackedNode &n : got.nodes)
                reported[n.node] = n.thresholdNs;
            // An event's own endpoint shows the event's time only while no
            // search expanded it: which search did differs, so only the nodes
            // are compared there.
            for (const TrackPoi &poi : pois)
                if (poi.edge >= 0) {
                    const int start = forward ? edges[static_cast<size_t>(poi.edge)].from : edges[static_cast<size_t>(poi.edge)].to;
                    if (reported.count(start) && want.count(start))
                        reported[start] = want[start];
                }
            const QByteArray where = "graph " + QByteArray::number(graph) + (forward ? " forward" : " backward");
            QVERIFY2(reported == want, where.constData());
            QVERIFY2(std::set<int>(got.edges.begin(), got.edges.end()) == wantEdges, where.constData());
            // The points of interest come first, at depth 0 (an event: the end it starts from).
            QVERIFY2(!got.nodes.empty() && got.nodes.front().depth == 0, where.constData());
        }
    }
    // The node limit holds for the union too.
    const ProvenanceTracker chain(6, std::vector<TrackEdge>{edge(0, 1, 1), edge(1, 2, 2), edge(3, 4, 1), edge(4, 5, 2)});
    const TrackResult capped = chain.track({TrackPoi::ofNode(2), TrackPoi::ofNode(5)}, TrackDirection::Backward, {-1, 4});
    QCOMPARE(capped.nodes.size(), size_t(4));
    QVERIFY(capped.nodeCut);
    const TrackResult both = chain.track({TrackPoi::ofNode(2), TrackPoi::ofNode(5)}, TrackDirection::Backward);
    QCOMPARE(nodeSet(both), (QSet<int>{0, 1, 2, 3, 4, 5}));
}

// A node as of a moment: backward only what reached it by then, forward only what left it afterwards.
void TestTrackerModes::timedNodeStartsAtItsMoment()
{
    // 0 -> 2 at 10, 1 -> 2 at 30; 2 -> 3 at 20, 2 -> 4 at 40.
    const ProvenanceTracker t(5, std::vector<TrackEdge>{edge(0, 2, 10), edge(1, 2, 30), edge(2, 3, 20), edge(2, 4, 40)});
    QCOMPARE(nodeSet(t.track(TrackPoi::ofNodeAt(2, 25, 25), TrackDirection::Backward)), (QSet<int>{2, 0}));
    QCOMPARE(nodeSet(t.track(TrackPoi::ofNodeAt(2, 25, 25), TrackDirection::Forward)), (QSet<int>{2, 4}));
    QCOMPARE(nodeSet(t.track(TrackPoi::ofNodeAt(2, 30, 30), TrackDirection::Backward)), (QSet<int>{2, 0, 1})); // ties included
    QCOMPARE(find(t.track(TrackPoi::ofNodeAt(2, 25, 26), TrackDirection::Backward), 2)->thresholdNs, uint64_t(26));
}

// Built from graph edges with flowsOnly, Open and Unlink edges are never followed.
void TestTrackerModes::flowsOnlySkipsOpens()
{
    std::vector<GraphEdge> edges(3);
    edges[0] = {0, 1, EdgeType::Open, 5, 5, 1, 0, {}};  // process 0 opens file 1
    edges[1] = {2, 1, EdgeType::Write, 6, 6, 1, 0, {}}; // process 2 writes it
    edges[2] = {0, 1, EdgeType::Unlink, 7, 7, 1, 0, {}};
    const ProvenanceTracker all(3, edges);
    const ProvenanceTracker flows(3, edges, true);
    QCOMPARE(nodeSet(all.track(TrackPoi::ofNode(1), TrackDirection::Backward)), (QSet<int>{0, 1, 2}));
    QCOMPARE(nodeSet(flows.track(TrackPoi::ofNode(1), TrackDirection::Backward)), (QSet<int>{1, 2}));
    QCOMPARE(nodeSet(flows.track(TrackPoi::ofNode(0), TrackDirection::Forward)), (QSet<int>{0}));
    QVERIFY(flows.track(TrackPoi::ofEdge(0), TrackDirection::Backward).nodes.empty()); // not a flow: no search
    QCOMPARE(flows.track(TrackPoi::ofEdge(1), TrackDirection::Backward).edges, std::vector<int>{1});
}

// The tracker over a graph's own adjacency gives exactly what the one with
// arrays of its own gives: nodes, thresholds, depths, edges and cuts.
void TestTrackerModes::overGraphAgreesWithArrays()
{
    std::mt19937 rng(99);
    for (int round = 0; round < 150; ++round) {
        const int nodeCount = 1 + static_cast<int>(rng() % 9);
        ProvenanceGraph graph;
        for (int n = 0; n < nodeCount; ++n)
            graph.addFile("/n" + std::to_string(n));
        std::vector<GraphEdge> edges;
        for (int i = 0, count = static_cast<int>(rng() % 30); i < count; ++i) {
            GraphEdge e;
            e.from = static_cast<int>(rng() % static_cast<unsigned>(nodeCount));
            e.to = static_cast<int>(rng() % static_cast<unsigned>(nodeCount));
            e.tsNs = 1 + rng() % 20;
            e.teNs = e.tsNs + (rng() % 3 == 0 ? rng() % 6 : 0);
            e.type = rng() % 4 == 0 ? EdgeType::Open : EdgeType::Read;
            edges.push_back(e);
        }
        graph.setEdges(edges);
        for (bool flowsOnly : {false, true}) {
            const ProvenanceTracker arrays(nodeCount, graph.edges(), flowsOnly);
            const auto over = ProvenanceTracker::overGraph(graph, flowsOnly);
            QCOMPARE(over->nodeCount(), arrays.nodeCount());
            std::vector<TrackPoi> pois;
            for (int n = 0; n < nodeCount; ++n)
                pois.push_back(TrackPoi::ofNode(n));
            for (int e = 0; e < graph.edgeCount(); ++e)
                pois.push_back(TrackPoi::ofEdge(e));
            for (const TrackPoi &poi : pois)
                for (TrackDirection d : {TrackDirection::Backward, TrackDirection::Forward})
                    for (TrackLimits limits : {TrackLimits{-1, -1}, TrackLimits{1, -1}, TrackLimits{2, 3}, TrackLimits{-1, 2}}) {
                        const TrackResult a = arrays.track(poi, d, limits), b = over->track(poi, d, limits);
                        QCOMPARE(b.nodes.size(), a.nodes.size());
                        for (size_t i = 0; i < a.nodes.size(); ++i) {
                            QCOMPARE(b.nodes[i].node, a.nodes[i].node);
                            QCOMPARE(b.nodes[i].thresholdNs, a.nodes[i].thresholdNs);
                            QCOMPARE(b.nodes[i].depth, a.nodes[i].depth);
                        }
                        QCOMPARE(b.edges, a.edges);
                        QCOMPARE(b.depthCut, a.depthCut);
                        QCOMPARE(b.nodeCut, a.nodeCut);
                        QCOMPARE(b.omittedNodes, a.omittedNodes);
                    }
        }
    }
}

QTEST_GUILESS_MAIN(TestTrackerModes)
#include "tst_tracker_modes.moc"
