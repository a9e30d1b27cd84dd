// The process forest of a session with fork, exec and pid reuse: shape, lifetimes,
// exec images, event counts, and display filters that select exactly a process's or
// a subtree's events when run through EventQuery.
#include "event_query.h"
#include "process_tree.h"
#include "process_tree_sample.h"
#include "session_reader.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

using namespace provscope;
using namespace provscope::test::tree;

class TstProcessTree : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void forestShape();
    void lifetimesAndExecs();
    void eventCounts();
    void processFilterSelectsExactlyItsEvents_data();
    void processFilterSelectsExactlyItsEvents();
    void subtreeFilterSelectsExactlyItsEvents_data();
    void subtreeFilterSelectsExactlyItsEvents();
    void filterTextsAUserReads();
    void largeSubtreeFilter();
    void ancestryAndFind();
    void cancelledBuild();
    void missingFile();
    void benchmark10M();

private:
    int node(uint32_t pid, uint64_t start) const { return m_tree.find(pid, start); }
    std::set<int64_t> idsOf(const std::vector<int> &nodes);
    std::set<int64_t> idsMatching(const std::string &filter);

    QTemporaryDir m_dir;
    QString m_path;
    ProcessTree m_tree;
};

void TstProcessTree::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("tree.provscope"));
    const QString error = writeTreeSession(m_path);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    auto tree = ProcessTree::build(m_path.toStdString());
    QVERIFY2(tree.ok(), tree ? "" : tree.error().c_str());
    m_tree = std::move(tree.value());
}

void TstProcessTree::forestShape()
{
    QCOMPARE(m_tree.nodes().size(), size_t(8));
    // Parents not recorded (1, 1999): sshd and cron are roots, by start time.
    const std::vector<int> roots = {node(500, kSshdStart), node(2000, kCronStart)};
    QCOMPARE(m_tree.roots(), roots);
    const ProcessNode &bash = m_tree.nodes()[size_t(node(1000, kBashStart))];
    QCOMPARE(bash.parent, node(500, kSshdStart));
    // make, then the reused pid 1002 (curl), by start time.
    const std::vector<int> bashChildren = {node(1001, kMakeStart), node(1002, kCurlStart)};
    QCOMPARE(bash.children, bashChildren);
    const std::vector<int> makeChildren = {node(1002, kCcStart), node(1003, kLdStart)};
    QCOMPARE(m_tree.nodes()[size_t(node(1001, kMakeStart))].children, makeChildren);
    // tee's record has no parent start: the 1002 running when it started (curl), not cc.
    QCOMPARE(m_tree.nodes()[size_t(node(1004, kTeeStart))].parent, node(1002, kCurlStart));
    QCOMPARE(m_tree.nodes()[size_t(node(1002, kCcStart))].pidInstances, 2);
    QCOMPARE(m_tree.nodes()[size_t(node(1002, kCurlStart))].pidInstances, 2);
    QCOMPARE(m_tree.nodes()[size_t(node(1003, kLdStart))].pidInstances, 1);
}

void TstProcessTree::lifetimesAndExecs()
{
    const ProcessNode &cc = m_tree.nodes()[size_t(node(1002, kCcStart))];
    QCOMPARE(cc.info.exitTsNs, kB + 5000);
    QCOMPARE(cc.info.exitCode, 0);
    QCOMPARE(m_tree.nodes()[size_t(node(1003, kLdStart))].info.exitCode, 1 << 8);
    // Exit codes are wait statuses.
    QCOMPARE(ProcessTree::describeExit(0), std::string("0"));
    QCOMPARE(ProcessTree::describeExit(1 << 8), std::string("1"));
    QCOMPARE(ProcessTree::describeExit(9), std::string("SIGKILL"));
    QCOMPARE(ProcessTree::describeExit(11 | 0x80), std::string("SIGSEGV (core dumped)"));
    QCOMPARE(m_tree.nodes()[size_t(node(1002, kCurlStart))].info.exitTsNs, uint64_t(0));
    // cc exec'd twice: the shell, then the compiler.
    QCOMPARE(cc.execs.size(), size_t(2));
    QCOMPARE(cc.execs[0].image, std::string("/bin/sh"));
    QCOMPARE(cc.execs[1].image, std::string("/usr/bin/cc"));
    QCOMPARE(cc.execs[1].argv, (std::vector<std::string>{"cc", "-c", "main.c"}));
    QCOMPARE(cc.execs[0].tsNs, kB + 2000);
    QVERIFY(m_tree.nodes()[size_t(node(1000, kBashStart))].execs.empty());
    QCOMPARE(m_tree.captureEndNs(), kEnd);
    QCOMPARE(m_tree.totalEvents(), int64_t(kAllEvents));
}

void TstProcessTree::eventCounts()
{
    auto own = [&](uint32_t pid, uint64_t start) { return m_tree.nodes()[size_t(node(pid, start))].ownEvents; };
    auto sub = [&](uint32_t pid, uint64_t start) { return m_tree.nodes()[size_t(node(pid, start))].subtreeEvents; };
    QCOMPARE(own(500, kSshdStart), int64_t(kSshdEvents));
    QCOMPARE(own(1002, kCcStart), int64_t(kCcEvents));
    QCOMPARE(own(1002, kCurlStart), int64_t(kCurlEvents));
    QCOMPARE(sub(1001, kMakeStart), int64_t(kMakeEvents + kCcEvents + kLdEvents));
    QCOMPARE(sub(1002, kCurlStart), int64_t(kCurlEvents + kTeeEvents));
    QCOMPARE(sub(1000, kBashStart),
             int64_t(kBashEvents + kMakeEvents + kCcEvents + kLdEvents + kCurlEvents + kTeeEvents));
    QCOMPARE(sub(500, kSshdStart) + sub(2000, kCronStart), int64_t(kAllEvents));
}

std::set<int64_t> TstProcessTree::idsOf(const std::vector<int> &nodes)
{
    auto reader = SessionReader::open(m_path.toStdString());
    std::set<int64_t> ids;
    for (int i : nodes) {
        EventFilter filter;
        filter.pid = m_tree.nodes()[size_t(i)].info.pid;
        filter.procStartNs = m_tree.nodes()[size_t(i)].info.startNs;
        auto done = reader.value()->forEachEvent(filter, [&](const Event &e) {
            ids.insert(e.id);
            return true;
        });
        if (!done)
            qWarning("%s", done.error().c_str());
    }
    return ids;
}

std::set<int64_t> TstProcessTree::idsMatching(const std::string &text)
{
    std::set<int64_t> ids;
    FilterError error;
    auto compiled = compileFilter(text, &error);
    if (!compiled) {
        qWarning("%s: %s", text.c_str(), compiled.error().c_str());
        return {-1};
    }
    auto query = EventQuery::open(m_path.toStdString());
    auto done = query.value()->matchingIds(compiled.value(), [&](const std::vector<int64_t> &chunk) {
        ids.insert(chunk.begin(), chunk.end());
        return true;
    });
    if (!done)
        qWarning("%s", done.error().c_str());
    return ids;
}

void TstProcessTree::processFilterSelectsExactlyItsEvents_data()
{
    QTest::addColumn<uint>("pid");
    QTest::addColumn<qulonglong>("start");
    const std::vector<ProcessInfo> processes = treeProcesses();
    for (const ProcessInfo &p : processes)
        QTest::addRow("%s %u", p.comm.c_str(), p.pid) << uint(p.pid) << qulonglong(p.startNs);
}

void TstProcessTree::processFilterSelectsExactlyItsEvents()
{
    QFETCH(uint, pid);
    QFETCH(qulonglong, start);
    const int index = node(pid, start);
    QVERIFY(index >= 0);
    const ProcessFilter filter = m_tree.processFilter(index);
    QVERIFY(filter.exact);
    const std::set<int64_t> want = idsOf({index});
    QVERIFY(!want.empty());
    QCOMPARE(idsMatching(filter.text), want);
}

void TstProcessTree::subtreeFilterSelectsExactlyItsEvents_data()
{
    processFilterSelectsExactlyItsEvents_data();
}

void TstProcessTree::subtreeFilterSelectsExactlyItsEvents()
{
    QFETCH(uint, pid);
    QFETCH(qulonglong, start);
    const int index = node(pid, start);
    const ProcessFilter filter = m_tree.subtreeFilter(index);
    QVERIFY2(filter.exact, filter.note.c_str());
    const std::set<int64_t> want = idsOf(m_tree.subtree(index));
    QCOMPARE(int64_t(want.size()), m_tree.nodes()[size_t(index)].subtreeEvents);
    QCOMPARE(idsMatching(filter.text), want);
}

void TstProcessTree::filterTextsAUserReads()
{
    // A pid used once: just the pid.
    QCOMPARE(m_tree.processFilter(node(1003, kLdStart)).text, std::string("proc.pid == 1003"));
    // A reused pid: bounded by the next instance's start, and the note says why.
    const ProcessFilter cc = m_tree.processFilter(node(1002, kCcStart));
    QCOMPARE(cc.text, "proc.pid == 1002 and evt.time < \"" + m_tree.isoTime(kCurlStart) + "\"");
    QVERIFY2(QString::fromStdString(cc.note).contains(QStringLiteral("2 processes")), cc.note.c_str());
    QCOMPARE(m_tree.processFilter(node(1002, kCurlStart)).text,
             "proc.pid == 1002 and evt.time >= \"" + m_tree.isoTime(kCurlStart) + "\"");
    QCOMPARE(m_tree.isoTime(kCurlStart), std::string("2026-11-22T09:00:00.000007900Z"));
    // make's subtree: 1001 and 1003 whole, only the first 1002.
    QCOMPARE(m_tree.subtreeFilter(node(1001, kMakeStart)).text,
             "proc.pid in (1001, 1003) or (proc.pid == 1002 and evt.time < \"" +
                 m_tree.isoTime(kCurlStart) + "\")");
    // bash's subtree holds every instance of 1000..1004: one range.
    QCOMPARE(m_tree.subtreeFilter(node(1000, kBashStart)).text,
             std::string("(proc.pid >= 1000 and proc.pid <= 1004)"));
}

void TstProcessTree::largeSubtreeFilter()
{
    // Root pid 10 and count processes: pids 100.., started at 200.., under parentOf(k)
    // (10: the root, 1: another root), exited or still running.
    auto rootAmong = [](uint32_t count, auto parentOf, bool exited) {
        std::vector<ProcessInfo> processes;
        ProcessInfo root;
        root.pid = 10;
        root.startNs = 100;
        processes.push_back(root);
        for (uint32_t k = 0; k < count; ++k) {
            ProcessInfo p;
            p.pid = 100 + k;
            p.startNs = 200 + k;
            p.ppid = parentOf(k);
            if (exited)
                p.exitTsNs = 100000 + k;
            processes.push_back(p);
        }
        return ProcessTree::fromProcesses(std::move(processes));
    };
    // 6,000 children with scattered pids (every third pid belongs to another root):
    // the pid list alone would not fit the filter bar, so it says it is approximate.
    ProcessTree big = rootAmong(9000, [](uint32_t k) { return k % 3 == 2 ? 1u : 10u; }, true);
    const ProcessFilter filter = big.subtreeFilter(big.find(10));
    QVERIFY(!filter.exact);
    QVERIFY(!filter.note.empty());
    QVERIFY(filter.text.size() < 32767);
    QVERIFY(compileFilter(filter.text).ok());
    // 6,000 children in 12 blocks of consecutive pids (other roots' pids between):
    // too long as a list, exact as 12 ranges.
    ProcessTree blockForest = rootAmong(6600, [](uint32_t k) { return k % 550 >= 500 ? 1u : 10u; }, false);
    const ProcessFilter ranged = blockForest.subtreeFilter(blockForest.find(10));
    QVERIFY2(ranged.exact, ranged.note.c_str());
    QVERIFY(ranged.text.find("(proc.pid >= 650 and proc.pid <= 1149)") != std::string::npos);
    QVERIFY(ranged.text.size() < 1000);
    QVERIFY(compileFilter(ranged.text).ok());
    // Consecutive pids are ranges: 3,000 children in one block stay exact and short.
    ProcessTree blockTree = rootAmong(3000, [](uint32_t) { return 10u; }, false);
    const ProcessFilter blockFilter = blockTree.subtreeFilter(blockTree.find(10));
    QVERIFY(blockFilter.exact);
    // pid 10 and 100..3099 are consecutive among the session's pids: one range.
    QCOMPARE(blockFilter.text, std::string("(proc.pid >= 10 and proc.pid <= 3099)"));
}

void TstProcessTree::ancestryAndFind()
{
    const int tee = node(1004, kTeeStart);
    const std::vector<int> chain = m_tree.ancestry(tee);
    const std::vector<int> want = {tee, node(1002, kCurlStart), node(1000, kBashStart), node(500, kSshdStart)};
    QCOMPARE(chain, want);
    // startNs 0: the latest instance.
    QCOMPARE(m_tree.find(1002), node(1002, kCurlStart));
    QCOMPARE(m_tree.find(4242), -1);
    const std::vector<int> makeTree = {node(1001, kMakeStart), node(1002, kCcStart), node(1003, kLdStart)};
    QCOMPARE(m_tree.subtree(node(1001, kMakeStart)), makeTree);
}

void TstProcessTree::cancelledBuild()
{
    auto tree = ProcessTree::build(m_path.toStdString(), [](double) { return false; });
    QVERIFY(!tree.ok());
    QCOMPARE(tree.error(), std::string("cancelled"));
}

void TstProcessTree::missingFile()
{
    auto tree = ProcessTree::build(m_dir.filePath(QStringLiteral("nope.provscope")).toStdString());
    QVERIFY(!tree.ok());
    QVERIFY2(tree.error().find("nope.provscope") != std::string::npos, tree.error().c_str());
}

void TstProcessTree::benchmark10M()
{
    const QString path = qEnvironmentVariable("PROVSCOPE_BENCH_SESSION");
    if (path.isEmpty())
        QSKIP("set PROVSCOPE_BENCH_SESSION to a large session to time the build");
    QElapsedTimer timer;
    timer.start();
    auto tree = ProcessTree::build(path.toStdString());
    QVERIFY2(tree.ok(), tree ? "" : tree.error().c_str());
    int64_t sum = 0;
    size_t execs = 0;
    for (const ProcessNode &n : tree->nodes()) {
        sum += n.ownEvents;
        execs += n.execs.size();
    }
    qInfo("%zu processes, %zu roots, %zu execs, %lld events counted of %lld, built in %lld ms",
          tree->nodes().size(), tree->roots().size(), execs, (long long)sum,
          (long long)tree->totalEvents(), (long long)timer.elapsed());
    QCOMPARE(sum, tree->totalEvents());
    // The whole forest's filter, and the largest child's, run as the Events tab would.
    for (int node : {tree->roots().front(), tree->nodes()[size_t(tree->roots().front())].children.front()}) {
        timer.restart();
        const ProcessFilter filter = tree->subtreeFilter(node);
        const qint64 buildMs = timer.elapsed();
        auto compiled = compileFilter(filter.text);
        QVERIFY2(compiled.ok(), filter.text.c_str());
        auto query = EventQuery::open(path.toStdString());
        QVERIFY(query.ok());
        timer.restart();
        int64_t matches = 0;
        auto ran = query.value()->matchingIds(compiled.value(), [&](const std::vector<int64_t> &chunk) {
            matches += int64_t(chunk.size());
            return true;
        });
        QVERIFY2(ran.ok(), ran.error().c_str());
        qInfo("subtree of pid %u: %zu processes, filter of %zu chars (%s, made in %lld ms), %lld matches in %lld ms",
              tree->nodes()[size_t(node)].info.pid, tree->subtree(node).size(), filter.text.size(),
              filter.exact ? "exact" : "approximate", (long long)buildMs, (long long)matches,
              (long long)timer.elapsed());
        QCOMPARE(matches, tree->nodes()[size_t(node)].subtreeEvents);
    }
}

QTEST_GUILESS_MAIN(TstProcessTree)
#include "tst_process_tree.moc"
