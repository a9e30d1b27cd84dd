// End to end, as an investigator meets it: a real eBPF capture of the scripted
// attack chain (provscope-attack-chain: a loopback download with curl, chmod,
// execute, read a fake ssh key, tar, send to 127.0.0.3, a persistence line in a
// fake HOME's .bashrc) with unrelated activity beside it (provscope-activity
// --only normal and a file loop), then the session graph and the provenance
// analysis on that session file. Backtracking from the final connection must
// give every step and nothing unrelated; forward tracking from the download
// must reach the send and the persistence file; CPR must not change either.
// Needs root and BTF.
#include "provenance_analysis.h"
#include "session_graph.h"
#include "session_reader.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <map>
#include <set>

#include <unistd.h>

using namespace provscope;

namespace {

// One thing the analysis must show (or must not), and how to recognise its node.
struct Expected {
    QString what;
    std::function<bool(const GraphNode &)> matches;
};

bool hasPath(const GraphNode &node, const QString &path)
{
    const std::string wanted = path.toStdString();
    if (node.path == wanted)
        return true;
    return std::find(node.paths.begin(), node.paths.end(), wanted) != node.paths.end();
}

bool hasPathUnder(const GraphNode &node, const QString &dir)
{
    const std::string prefix = dir.toStdString() + "/";
    if (node.path.rfind(prefix, 0) == 0)
        return true;
    return std::any_of(node.paths.begin(), node.paths.end(),
                       [&](const std::string &p) { return p.rfind(prefix, 0) == 0; });
}

bool isSocketOf(const GraphNode &node, const QString &addr, int port)
{
    const std::string a = addr.toStdString();
    return node.kind == NodeKind::Socket
        && ((node.raddr == a && node.rport == port) || (node.laddr == a && node.lport == port));
}

QString describe(const GraphNode &node)
{
    return QStringLiteral("%1 '%2' (%3)").arg(QString::fromStdString(std::string(nodeKindName(node.kind))),
                                              QString::fromStdString(node.label),
                                              QString::fromStdString(node.key));
}

// "what" of every expectation no node of view matches.
QStringList missing(const ProvenanceGraph &view, const std::vector<Expected> &expected)
{
    QStringList absent;
    for (const Expected &e : expected) {
        const auto &nodes = view.nodes();
        if (std::none_of(nodes.begin(), nodes.end(), e.matches))
            absent << e.what;
    }
    return absent;
}

// How the analysis got from the point of interest to target, for failure
// messages: a shortest chain of the view's flow edges ("a -read[ts..te]-> b, ...").
QString pathTo(const ProvenanceGraph &view, int target, bool backward)
{
    std::vector<int> via(size_t(view.nodeCount()), -2); // edge that reached the node; -1: start
    std::vector<int> queue;
    for (int i = 0; i < view.nodeCount(); ++i) {
        if (view.node(i).isPoi) { // a net point of interest can be several sockets
            via[size_t(i)] = -1;
            queue.push_back(i);
        }
    }
    for (size_t next = 0; next < queue.size() && via[size_t(target)] == -2; ++next) {
        const int node = queue[next];
        for (const int e : backward ? view.inEdges(node) : view.outEdges(node)) {
            if (!isFlowEdge(view.edge(e).type))
                continue; // shown, never followed
            const int other = backward ? view.edge(e).from : view.edge(e).to;
            if (via[size_t(other)] == -2) {
                via[size_t(other)] = e;
                queue.push_back(other);
            }
        }
    }
    if (via[size_t(target)] == -2)
        return QStringLiteral("(not connected to the point of interest in the view)");
    QStringList steps;
    for (int node = target; via[size_t(node)] >= 0;) {
        const GraphEdge &edge = view.edge(via[size_t(node)]);
        steps.prepend(QStringLiteral("%1 -%2[%3..%4]-> %5")
                          .arg(QString::fromStdString(view.node(edge.from).key),
                               QString::fromStdString(std::string(edgeTypeName(edge.type))))
                          .arg(edge.tsNs)
                          .arg(edge.teNs)
                          .arg(QString::fromStdString(view.node(edge.to).key)));
        node = backward ? edge.to : edge.from;
    }
    return steps.join(", ");
}

// Every unrelated node of view, with how the analysis reached it.
QStringList unrelatedShown(const ProvenanceGraph &view, const std::vector<Expected> &unrelated, bool backward)
{
    QStringList shown;
    for (const Expected &e : unrelated) {
        for (int i = 0; i < view.nodeCount(); ++i) {
            if (e.matches(view.node(i)))
                shown << e.what + ": " + describe(view.node(i)) + " via " + pathTo(view, i, backward);
        }
    }
    return shown;
}

// QtTest cuts long messages: one warning per finding instead.
void reportEach(const QStringList &findings)
{
    for (const QString &finding : findings.mid(0, 40))
        qWarning("%s", qPrintable(finding));
    if (findings.size() > 40)
        qWarning("... and %d more", int(findings.size() - 40));
}

std::set<std::string> nodeKeys(const ProvenanceGraph &view)
{
    std::set<std::string> keys;
    for (const GraphNode &node : view.nodes())
        keys.insert(node.key);
    return keys;
}

} // namespace

class TestProvenanceE2e : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void sessionHoldsTheChainAndTheUnrelatedActivity();
    void backwardFromTheConnectionYieldsEveryStep_data();
    void backwardFromTheConnectionYieldsEveryStep();
    void backwardLeavesOutTheUnrelatedActivity_data();
    void backwardLeavesOutTheUnrelatedActivity();
    void forwardFromTheDownloadReachesSendAndPersistence_data();
    void forwardFromTheDownloadReachesSendAndPersistence();
    void reductionChangesNoNode();
    void hiddenNoiseKeepsTheChain();

private:
    QString binary(const QString &name) const { return m_binDir + "/" + name; }
    QJsonObject step(const QString &name) const { return m_steps.value(name); }
    int stepPid(const QString &name, const char *key = "pid") const { return step(name).value(key).toInt(); }
    const SessionGraph &graph(bool reduce) const { return reduce ? *m_reduced : *m_raw; }
    AnalysisResult analyze(bool reduce, const PointOfInterest &poi, TrackScope scope, bool hideNoise = false);
    PointOfInterest connectionPoi() const;
    PointOfInterest downloadPoi() const;
    std::vector<Expected> chainSteps() const;
    std::vector<Expected> unrelatedActivity() const;
    void addReduceRows();

    QString m_binDir;
    QTemporaryDir m_dir;
    QString m_session;
    QMap<QString, QJsonObject> m_steps; // the chain's JSON lines by "step"
    QSet<int> m_unrelatedPids;          // provscope-activity and the file loop, with their children
    QStringList m_unrelatedDirs;        // their private directories
    QString m_activityExe;
    std::shared_ptr<const SessionGraph> m_reduced, m_raw;
};

void TestProvenanceE2e::initTestCase()
{
    if (geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: tst_provenance_e2e must run as root to load eBPF programs");
    if (!QFileInfo::exists("/sys/kernel/btf/vmlinux"))
        QSKIP("LIVE CAPTURE NOT TESTED: this kernel has no BTF (/sys/kernel/btf/vmlinux)");
    m_binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath());
    m_activityExe = QFileInfo(binary("provscope-activity")).canonicalFilePath();
    QVERIFY2(!m_activityExe.isEmpty(), "provscope-activity is not built");
    QVERIFY(m_dir.isValid());
    // PROVSCOPE_E2E_KEEP=1 keeps the session and the chain's files for a look after a failure.
    if (qEnvironmentVariableIntValue("PROVSCOPE_E2E_KEEP"))
        m_dir.setAutoRemove(false);
    const QString tmp = QFileInfo(m_dir.path()).canonicalFilePath();
    m_session = tmp + "/chain.provscope";

    // Only the chain and its descendants are recorded (the command mode's
    // filter), yet that includes the unrelated activity: it is the chain's
    // orchestrator that starts it.
    QProcess capture;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("TMPDIR", tmp); // the chain's and the generator's dirs land in ours
    capture.setProcessEnvironment(env);
    capture.start(binary("provscope-capture"),
                  {"-o", m_session, "--", binary("provscope-attack-chain"), "--unrelated", "4"});
    if (!m_dir.autoRemove())
        qInfo("kept: %s", qPrintable(m_session));
    QVERIFY2(capture.waitForFinished(120000), "provscope-capture did not stop when the chain exited");
    const QByteArray err = capture.readAllStandardError();
    QVERIFY2(capture.exitStatus() == QProcess::NormalExit && capture.exitCode() == 0, err.constData());

    const QByteArray out = capture.readAllStandardOutput();
    if (!m_dir.autoRemove()) {
        QFile kept(tmp + "/chain.out");
        if (kept.open(QIODevice::WriteOnly))
            kept.write(out);
    }
    QString generatorDir;
    for (const QByteArray &line : out.split('\n')) {
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        if (object.contains("step")) {
            m_steps[object.value("step").toString()] = object;
        } else if (object.contains("pattern")) {
            for (const auto pid : object.value("pids").toArray())
                m_unrelatedPids.insert(pid.toInt());
        } else if (object.value("event").toString() == "start") {
            generatorDir = object.value("dir").toString();
            m_unrelatedPids.insert(object.value("pid").toInt());
        }
    }
    QVERIFY2(!m_steps.contains("failed"), qPrintable(step("failed").value("why").toString() + "\n" + err));
    for (const char *name : {"start", "unrelated", "servers", "download", "script", "archive", "send",
                             "persistence", "received", "done"})
        QVERIFY2(m_steps.contains(name), qPrintable(QStringLiteral("the chain printed no '%1' step").arg(name)));
    QVERIFY2(!generatorDir.isEmpty(), "provscope-activity did not start");
    for (const auto pid : step("unrelated").value("pids").toArray())
        m_unrelatedPids.insert(pid.toInt());
    m_unrelatedDirs = {generatorDir, step("start").value("dir").toString() + "/unrelated"};
    // A chain step can never count as unrelated, even if a pid came round again.
    for (const char *name : {"download", "chmod", "script", "archive", "send"})
        m_unrelatedPids.remove(stepPid(name));

    auto reduced = SessionGraph::build(m_session.toStdString(), {true, nullptr, {}});
    QVERIFY2(reduced.ok(), reduced.ok() ? "" : reduced.error().c_str());
    m_reduced = reduced.value();
    auto raw = SessionGraph::build(m_session.toStdString(), {false, nullptr, {}});
    QVERIFY2(raw.ok(), raw.ok() ? "" : raw.error().c_str());
    m_raw = raw.value();
    // pid_max may be small (32768): a pid that names two process instances in
    // this session cannot tell unrelated from chain, so it is not judged by pid.
    std::map<int, std::set<uint64_t>> instances;
    for (const GraphNode &node : m_raw->graph().nodes())
        if (node.kind == NodeKind::Process)
            instances[int(node.pid)].insert(node.startNs);
    for (const auto &[pid, starts] : instances)
        if (starts.size() > 1 && m_unrelatedPids.remove(pid))
            qInfo("pid %d was used twice in the session: not judged by pid", pid);
    qInfo("session graph: %d nodes; %zu raw edges, %zu after CPR (ratio %.2f); built in %.3f s",
          m_reduced->graph().nodeCount(), m_reduced->stats().rawEdges, m_reduced->stats().edges,
          m_reduced->stats().reductionRatio(), m_reduced->stats().buildSeconds + m_reduced->stats().reduceSeconds);
}

PointOfInterest TestProvenanceE2e::connectionPoi() const
{
    return PointOfInterest::net("127.0.0.3", uint16_t(step("send").value("port").toInt()));
}

PointOfInterest TestProvenanceE2e::downloadPoi() const
{
    return PointOfInterest::file(step("download").value("path").toString().toStdString());
}

AnalysisResult TestProvenanceE2e::analyze(bool reduce, const PointOfInterest &poi, TrackScope scope, bool hideNoise)
{
    AnalysisOptions options;
    options.scope = scope;
    options.limits = {-1, -1};
    options.hideNoise = hideNoise;
    auto result = analyzeProvenance(graph(reduce), poi, options);
    if (!result.ok()) {
        qWarning("analyzeProvenance(%s): %s", poi.toString().c_str(), result.error().c_str());
        return {};
    }
    if (result.value().cut)
        qWarning("the analysis from %s was cut", poi.toString().c_str());
    return std::move(result).value();
}

std::vector<Expected> TestProvenanceE2e::chainSteps() const
{
    const int sendPid = stepPid("send"), tarPid = stepPid("archive"), scriptPid = stepPid("script"),
              curlPid = stepPid("download"), httpPid = stepPid("servers", "http_pid");
    const int sinkPort = step("send").value("port").toInt(), httpPort = step("servers").value("http_port").toInt();
    const QString archive = step("archive").value("path").toString();
    const QString key = step("archive").value("source").toString();
    const QString drop = step("download").value("path").toString();
    const QString served = step("servers").value("served").toString();
    auto process = [](int pid, const QString &exeEnd = {}, bool execd = false) {
        return [=](const GraphNode &n) {
            return n.kind == NodeKind::Process && int(n.pid) == pid && (!execd || n.version >= 1)
                && (exeEnd.isEmpty() || QString::fromStdString(n.exe).endsWith(exeEnd));
        };
    };
    auto file = [](const QString &path) {
        return [=](const GraphNode &n) { return n.kind == NodeKind::File && hasPath(n, path); };
    };
    return {
        {QStringLiteral("the connection to 127.0.0.3:%1").arg(sinkPort),
         [=](const GraphNode &n) { return isSocketOf(n, "127.0.0.3", sinkPort); }},
        {QStringLiteral("the sending process (cat, pid %1)").arg(sendPid), process(sendPid, "/cat", true)},
        {"the archive " + archive, file(archive)},
        {QStringLiteral("tar (pid %1)").arg(tarPid), process(tarPid, "/tar", true)},
        {"the ssh key " + key, file(key)},
        {QStringLiteral("the executed script's process version (pid %1, after its exec)").arg(scriptPid),
         process(scriptPid, {}, true)},
        {"the downloaded file " + drop, file(drop)},
        {QStringLiteral("curl (pid %1)").arg(curlPid), process(curlPid, "/curl", true)},
        {QStringLiteral("the download's connection to 127.0.0.1:%1").arg(httpPort),
         [=](const GraphNode &n) { return isSocketOf(n, "127.0.0.1", httpPort); }},
        {QStringLiteral("the HTTP server (pid %1)").arg(httpPid), process(httpPid)},
        {"the served " + served, file(served)},
    };
}

std::vector<Expected> TestProvenanceE2e::unrelatedActivity() const
{
    std::vector<Expected> unrelated;
    for (const int pid : m_unrelatedPids)
        unrelated.push_back({QStringLiteral("unrelated process %1").arg(pid), [=](const GraphNode &n) {
                                 return n.kind == NodeKind::Process && int(n.pid) == pid;
                             }});
    const QString exe = m_activityExe;
    unrelated.push_back({"a process running " + exe, [=](const GraphNode &n) {
                             return n.kind == NodeKind::Process && QString::fromStdString(n.exe) == exe;
                         }});
    for (const QString &dir : m_unrelatedDirs)
        unrelated.push_back({"a file under " + dir, [=](const GraphNode &n) { return hasPathUnder(n, dir); }});
    return unrelated;
}

void TestProvenanceE2e::addReduceRows()
{
    QTest::addColumn<bool>("reduce");
    QTest::newRow("cpr") << true;
    QTest::newRow("no reduction") << false;
}

void TestProvenanceE2e::sessionHoldsTheChainAndTheUnrelatedActivity()
{
    // What the other tests look for, and what they must not find, is in the session.
    auto reader = SessionReader::open(m_session.toStdString());
    QVERIFY2(reader.ok(), reader.ok() ? "" : reader.error().c_str());
    QCOMPARE(reader.value()->counts().lostEvents, int64_t(0));
    const ProvenanceGraph &whole = graph(true).graph();
    const QStringList absentSteps = missing(whole, chainSteps());
    QVERIFY2(absentSteps.isEmpty(), qPrintable("not in the session graph: " + absentSteps.join("; ")));
    QStringList absentUnrelated;
    for (const Expected &e : unrelatedActivity()) {
        if (missing(whole, {e}).size() == 1)
            absentUnrelated << e.what;
    }
    // Every unrelated pid, exe and dir must be there, or its absence below would prove nothing.
    QVERIFY2(absentUnrelated.isEmpty(),
             qPrintable("the unrelated activity is not in the session graph: " + absentUnrelated.join("; ")));
}

void TestProvenanceE2e::backwardFromTheConnectionYieldsEveryStep_data() { addReduceRows(); }

void TestProvenanceE2e::backwardFromTheConnectionYieldsEveryStep()
{
    QFETCH(bool, reduce);
    const AnalysisResult result = analyze(reduce, connectionPoi(), TrackScope::Backward);
    QVERIFY(result.view.nodeCount() > 0);
    QVERIFY(!result.cut);
    qInfo("backward: %d nodes, %d edges in %.4f s", result.view.nodeCount(), result.view.edgeCount(),
          result.trackSeconds);
    const QStringList absent = missing(result.view, chainSteps());
    QVERIFY2(absent.isEmpty(), qPrintable("backtracking from " + QString::fromStdString(connectionPoi().toString())
                                          + " misses: " + absent.join("; ")));
    // The persistence line was written after the send: not a cause of it.
    const QString rc = step("persistence").value("path").toString();
    const auto &nodes = result.view.nodes();
    QVERIFY2(std::none_of(nodes.begin(), nodes.end(), [&](const GraphNode &n) { return hasPath(n, rc); }),
             "backtracking from the send shows .bashrc, written after it");
}

void TestProvenanceE2e::backwardLeavesOutTheUnrelatedActivity_data() { addReduceRows(); }

void TestProvenanceE2e::backwardLeavesOutTheUnrelatedActivity()
{
    QFETCH(bool, reduce);
    const AnalysisResult result = analyze(reduce, connectionPoi(), TrackScope::Backward);
    QVERIFY(result.view.nodeCount() > 0);
    const QStringList shown = unrelatedShown(result.view, unrelatedActivity(), true);
    reportEach(shown);
    QVERIFY2(shown.isEmpty(), qPrintable(QStringLiteral("backtracking shows %1 unrelated nodes (listed above)").arg(shown.size())));
}

void TestProvenanceE2e::forwardFromTheDownloadReachesSendAndPersistence_data() { addReduceRows(); }

void TestProvenanceE2e::forwardFromTheDownloadReachesSendAndPersistence()
{
    QFETCH(bool, reduce);
    const AnalysisResult result = analyze(reduce, downloadPoi(), TrackScope::Forward);
    QVERIFY(result.view.nodeCount() > 0);
    QVERIFY(!result.cut);
    qInfo("forward: %d nodes, %d edges in %.4f s", result.view.nodeCount(), result.view.edgeCount(),
          result.trackSeconds);
    const int sinkPort = step("send").value("port").toInt();
    const int sendPid = stepPid("send");
    const QString rc = step("persistence").value("path").toString();
    const QString archive = step("archive").value("path").toString();
    const std::vector<Expected> expected = {
        {QStringLiteral("the connection to 127.0.0.3:%1").arg(sinkPort),
         [=](const GraphNode &n) { return isSocketOf(n, "127.0.0.3", sinkPort); }},
        {QStringLiteral("the sending process (pid %1)").arg(sendPid),
         [=](const GraphNode &n) { return n.kind == NodeKind::Process && int(n.pid) == sendPid; }},
        {"the archive " + archive, [=](const GraphNode &n) { return hasPath(n, archive); }},
        {"the persistence file " + rc, [=](const GraphNode &n) { return n.kind == NodeKind::File && hasPath(n, rc); }},
    };
    const QStringList absent = missing(result.view, expected);
    QVERIFY2(absent.isEmpty(), qPrintable("forward tracking from " + QString::fromStdString(downloadPoi().toString())
                                          + " misses: " + absent.join("; ")));
    // What the download caused is the chain, not the activity beside it.
    const QStringList shown = unrelatedShown(result.view, unrelatedActivity(), false);
    reportEach(shown);
    QVERIFY2(shown.isEmpty(), qPrintable(QStringLiteral("forward tracking shows %1 unrelated nodes (listed above)").arg(shown.size())));
}

void TestProvenanceE2e::reductionChangesNoNode()
{
    // CPR loses no dependency: both directions show the same nodes with and without it.
    QVERIFY(graph(true).stats().edges <= graph(false).stats().edges);
    const struct {
        PointOfInterest poi;
        TrackScope scope;
    } analyses[] = {{connectionPoi(), TrackScope::Backward}, {downloadPoi(), TrackScope::Forward},
                    {downloadPoi(), TrackScope::Both}};
    for (const auto &a : analyses) {
        const std::set<std::string> reduced = nodeKeys(analyze(true, a.poi, a.scope).view);
        const std::set<std::string> raw = nodeKeys(analyze(false, a.poi, a.scope).view);
        QVERIFY(!raw.empty());
        QStringList onlyOne;
        for (const std::string &key : raw)
            if (!reduced.count(key))
                onlyOne << "without CPR only: " + QString::fromStdString(key);
        for (const std::string &key : reduced)
            if (!raw.count(key))
                onlyOne << "with CPR only: " + QString::fromStdString(key);
        QVERIFY2(onlyOne.isEmpty(), qPrintable(QString::fromStdString(a.poi.toString()) + ": " + onlyOne.join("; ")));
    }
}

void TestProvenanceE2e::hiddenNoiseKeepsTheChain()
{
    // What a user sees with --hide-noise: the libraries go, the steps stay.
    const AnalysisResult result = analyze(true, connectionPoi(), TrackScope::Backward, true);
    QVERIFY(result.view.nodeCount() > 0);
    QVERIFY2(result.view.nodeCount() < result.unfiltered.nodeCount(), "hiding noise hid nothing");
    const QStringList absent = missing(result.view, chainSteps());
    QVERIFY2(absent.isEmpty(), qPrintable("with noise hidden, backtracking misses: " + absent.join("; ")));
}

QTEST_GUILESS_MAIN(TestProvenanceE2e)
#include "tst_provenance_e2e.moc"
