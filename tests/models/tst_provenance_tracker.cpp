// Time-respecting tracking on hand-built graphs (the cases of issue 5), a
// brute-force fixpoint of the same rule on small random graphs, and a timing
// on about two million random edges.
#include "provenance_tracker.h"
#include "tracker_test_helpers.h"

#include <QElapsedTimer>
#include <QSet>
#include <QtTest>

#include <map>
#include <optional>
#include <set>
#include <algorithm>
#include <random>

using namespace provscope;
using namespace provscope::tracker_test;

namespace {

bool usesEdge(const TrackResult &r, int edgeIndex)
{
    return std::binary_search(r.edges.begin(), r.edges.end(), edgeIndex);
}

// The rule of DESIGN.md as a plain fixpoint: rounds of relaxing every edge,
// limited to maxDepth rounds when asked. Written in real time, without the
// tracker's value mapping, so it checks that mapping too.
struct Oracle {
    std::vector<std::optional<uint64_t>> value; // threshold once expanded-with
    std::vector<int> depth;                     // fewest hops, -1 unreached
    std::map<int, uint64_t> reported;           // reached node -> threshold shown
    std::set<int> edges;                        // edges followed
    bool depthCut = false;
    int omitted = 0;
};

Oracle bruteForce(int nodeCount, const std::vector<TrackEdge> &edges, TrackPoi poi, bool forward,
                  int maxDepth)
{
    Oracle o;
    o.value.assign(static_cast<size_t>(nodeCount), std::nullopt);
    o.depth.assign(static_cast<size_t>(nodeCount), -1);
    int root = poi.node;
    uint64_t edgeTime = 0;
    if (poi.edge >= 0) {
        const TrackEdge &e = edges[static_cast<size_t>(poi.edge)];
        root = forward ? e.from : e.to;
        edgeTime = forward ? e.tsNs : e.teNs;
        o.depth[static_cast<size_t>(root)] = 0;
        const int next = forward ? e.to : e.from;
        if (maxDepth != 0) {
            o.value[static_cast<size_t>(next)] = edgeTime;
            if (o.depth[static_cast<size_t>(next)] < 0)
                o.depth[static_cast<size_t>(next)] = 1;
            o.edges.insert(poi.edge);
        } else if (next != root) {
            o.depthCut = true;
            o.omitted = 1;
        }
    } else {
        o.value[static_cast<size_t>(root)] = forward ? 0 : ProvenanceTracker::kInfinity;
        o.depth[static_cast<size_t>(root)] = 0;
    }
    const int startRound = poi.edge >= 0 ? 1 : 0;
    auto qualifies = [&](const std::vector<std::optional<uint64_t>> &val, const TrackEdge &e) {
        const int here = forward ? e.from : e.to;
        const auto &v = val[static_cast<size_t>(here)];
        if (!v)
            return false;
        return forward ? e.teNs >= *v : e.tsNs <= *v;
    };
    for (int round = startRound; maxDepth < 0 || round < maxDepth; ++round) {
        if (poi.edge >= 0 && maxDepth == 0)
            break;
        const auto before = o.value;
        bool changed = false;
        for (size_t i = 0; i < edges.size(); ++i) {
            const TrackEdge &e = edges[i];
            if (!qualifies(before, e))
                continue;
            const int here = forward ? e.from : e.to;
            const int there = forward ? e.to : e.from;
            const uint64_t v = *before[static_cast<size_t>(here)];
            const uint64_t nv = forward ? std::max(v, e.tsNs) : std::min(v, e.teNs);
            auto &tv = o.value[static_cast<size_t>(there)];
            if (!tv || (forward ? nv < *tv : nv > *tv)) {
                tv = nv;
                changed = true;
            }
            if (o.depth[static_cast<size_t>(there)] < 0)
                o.depth[static_cast<size_t>(there)] = round + 1;
        }
        if (!changed)
            break;
    }
    for (size_t i = 0; i < edges.size(); ++i) {
        const TrackEdge &e = edges[i];
        if (!qualifies(o.value, e))
            continue;
        const int there = forward ? e.to : e.from;
        if (o.depth[static_cast<size_t>(there)] >= 0) {
            // Followed unless it only qualifies on the last round's values.
            if (maxDepth < 0)
                o.edges.insert(static_cast<int>(i));
        }
    }
    if (maxDepth >= 0) {
        std::set<int> cut;
        for (const TrackEdge &e : edges) {
            const int there = forward ? e.to : e.from;
            if (qualifies(o.value, e) && o.depth[static_cast<size_t>(there)] < 0)
                cut.insert(there);
        }
        if (!cut.empty()) {
            o.depthCut = true;
            o.omitted = static_cast<int>(cut.size());
        }
    }
    for (int n = 0; n < nodeCount; ++n) {
        if (o.depth[static_cast<size_t>(n)] < 0)
            continue;
        const auto &v = o.value[static_cast<size_t>(n)];
        o.reported[n] = v ? *v : edgeTime;
    }
    return o;
}

} // namespace

class TestProvenanceTracker : public QObject {
    Q_OBJECT

private slots:
    void writeBetweenTwoReads();
    void thresholdRisesAfterVisit();
    void equalTimestampsAreIncluded();
    void pidReuseIsTwoProcesses();
    void renameChain();
    void cyclesTerminate();
    void depthAndNodeLimits();
    void forwardFromDownload();
    void bothDirections();
    void invalidInput();
    void randomAgainstBruteForce();
    void timingOnTwoMillionEdges();
};

// A file read at 10 and 30 with a write at 20 in between: the write explains
// the second read only. Another process reading at 15 does not see it either.
void TestProvenanceTracker::writeBetweenTwoReads()
{
    enum { File, Reader, Writer, Other, WriterParent };
    const std::vector<TrackEdge> edges{
        edge(File, Reader, 10),        // 0: first read
        edge(Writer, File, 20),        // 1: the write
        edge(File, Reader, 30),        // 2: second read
        edge(File, Other, 15),         // 3: another process reads between
        edge(WriterParent, Writer, 5), // 4: fork of the writer
    };
    const ProvenanceTracker tracker(5, edges);

    const TrackResult early = tracker.track(TrackPoi::ofEdge(0), TrackDirection::Backward);
    QCOMPARE(nodeSet(early), (QSet<int>{Reader, File}));
    QCOMPARE(find(early, File)->thresholdNs, uint64_t(10));
    QCOMPARE(early.edges, std::vector<int>{0});
    QVERIFY(!early.cut());

    const TrackResult other = tracker.track(TrackPoi::ofNode(Other), TrackDirection::Backward);
    QCOMPARE(nodeSet(other), (QSet<int>{Other, File}));
    QCOMPARE(find(other, Other)->thresholdNs, ProvenanceTracker::kInfinity);
    QCOMPARE(find(other, File)->thresholdNs, uint64_t(15));

    const TrackResult late = tracker.track(TrackPoi::ofEdge(2), TrackDirection::Backward);
    QCOMPARE(nodeSet(late), (QSet<int>{Reader, File, Writer, WriterParent}));
    QCOMPARE(late.edges, (std::vector<int>{1, 2, 4}));
    QCOMPARE(find(late, Writer)->thresholdNs, uint64_t(20));
    QCOMPARE(find(late, Writer)->depth, 2);

    // From the reader as a node (all of its history): the write is reached through the later read.
    const TrackResult reader = tracker.track(TrackPoi::ofNode(Reader), TrackDirection::Backward);
    QCOMPARE(nodeSet(reader), (QSet<int>{Reader, File, Writer, WriterParent}));
    QCOMPARE(find(reader, File)->thresholdNs, uint64_t(30));

    // Forward from the first read: nothing the reader did is known, the file's later write is not its effect.
    const TrackResult fwd = tracker.track(TrackPoi::ofNode(Writer), TrackDirection::Forward);
    QCOMPARE(nodeSet(fwd), (QSet<int>{Writer, File, Reader}));
    QCOMPARE(find(fwd, File)->thresholdNs, uint64_t(20));
    QCOMPARE(fwd.edges, (std::vector<int>{1, 2}));
}

// X is first reached through a short path with an early threshold (1) and
// later through a longer one with a later threshold (40); only the later one
// lets X's input at 30 qualify. Checked without limits and with depth limits
// (where the later threshold arrives in a later round).
void TestProvenanceTracker::thresholdRisesAfterVisit()
{
    enum { Poi, A, B, C, X, Y };
    const std::vector<TrackEdge> edges{
        edge(A, Poi, 5),  // 0
        edge(X, A, 1),    // 1: X gets min(5, 1) = 1
        edge(B, Poi, 50), // 2
        edge(C, B, 45),   // 3
        edge(X, C, 40),   // 4: X gets 40
        edge(Y, X, 30),   // 5: qualifies only with 40
    };
    const ProvenanceTracker tracker(6, edges);
    const TrackResult r = tracker.track(TrackPoi::ofNode(Poi), TrackDirection::Backward);
    QCOMPARE(nodeSet(r), (QSet<int>{Poi, A, B, C, X, Y}));
    QCOMPARE(find(r, X)->thresholdNs, uint64_t(40));
    QCOMPARE(find(r, Y)->thresholdNs, uint64_t(30));
    QVERIFY(usesEdge(r, 5));

    // Two hops reach X only early; three hops raise it, Y needs four.
    const TrackResult d2 = tracker.track(TrackPoi::ofNode(Poi), TrackDirection::Backward, {2, -1});
    QCOMPARE(find(d2, X)->thresholdNs, uint64_t(1));
    QVERIFY(!find(d2, Y));
    QVERIFY(!d2.depthCut); // with threshold 1 nothing more qualifies
    const TrackResult d3 = tracker.track(TrackPoi::ofNode(Poi), TrackDirection::Backward, {3, -1});
    QCOMPARE(find(d3, X)->thresholdNs, uint64_t(40));
    QCOMPARE(find(d3, X)->depth, 2);
    QVERIFY(!find(d3, Y));
    QVERIFY(d3.depthCut);
    QCOMPARE(d3.omittedNodes, 1);
    const TrackResult d4 = tracker.track(TrackPoi::ofNode(Poi), TrackDirection::Backward, {4, -1});
    QVERIFY(find(d4, Y));
    QVERIFY(!d4.cut());

    // Forward mirror: X first reached late (via A at 95), then early (via B, C at 60).
    enum { FPoi, FA, FB, FC, FX, FY };
    const std::vector<TrackEdge> fwdEdges{
        edge(FPoi, FA, 95), edge(FA, FX, 99), edge(FPoi, FB, 50),
        edge(FB, FC, 55),   edge(FC, FX, 60), edge(FX, FY, 70),
    };
    const ProvenanceTracker fwd(6, fwdEdges);
    const TrackResult f = fwd.track(TrackPoi::ofNode(FPoi), TrackDirection::Forward);
    QCOMPARE(find(f, FX)->thresholdNs, uint64_t(60));
    QVERIFY(find(f, FY));
}

void TestProvenanceTracker::equalTimestampsAreIncluded()
{
    enum { Reader, File, Writer, LateWriter };
    const std::vector<TrackEdge> edges{
        edge(File, Reader, 100),       // 0
        edge(Writer, File, 100),       // 1: same time as the read: included
        edge(LateWriter, File, 101),   // 2: a nanosecond later: not
    };
    const ProvenanceTracker tracker(4, edges);
    const TrackResult back = tracker.track(TrackPoi::ofEdge(0), TrackDirection::Backward);
    QCOMPARE(nodeSet(back), (QSet<int>{Reader, File, Writer}));

    const TrackResult fwd = tracker.track(TrackPoi::ofEdge(1), TrackDirection::Forward);
    QCOMPARE(nodeSet(fwd), (QSet<int>{Writer, File, Reader}));
    QCOMPARE(find(fwd, Reader)->thresholdNs, uint64_t(100));
    // The late write reaches the file, but the read at 100 is before it.
    const TrackResult late = tracker.track(TrackPoi::ofEdge(2), TrackDirection::Forward);
    QCOMPARE(nodeSet(late), (QSet<int>{LateWriter, File}));
}

// pid 42 twice: an old instance that read a secret, and a new one (another
// start time, another node) that writes the output. They share nothing.
void TestProvenanceTracker::pidReuseIsTwoProcesses()
{
    enum { Old42, New42, Secret, Input, Output, Parent };
    const std::vector<TrackEdge> edges{
        edge(Parent, Old42, 1),  // 0: fork
        edge(Secret, Old42, 5),  // 1
        edge(Parent, New42, 10), // 2: fork of the pid's second life
        edge(Input, New42, 20),  // 3
        edge(New42, Output, 25), // 4
    };
    const ProvenanceTracker tracker(6, edges);
    const TrackResult back = tracker.track(TrackPoi::ofNode(Output), TrackDirection::Backward);
    QCOMPARE(nodeSet(back), (QSet<int>{Output, New42, Input, Parent}));
    const TrackResult fwd = tracker.track(TrackPoi::ofNode(Secret), TrackDirection::Forward);
    QCOMPARE(nodeSet(fwd), (QSet<int>{Secret, Old42}));
}

// /tmp/a written, renamed to b, then to c, and c executed: the exec's
// ancestry walks the chain back to the writer, but not a write to a after it
// was renamed away.
void TestProvenanceTracker::renameChain()
{
    enum { Writer, FileA, FileB, FileC, Exec, LateWriter };
    const std::vector<TrackEdge> edges{
        edge(Writer, FileA, 10),     // 0
        edge(FileA, FileB, 20),      // 1: rename a -> b
        edge(LateWriter, FileA, 25), // 2: a new /tmp/a, after the rename
        edge(FileB, FileC, 30),      // 3: rename b -> c
        edge(FileC, Exec, 40),       // 4: exec
    };
    const ProvenanceTracker tracker(6, edges);
    const TrackResult back = tracker.track(TrackPoi::ofNode(Exec), TrackDirection::Backward);
    QCOMPARE(nodeSet(back), (QSet<int>{Exec, FileC, FileB, FileA, Writer}));
    QCOMPARE(back.edges, (std::vector<int>{0, 1, 3, 4}));
    QCOMPARE(find(back, Writer)->depth, 4);
    const TrackResult fwd = tracker.track(TrackPoi::ofNode(Writer), TrackDirection::Forward);
    QCOMPARE(nodeSet(fwd), (QSet<int>{Exec, FileC, FileB, FileA, Writer}));
    const TrackResult lateFwd = tracker.track(TrackPoi::ofNode(LateWriter), TrackDirection::Forward);
    QCOMPARE(nodeSet(lateFwd), (QSet<int>{LateWriter, FileA}));
}

void TestProvenanceTracker::cyclesTerminate()
{
    // A ring at one time (ties: everything qualifies), a self-loop and a two-cycle.
    std::vector<TrackEdge> edges;
    for (int i = 0; i < 50; ++i)
        edges.push_back(edge(i, (i + 1) % 50, 7));
    edges.push_back(edge(3, 3, 7));
    edges.push_back(edge(10, 11, 1, 100));
    edges.push_back(edge(11, 10, 1, 100));
    const ProvenanceTracker tracker(50, edges);
    for (auto direction : {TrackDirection::Backward, TrackDirection::Forward}) {
        const TrackResult r = tracker.track(TrackPoi::ofNode(0), direction);
        QCOMPARE(r.nodes.size(), size_t(50));
        QCOMPARE(r.edges.size(), edges.size());
        QCOMPARE(r.nodes.front().node, 0);
        QCOMPARE(r.nodes.front().depth, 0);
    }
    // Times rising around the ring: backward from 0 stops where times exceed the threshold.
    std::vector<TrackEdge> rising;
    for (int i = 0; i < 10; ++i)
        rising.push_back(edge(i, (i + 1) % 10, static_cast<uint64_t>(10 + i)));
    const ProvenanceTracker ring(10, rising);
    const TrackResult r = ring.track(TrackPoi::ofEdge(9), TrackDirection::Backward); // 9 -> 0 at 19
    QCOMPARE(r.nodes.size(), size_t(10));
    const TrackResult e = ring.track(TrackPoi::ofEdge(0), TrackDirection::Backward); // 0 -> 1 at 10
    QCOMPARE(nodeSet(e), (QSet<int>{1, 0}));
}

void TestProvenanceTracker::depthAndNodeLimits()
{
    // A chain 9 -> 8 -> ... -> 0, and a star of 10 inputs into node 0.
    std::vector<TrackEdge> edges;
    for (int i = 9; i > 0; --i)
        edges.push_back(edge(i, i - 1, 10));
    for (int i = 10; i < 20; ++i)
        edges.push_back(edge(i, 0, 10));
    const ProvenanceTracker tracker(20, edges);

    const TrackResult all = tracker.track(TrackPoi::ofNode(0), TrackDirection::Backward);
    QCOMPARE(all.nodes.size(), size_t(20));
    QVERIFY(!all.cut());
    QCOMPARE(all.omittedNodes, 0);

    const TrackResult depth3 = tracker.track(TrackPoi::ofNode(0), TrackDirection::Backward, {3, -1});
    QCOMPARE(depth3.nodes.size(), size_t(14)); // 0, 1..3, 10..19
    QVERIFY(depth3.depthCut);
    QVERIFY(!depth3.nodeCut);
    QCOMPARE(depth3.omittedNodes, 1); // node 4
    QVERIFY(!find(depth3, 4));
    QCOMPARE(find(depth3, 3)->depth, 3);

    const TrackResult depth0 = tracker.track(TrackPoi::ofNode(0), TrackDirection::Backward, {0, -1});
    QCOMPARE(depth0.nodes.size(), size_t(1));
    QCOMPARE(depth0.omittedNodes, 11);

    const TrackResult nodes5 = tracker.track(TrackPoi::ofNode(0), TrackDirection::Backward, {-1, 5});
    QCOMPARE(nodes5.nodes.size(), size_t(5));
    QVERIFY(nodes5.nodeCut);
    QVERIFY(!nodes5.depthCut);
    QCOMPARE(nodes5.omittedNodes, 8); // node 0's other 7 inputs, and node 2 behind node 1
    for (int e : nodes5.edges) {      // every edge shown joins two shown nodes
        QVERIFY(find(nodes5, edges[static_cast<size_t>(e)].from));
        QVERIFY(find(nodes5, edges[static_cast<size_t>(e)].to));
    }

    const TrackResult both = tracker.track(TrackPoi::ofNode(0), TrackDirection::Backward, {2, 3});
    QCOMPARE(both.nodes.size(), size_t(3));
    QVERIFY(both.nodeCut);

    const TrackResult none = tracker.track(TrackPoi::ofNode(0), TrackDirection::Backward, {-1, 0});
    QVERIFY(none.nodes.empty());
    QVERIFY(none.nodeCut);
}

// The scenario in small: curl downloads x, writes it, x is executed,
// reads a secret, archives it, nc sends the archive, x adds a persistence
// line. Forward from the download: the send and the persistence file, not
// what curl did before it. Backward from the send: the chain, not the
// persistence file nor an unrelated reader of the secret.
void TestProvenanceTracker::forwardFromDownload()
{
    enum { Bash, Curl, Server, Resolv, CurlLog, Payload, X, Secret, Archive, Nc, Remote, Bashrc, Unrelated, Cron };
    const std::vector<TrackEdge> edges{
        edge(Bash, Curl, 1),       // 0: fork/exec
        edge(Resolv, Curl, 5),     // 1: read /etc/resolv.conf
        edge(Curl, CurlLog, 8),    // 2: write before the download
        edge(Server, Curl, 10),    // 3: recv: the download
        edge(Curl, Payload, 11),   // 4: write /tmp/.x
        edge(Bash, X, 19),         // 5: fork
        edge(Payload, X, 20),      // 6: exec
        edge(Secret, X, 21),       // 7: read ~/.ssh/id_rsa
        edge(X, Archive, 22),      // 8: write the archive
        edge(Archive, Nc, 23),     // 9: nc reads it
        edge(Nc, Remote, 24),      // 10: send
        edge(X, Bashrc, 25),       // 11: persistence
        edge(Secret, Unrelated, 30), // 12: an unrelated reader
        edge(Cron, Bash, 0, 2),    // 13: bash's origin
    };
    const ProvenanceTracker tracker(14, edges);

    const TrackResult fwd = tracker.track(TrackPoi::ofEdge(3), TrackDirection::Forward);
    const QSet<int> reached = nodeSet(fwd);
    QVERIFY(reached.contains(Remote));
    QVERIFY(reached.contains(Bashrc));
    QCOMPARE(reached, (QSet<int>{Server, Curl, Payload, X, Archive, Nc, Remote, Bashrc}));
    QCOMPARE(find(fwd, Server)->thresholdNs, uint64_t(10));
    QCOMPARE(find(fwd, Server)->depth, 0);
    QVERIFY(!usesEdge(fwd, 2));

    const TrackResult back = tracker.track(TrackPoi::ofNode(Remote), TrackDirection::Backward);
    const QSet<int> ancestry = nodeSet(back);
    QCOMPARE(ancestry, (QSet<int>{Remote, Nc, Archive, X, Secret, Payload, Bash, Curl, Resolv, Server, Cron}));
    QVERIFY(usesEdge(back, 3));
}

void TestProvenanceTracker::bothDirections()
{
    enum { Parent, Proc, In, Out, Later };
    const std::vector<TrackEdge> edges{
        edge(Parent, Proc, 1), edge(In, Proc, 5), edge(Proc, Out, 6), edge(Out, Later, 9),
    };
    const ProvenanceTracker tracker(5, edges);
    const TrackBothResult both = tracker.trackBoth(TrackPoi::ofNode(Proc));
    QCOMPARE(nodeSet(both.ancestry), (QSet<int>{Proc, Parent, In}));
    QCOMPARE(nodeSet(both.descendants), (QSet<int>{Proc, Out, Later}));

    // The node limit is shared: the ancestry takes 3, the descendants get the rest (POI counted once).
    const TrackBothResult capped = tracker.trackBoth(TrackPoi::ofNode(Proc), {-1, 4});
    QCOMPARE(capped.ancestry.nodes.size(), size_t(3));
    QCOMPARE(capped.descendants.nodes.size(), size_t(2));
    QVERIFY(capped.descendants.nodeCut);

    const TrackBothResult ofEvent = tracker.trackBoth(TrackPoi::ofEdge(1)); // In -> Proc at 5
    QCOMPARE(nodeSet(ofEvent.ancestry), (QSet<int>{Proc, In}));
    QCOMPARE(nodeSet(ofEvent.descendants), (QSet<int>{In, Proc, Out, Later}));
}

void TestProvenanceTracker::invalidInput()
{
    const std::vector<TrackEdge> edges{edge(0, 1, 5), edge(0, 7, 5), edge(-1, 1, 5)};
    const ProvenanceTracker tracker(2, edges);
    QVERIFY(tracker.track(TrackPoi::ofNode(-1), TrackDirection::Backward).nodes.empty());
    QVERIFY(tracker.track(TrackPoi::ofNode(2), TrackDirection::Backward).nodes.empty());
    QVERIFY(tracker.track(TrackPoi::ofEdge(3), TrackDirection::Forward).nodes.empty());
    QVERIFY(tracker.track(TrackPoi::ofEdge(1), TrackDirection::Forward).nodes.empty());
    const TrackResult r = tracker.track(TrackPoi::ofNode(1), TrackDirection::Backward);
    QCOMPARE(r.edges, std::vector<int>{0}); // the out-of-range edges are ignored

    // GraphEdge input gives the same answer as the lean edges.
    std::vector<GraphEdge> graphEdges(1);
    graphEdges[0].from = 0;
    graphEdges[0].to = 1;
    graphEdges[0].tsNs = graphEdges[0].teNs = 5;
    const ProvenanceTracker fromGraph(2, graphEdges);
    QCOMPARE(fromGraph.track(TrackPoi::ofNode(1), TrackDirection::Backward).nodes.size(), size_t(2));
    QCOMPARE(fromGraph.edgeCount(), 1);
}

void TestProvenanceTracker::randomAgainstBruteForce()
{
    std::mt19937 rng(20261122);
    int checks = 0;
    for (int graph = 0; graph < 300; ++graph) {
        const int nodeCount = 1 + static_cast<int>(rng() % 10);
        const int edgeCount = static_cast<int>(rng() % 30);
        std::vector<TrackEdge> edges;
        for (int i = 0; i < edgeCount; ++i) {
            const uint64_t ts = 1 + rng() % 20;
            const uint64_t te = ts + (rng() % 3 == 0 ? rng() % 6 : 0);
            edges.push_back({static_cast<int>(rng() % static_cast<unsigned>(nodeCount)),
                             static_cast<int>(rng() % static_cast<unsigned>(nodeCount)), ts, te});
        }
        const ProvenanceTracker tracker(nodeCount, edges);
        std::vector<TrackPoi> pois;
        for (int n = 0; n < nodeCount; ++n)
            pois.push_back(TrackPoi::ofNode(n));
        for (int e = 0; e < edgeCount; ++e)
            pois.push_back(TrackPoi::ofEdge(e));
        for (const TrackPoi &poi : pois) {
            for (bool forward : {false, true}) {
                for (int maxDepth : {-1, 0, 1, 2, 3, 5}) {
                    const TrackResult got = tracker.track(
                        poi, forward ? TrackDirection::Forward : TrackDirection::Backward, {maxDepth, -1});
                    const Oracle want = bruteForce(nodeCount, edges, poi, forward, maxDepth);
                    const QByteArray where = QByteArray("graph ") + QByteArray::number(graph) + " poi "
                        + QByteArray::number(poi.node) + "/" + QByteArray::number(poi.edge)
                        + (forward ? " forward" : " backward") + " depth " + QByteArray::number(maxDepth);
                    std::map<int, uint64_t> reported;
                    for (const TrackedNode &n : got.nodes)
                        reported[n.node] = n.thresholdNs;
                    QVERIFY2(reported == want.reported, where.constData());
                    QVERIFY2(got.depthCut == want.depthCut, where.constData());
                    QVERIFY2(got.omittedNodes == want.omitted, where.constData());
                    QVERIFY2(!got.nodeCut, where.constData());
                    if (maxDepth >= 0) {
                        for (const TrackedNode &n : got.nodes)
                            QVERIFY2(n.depth == want.depth[static_cast<size_t>(n.node)], where.constData());
                    } else {
                        QVERIFY2(std::set<int>(got.edges.begin(), got.edges.end()) == want.edges,
                                 where.constData());
                    }
                    ++checks;
                }
            }
        }
    }
    qInfo("%d random queries agree with the fixpoint", checks);
}

void TestProvenanceTracker::timingOnTwoMillionEdges()
{
    const int nodeCount = 50000; // 40 edges a node: most of the graph is reachable
    const int edgeCount = 2000000;
    std::mt19937_64 rng(7);
    std::vector<TrackEdge> edges;
    edges.reserve(edgeCount);
    for (int i = 0; i < edgeCount; ++i) {
        const uint64_t ts = static_cast<uint64_t>(i) * 1000 + rng() % 1000; // event order
        edges.push_back({static_cast<int>(rng() % nodeCount), static_cast<int>(rng() % nodeCount), ts,
                         ts + rng() % 5000});
    }
    QElapsedTimer timer;
    timer.start();
    const ProvenanceTracker tracker(nodeCount, edges);
    const qint64 buildMs = timer.elapsed();
    timer.restart();
    const TrackResult back = tracker.track(TrackPoi::ofEdge(edgeCount - 1), TrackDirection::Backward);
    const qint64 backMs = timer.elapsed();
    timer.restart();
    const TrackResult fwd = tracker.track(TrackPoi::ofEdge(0), TrackDirection::Forward);
    const qint64 fwdMs = timer.elapsed();
    timer.restart();
    const TrackResult limited =
        tracker.track(TrackPoi::ofEdge(edgeCount - 1), TrackDirection::Backward, {6, -1});
    const qint64 limitedMs = timer.elapsed();
    qInfo("2M edges, 50k nodes: build %lld ms; backward %lld ms (%zu nodes, %zu edges); "
          "forward %lld ms (%zu nodes, %zu edges); backward depth 6 %lld ms (%zu nodes)",
          buildMs, backMs, back.nodes.size(), back.edges.size(), fwdMs, fwd.nodes.size(), fwd.edges.size(),
          limitedMs, limited.nodes.size());
    QVERIFY(back.nodes.size() > 1000);
    QVERIFY(fwd.nodes.size() > 1000);
    QVERIFY(backMs < 5000 && fwdMs < 5000 && buildMs < 5000); // generous: a shared CI machine
}

QTEST_GUILESS_MAIN(TestProvenanceTracker)
#include "tst_provenance_tracker.moc"
