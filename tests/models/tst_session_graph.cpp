// The whole-session graph read from real session files (SessionWriter): exec
// versions, pid reuse, rename chains (by path and by file identity), both ends
// of a loopback connection as one node, forks from the process table, event
// ids on edges, and CPR on or off giving the same reachability.
#include "session_graph.h"

#include "session_graph_script.h"
#include "sqlite_database.h"

#include <sqlite3.h>

#include <QtTest>

#include <atomic>
#include <random>
#include <set>

using namespace provscope;
using namespace provscope::test;

namespace {

constexpr uint64_t B = kScriptBoot;

std::shared_ptr<const SessionGraph> buildOrFail(const std::string &path, bool reduce = true)
{
    SessionGraphOptions options;
    options.reduce = reduce;
    auto built = SessionGraph::build(path, options);
    if (!built) {
        qWarning("build failed: %s", built.error().c_str());
        return nullptr;
    }
    return *built;
}

int node(const SessionGraph &s, const std::string &key)
{
    return s.graph().findNode(key);
}

// Edges of this type from -> to (by node key), in edge order.
std::vector<int> edgesBetween(const SessionGraph &s, const std::string &from, const std::string &to, EdgeType type)
{
    std::vector<int> found;
    const int f = node(s, from), t = node(s, to);
    if (f < 0 || t < 0)
        return found;
    for (int e : s.graph().outEdges(f))
        if (s.graph().edge(e).to == t && s.graph().edge(e).type == type)
            found.push_back(e);
    return found;
}

std::set<std::string> reachedKeys(const SessionGraph &s, int from, TrackDirection direction)
{
    std::set<std::string> keys;
    for (const TrackedNode &n : s.tracker().track(TrackPoi::ofNode(from), direction).nodes)
        keys.insert(s.graph().node(n.node).key);
    return keys;
}

std::string proc(uint32_t pid, uint64_t start, int version = 0)
{
    return ProvenanceGraph::keyForProcessVersion(pid, start, version);
}

} // namespace

class TestSessionGraph : public QObject {
    Q_OBJECT
private slots:
    void execStartsVersions();
    void pidReuseIsTwoProcesses();
    void renameChainByPath();
    void copiesCarryData();
    void renameKeepsOneNodeWithIdentity();
    void reusedInodeIsAnotherFile();
    void loopbackEndsAreOneNode();
    void forksFromProcessTable();
    void eventIdsAndEdgeOfEvent();
    void resolveFindsPointsOfInterest();
    void reduceKeepsReachability();
    void cancelAndProgress();
    void badFileFails();
    void fromHandBuiltGraph();
    void withoutIdentitiesFilesArePaths();
    void sessionWithoutEvents();
    void damagedIdsAreRefused_data();
    void damagedIdsAreRefused();
};

void TestSessionGraph::execStartsVersions()
{
    QTemporaryDir dir;
    SessionScript s;
    s.process(10, B, 1, 0, "tool", "/usr/bin/tool");
    s.event(10, B, "read", B + 100, "/etc/conf", 10);
    const int64_t exec1 = s.event(10, B, "execve", B + 200, "/usr/bin/tool");
    s.event(10, B, "write", B + 300, "/tmp/out", 5);
    s.event(10, B, "execve", B + 350, "/usr/bin/missing", -2); // failed: no new version
    // A coalesced read that began before the first exec, emitted after it.
    s.event(10, B, "read", B + 150, "/etc/early", 1, B + 190);
    s.event(10, B, "execve", B + 400, "/bin/sh");
    s.event(10, B, "write", B + 500, "/tmp/out2", 1);
    auto g = buildOrFail(s.write(dir));
    QVERIFY(g);

    const int v0 = node(*g, proc(10, B, 0)), v1 = node(*g, proc(10, B, 1)), v2 = node(*g, proc(10, B, 2));
    QVERIFY(v0 >= 0 && v1 >= 0 && v2 >= 0);
    QCOMPARE(node(*g, proc(10, B, 3)), -1);
    QCOMPARE(g->graph().node(v1).version, 1);
    QCOMPARE(g->graph().node(v2).version, 2);
    QCOMPARE(g->graph().node(v1).exe, std::string("/usr/bin/tool"));
    QCOMPARE(g->graph().node(v1).comm, std::string("tool"));
    QCOMPARE(g->graph().node(v2).comm, std::string("tool")); // the last version: as the process table says

    QCOMPARE(edgesBetween(*g, proc(10, B, 0), proc(10, B, 1), EdgeType::Version).size(), size_t(1));
    QCOMPARE(edgesBetween(*g, proc(10, B, 1), proc(10, B, 2), EdgeType::Version).size(), size_t(1));
    const auto exec = edgesBetween(*g, "file:/usr/bin/tool", proc(10, B, 1), EdgeType::Exec);
    QCOMPARE(exec.size(), size_t(1));
    QCOMPARE(g->graph().edge(exec[0]).tsNs, B + 200);
    QCOMPARE(g->edgeOfEvent(exec1), exec[0]);
    // Each flow lands on the version current at its ts.
    QCOMPARE(edgesBetween(*g, "file:/etc/conf", proc(10, B, 0), EdgeType::Read).size(), size_t(1));
    QCOMPARE(edgesBetween(*g, "file:/etc/early", proc(10, B, 0), EdgeType::Read).size(), size_t(1));
    QCOMPARE(edgesBetween(*g, proc(10, B, 1), "file:/tmp/out", EdgeType::Write).size(), size_t(1));
    QCOMPARE(edgesBetween(*g, proc(10, B, 2), "file:/tmp/out2", EdgeType::Write).size(), size_t(1));
    QCOMPARE(node(*g, "file:/usr/bin/missing"), -1);

    // Backward from the last write reaches the first image's read through the Version edges.
    const auto back = reachedKeys(*g, node(*g, "file:/tmp/out2"), TrackDirection::Backward);
    QVERIFY(back.count("file:/etc/conf"));
    QVERIFY(back.count("file:/usr/bin/tool"));
    // But /tmp/out (written by version 1) is not an ancestor of /tmp/out2.
    QVERIFY(!back.count("file:/tmp/out"));
}

void TestSessionGraph::pidReuseIsTwoProcesses()
{
    QTemporaryDir dir;
    SessionScript s;
    s.process(200, B + 10, 1, 0, "first");
    s.process(200, B + 9000, 1, 0, "second");
    s.event(200, B + 10, "write", B + 100, "/tmp/secret", 1);
    s.event(200, B + 9000, "read", B + 9100, "/tmp/other", 1);
    s.event(200, B + 9000, "write", B + 9200, "/tmp/result", 1);
    auto g = buildOrFail(s.write(dir));
    QVERIFY(g);
    QVERIFY(node(*g, proc(200, B + 10)) >= 0);
    QVERIFY(node(*g, proc(200, B + 9000)) >= 0);
    QVERIFY(node(*g, proc(200, B + 10)) != node(*g, proc(200, B + 9000)));
    const auto back = reachedKeys(*g, node(*g, "file:/tmp/result"), TrackDirection::Backward);
    QVERIFY(back.count("file:/tmp/other"));
    QVERIFY(!back.count(proc(200, B + 10)));
    QVERIFY(!back.count("file:/tmp/secret"));
}

void TestSessionGraph::renameChainByPath()
{
    QTemporaryDir dir;
    SessionScript s;
    s.event(30, B, "write", B + 100, "/tmp/a", 1);
    s.rename(30, B, B + 200, "/tmp/a", "/tmp/b");
    s.rename(31, B + 1, B + 300, "/tmp/b", "/tmp/c");
    s.event(32, B + 2, "read", B + 400, "/tmp/c", 1);
    s.event(33, B + 3, "write", B + 450, "/tmp/b", 1); // a new /tmp/b, after the rename: not the reader's
    auto g = buildOrFail(s.write(dir));
    QVERIFY(g);
    QCOMPARE(edgesBetween(*g, "file:/tmp/a", "file:/tmp/b", EdgeType::Rename).size(), size_t(1));
    QCOMPARE(edgesBetween(*g, "file:/tmp/b", "file:/tmp/c", EdgeType::Rename).size(), size_t(1));
    const auto back = reachedKeys(*g, node(*g, proc(32, B + 2)), TrackDirection::Backward);
    QVERIFY(back.count(proc(30, B)));
    QVERIFY(!back.count(proc(33, B + 3)));
    const auto forward = reachedKeys(*g, node(*g, proc(30, B)), TrackDirection::Forward);
    QVERIFY(forward.count(proc(32, B + 2)));
}

// cp (copy_file_range), sendfile and splice move data from the first file
// through the process into the second file or the socket: curl's download
// copied elsewhere and run is still traced back to curl.
void TestSessionGraph::copiesCarryData()
{
    QTemporaryDir dir;
    SessionScript s;
    s.socketEvent(40, B, "connect", B + 50, "127.0.0.1", 40000, "127.0.0.1", 8000);
    s.socketEvent(40, B, "recvfrom", B + 60, "127.0.0.1", 40000, "127.0.0.1", 8000, 100);
    s.event(40, B, "write", B + 100, "/tmp/a", 100);
    s.event(41, B + 1, "copy_file_range", B + 200, "/tmp/a", 100);
    s.last().path2 = "/tmp/b";
    s.event(42, B + 2, "read", B + 300, "/tmp/b", 100);
    s.event(43, B + 3, "sendfile", B + 400, "/tmp/b", 100);
    s.last().laddr = "127.0.0.1";
    s.last().lport = 41000;
    s.last().raddr = "127.0.0.3";
    s.last().rport = 4444;
    auto g = buildOrFail(s.write(dir));
    QVERIFY(g);
    QCOMPARE(edgesBetween(*g, "file:/tmp/a", proc(41, B + 1), EdgeType::Read).size(), size_t(1));
    QCOMPARE(edgesBetween(*g, proc(41, B + 1), "file:/tmp/b", EdgeType::Write).size(), size_t(1));
    const auto back = reachedKeys(*g, node(*g, proc(42, B + 2)), TrackDirection::Backward);
    QVERIFY(back.count(proc(40, B)));
    const auto forward = reachedKeys(*g, node(*g, "file:/tmp/a"), TrackDirection::Forward);
    QVERIFY(forward.count(proc(43, B + 3)));
    QVERIFY(std::any_of(forward.begin(), forward.end(), [](const std::string &key) {
        return key.rfind("sock:", 0) == 0 && key.find("127.0.0.3:4444") != std::string::npos;
    }));
}

void TestSessionGraph::renameKeepsOneNodeWithIdentity()
{
    QTemporaryDir dir;
    SessionScript s;
    s.event(30, B, "write", B + 100, "/tmp/a", 1);
    s.last().dev = 64;
    s.last().ino = 1234;
    s.rename(30, B, B + 200, "/tmp/a", "/tmp/b");
    s.event(32, B + 2, "read", B + 400, "/tmp/b", 1);
    s.last().dev = 64;
    s.last().ino = 1234;
    // Another file later at /tmp/a: a different identity, a different node.
    s.event(33, B + 3, "write", B + 500, "/tmp/a", 1);
    s.last().dev = 64;
    s.last().ino = 999;
    auto g = buildOrFail(s.write(dir));
    QVERIFY(g);
    // The writer records identities (format 1.2): a session without them is a regression.
    const int file = node(*g, ProvenanceGraph::keyForFileIdentity(64, 1234));
    QVERIFY2(file >= 0, "the session has no file identities (file_ids)");
    const GraphNode &n = g->graph().node(file);
    QCOMPARE(n.paths, (std::vector<std::string>{"/tmp/a", "/tmp/b"}));
    QCOMPARE(n.dev, uint64_t(64));
    QCOMPARE(n.ino, uint64_t(1234));
    QVERIFY(node(*g, ProvenanceGraph::keyForFileIdentity(64, 999)) >= 0);
    QCOMPARE(node(*g, "file:/tmp/b"), -1); // no separate node by name
    const auto back = reachedKeys(*g, node(*g, proc(32, B + 2)), TrackDirection::Backward);
    QVERIFY(back.count(proc(30, B)));
    QVERIFY(!back.count(proc(33, B + 3)));
    // file:PATH finds the node by any of its names.
    auto byNewName = g->resolve(PointOfInterest::file("/tmp/b"));
    QVERIFY(byNewName);
    QCOMPARE(byNewName->size(), size_t(1));
    QCOMPARE(byNewName->front().node, file);
}

void TestSessionGraph::reusedInodeIsAnotherFile()
{
    QTemporaryDir dir;
    SessionScript s;
    auto on = [&](uint64_t dev, uint64_t ino) {
        s.last().dev = dev;
        s.last().ino = ino;
    };
    s.event(1, B, "write", B + 100, "/tmp/a", 1);
    on(64, 500);
    s.event(1, B, "unlink", B + 110, "/tmp/a");
    s.event(2, B, "write", B + 200, "/tmp/b", 1); // another file, the freed inode number
    on(64, 500);
    s.event(3, B, "read", B + 300, "/tmp/b", 1);
    on(64, 500);
    s.event(4, B, "write", B + 400, "/tmp/c", 1);
    on(64, 600);
    s.event(4, B, "unlink", B + 410, "/tmp/c");
    s.event(5, B, "write", B + 500, "/tmp/c", 1); // the same path and inode number again: a new file
    on(64, 600);
    s.event(6, B, "read", B + 600, "/tmp/c", 1);
    on(64, 600);
    auto g = buildOrFail(s.write(dir));
    QVERIFY(g);
    QVERIFY2(node(*g, ProvenanceGraph::keyForFileIdentity(64, 500)) >= 0, "the session has no file identities (file_ids)");
    QVERIFY(node(*g, ProvenanceGraph::keyForFileIdentity(64, 500) + "/2") >= 0);
    QVERIFY(node(*g, ProvenanceGraph::keyForFileIdentity(64, 600) + "/2") >= 0);
    const auto fromB = reachedKeys(*g, node(*g, proc(3, B)), TrackDirection::Backward);
    QVERIFY(fromB.count(proc(2, B)));
    QVERIFY(!fromB.count(proc(1, B)));
    const auto fromC = reachedKeys(*g, node(*g, proc(6, B)), TrackDirection::Backward);
    QVERIFY(fromC.count(proc(5, B)));
    QVERIFY(!fromC.count(proc(4, B)));
    // The unlink is on the old file.
    const int oldC = node(*g, ProvenanceGraph::keyForFileIdentity(64, 600));
    QCOMPARE(edgesBetween(*g, proc(4, B), ProvenanceGraph::keyForFileIdentity(64, 600), EdgeType::Unlink).size(), size_t(1));
    QCOMPARE(g->graph().node(oldC).paths, std::vector<std::string>{"/tmp/c"});
}

void TestSessionGraph::loopbackEndsAreOneNode()
{
    QTemporaryDir dir;
    SessionScript s;
    s.process(40, B, 1, 0, "client");
    s.process(41, B, 1, 0, "server");
    s.event(40, B, "read", B + 50, "/home/u/.ssh/id_rsa", 100);
    s.socketEvent(40, B, "connect", B + 100, "127.0.0.1", 40000, "127.0.0.1", 8080);
    s.socketEvent(41, B, "accept4", B + 110, "127.0.0.1", 8080, "127.0.0.1", 40000, 5);
    s.socketEvent(40, B, "sendto", B + 120, "127.0.0.1", 40000, "127.0.0.1", 8080, 100);
    s.socketEvent(41, B, "recvfrom", B + 130, "127.0.0.1", 8080, "127.0.0.1", 40000, 100);
    s.socketEvent(41, B, "write", B + 140, "127.0.0.1", 8080, "127.0.0.1", 40000, 3); // write on a socket: send
    // A listening UDP socket (no remote end) is a node of its own.
    s.socketEvent(41, B, "recvfrom", B + 150, "0.0.0.0", 53, "", 0, 10);
    auto g = buildOrFail(s.write(dir));
    QVERIFY(g);
    int sockets = 0, joined = -1, listening = -1;
    for (int i = 0; i < g->graph().nodeCount(); ++i) {
        const GraphNode &n = g->graph().node(i);
        if (n.kind != NodeKind::Socket)
            continue;
        ++sockets;
        (n.raddr.empty() ? listening : joined) = i;
    }
    QCOMPARE(sockets, 2);
    QVERIFY(joined >= 0 && listening >= 0);
    // Oriented with the server as the remote end.
    QCOMPARE(g->graph().node(joined).rport, uint16_t(8080));
    QCOMPARE(g->graph().node(joined).label, std::string("127.0.0.1:8080"));
    QCOMPARE(g->graph().node(listening).lport, uint16_t(53));
    const auto back = reachedKeys(*g, node(*g, proc(41, B)), TrackDirection::Backward);
    QVERIFY(back.count("file:/home/u/.ssh/id_rsa"));
    QVERIFY(back.count(proc(40, B)));
    int sendsOut = 0;
    for (int e : g->graph().outEdges(node(*g, proc(41, B))))
        sendsOut += g->graph().edge(e).type == EdgeType::Send;
    QCOMPARE(sendsOut, 1);
}

void TestSessionGraph::forksFromProcessTable()
{
    QTemporaryDir dir;
    SessionScript s;
    s.process(100, B, 1, 0, "sh");
    s.process(100, B + 5000, 1, 0, "sh2"); // pid 100 reused later
    s.process(200, B + 300, 100, B, "child");          // parent start known
    s.process(201, B + 6000, 100, 0, "orphan-start");  // parent start unknown: the latest 100 before it
    s.event(100, B, "execve", B + 100, "/bin/sh");
    const int64_t clone = s.event(100, B, "clone", B + 290, {}, 200);
    s.event(200, B + 300, "write", B + 400, "/tmp/c", 1);
    s.event(100, B + 5000, "read", B + 5500, "/tmp/x", 1);
    auto g = buildOrFail(s.write(dir));
    QVERIFY(g);
    // The parent had exec'd before the child started: the fork leaves version 1.
    const auto fork = edgesBetween(*g, proc(100, B, 1), proc(200, B + 300), EdgeType::Fork);
    QCOMPARE(fork.size(), size_t(1));
    QCOMPARE(g->graph().edge(fork[0]).tsNs, B + 300);
    QCOMPARE(g->eventIdsOf(fork[0]), std::vector<int64_t>{clone});
    QCOMPARE(g->edgeOfEvent(clone), fork[0]);
    QCOMPARE(edgesBetween(*g, proc(100, B + 5000), proc(201, B + 6000), EdgeType::Fork).size(), size_t(1));
    QCOMPARE(edgesBetween(*g, proc(100, B), proc(201, B + 6000), EdgeType::Fork).size(), size_t(0));
    const auto forward = reachedKeys(*g, node(*g, "file:/bin/sh"), TrackDirection::Forward);
    QVERIFY(forward.count("file:/tmp/c"));
}

void TestSessionGraph::eventIdsAndEdgeOfEvent()
{
    QTemporaryDir dir;
    SessionScript s;
    std::vector<int64_t> reads;
    for (int i = 0; i < 5; ++i)
        reads.push_back(s.event(50, B, "read", B + 100 + i, "/data", 10));
    const int64_t close = s.event(50, B, "close", B + 200);
    const int64_t failed = s.event(50, B, "openat", B + 210, "/nope", -2);
    const int64_t write = s.event(50, B, "write", B + 300, "/out", 7);
    for (bool reduce : {true, false}) {
        auto g = buildOrFail(s.write(dir, reduce ? "r.provscope" : "n.provscope"), reduce);
        QVERIFY(g);
        QCOMPARE(g->edgeOfEvent(close), -1);
        QCOMPARE(g->edgeOfEvent(failed), -1);
        QCOMPARE(g->edgeOfEvent(999), -1);
        const int w = g->edgeOfEvent(write);
        QVERIFY(w >= 0);
        QCOMPARE(g->eventIdsOf(w), std::vector<int64_t>{write});
        QCOMPARE(g->graph().edge(w).bytes, uint64_t(0)); // bytes come from the bytes column, not ret
        std::set<int> readEdges;
        for (int64_t id : reads)
            readEdges.insert(g->edgeOfEvent(id));
        QCOMPARE(readEdges.size(), reduce ? size_t(1) : size_t(5)); // nothing between the reads: CPR merges
        const int r = *readEdges.begin();
        if (reduce) {
            QCOMPARE(g->eventIdsOf(r), reads);
            QCOMPARE(g->graph().edge(r).count, uint64_t(5));
            QCOMPARE(g->graph().edge(r).tsNs, B + 100);
            QCOMPARE(g->graph().edge(r).teNs, B + 104);
        }
        QCOMPARE(g->stats().eventsRead, int64_t(8));
        QCOMPARE(g->stats().rawEdges, size_t(6));
        QCOMPARE(g->stats().edges, reduce ? size_t(2) : size_t(6));
        QVERIFY(g->graph().edge(w).eventIds.empty()); // the session graph keeps ids in eventIdsOf()
        QCOMPARE(g->edgeWithEvents(w).eventIds, std::vector<int64_t>{write});
        QCOMPARE(g->edgeWithEvents(w).to, g->graph().edge(w).to);
    }
}

void TestSessionGraph::resolveFindsPointsOfInterest()
{
    QTemporaryDir dir;
    SessionScript s;
    s.process(60, B, 1, 0, "a");
    s.process(60, B + 1000, 1, 0, "b");
    s.event(60, B, "execve", B + 10, "/bin/a");
    s.event(60, B + 1000, "write", B + 1100, "/tmp/f", 1);
    s.socketEvent(60, B + 1000, "connect", B + 1200, "10.0.0.2", 50000, "93.184.216.34", 443);
    s.socketEvent(60, B + 1000, "connect", B + 1300, "::1", 50001, "::1", 8443);
    const int64_t w = s.event(60, B + 1000, "write", B + 1400, "/tmp/g", 1);
    auto g = buildOrFail(s.write(dir));
    QVERIFY(g);

    auto latest = g->resolve(PointOfInterest::processLatest(60));
    QVERIFY(latest);
    QCOMPARE(latest->size(), size_t(1));
    QCOMPARE(g->graph().node(latest->front().node).startNs, B + 1000);
    auto first = g->resolve(PointOfInterest::process(60, B));
    QVERIFY(first);
    QCOMPARE(first->size(), size_t(2)); // both versions
    QVERIFY(!g->resolve(PointOfInterest::process(60, B + 1)));
    QVERIFY(QString::fromStdString(g->resolve(PointOfInterest::processLatest(61)).error()).contains("no process with pid 61"));

    QVERIFY(g->resolve(PointOfInterest::file("/tmp/f")));
    QVERIFY(QString::fromStdString(g->resolve(PointOfInterest::file("/tmp/none")).error()).contains("/tmp/none"));

    auto remote = g->resolve(*PointOfInterest::parse("net:93.184.216.34:443"));
    QVERIFY(remote);
    QCOMPARE(remote->size(), size_t(1));
    QVERIFY(g->resolve(*PointOfInterest::parse("net:93.184.216.34")));
    QVERIFY(!g->resolve(*PointOfInterest::parse("net:93.184.216.34:80")));
    QVERIFY(!g->resolve(*PointOfInterest::parse("net:10.0.0.2"))); // our own end of an outbound connection
    QVERIFY(g->resolve(*PointOfInterest::parse("net:[::1]:8443")));
    auto missing = g->resolve(*PointOfInterest::parse("net:1.2.3.4:5"));
    QVERIFY(!missing);
    QVERIFY2(QString::fromStdString(missing.error()).contains("1.2.3.4:5"), missing.error().c_str());

    auto event = g->resolve(PointOfInterest::event(w));
    QVERIFY(event);
    QCOMPARE(event->front().edge, g->edgeOfEvent(w));
    QVERIFY(!g->resolve(PointOfInterest::event(12345)));
}

void TestSessionGraph::reduceKeepsReachability()
{
    // Random reads and writes among a few processes and files, some coalesced.
    QTemporaryDir dir;
    SessionScript s;
    std::mt19937 rng(7);
    const char *files[] = {"/f0", "/f1", "/f2", "/f3", "/f4"};
    for (int i = 0; i < 400; ++i) {
        const uint32_t pid = 70 + rng() % 4;
        const uint64_t ts = B + 1000 + static_cast<uint64_t>(i) * 10 - (rng() % 3 == 0 ? rng() % 40 : 0);
        const uint64_t last = rng() % 5 == 0 ? ts + rng() % 60 : 0;
        s.event(pid, B, rng() % 2 ? "read" : "write", ts, files[rng() % 5], 1, last);
    }
    const std::string path = s.write(dir);
    auto reduced = buildOrFail(path, true);
    auto raw = buildOrFail(path, false);
    QVERIFY(reduced && raw);
    QVERIFY(reduced->reduced() && !raw->reduced());
    QCOMPARE(reduced->stats().rawEdges, raw->stats().rawEdges);
    QVERIFY(reduced->stats().edges < raw->stats().edges);
    QVERIFY(reduced->stats().reductionRatio() > 1.0);
    QCOMPARE(reduced->graph().nodeCount(), raw->graph().nodeCount());
    for (int n = 0; n < raw->graph().nodeCount(); ++n) {
        const std::string &key = raw->graph().node(n).key;
        const int m = reduced->graph().findNode(key);
        QVERIFY(m >= 0);
        for (TrackDirection d : {TrackDirection::Backward, TrackDirection::Forward})
            QCOMPARE(reachedKeys(*reduced, m, d), reachedKeys(*raw, n, d));
    }
    // Every event's edge in the reduced graph covers the event.
    for (int e = 0; e < raw->graph().edgeCount(); ++e)
        for (int64_t id : raw->eventIdsOf(e)) {
            const int r = reduced->edgeOfEvent(id);
            QVERIFY(r >= 0);
            QVERIFY(reduced->graph().edge(r).tsNs <= raw->graph().edge(e).tsNs);
            QVERIFY(reduced->graph().edge(r).teNs >= raw->graph().edge(e).teNs);
        }
}

void TestSessionGraph::cancelAndProgress()
{
    QTemporaryDir dir;
    SessionScript s;
    for (int i = 0; i < 100; ++i)
        s.event(80, B, "read", B + static_cast<uint64_t>(i), "/f", 1);
    const std::string path = s.write(dir);
    std::vector<int> seen;
    SessionGraphOptions options;
    options.progress = [&](int percent) { seen.push_back(percent); };
    QVERIFY(SessionGraph::build(path, options));
    QVERIFY(!seen.empty());
    QCOMPARE(seen.back(), 100);
    QVERIFY(std::is_sorted(seen.begin(), seen.end()));

    std::atomic<bool> cancelled{true};
    options.cancelled = &cancelled;
    auto built = SessionGraph::build(path, options);
    QVERIFY(!built);
    QVERIFY2(QString::fromStdString(built.error()).contains("cancelled"), built.error().c_str());
}

void TestSessionGraph::badFileFails()
{
    auto built = SessionGraph::build("/nonexistent/dir/x.provscope");
    QVERIFY(!built);
    QVERIFY2(QString::fromStdString(built.error()).contains("/nonexistent/dir/x.provscope"), built.error().c_str());
    QTemporaryDir dir;
    QFile junk(dir.filePath("junk.provscope"));
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("this is not a session");
    junk.close();
    auto bad = SessionGraph::build(junk.fileName().toStdString());
    QVERIFY(!bad);
    QVERIFY2(QString::fromStdString(bad.error()).contains("junk.provscope"), bad.error().c_str());
}

void TestSessionGraph::fromHandBuiltGraph()
{
    ProvenanceGraph g;
    const int shell = g.addProcess(10, 5, "sh", "/bin/sh");
    const int file = g.addFile("/tmp/f");
    const int reader = g.addProcess(11, 6, "cat", "/bin/cat");
    auto append = [](ProvenanceGraph &graph, int from, int to, EdgeType type, uint64_t ts, int64_t id) {
        GraphEdge e;
        e.from = from;
        e.to = to;
        e.type = type;
        e.tsNs = e.teNs = ts;
        e.count = 1;
        e.eventIds = {id};
        graph.appendEdge(e);
    };
    auto add = [&](int from, int to, EdgeType type, uint64_t ts, int64_t id) { append(g, from, to, type, ts, id); };
    add(shell, file, EdgeType::Write, 10, 1);
    add(shell, file, EdgeType::Write, 20, 2); // merges with the first: nothing in between
    add(file, reader, EdgeType::Read, 30, 3);
    add(reader, file, EdgeType::Open, 25, 4); // not a flow: blocks nothing, never followed
    g.setBootToEpochNs(77);
    const auto reduced = SessionGraph::fromGraph(g, true);
    const auto raw = SessionGraph::fromGraph(g, false);
    QCOMPARE(raw->graph().edgeCount(), 4);
    QCOMPARE(reduced->graph().edgeCount(), 3);
    QCOMPARE(reduced->stats().rawEdges, size_t(4));
    QCOMPARE(reduced->graph().bootToEpochNs(), int64_t(77));
    QVERIFY(reduced->sessionPath().empty());
    const int merged = reduced->edgeOfEvent(1);
    QCOMPARE(reduced->edgeOfEvent(2), merged);
    QCOMPARE(reduced->eventIdsOf(merged), (std::vector<int64_t>{1, 2}));
    QCOMPARE(reduced->graph().edge(merged).teNs, uint64_t(20));
    QCOMPARE(raw->eventIdsOf(raw->edgeOfEvent(2)), std::vector<int64_t>{2});
    for (const auto &s : {reduced, raw}) {
        const auto back = reachedKeys(*s, s->graph().findNode(ProvenanceGraph::keyForProcess(11, 6)), TrackDirection::Backward);
        QCOMPARE(back, (std::set<std::string>{"proc:11@6", "file:/tmp/f", "proc:10@5"}));
        const auto fromFile = reachedKeys(*s, s->graph().findNode("file:/tmp/f"), TrackDirection::Backward);
        QVERIFY(!fromFile.count("proc:11@6")); // the open is not followed
        auto poi = s->resolve(PointOfInterest::event(3));
        QVERIFY(poi);
        QCOMPARE(poi->front().edge, s->edgeOfEvent(3));
    }
    // Sparse ids use the sorted index.
    ProvenanceGraph sparse;
    const int a = sparse.addFile("/a"), p = sparse.addProcess(1, 1, "p", "");
    append(sparse, a, p, EdgeType::Read, 1, 5);
    append(sparse, p, a, EdgeType::Write, 2, 5'000'000'000);
    const auto s = SessionGraph::fromGraph(sparse, false);
    QCOMPARE(s->edgeOfEvent(5), 0);
    QCOMPARE(s->edgeOfEvent(5'000'000'000), 1);
    QCOMPARE(s->edgeOfEvent(6), -1);
}

void TestSessionGraph::withoutIdentitiesFilesArePaths()
{
    // A session from before file identities (no file_ids table): files by path, renames as edges.
    QTemporaryDir dir;
    SessionScript s;
    s.event(30, B, "write", B + 100, "/tmp/a", 1);
    s.last().dev = 64;
    s.last().ino = 1234;
    s.rename(30, B, B + 200, "/tmp/a", "/tmp/b");
    s.event(32, B, "read", B + 400, "/tmp/b", 1);
    const std::string path = s.write(dir);
    {
        auto db = SqliteDatabase::open(path, SQLITE_OPEN_READWRITE);
        QVERIFY(db);
        auto has = (*db)->hasTable("file_ids");
        QVERIFY(has);
        if (*has)
            QVERIFY((*db)->exec("DROP TABLE file_ids"));
    }
    auto g = buildOrFail(path);
    QVERIFY(g);
    QCOMPARE(node(*g, ProvenanceGraph::keyForFileIdentity(64, 1234)), -1);
    QCOMPARE(edgesBetween(*g, "file:/tmp/a", "file:/tmp/b", EdgeType::Rename).size(), size_t(1));
    QCOMPARE(g->graph().node(node(*g, "file:/tmp/a")).paths, std::vector<std::string>{"/tmp/a"});
    const auto back = reachedKeys(*g, node(*g, proc(32, B)), TrackDirection::Backward);
    QVERIFY(back.count(proc(30, B)));
}

void TestSessionGraph::sessionWithoutEvents()
{
    QTemporaryDir dir;
    SessionScript s;
    s.process(5, B, 0, 0, "idle", "/usr/bin/idle");
    auto g = buildOrFail(s.write(dir));
    QVERIFY(g);
    QCOMPARE(g->graph().edgeCount(), 0);
    QCOMPARE(g->stats().eventsRead, int64_t(0));
    QCOMPARE(g->stats().reductionRatio(), 1.0);
    QCOMPARE(g->edgeOfEvent(1), -1);
    auto idle = g->resolve(PointOfInterest::processLatest(5));
    QVERIFY(idle);
    QCOMPARE(g->graph().node(idle->front().node).label, std::string("idle (5)"));
    QCOMPARE(g->graph().node(idle->front().node).exe, std::string("/usr/bin/idle"));
    QVERIFY(!g->resolve(PointOfInterest::event(1)));
    QVERIFY(!g->resolve(PointOfInterest::file("/x")));
}

QTEST_GUILESS_MAIN(TestSessionGraph)
// Ids far beyond the rows (a damaged or crafted file) are refused with the
// table's name, before any array is sized by them; out-of-range references
// in events are skipped.
void TestSessionGraph::damagedIdsAreRefused_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("message"); // empty: the graph builds
    QTest::newRow("process id") << "UPDATE processes SET id = 2000000000 WHERE id = (SELECT max(id) FROM processes)"
                                << "damaged session: processes ids reach 2000000000";
    QTest::newRow("file id") << "UPDATE files SET id = 1500000000 WHERE id = (SELECT max(id) FROM files)"
                             << "damaged session: files ids reach 1500000000";
    QTest::newRow("rename target") << "UPDATE events SET file2 = 4611686018427387904 WHERE file2 IS NOT NULL" << "";
}

void TestSessionGraph::damagedIdsAreRefused()
{
    QFETCH(QString, damage);
    QFETCH(QString, message);
    QTemporaryDir dir;
    SessionScript s;
    s.event(30, B, "write", B + 100, "/tmp/a", 1);
    s.rename(30, B, B + 200, "/tmp/a", "/tmp/b");
    s.event(32, B, "read", B + 400, "/tmp/b", 1);
    const std::string path = s.write(dir);
    {
        auto db = SqliteDatabase::open(path, SQLITE_OPEN_READWRITE);
        QVERIFY(db);
        QVERIFY((*db)->exec(damage.toStdString()));
    }
    auto built = SessionGraph::build(path);
    if (message.isEmpty()) {
        QVERIFY2(built, built ? "" : built.error().c_str());
        return;
    }
    QVERIFY(!built);
    QVERIFY2(QString::fromStdString(built.error()).contains(message), built.error().c_str());
    QVERIFY(QString::fromStdString(built.error()).startsWith(QString::fromStdString(path)));
}

#include "tst_session_graph.moc"
