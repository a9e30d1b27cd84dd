// analyzeProvenance on real session files: the tracking cases of issue 5
// (a write between two reads, also by another process; a threshold that rises
// after a node was visited; equal timestamps; pid reuse; rename chains;
// cycles) through the session graph with and without CPR, and what the view
// graph carries (keys, the point of interest, event ids, limits, noise).
#include "provenance_analysis.h"
#include "session_graph.h"

#include "session_graph_script.h"

#include <QtTest>

#include <set>

using namespace provscope;
using namespace provscope::test;

namespace {

constexpr uint64_t B = kScriptBoot;

std::string proc(uint32_t pid, uint64_t start, int version = 0)
{
    return ProvenanceGraph::keyForProcessVersion(pid, start, version);
}

std::set<std::string> keys(const ProvenanceGraph &g)
{
    std::set<std::string> out;
    for (const GraphNode &n : g.nodes())
        out.insert(n.key);
    return out;
}

struct Built {
    std::shared_ptr<const SessionGraph> reduced, raw;
};

Built buildBoth(const std::string &path)
{
    Built b;
    for (bool reduce : {true, false}) {
        SessionGraphOptions options;
        options.reduce = reduce;
        auto g = SessionGraph::build(path, options);
        if (!g)
            qWarning("build failed: %s", g.error().c_str());
        else
            (reduce ? b.reduced : b.raw) = *g;
    }
    return b;
}

// The view's node keys for poi, the same with and without CPR (checked here).
std::set<std::string> track(const Built &b, const std::string &poi, TrackScope scope = TrackScope::Backward)
{
    AnalysisOptions options;
    options.scope = scope;
    options.limits = {-1, -1};
    auto parsed = PointOfInterest::parse(poi);
    if (!parsed || !b.reduced || !b.raw)
        return {"<error>"};
    auto reduced = analyzeProvenance(*b.reduced, *parsed, options);
    auto raw = analyzeProvenance(*b.raw, *parsed, options);
    if (!reduced || !raw)
        return {"<error: " + (reduced ? raw.error() : reduced.error()) + ">"};
    const auto k = keys(reduced->view);
    if (k != keys(raw->view))
        return {"<CPR changed the result>"};
    return k;
}

} // namespace

class TestProvenanceAnalysis : public QObject {
    Q_OBJECT
private slots:
    void writeBetweenTwoReads();
    void thresholdRisesAfterVisit();
    void equalTimestamps();
    void pidReuse();
    void renameChain();
    void cycles();
    void bothDirectionsAndTheView();
    void eventAndNetPoints();
    void limitsCut();
    void opensAreShownNotFollowed();
    void hideNoise();
    void parseScope();
};

void TestProvenanceAnalysis::writeBetweenTwoReads()
{
    QTemporaryDir dir;
    SessionScript s;
    s.event(1, B, "read", B + 100, "/f", 1);    // P1 reads f
    s.event(3, B, "read", B + 150, "/f", 1);    // P3 reads f (another process, before the write)
    s.event(3, B, "write", B + 160, "/g", 1);
    s.event(2, B, "write", B + 200, "/f", 1);   // P2 writes f
    s.event(1, B, "write", B + 250, "/out1", 1);
    s.event(1, B, "read", B + 300, "/f", 1);    // P1 reads f again
    s.event(4, B, "read", B + 350, "/f", 1);    // P4 reads f after the write
    s.event(4, B, "write", B + 360, "/h", 1);
    s.event(1, B, "write", B + 400, "/out2", 1);
    const Built b = buildBoth(s.write(dir));
    QCOMPARE(track(b, "file:/out1"), (std::set<std::string>{"file:/out1", proc(1, B), "file:/f"}));
    QCOMPARE(track(b, "file:/out2"), (std::set<std::string>{"file:/out2", proc(1, B), "file:/f", proc(2, B)}));
    QCOMPARE(track(b, "file:/g"), (std::set<std::string>{"file:/g", proc(3, B), "file:/f"}));
    QCOMPARE(track(b, "file:/h"), (std::set<std::string>{"file:/h", proc(4, B), "file:/f", proc(2, B)}));
    // Forward from P2: what read f after the write, and what they wrote afterwards.
    QCOMPARE(track(b, "proc:2", TrackScope::Forward),
             (std::set<std::string>{proc(2, B), "file:/f", proc(1, B), "file:/out2", proc(4, B), "file:/h"}));
}

void TestProvenanceAnalysis::thresholdRisesAfterVisit()
{
    QTemporaryDir dir;
    SessionScript s;
    s.event(5, B, "read", B + 100, "/n", 1);    // P reads n early: n first reached with threshold 100
    s.event(6, B, "write", B + 300, "/n", 1);   // M writes n at 300
    s.event(7, B, "read", B + 500, "/n", 1);    // Q reads n at 500 ...
    s.event(7, B, "write", B + 800, "/a", 1);   // ... and writes a
    s.event(5, B, "read", B + 900, "/a", 1);    // P reads a: n reached again, threshold 500
    s.event(5, B, "write", B + 1000, "/out", 1);
    const Built b = buildBoth(s.write(dir));
    const auto reached = track(b, "file:/out");
    QVERIFY2(reached.count(proc(6, B)), "the writer of n must be reached through the later threshold");
    QVERIFY(reached.count(proc(7, B)));
}

void TestProvenanceAnalysis::equalTimestamps()
{
    QTemporaryDir dir;
    SessionScript s;
    s.event(11, B, "write", B + 500, "/f", 1);  // same ts as the read below: included
    s.event(10, B, "read", B + 500, "/f", 1);
    s.event(10, B, "write", B + 500, "/out", 1);
    s.event(12, B, "write", B + 501, "/f", 1);  // one ns later: not an ancestor
    const Built b = buildBoth(s.write(dir));
    const auto reached = track(b, "file:/out");
    QVERIFY(reached.count(proc(11, B)));
    QVERIFY(!reached.count(proc(12, B)));
}

void TestProvenanceAnalysis::pidReuse()
{
    QTemporaryDir dir;
    SessionScript s;
    s.process(20, B, 1, 0, "old");
    s.process(20, B + 5000, 1, 0, "new");
    s.event(20, B, "read", B + 100, "/old-input", 1);
    s.event(20, B, "write", B + 200, "/shared", 1);
    s.event(20, B + 5000, "read", B + 5100, "/new-input", 1);
    s.event(20, B + 5000, "write", B + 5200, "/result", 1);
    const Built b = buildBoth(s.write(dir));
    QCOMPARE(track(b, "proc:20"), (std::set<std::string>{proc(20, B + 5000), "file:/new-input"}));
    QCOMPARE(track(b, "proc:20@" + std::to_string(B)), (std::set<std::string>{proc(20, B), "file:/old-input"}));
    QCOMPARE(track(b, "file:/result"), (std::set<std::string>{"file:/result", proc(20, B + 5000), "file:/new-input"}));
}

void TestProvenanceAnalysis::renameChain()
{
    QTemporaryDir dir;
    SessionScript s;
    s.event(30, B, "read", B + 50, "/secret", 1);
    s.event(30, B, "write", B + 100, "/tmp/a", 1);
    s.rename(31, B, B + 200, "/tmp/a", "/tmp/b");
    s.rename(31, B, B + 300, "/tmp/b", "/tmp/c");
    s.event(32, B, "read", B + 400, "/tmp/c", 1);
    s.event(32, B, "write", B + 410, "/exfil", 1);
    s.event(30, B, "write", B + 500, "/tmp/a", 1); // after the renames: a new /tmp/a
    const Built b = buildBoth(s.write(dir));
    const auto back = track(b, "file:/exfil");
    QVERIFY(back.count("file:/secret"));
    QVERIFY(back.count("file:/tmp/a"));
    QVERIFY(back.count("file:/tmp/b"));
    const auto forward = track(b, "file:/secret", TrackScope::Forward);
    QVERIFY(forward.count("file:/exfil"));
}

void TestProvenanceAnalysis::cycles()
{
    QTemporaryDir dir;
    SessionScript s;
    for (int i = 0; i < 20; ++i) {
        const uint64_t t = B + 100 + static_cast<uint64_t>(i) * 40;
        s.event(40, B, "read", t, "/ping", 1);
        s.event(40, B, "write", t + 10, "/pong", 1);
        s.event(41, B, "read", t + 20, "/pong", 1);
        s.event(41, B, "write", t + 30, "/ping", 1);
    }
    s.event(42, B, "write", B + 50, "/ping", 1);   // seeds the loop
    s.event(43, B, "write", B + 5000, "/ping", 1); // after everything
    s.event(40, B, "write", B + 2000, "/out", 1);
    const Built b = buildBoth(s.write(dir));
    const auto back = track(b, "file:/out");
    QCOMPARE(back, (std::set<std::string>{"file:/out", proc(40, B), "file:/ping", "file:/pong", proc(41, B), proc(42, B)}));
}

void TestProvenanceAnalysis::bothDirectionsAndTheView()
{
    QTemporaryDir dir;
    SessionScript s;
    s.process(50, B, 1, 0, "curl");
    s.socketEvent(50, B, "connect", B + 100, "127.0.0.1", 40000, "127.0.0.1", 8000);
    const int64_t recv = s.socketEvent(50, B, "recvfrom", B + 110, "127.0.0.1", 40000, "127.0.0.1", 8000, 100);
    s.last().bytes = 4096;
    const int64_t write = s.event(50, B, "write", B + 120, "/tmp/.x", 4096);
    s.last().bytes = 4096;
    s.event(51, B, "execve", B + 200, "/tmp/.x");
    s.event(51, B, "write", B + 300, "/home/u/.bashrc", 10);
    s.event(52, B, "read", B + 400, "/etc/hosts", 10); // unrelated
    const Built b = buildBoth(s.write(dir));
    QVERIFY(b.reduced);
    AnalysisOptions options;
    options.scope = TrackScope::Both;
    auto result = analyzeProvenance(*b.reduced, PointOfInterest::file("/tmp/.x"), options);
    QVERIFY2(result, result ? "" : result.error().c_str());
    const ProvenanceGraph &view = result->view;
    const auto k = keys(view);
    for (const char *want : {"file:/tmp/.x", "file:/home/u/.bashrc"})
        QVERIFY2(k.count(want), want);
    QVERIFY(k.count(proc(50, B)));
    QVERIFY(k.count(proc(51, B, 1)));
    QVERIFY(!k.count(proc(52, B)));
    QVERIFY(!k.count("file:/etc/hosts"));
    // The point of interest is marked and keys are the session graph's.
    QVERIFY(view.poi() >= 0);
    QCOMPARE(view.node(view.poi()).key, std::string("file:/tmp/.x"));
    QVERIFY(view.node(view.poi()).isPoi);
    QCOMPARE(result->sessionNode.size(), size_t(view.nodeCount()));
    for (int i = 0; i < view.nodeCount(); ++i)
        QCOMPARE(b.reduced->graph().node(result->sessionNode[static_cast<size_t>(i)]).key, view.node(i).key);
    QCOMPARE(view.bootToEpochNs(), b.reduced->graph().bootToEpochNs());
    // Event ids are filled in the view; bytes as recorded.
    bool sawWrite = false, sawRecv = false;
    for (const GraphEdge &e : view.edges()) {
        sawWrite = sawWrite || e.eventIds == std::vector<int64_t>{write};
        sawRecv = sawRecv || (e.eventIds == std::vector<int64_t>{recv} && e.bytes == 4096);
    }
    QVERIFY(sawWrite);
    QVERIFY(sawRecv);
    // Without hideNoise the unfiltered graph is the view.
    QCOMPARE(keys(result->unfiltered), k);
    QCOMPARE(result->unfiltered.edgeCount(), view.edgeCount());
    QVERIFY(!result->cut);
    QVERIFY(result->trackSeconds >= 0);
}

void TestProvenanceAnalysis::eventAndNetPoints()
{
    QTemporaryDir dir;
    SessionScript s;
    s.event(60, B, "read", B + 100, "/home/u/.ssh/id_rsa", 100);
    s.event(60, B, "read", B + 150, "/etc/motd", 100);
    const int64_t send = s.socketEvent(60, B, "sendto", B + 200, "127.0.0.1", 40000, "127.0.0.3", 4444, 100);
    s.event(60, B, "read", B + 300, "/late", 100); // after the send: not its ancestor
    s.socketEvent(60, B, "sendto", B + 400, "127.0.0.1", 40000, "127.0.0.3", 4444, 100);
    const Built b = buildBoth(s.write(dir));
    const auto fromEvent = track(b, "event:" + std::to_string(send));
    QVERIFY(fromEvent.count("file:/home/u/.ssh/id_rsa"));
    QVERIFY(!fromEvent.count("file:/late"));
    const auto fromNet = track(b, "net:127.0.0.3:4444");
    QVERIFY(fromNet.count("file:/home/u/.ssh/id_rsa"));
    QVERIFY(fromNet.count("file:/late")); // the second send carries it
    // An event merged by CPR into one edge with a later one keeps its own time.
    QTemporaryDir dir2;
    SessionScript m;
    const int64_t first = m.socketEvent(61, B, "sendto", B + 200, "127.0.0.1", 40001, "127.0.0.3", 4444, 100);
    m.event(61, B, "read", B + 400, "/late", 100); // same ts as the second send: does not block the merge
    m.socketEvent(61, B, "sendto", B + 400, "127.0.0.1", 40001, "127.0.0.3", 4444, 100);
    const Built merged = buildBoth(m.write(dir2));
    QVERIFY(merged.reduced);
    QCOMPARE(merged.reduced->graph().edgeCount() + 1, merged.raw->graph().edgeCount());
    QCOMPARE(track(merged, "event:" + std::to_string(first)), (std::set<std::string>{proc(61, B), "sock:127.0.0.1:40001->127.0.0.3:4444"}));
    QVERIFY(track(merged, "net:127.0.0.3:4444").count("file:/late"));

    auto missing = analyzeProvenance(*b.reduced, *PointOfInterest::parse("net:127.0.0.9"));
    QVERIFY(!missing);
    QVERIFY2(QString::fromStdString(missing.error()).contains("127.0.0.9"), missing.error().c_str());
}

void TestProvenanceAnalysis::limitsCut()
{
    QTemporaryDir dir;
    SessionScript s;
    // A chain of 6 processes passing data through files.
    for (uint32_t i = 0; i < 6; ++i) {
        s.event(70 + i, B, "read", B + 100 * i + 10, "/c" + std::to_string(i), 1);
        s.event(70 + i, B, "write", B + 100 * i + 20, "/c" + std::to_string(i + 1), 1);
    }
    const Built b = buildBoth(s.write(dir));
    AnalysisOptions options;
    options.limits = {2, -1};
    auto shallow = analyzeProvenance(*b.reduced, PointOfInterest::file("/c6"), options);
    QVERIFY(shallow);
    QCOMPARE(shallow->view.nodeCount(), 3); // /c6, P75, /c5
    QVERIFY(shallow->cut);
    QVERIFY(shallow->omittedNodes >= 1);
    options.limits = {-1, 4};
    auto capped = analyzeProvenance(*b.reduced, PointOfInterest::file("/c6"), options);
    QVERIFY(capped);
    QCOMPARE(capped->view.nodeCount(), 4);
    QVERIFY(capped->cut);
    options.limits = {-1, -1};
    auto all = analyzeProvenance(*b.reduced, PointOfInterest::file("/c6"), options);
    QVERIFY(all);
    QCOMPARE(all->view.nodeCount(), 13);
    QVERIFY(!all->cut);
}

void TestProvenanceAnalysis::opensAreShownNotFollowed()
{
    QTemporaryDir dir;
    SessionScript s;
    s.event(90, B, "openat", B + 90, "/data", 3);
    s.event(90, B, "read", B + 100, "/data", 10);
    s.event(90, B, "write", B + 500, "/out", 10);
    const int64_t open = s.event(91, B, "openat", B + 600, "/out", 3); // opened, never read or written
    s.event(91, B, "read", B + 700, "/etc/other", 3);
    s.event(91, B, "write", B + 800, "/elsewhere", 3);
    s.event(92, B, "unlink", B + 900, "/data");
    const Built b = buildBoth(s.write(dir));
    // An open moves no data: not an ancestor of /out, and /out flows nowhere through it.
    QCOMPARE(track(b, "file:/out"), (std::set<std::string>{"file:/out", proc(90, B), "file:/data"}));
    QCOMPARE(track(b, "file:/out", TrackScope::Forward), (std::set<std::string>{"file:/out"}));
    QCOMPARE(track(b, "file:/data", TrackScope::Backward), (std::set<std::string>{"file:/data"}));
    // The view shows the open between tracked nodes, dashed (not a flow).
    auto result = analyzeProvenance(*b.reduced, PointOfInterest::file("/out"));
    QVERIFY(result);
    int opens = 0;
    for (const GraphEdge &e : result->view.edges())
        if (e.type == EdgeType::Open) {
            ++opens;
            QCOMPARE(result->view.node(e.from).key, proc(90, B));
            QCOMPARE(result->view.node(e.to).key, std::string("file:/data"));
            QCOMPARE(e.eventIds, std::vector<int64_t>{1});
        }
    QCOMPARE(opens, 1);
    // An open as the point of interest: its process as of that moment.
    const auto fromOpen = track(b, "event:" + std::to_string(open));
    QCOMPARE(fromOpen, (std::set<std::string>{proc(91, B)}));
    const auto afterOpen = track(b, "event:" + std::to_string(open), TrackScope::Forward);
    QCOMPARE(afterOpen, (std::set<std::string>{proc(91, B), "file:/elsewhere"}));
}

void TestProvenanceAnalysis::hideNoise()
{
    QTemporaryDir dir;
    SessionScript s;
    s.event(80, B, "read", B + 10, "/usr/lib/x86_64-linux-gnu/libc.so.6", 1);
    s.event(80, B, "read", B + 20, "/etc/ld.so.cache", 1);
    s.event(80, B, "read", B + 30, "/home/u/.ssh/id_rsa", 1);
    s.event(80, B, "write", B + 40, "/tmp/out", 1);
    const Built b = buildBoth(s.write(dir));
    AnalysisOptions options;
    options.hideNoise = true;
    auto result = analyzeProvenance(*b.reduced, PointOfInterest::file("/tmp/out"), options);
    QVERIFY(result);
    const auto shown = keys(result->view), all = keys(result->unfiltered);
    QVERIFY(all.count("file:/usr/lib/x86_64-linux-gnu/libc.so.6"));
    QVERIFY(!shown.count("file:/usr/lib/x86_64-linux-gnu/libc.so.6"));
    QVERIFY(!shown.count("file:/etc/ld.so.cache"));
    QVERIFY(shown.count("file:/home/u/.ssh/id_rsa"));
    QVERIFY(shown.count("file:/tmp/out"));
    QCOMPARE(result->view.node(result->view.poi()).key, std::string("file:/tmp/out"));
    QVERIFY(!result->noise.filters.empty());
    QCOMPARE(result->sessionNode.size(), size_t(result->view.nodeCount()));
    for (int i = 0; i < result->view.nodeCount(); ++i) {
        const int sn = result->sessionNode[static_cast<size_t>(i)];
        if (sn >= 0)
            QCOMPARE(b.reduced->graph().node(sn).key, result->view.node(i).key);
    }
}

void TestProvenanceAnalysis::parseScope()
{
    QCOMPARE(*parseTrackScope("backward"), TrackScope::Backward);
    QCOMPARE(*parseTrackScope("forward"), TrackScope::Forward);
    QCOMPARE(*parseTrackScope("both"), TrackScope::Both);
    auto bad = parseTrackScope("sideways");
    QVERIFY(!bad);
    QVERIFY(QString::fromStdString(bad.error()).contains("backward, forward or both"));
}

QTEST_GUILESS_MAIN(TestProvenanceAnalysis)
#include "tst_provenance_analysis.moc"
