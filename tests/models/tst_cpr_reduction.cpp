// Causality-Preserving Reduction: hand-built cases from the paper's idea, and a
// brute-force oracle on random small graphs: time-respecting backward and
// forward reachability from every node at every threshold is the same before
// and after the reduction.
#include "cpr_reduction.h"

#include <QElapsedTimer>
#include <QtTest>

#include <algorithm>
#include <random>

using namespace provscope;

namespace {

GraphEdge edge(int from, int to, uint64_t ts, uint64_t te = 0, EdgeType type = EdgeType::Read,
               int64_t id = 0, uint64_t bytes = 0)
{
    GraphEdge e;
    e.from = from;
    e.to = to;
    e.type = type;
    e.tsNs = ts;
    e.teNs = std::max(ts, te);
    e.count = 1;
    e.bytes = bytes;
    if (id)
        e.eventIds.push_back(id);
    return e;
}

// Nodes reached by a time-respecting search from `start` with `threshold`,
// by relaxation until nothing changes (DESIGN.md's rule, ties included).
// Backward: follow e into n if e.ts <= thr(n); thr(e.from) = min(thr(n), e.te), keep the max.
// Forward: follow e out of n if e.te >= thr(n); thr(e.to) = max(thr(n), e.ts), keep the min.
std::vector<bool> reach(int nodeCount, const std::vector<GraphEdge> &edges, int start,
                        uint64_t threshold, bool backward)
{
    std::vector<bool> seen(static_cast<size_t>(nodeCount), false);
    std::vector<uint64_t> thr(static_cast<size_t>(nodeCount), 0);
    seen[static_cast<size_t>(start)] = true;
    thr[static_cast<size_t>(start)] = threshold;
    for (bool changed = true; changed;) {
        changed = false;
        for (const GraphEdge &e : edges) {
            const size_t from = static_cast<size_t>(backward ? e.to : e.from);
            const size_t to = static_cast<size_t>(backward ? e.from : e.to);
            if (!seen[from])
                continue;
            uint64_t next;
            if (backward) {
                if (e.tsNs > thr[from])
                    continue;
                next = std::min(thr[from], e.teNs);
                if (seen[to] && next <= thr[to])
                    continue;
            } else {
                if (e.teNs < thr[from])
                    continue;
                next = std::max(thr[from], e.tsNs);
                if (seen[to] && next >= thr[to])
                    continue;
            }
            seen[to] = true;
            thr[to] = next;
            changed = true;
        }
    }
    return seen;
}

// Empty when reachability is the same everywhere; else the first difference.
QString reachabilityDifference(int nodeCount, const std::vector<GraphEdge> &before,
                               const std::vector<GraphEdge> &after)
{
    uint64_t maxTime = 0;
    for (const GraphEdge &e : before)
        maxTime = std::max(maxTime, e.teNs);
    for (int node = 0; node < nodeCount; ++node) {
        for (uint64_t t = 0; t <= maxTime + 1; ++t) {
            for (bool backward : {true, false}) {
                if (reach(nodeCount, before, node, t, backward) != reach(nodeCount, after, node, t, backward))
                    return QStringLiteral("%1 from node %2 at threshold %3")
                        .arg(backward ? "backward" : "forward").arg(node).arg(t);
            }
        }
    }
    return {};
}

QString describe(const std::vector<GraphEdge> &edges)
{
    QStringList parts;
    for (const GraphEdge &e : edges)
        parts << QStringLiteral("%1->%2 t%3 [%4,%5]")
                     .arg(e.from).arg(e.to).arg(static_cast<int>(e.type)).arg(e.tsNs).arg(e.teNs);
    return parts.join(QStringLiteral(", "));
}

} // namespace

class TstCprReduction : public QObject {
    Q_OBJECT
private slots:
    void repeatedReadsMerge();
    void writeBetweenReadsBlocks();
    void writeIntoSourceBetweenReadsBlocks();
    void equalTimestamps();
    void overlappingIntervalsAlwaysMerge();
    void otherTypesAndDirectionsStaySeparate();
    void unsortedInputAndBadNodes();
    void emptyInput();
    void oracleCatchesANaiveMerge();
    void oracleOnRandomGraphs();
    void opensBlockNothingWhenNotFollowed();
    void timing1M();
};

void TstCprReduction::repeatedReadsMerge()
{
    // File 0 read by process 1 four times, nothing else happening.
    std::vector<GraphEdge> in{edge(0, 1, 1, 1, EdgeType::Read, 11, 100), edge(0, 1, 2, 2, EdgeType::Read, 12, 10),
                              edge(0, 1, 3, 4, EdgeType::Read, 13, 1), edge(0, 1, 6, 6, EdgeType::Read, 14, 0)};
    const CprResult r = reduceCausalityPreserving(2, in);
    QCOMPARE(r.edgesIn, size_t(4));
    QCOMPARE(r.edges.size(), size_t(1));
    QCOMPARE(r.ratio(), 4.0);
    const GraphEdge &m = r.edges[0];
    QCOMPARE(m.tsNs, uint64_t(1));
    QCOMPARE(m.teNs, uint64_t(6));
    QCOMPARE(m.count, uint64_t(4));
    QCOMPARE(m.bytes, uint64_t(111));
    QCOMPARE(m.eventIds, (std::vector<int64_t>{11, 12, 13, 14}));
    QCOMPARE(reachabilityDifference(2, in, r.edges), QString());
}

void TstCprReduction::writeBetweenReadsBlocks()
{
    // Process 1 reads file 0, writes file 2, reads file 0 again: the second read
    // must stay apart, or file 2 would seem to depend on data read after it was written.
    std::vector<GraphEdge> in{edge(0, 1, 1), edge(1, 2, 2, 2, EdgeType::Write), edge(0, 1, 3), edge(0, 1, 4)};
    const CprResult r = reduceCausalityPreserving(3, in);
    QCOMPARE(r.edges.size(), size_t(3)); // read@1, write@2, read[3,4]
    QCOMPARE(r.edges[0].teNs, uint64_t(1));
    QCOMPARE(r.edges[2].tsNs, uint64_t(3));
    QCOMPARE(r.edges[2].teNs, uint64_t(4));
    QCOMPARE(r.edges[2].count, uint64_t(2));
    QCOMPARE(reachabilityDifference(3, in, r.edges), QString());

    // An interval write overlapping the gap blocks too.
    std::vector<GraphEdge> in2{edge(0, 1, 1), edge(1, 2, 0, 5, EdgeType::Write), edge(0, 1, 3)};
    QCOMPARE(reduceCausalityPreserving(3, in2).edges.size(), size_t(3));
}

void TstCprReduction::writeIntoSourceBetweenReadsBlocks()
{
    // Process 2 writes file 0 between two reads of it by process 1.
    std::vector<GraphEdge> in{edge(0, 1, 1), edge(2, 0, 2, 2, EdgeType::Write), edge(0, 1, 3)};
    const CprResult r = reduceCausalityPreserving(3, in);
    QCOMPARE(r.edges.size(), size_t(3));
    QCOMPARE(reachabilityDifference(3, in, r.edges), QString());
    // The same write by the reader itself blocks as well (an edge out of the target).
    std::vector<GraphEdge> self{edge(0, 1, 1), edge(1, 0, 2, 2, EdgeType::Write), edge(0, 1, 3)};
    QCOMPARE(reduceCausalityPreserving(2, self).edges.size(), size_t(3));
}

void TstCprReduction::equalTimestamps()
{
    // A write at exactly te(e') does not block: a search between the reads sees
    // the same thing either way (the write is not later than the first read).
    std::vector<GraphEdge> atEnd{edge(0, 1, 1), edge(1, 2, 1, 1, EdgeType::Write), edge(0, 1, 3)};
    CprResult r = reduceCausalityPreserving(3, atEnd);
    QCOMPARE(r.edges.size(), size_t(2));
    QCOMPARE(reachabilityDifference(3, atEnd, r.edges), QString());

    // A write at exactly ts(e) does not block either: ties are followed, so the
    // second read already reaches it.
    std::vector<GraphEdge> atStart{edge(0, 1, 1), edge(1, 2, 3, 3, EdgeType::Write), edge(0, 1, 3)};
    r = reduceCausalityPreserving(3, atStart);
    QCOMPARE(r.edges.size(), size_t(2));
    QCOMPARE(reachabilityDifference(3, atStart, r.edges), QString());

    // ...whichever of the two comes first in the list.
    std::vector<GraphEdge> atStart2{edge(0, 1, 1), edge(0, 1, 3), edge(1, 2, 3, 3, EdgeType::Write)};
    r = reduceCausalityPreserving(3, atStart2);
    QCOMPARE(r.edges.size(), size_t(2));
    QCOMPARE(reachabilityDifference(3, atStart2, r.edges), QString());

    // Everything at one instant merges.
    std::vector<GraphEdge> same{edge(0, 1, 5), edge(1, 2, 5, 5, EdgeType::Write), edge(2, 0, 5, 5, EdgeType::Read),
                                edge(0, 1, 5), edge(0, 1, 5)};
    r = reduceCausalityPreserving(3, same);
    QCOMPARE(r.edges.size(), size_t(3));
    QCOMPARE(r.edges[0].count, uint64_t(3));
    QCOMPARE(reachabilityDifference(3, same, r.edges), QString());

    // A write spanning (1, 3) strictly inside the gap blocks.
    std::vector<GraphEdge> inside{edge(0, 1, 1), edge(1, 2, 2, 2, EdgeType::Write), edge(0, 1, 3)};
    QCOMPARE(reduceCausalityPreserving(3, inside).edges.size(), size_t(3));
}

void TstCprReduction::overlappingIntervalsAlwaysMerge()
{
    // e starts before e' ends: no search can tell them apart, whatever happens between.
    std::vector<GraphEdge> in{edge(0, 1, 1, 5), edge(1, 2, 2, 2, EdgeType::Write), edge(2, 0, 2, 2, EdgeType::Write),
                              edge(0, 1, 3, 4), edge(0, 1, 5, 9)};
    const CprResult r = reduceCausalityPreserving(3, in);
    QCOMPARE(r.edges.size(), size_t(3));
    QCOMPARE(r.edges[0].tsNs, uint64_t(1));
    QCOMPARE(r.edges[0].teNs, uint64_t(9));
    QCOMPARE(reachabilityDifference(3, in, r.edges), QString());
}

void TstCprReduction::otherTypesAndDirectionsStaySeparate()
{
    std::vector<GraphEdge> in{edge(0, 1, 1, 1, EdgeType::Read), edge(0, 1, 2, 2, EdgeType::Recv),
                              edge(1, 0, 3, 3, EdgeType::Write), edge(0, 1, 4, 4, EdgeType::Recv)};
    const CprResult r = reduceCausalityPreserving(2, in);
    QCOMPARE(r.edges.size(), size_t(4)); // the write out of 1 at 3 blocks the second recv
    QCOMPARE(reachabilityDifference(2, in, r.edges), QString());
}

void TstCprReduction::unsortedInputAndBadNodes()
{
    // Coalesced I/O arrives at its last ts: sorted by first ts before reducing.
    std::vector<GraphEdge> in{edge(0, 1, 3), edge(0, 1, 1), edge(1, 2, 2, 2, EdgeType::Write),
                              edge(7, 1, 2), edge(0, -1, 2), edge(0, 1, 4)};
    in.back().teNs = 2;
    const CprResult r = reduceCausalityPreserving(3, in);
    QCOMPARE(r.edgesIn, size_t(6));
    // read@1, write@2, bad 7->1, bad 0->-1, read[3,4] (te < ts taken as ts)
    QCOMPARE(r.edges.size(), size_t(5));
    QCOMPARE(r.edges[0].tsNs, uint64_t(1));
    QCOMPARE(r.edges[1].type, EdgeType::Write);
    QCOMPARE(r.edges[2].from, 7);
    QCOMPARE(r.edges[3].to, -1);
    QCOMPARE(r.edges[4].tsNs, uint64_t(3));
    QCOMPARE(r.edges[4].teNs, uint64_t(4));
}

void TstCprReduction::emptyInput()
{
    const CprResult r = reduceCausalityPreserving(0, {});
    QCOMPARE(r.edgesIn, size_t(0));
    QVERIFY(r.edges.empty());
    QCOMPARE(r.ratio(), 1.0);
}

void TstCprReduction::oracleCatchesANaiveMerge()
{
    // Merging the two reads around the write anyway must show up in the oracle.
    std::vector<GraphEdge> in{edge(0, 1, 1), edge(1, 2, 2, 2, EdgeType::Write), edge(0, 1, 3)};
    std::vector<GraphEdge> naive{edge(0, 1, 1, 3), edge(1, 2, 2, 2, EdgeType::Write)};
    QVERIFY(!reachabilityDifference(3, in, naive).isEmpty());
    std::vector<GraphEdge> in2{edge(0, 1, 1), edge(2, 0, 2, 2, EdgeType::Write), edge(0, 1, 3)};
    std::vector<GraphEdge> naive2{edge(0, 1, 1, 3), edge(2, 0, 2, 2, EdgeType::Write)};
    QVERIFY(!reachabilityDifference(3, in2, naive2).isEmpty());
}

// flowsOnly: Open and Unlink edges (never followed by the session graph's
// tracker) block no merge; reachability over the flows is still the same, and
// the opens themselves still merge only where nothing flowed in between.
void TstCprReduction::opensBlockNothingWhenNotFollowed()
{
    auto flows = [](const std::vector<GraphEdge> &edges) {
        std::vector<GraphEdge> out;
        for (const GraphEdge &e : edges)
            if (isFlowEdge(e.type))
                out.push_back(e);
        return out;
    };
    // A read, an open by the reader, a read again: the open no longer splits the reads.
    const std::vector<GraphEdge> in{edge(0, 1, 1, 1, EdgeType::Read, 1), edge(1, 2, 2, 2, EdgeType::Open, 2),
                                    edge(0, 1, 3, 3, EdgeType::Read, 3)};
    QCOMPARE(reduceCausalityPreserving(3, in).edges.size(), size_t(3));
    const CprResult r = reduceCausalityPreserving(3, in, true);
    QCOMPARE(r.edges.size(), size_t(2));
    QCOMPARE(r.edges[0].eventIds, (std::vector<int64_t>{1, 3}));

    std::mt19937_64 rng(7);
    size_t kept = 0, keptAll = 0;
    for (int g = 0; g < 1500; ++g) {
        const int nodes = std::uniform_int_distribution<int>(2, 7)(rng);
        const int count = std::uniform_int_distribution<int>(5, 35)(rng);
        const int maxTime = std::uniform_int_distribution<int>(2, 10)(rng);
        std::vector<GraphEdge> graph;
        for (int i = 0; i < count; ++i) {
            const int from = std::uniform_int_distribution<int>(0, nodes - 1)(rng);
            const int to = std::uniform_int_distribution<int>(0, nodes - 1)(rng);
            const uint64_t ts = std::uniform_int_distribution<uint64_t>(0, static_cast<uint64_t>(maxTime))(rng);
            const uint64_t te = ts + (std::uniform_int_distribution<int>(0, 2)(rng) == 0 ? std::uniform_int_distribution<uint64_t>(0, 3)(rng) : 0);
            const int kind = std::uniform_int_distribution<int>(0, 3)(rng);
            const EdgeType type = kind == 0 ? EdgeType::Open : kind == 1 ? EdgeType::Unlink : kind == 2 ? EdgeType::Write : EdgeType::Read;
            graph.push_back(edge(from, to, ts, te, type, i + 1, 1));
        }
        std::stable_sort(graph.begin(), graph.end(), [](const GraphEdge &a, const GraphEdge &b) { return a.tsNs < b.tsNs; });
        const CprResult reduced = reduceCausalityPreserving(nodes, graph, true);
        const QString diff = reachabilityDifference(nodes, flows(graph), flows(reduced.edges));
        if (!diff.isEmpty())
            QFAIL(qPrintable(QStringLiteral("graph %1: %2\nin:  %3\nout: %4").arg(g).arg(diff, describe(graph), describe(reduced.edges))));
        size_t ids = 0;
        for (const GraphEdge &e : reduced.edges)
            ids += e.eventIds.size();
        QCOMPARE(ids, graph.size());
        kept += reduced.edges.size();
        keptAll += reduceCausalityPreserving(nodes, graph).edges.size();
    }
    QVERIFY(kept < keptAll); // opens that block nothing let more merge
}

void TstCprReduction::oracleOnRandomGraphs()
{
    std::mt19937_64 rng(20161024);
    size_t totalIn = 0, totalOut = 0;
    // PROVSCOPE_CPR_GRAPHS runs more for a longer soak.
    const int graphs = qEnvironmentVariableIsSet("PROVSCOPE_CPR_GRAPHS") ? qEnvironmentVariableIntValue("PROVSCOPE_CPR_GRAPHS") : 3000;
    for (int g = 0; g < graphs; ++g) {
        const int nodes = std::uniform_int_distribution<int>(2, 8)(rng);
        const int count = std::uniform_int_distribution<int>(5, 40)(rng);
        const int maxTime = std::uniform_int_distribution<int>(2, 12)(rng); // few times: many ties
        const int types = std::uniform_int_distribution<int>(1, 2)(rng);
        std::vector<GraphEdge> in;
        int64_t nextId = 1;
        for (int i = 0; i < count; ++i) {
            const int from = std::uniform_int_distribution<int>(0, nodes - 1)(rng);
            int to = std::uniform_int_distribution<int>(0, nodes - 1)(rng);
            if (g % 2 == 0 && to == from) // half the graphs without self-loops
                to = (to + 1) % nodes;
            const uint64_t ts = std::uniform_int_distribution<uint64_t>(0, static_cast<uint64_t>(maxTime))(rng);
            const bool interval = std::uniform_int_distribution<int>(0, 2)(rng) == 0;
            const uint64_t te = interval ? ts + std::uniform_int_distribution<uint64_t>(0, 3)(rng) : ts;
            const EdgeType type = std::uniform_int_distribution<int>(0, types - 1)(rng) ? EdgeType::Write : EdgeType::Read;
            in.push_back(edge(from, to, ts, te, type, nextId++, static_cast<uint64_t>(i)));
        }
        if (g % 3 != 0) // most inputs in ts order, the rest as they came
            std::stable_sort(in.begin(), in.end(), [](const GraphEdge &a, const GraphEdge &b) { return a.tsNs < b.tsNs; });

        const CprResult r = reduceCausalityPreserving(nodes, in);
        totalIn += r.edgesIn;
        totalOut += r.edges.size();
        const QString diff = reachabilityDifference(nodes, in, r.edges);
        if (!diff.isEmpty())
            QFAIL(qPrintable(QStringLiteral("graph %1 (%2 nodes): %3\nin:  %4\nout: %5")
                                 .arg(g).arg(nodes).arg(diff, describe(in), describe(r.edges))));

        // Nothing is lost: every raw event once, counts and bytes add up.
        std::vector<int64_t> ids;
        uint64_t c = 0, b = 0, bIn = 0;
        for (const GraphEdge &e : r.edges) {
            ids.insert(ids.end(), e.eventIds.begin(), e.eventIds.end());
            c += e.count;
            b += e.bytes;
        }
        for (const GraphEdge &e : in)
            bIn += e.bytes;
        std::sort(ids.begin(), ids.end());
        QCOMPARE(ids.size(), in.size());
        for (size_t i = 0; i < ids.size(); ++i)
            QCOMPARE(ids[i], static_cast<int64_t>(i + 1));
        QCOMPARE(c, static_cast<uint64_t>(in.size()));
        QCOMPARE(b, bIn);
    }
    qInfo("oracle: %d random graphs, %zu edges in, %zu out, ratio %.2f", graphs, totalIn, totalOut,
          static_cast<double>(totalIn) / static_cast<double>(totalOut));
    QVERIFY(totalOut < totalIn); // the reduction does reduce
}

void TstCprReduction::timing1M()
{
    // Uniform: 1M edges among 2,000 nodes, 4 types. Bursty: 90% repeat one of the
    // last 16 (from, to, type), like a process reading a file in a loop.
    for (bool bursty : {false, true}) {
        std::mt19937_64 rng(bursty ? 2 : 1);
        const int nodes = 2000;
        std::uniform_int_distribution<int> pick(0, nodes - 1), type(0, 3), recent(0, 15), percent(0, 99);
        std::vector<GraphEdge> in;
        in.reserve(1'000'000);
        uint64_t t = 0;
        for (int i = 0; i < 1'000'000; ++i) {
            t += static_cast<uint64_t>(percent(rng) < 30 ? 0 : 1000);
            if (bursty && i >= 16 && percent(rng) < 90) {
                GraphEdge e = in[in.size() - 1 - static_cast<size_t>(recent(rng))];
                e.tsNs = e.teNs = t;
                e.eventIds.assign(1, i + 1);
                in.push_back(std::move(e));
            } else {
                in.push_back(edge(pick(rng), pick(rng), t, t, type(rng) ? EdgeType::Read : EdgeType::Write, i + 1, 64));
            }
        }
        QElapsedTimer timer;
        timer.start();
        const CprResult r = reduceCausalityPreserving(nodes, std::move(in));
        const qint64 ms = timer.elapsed();
        qInfo("%s: 1M edges -> %zu, ratio %.2f, %lld ms", bursty ? "bursty" : "uniform", r.edges.size(), r.ratio(),
              static_cast<long long>(ms));
        QCOMPARE(r.edgesIn, size_t(1'000'000));
    }
}

QTEST_GUILESS_MAIN(TstCprReduction)
#include "tst_cpr_reduction.moc"
