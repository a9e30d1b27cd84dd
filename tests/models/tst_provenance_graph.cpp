// The provenance graph a user gets from a session: a shell forks a child that
// execs curl, which connects to 127.0.0.1:8000, receives, and writes /tmp/x;
// cat reads /tmp/x. Written with the real SessionWriter, read as a session
// graph, tracked both ways from a point of interest (analyzeProvenance),
// exported as PNG, SVG and DOT.
#include "graph_export.h"
#include "graph_painter.h"
#include "point_of_interest.h"
#include "provenance_analysis.h"
#include "provenance_graph.h"
#include "session_graph.h"
#include "session_reader.h"
#include "session_writer.h"
#include "test_session_file.h"

#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include <ctime>

using namespace provscope;

namespace {

constexpr int64_t kBootToEpoch = 1700000000000000000LL; // 2023-11-14T22:13:20Z at boot 0
constexpr uint32_t kShell = 1000, kCurl = 1001, kCat = 1002;
constexpr uint64_t kShellStart = 1000000, kCurlStart = 2000000, kCatStart = 3000000;
constexpr uint64_t kReusedStart = 9000000; // pid 1001 again, later: a "sleep"
constexpr uint32_t kHasher = 1004;         // reads /usr/bin/curl, unrelated otherwise
constexpr uint64_t kHasherStart = 4000000;

ProcessInfo process(uint32_t pid, uint64_t start, uint32_t ppid, uint64_t parentStart, const char *comm,
                    const char *exe)
{
    ProcessInfo p = test::processInfo(pid, start, ppid, parentStart, comm, exe);
    p.argv = {exe};
    return p;
}

Event event(uint32_t pid, uint64_t start, const char *comm, const char *syscall, uint64_t ts, int64_t ret)
{
    Event e;
    e.tsNs = ts;
    e.lastTsNs = ts;
    e.pid = pid;
    e.tid = pid;
    e.procStartNs = start;
    e.comm = comm;
    e.syscall = syscall;
    e.ret = ret;
    return e;
}

Event withPath(Event e, const char *path, int fd = -1, uint64_t bytes = 0)
{
    e.path = path;
    e.fd = fd;
    e.bytes = bytes;
    return e;
}

Event withSocket(Event e, int fd, uint64_t bytes = 0)
{
    e.fd = fd;
    e.laddr = "127.0.0.1";
    e.lport = 40000;
    e.raddr = "127.0.0.1";
    e.rport = 8000;
    e.bytes = bytes;
    return e;
}

struct Session {
    QTemporaryDir dir;
    std::string path;
    std::unique_ptr<SessionReader> reader;
};

// Writes the scenario; returns nullptr (after QFAIL-style messages) on failure.
std::unique_ptr<Session> writeScenario()
{
    auto session = std::make_unique<Session>();
    if (!session->dir.isValid())
        return nullptr;
    session->path = session->dir.filePath(QStringLiteral("case.provscope")).toStdString();
    SessionMeta meta;
    meta.host = "testhost";
    meta.bootToEpochNs = kBootToEpoch;
    meta.captureStartNs = 500000;
    Result<std::unique_ptr<SessionWriter>> writer = SessionWriter::create(session->path, meta);
    if (!writer) {
        qWarning("SessionWriter::create: %s", writer.error().c_str());
        return nullptr;
    }
    CaptureBatch batch;
    batch.processes = {
        process(kShell, kShellStart, 1, 0, "bash", "/usr/bin/bash"),
        process(kCurl, kCurlStart, kShell, kShellStart, "curl", "/usr/bin/curl"),
        process(kCat, kCatStart, kShell, kShellStart, "cat", "/usr/bin/cat"),
        process(kCurl, kReusedStart, kShell, kShellStart, "sleep", "/usr/bin/sleep"),
        process(kHasher, kHasherStart, 1, 0, "sha256sum", "/usr/bin/sha256sum"),
    };
    auto &ev = batch.events;
    ev.push_back(event(kShell, kShellStart, "bash", "clone", 1999000, kCurl));                 // 1
    ev.push_back(withPath(event(kCurl, kCurlStart, "curl", "execve", 2100000, 0), "/usr/bin/curl")); // 2
    ev.push_back(withSocket(event(kCurl, kCurlStart, "curl", "connect", 2200000, 0), 3));       // 3
    ev.push_back(withSocket(event(kCurl, kCurlStart, "curl", "sendto", 2300000, 80), 3, 80));   // 4
    ev.push_back(withSocket(event(kCurl, kCurlStart, "curl", "recvfrom", 2400000, 1000), 3, 1000)); // 5
    Event open = withPath(event(kCurl, kCurlStart, "curl", "openat", 2500000, 4), "/tmp/x", 4);
    open.flags = 01101; // O_WRONLY|O_CREAT|O_TRUNC
    ev.push_back(open);                                                                      // 6
    ev.push_back(withPath(event(kCurl, kCurlStart, "curl", "write", 2600000, 100), "/tmp/x", 4, 100)); // 7
    ev.push_back(withPath(event(kCurl, kCurlStart, "curl", "write", 2700000, 50), "/tmp/x", 4, 50));   // 8
    Event coalesced = withPath(event(kCurl, kCurlStart, "curl", "write", 2800000, 10), "/tmp/x", 4, 30);
    coalesced.count = 3;
    coalesced.lastTsNs = 2900000;
    ev.push_back(coalesced);                                                                 // 9
    ev.push_back(withPath(event(kCat, kCatStart, "cat", "openat", 3100000, 3), "/tmp/x", 3));   // 10
    ev.push_back(withPath(event(kCat, kCatStart, "cat", "read", 3200000, 180), "/tmp/x", 3, 180)); // 11
    ev.push_back(withPath(event(kCat, kCatStart, "cat", "openat", 3300000, -2), "/nonexistent")); // 12 failed
    Event rename = withPath(event(kCurl, kCurlStart, "curl", "rename", 3400000, 0), "/tmp/x");
    rename.path2 = "/tmp/x.done";
    ev.push_back(rename);                                                                    // 13
    ev.push_back(withPath(event(kCurl, kReusedStart, "sleep", "read", 9100000, 10), "/etc/ld.so.cache", 3, 10)); // 14
    ev.push_back(event(kCat, kCatStart, "cat", "close", 3500000, 0));                         // 15
    ev.push_back(withPath(event(kHasher, kHasherStart, "sha256sum", "read", 4100000, 4096), "/usr/bin/curl", 3,
                          4096));                                                             // 16
    if (Result<void> appended = writer.value()->append(batch); !appended) {
        qWarning("append: %s", appended.error().c_str());
        return nullptr;
    }
    if (Result<void> finished = writer.value()->finish(10000000); !finished) {
        qWarning("finish: %s", finished.error().c_str());
        return nullptr;
    }
    writer.value().reset();
    Result<std::unique_ptr<SessionReader>> reader = SessionReader::open(session->path);
    if (!reader) {
        qWarning("SessionReader::open: %s", reader.error().c_str());
        return nullptr;
    }
    session->reader = std::move(*reader);
    return session;
}

int node(const ProvenanceGraph &g, const std::string &key)
{
    return g.findNode(key);
}

// curl's process before its exec (forked from the shell) and after it.
const std::string curlForkKey = ProvenanceGraph::keyForProcess(kCurl, kCurlStart);
const std::string curlKey = ProvenanceGraph::keyForProcessVersion(kCurl, kCurlStart, 1);
const std::string shellKey = ProvenanceGraph::keyForProcess(kShell, kShellStart);
const std::string catKey = ProvenanceGraph::keyForProcess(kCat, kCatStart);
const std::string socketKey = ProvenanceGraph::keyForSocket("127.0.0.1", 40000, "127.0.0.1", 8000);

int nonWhitePixels(const QImage &image)
{
    int count = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            if ((image.pixel(x, y) & 0xffffff) != 0xffffff)
                ++count;
    return count;
}

} // namespace

class TestProvenanceGraph : public QObject {
    Q_OBJECT
    std::unique_ptr<Session> m_session;

    std::shared_ptr<const SessionGraph> m_graph;

    // What a user sees for poiText: ancestry and descendants, as the graph tab shows them.
    Result<ProvenanceGraph> build(const std::string &poiText, TrackLimits limits = {-1, 2000})
    {
        Result<PointOfInterest> poi = PointOfInterest::parse(poiText);
        if (!poi)
            return makeError(poi.error());
        AnalysisOptions options;
        options.scope = TrackScope::Both;
        options.limits = limits;
        Result<AnalysisResult> result = analyzeProvenance(*m_graph, *poi, options);
        if (!result)
            return makeError(result.error());
        return std::move(result->view);
    }

private slots:
    void initTestCase()
    {
        qputenv("TZ", "UTC"); // edge labels show local time
        tzset();
        m_session = writeScenario();
        QVERIFY2(m_session, "could not write the test session with SessionWriter");
        auto graph = SessionGraph::build(m_session->path);
        QVERIFY2(graph, graph ? "" : graph.error().c_str());
        m_graph = *graph;
    }

    void edgesRunTheWayInformationFlows()
    {
        Result<ProvenanceGraph> built = build("proc:1001@2000000");
        QVERIFY2(built.ok(), built.ok() ? "" : built.error().c_str());
        const ProvenanceGraph &g = *built;
        QCOMPARE(g.bootToEpochNs(), kBootToEpoch);
        const int curl = node(g, curlKey), forked = node(g, curlForkKey), shell = node(g, shellKey), cat = node(g, catKey);
        const int image = node(g, ProvenanceGraph::keyForFile("/usr/bin/curl"));
        const int sock = node(g, socketKey);
        const int tmp = node(g, ProvenanceGraph::keyForFile("/tmp/x"));
        const int done = node(g, ProvenanceGraph::keyForFile("/tmp/x.done"));
        QVERIFY(curl >= 0 && forked >= 0 && shell >= 0 && cat >= 0 && image >= 0 && sock >= 0 && tmp >= 0 && done >= 0);
        // Both versions of the process are the point of interest.
        QCOMPARE(g.poi(), forked);
        QVERIFY(g.node(curl).isPoi && g.node(forked).isPoi);
        QCOMPARE(g.node(curl).label, std::string("curl (1001)"));
        QCOMPARE(g.node(curl).exe, std::string("/usr/bin/curl"));
        QCOMPARE(g.node(curl).version, 1);
        QVERIFY(g.findEdge(forked, curl, EdgeType::Version) >= 0);
        QCOMPARE(g.node(sock).kind, NodeKind::Socket);
        QCOMPARE(g.node(sock).label, std::string("127.0.0.1:8000"));

        QVERIFY(g.findEdge(shell, forked, EdgeType::Fork) >= 0);
        QVERIFY(g.findEdge(image, curl, EdgeType::Exec) >= 0);
        QVERIFY(g.findEdge(curl, sock, EdgeType::Connect) >= 0);
        QVERIFY(g.findEdge(curl, sock, EdgeType::Send) >= 0);
        QVERIFY(g.findEdge(sock, curl, EdgeType::Recv) >= 0);
        QVERIFY(g.findEdge(curl, tmp, EdgeType::Write) >= 0);
        QVERIFY(g.findEdge(tmp, cat, EdgeType::Read) >= 0);
        QVERIFY(g.findEdge(curl, tmp, EdgeType::Open) >= 0);
        QVERIFY(g.findEdge(tmp, done, EdgeType::Rename) >= 0);
        // Never the other way round.
        QCOMPARE(g.findEdge(curl, image, EdgeType::Exec), -1);
        QCOMPARE(g.findEdge(cat, tmp, EdgeType::Read), -1);
        QCOMPARE(g.findEdge(tmp, curl, EdgeType::Write), -1);
        // The fork edge carries the shell's clone event.
        QCOMPARE(g.edge(g.findEdge(shell, forked, EdgeType::Fork)).eventIds, std::vector<int64_t>{1});
        // A failed open and a close make no node or edge.
        QCOMPARE(node(g, ProvenanceGraph::keyForFile("/nonexistent")), -1);
        // The shell's other child (pid 1001 reused) is a sibling: no flow links it to curl.
        QCOMPARE(node(g, ProvenanceGraph::keyForProcess(kCurl, kReusedStart)), -1);
        // Nor does a process that merely read one of curl's inputs.
        QCOMPARE(node(g, ProvenanceGraph::keyForProcess(kHasher, kHasherStart)), -1);
        QCOMPARE(g.omittedNodes(), 0);
    }

    void mergedEdgesAddUp()
    {
        Result<ProvenanceGraph> built = build("proc:1001@2000000");
        QVERIFY(built.ok());
        const ProvenanceGraph &g = *built;
        const int write = g.findEdge(node(g, curlKey), node(g, ProvenanceGraph::keyForFile("/tmp/x")), EdgeType::Write);
        QVERIFY(write >= 0);
        const GraphEdge &e = g.edge(write);
        QCOMPARE(e.count, uint64_t(5)); // 1 + 1 + a coalesced run of 3
        QCOMPARE(e.bytes, uint64_t(180));
        QCOMPARE(e.tsNs, uint64_t(2600000));
        QCOMPARE(e.teNs, uint64_t(2900000)); // the coalesced run's last syscall
        QCOMPARE(e.eventIds, (std::vector<int64_t>{7, 8, 9}));
        // Only one write edge between them, however many events.
        int writes = 0;
        for (const GraphEdge &edge : g.edges())
            writes += edge.type == EdgeType::Write && edge.to == node(g, ProvenanceGraph::keyForFile("/tmp/x"));
        QCOMPARE(writes, 1);
        // The label says so.
        QCOMPARE(GraphPainter(g).edgeLabel(e), QStringLiteral("write 00:00:00.002 \u00d75").replace(
                                                    QStringLiteral("00:00:00.002"), GraphPainter(g).formatTime(2600000)));
        QCOMPARE(GraphPainter(g).formatTime(123000000), QStringLiteral("22:13:20.123"));
    }

    void mergingTheSameEventTwiceCountsItOnce()
    {
        ProvenanceGraph g;
        const int p = g.addProcess(1, 1, "a", "");
        const int f = g.addFile("/f");
        g.addEdge(p, f, EdgeType::Write, 10, 10, 1, 5, 42);
        g.addEdge(p, f, EdgeType::Write, 5, 20, 2, 5, 41);
        g.addEdge(p, f, EdgeType::Write, 10, 10, 1, 5, 42); // met again through the path query
        const GraphEdge &e = g.edge(0);
        QCOMPARE(e.count, uint64_t(3));
        QCOMPARE(e.bytes, uint64_t(10));
        QCOMPARE(e.tsNs, uint64_t(5));
        QCOMPARE(e.teNs, uint64_t(20));
        QCOMPARE(e.eventIds, (std::vector<int64_t>{41, 42}));
        QCOMPARE(g.outEdges(p), std::vector<int>{0});
        QCOMPARE(g.inEdges(f), std::vector<int>{0});
    }

    void descendantsIncludeTheReusedPid()
    {
        Result<ProvenanceGraph> built = build("proc:1000");
        QVERIFY(built.ok());
        const ProvenanceGraph &g = *built;
        // The reused pid's later process is a distinct node with its own name.
        const int sleep = node(g, ProvenanceGraph::keyForProcess(kCurl, kReusedStart));
        QVERIFY(sleep >= 0 && sleep != node(g, curlForkKey));
        QCOMPARE(g.node(sleep).label, std::string("sleep (1001)"));
        QVERIFY(g.findEdge(node(g, shellKey), sleep, EdgeType::Fork) >= 0);
        QVERIFY(g.findEdge(node(g, shellKey), node(g, curlForkKey), EdgeType::Fork) >= 0);
    }

    void depthLimitsTheNeighbourhood()
    {
        Result<ProvenanceGraph> built = build("proc:1001@2000000", {1, -1});
        QVERIFY(built.ok());
        QVERIFY(node(*built, ProvenanceGraph::keyForFile("/tmp/x")) >= 0); // one hop
        QCOMPARE(node(*built, catKey), -1);                                 // two hops
    }

    void nodeCapSaysWhatWasLeftOut()
    {
        Result<ProvenanceGraph> built = build("proc:1001@2000000", {-1, 3});
        QVERIFY(built.ok());
        QVERIFY(built->nodeCount() <= 3);
        QVERIFY(built->omittedNodes() > 0);
        QVERIFY(GraphExport::toDot(*built).find("left out") != std::string::npos);
    }

    void fileAsPointOfInterest()
    {
        Result<ProvenanceGraph> built = build("file:/tmp/x");
        QVERIFY2(built.ok(), built.ok() ? "" : built.error().c_str());
        const ProvenanceGraph &g = *built;
        const int tmp = node(g, ProvenanceGraph::keyForFile("/tmp/x"));
        QCOMPARE(g.poi(), tmp);
        QVERIFY(g.findEdge(node(g, curlKey), tmp, EdgeType::Write) >= 0);
        QVERIFY(g.findEdge(tmp, node(g, catKey), EdgeType::Read) >= 0);
        QVERIFY(node(g, shellKey) >= 0); // curl's parent
        QCOMPARE(node(g, ProvenanceGraph::keyForProcess(kHasher, kHasherStart)), -1); // read curl's image only
        // Starting from curl's image, whoever read it is downstream.
        Result<ProvenanceGraph> image = build("file:/usr/bin/curl");
        QVERIFY(image.ok());
        const int hasher = node(*image, ProvenanceGraph::keyForProcess(kHasher, kHasherStart));
        QVERIFY(hasher >= 0);
        QVERIFY(image->findEdge(image->poi(), hasher, EdgeType::Read) >= 0);
        QVERIFY(image->findEdge(image->poi(), node(*image, curlKey), EdgeType::Exec) >= 0);
    }

    void reusedPidPicksTheLatest()
    {
        Result<ProvenanceGraph> built = build("proc:1001");
        QVERIFY(built.ok());
        const GraphNode &poi = built->node(built->poi());
        QCOMPARE(poi.startNs, kReusedStart);
        QCOMPARE(poi.label, std::string("sleep (1001)"));
        QVERIFY(node(*built, ProvenanceGraph::keyForFile("/etc/ld.so.cache")) >= 0);
        Result<ProvenanceGraph> first = build("proc:1001@2000000");
        QVERIFY(first.ok());
        QCOMPARE(first->node(first->poi()).label, std::string("curl (1001)"));
    }

    void unknownPointsOfInterestFail_data()
    {
        QTest::addColumn<QString>("poi");
        QTest::addColumn<QString>("message");
        QTest::newRow("no such pid") << "proc:4242" << "no process with pid 4242";
        QTest::newRow("no such start") << "proc:1001@5" << "no process 1001 started at 5";
        QTest::newRow("no such file") << "file:/nope" << "no event touches the file /nope";
    }
    void unknownPointsOfInterestFail()
    {
        QFETCH(QString, poi);
        QFETCH(QString, message);
        Result<ProvenanceGraph> built = build(poi.toStdString());
        QVERIFY(!built.ok());
        QVERIFY2(QString::fromStdString(built.error()).contains(message), built.error().c_str());
    }

    void parsePointOfInterest_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("roundTrip"); // or part of the error
        QTest::newRow("pid") << "proc:42" << true << "proc:42";
        QTest::newRow("pid@start") << "proc:42@123456789" << true << "proc:42@123456789";
        QTest::newRow("file") << "file:/tmp/a b" << true << "file:/tmp/a b";
        QTest::newRow("empty") << "" << false << "expected proc:PID[@START_NS], file:PATH, net:ADDR[:PORT] or event:ID";
        QTest::newRow("no kind") << "1234" << false << "unknown point of interest '1234'";
        QTest::newRow("socket") << "sock:1.2.3.4:80" << false << "unknown point of interest";
        QTest::newRow("pid not a number") << "proc:abc" << false << "PID must be a positive number";
        QTest::newRow("pid zero") << "proc:0" << false << "PID must be a positive number";
        QTest::newRow("pid negative") << "proc:-5" << false << "PID must be a positive number";
        QTest::newRow("pid too big") << "proc:99999999999" << false << "PID must be a positive number";
        QTest::newRow("trailing junk") << "proc:12x" << false << "PID must be a positive number";
        QTest::newRow("empty start") << "proc:12@" << false << "START_NS";
        QTest::newRow("bad start") << "proc:12@1e9" << false << "START_NS";
        QTest::newRow("empty path") << "file:" << false << "empty path";
        QTest::newRow("relative path") << "file:tmp/x" << false << "must be absolute";
    }
    void parsePointOfInterest()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(QString, roundTrip);
        Result<PointOfInterest> poi = PointOfInterest::parse(text.toStdString());
        QCOMPARE(poi.ok(), valid);
        if (valid)
            QCOMPARE(QString::fromStdString(poi->toString()), roundTrip);
        else
            QVERIFY2(QString::fromStdString(poi.error()).contains(roundTrip), poi.error().c_str());
    }

    void pngShowsTheGraph()
    {
        Result<ProvenanceGraph> built = build("proc:1001@2000000");
        QVERIFY(built.ok());
        const QString out = m_session->dir.filePath(QStringLiteral("graph.png"));
        Result<void> written = GraphExport::write(out.toStdString(), GraphFormat::Png, *built);
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().c_str());
        QImage image(out);
        QVERIFY(!image.isNull());
        QVERIFY(QFileInfo(out).size() > 1000);
        QVERIFY(image.width() > 2 * GraphPainter::kMargin + 100);
        QVERIFY(image.height() > 2 * GraphPainter::kMargin + 100);
        QVERIFY(nonWhitePixels(image) > 5000);
        // Margins stay white: nothing clipped at the border.
        for (int x = 0; x < image.width(); ++x) {
            QCOMPARE(image.pixel(x, 0) & 0xffffff, 0xffffffu);
            QCOMPARE(image.pixel(x, image.height() - 1) & 0xffffff, 0xffffffu);
        }
        // Nothing left behind besides the file itself.
        QCOMPARE(QDir(m_session->dir.path()).entryList({QStringLiteral("graph.png*")}, QDir::Files | QDir::Hidden).size(), 1);
    }

    void dotNamesTheNodes()
    {
        Result<ProvenanceGraph> built = build("proc:1001@2000000");
        QVERIFY(built.ok());
        const QString out = m_session->dir.filePath(QStringLiteral("graph.dot"));
        QVERIFY(GraphExport::write(out.toStdString(), GraphFormat::Dot, *built).ok());
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString dot = QString::fromUtf8(file.readAll());
        QVERIFY(dot.startsWith(QStringLiteral("digraph provenance {")));
        QVERIFY(dot.trimmed().endsWith(QLatin1Char('}')));
        for (const char *text : {"curl (1001)", "bash (1000)", "cat (1002)", "/usr/bin/curl", "127.0.0.1:8000",
                                 "/tmp/x", "type=\"write\"", "type=\"fork\""})
            QVERIFY2(dot.contains(QLatin1String(text)), text);
        // Epoch ns for users: the write edge starts at boot 2600000.
        QVERIFY(dot.contains(QStringLiteral("ts_ns=%1").arg(kBootToEpoch + 2600000)));
        QCOMPARE(dot.count(QStringLiteral(" -> n")), built->edgeCount());
    }

    void dotEscapesLabels()
    {
        ProvenanceGraph g;
        g.addFile("/tmp/a \"quoted\" \\ name\nline");
        const std::string dot = GraphExport::toDot(g);
        QVERIFY(dot.find("a \\\"quoted\\\" \\\\ name\\nline") != std::string::npos);
        QVERIFY(dot.find("\nline") == std::string::npos);
    }

    void svgIsXml()
    {
        Result<ProvenanceGraph> built = build("proc:1001@2000000");
        QVERIFY(built.ok());
        const QString out = m_session->dir.filePath(QStringLiteral("graph.svg"));
        Result<void> written = GraphExport::write(out.toStdString(), GraphFormat::Svg, *built);
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().c_str());
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&file);
        bool sawSvg = false;
        int texts = 0;
        while (!xml.atEnd()) {
            xml.readNext();
            if (xml.isStartElement() && xml.name() == QLatin1String("svg"))
                sawSvg = true;
            if (xml.isCharacters() && xml.text().contains(QLatin1String("curl (1001)")))
                ++texts;
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(sawSvg);
        QVERIFY(texts >= 1);
    }

    void unwritableOutputFailsCleanly()
    {
        Result<ProvenanceGraph> built = build("proc:1001@2000000");
        QVERIFY(built.ok());
        const QString out = m_session->dir.filePath(QStringLiteral("missing-dir/graph.png"));
        Result<void> written = GraphExport::write(out.toStdString(), GraphFormat::Png, *built);
        QVERIFY(!written.ok());
        QVERIFY2(QString::fromStdString(written.error()).contains(out), written.error().c_str());
        QVERIFY(!QFile::exists(out));
        QVERIFY(!GraphExport::parseFormat("jpeg").ok());
        QVERIFY(QString::fromStdString(GraphExport::parseFormat("jpeg").error()).contains("dot, png or svg"));
    }
};

QTEST_MAIN(TestProvenanceGraph)
#include "tst_provenance_graph.moc"
