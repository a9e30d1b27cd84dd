// The view-time noise filters on the scripted attack chain with unrelated
// noise beside it (scripted_chain_graph.h): the exact counts the report
// shows, what stays by name, the group nodes, the merged burst, the node map.
#include "noise_filter.h"

#include "scripted_chain_graph.h"

#include <QElapsedTimer>
#include <QtTest>

#include <random>

using namespace provscope;
using namespace scripted;

namespace {

int findPath(const ProvenanceGraph &graph, const std::string &path)
{
    return graph.findNode(ProvenanceGraph::keyForFile(path));
}

int findEdge(const ProvenanceGraph &graph, int from, int to, EdgeType type)
{
    for (const int e : graph.outEdges(from)) {
        if (graph.edge(e).to == to && graph.edge(e).type == type)
            return e;
    }
    return -1;
}

int countEdges(const ProvenanceGraph &graph, int from, int to, EdgeType type)
{
    int count = 0;
    for (const int e : graph.outEdges(from))
        count += graph.edge(e).to == to && graph.edge(e).type == type;
    return count;
}

} // namespace

class TestNoiseFilter : public QObject {
    Q_OBJECT
private slots:
    void systemPaths_data();
    void systemPaths();
    void scriptedChainCounts();
    void scriptedChainKeepsTheChain();
    void groupsAndBurst();
    void nodeMap();
    void filtersOff();
    void poiNeverHidden();
    void everyStartNodeCounts();
    void writtenLibraryStays();
    void tempFileRules();
    void sharedNeedsEnoughReaders();
    void burstGap();
    void largeView();
    void randomGraphsAddUp();
};

void TestNoiseFilter::systemPaths_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("noise");
    const std::pair<const char *, bool> rows[] = {
        {"/usr/lib/x86_64-linux-gnu/libc.so.6", true},
        {"/lib/x86_64-linux-gnu/libm.so.6", true},
        {"/lib64/ld-linux-x86-64.so.2", true},
        {"/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache", true},
        {"/etc/ld.so.cache", true},
        {"/proc/self/maps", true},
        {"/proc", true},
        {"/sys/devices/system/cpu/online", true},
        {"/dev/null", true},
        {"/dev/urandom", true},
        {"/dev/tty", true},
        {"/dev/pts/3", true},
        {"/usr/share/locale/de/LC_MESSAGES/coreutils.mo", true},
        {"/usr/lib/locale/locale-archive", true},
        {"/usr/share/zoneinfo/Europe/Berlin", true},
        {"/etc/localtime", true},
        {"/etc/nsswitch.conf", true},
        {"/usr/share/terminfo/x/xterm-256color", true},
        {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", true},
        {"/home/u/.cache/fontconfig/abc-le64.cache-7", true},
        {"/usr/share/icons/hicolor/index.theme", true},
        {"/usr/share/mime/mime.cache", true},
        {"/home/u/app/__pycache__/x.cpython-311.pyc", true},
        // What an analyst must never lose.
        {"/etc/ld.so.preload", false},
        {"/etc/passwd", false},
        {"/etc/shadow", false},
        {"/etc/crontab", false},
        {"/etc/cron.d/evil", false},
        {"/home/u/.ssh/id_rsa", false},
        {"/etc/ssh/sshd_config", false},
        {"/tmp/.x", false},
        {"/dev/shm/payload", false},
        {"/usr/bin/curl", false},
        {"/library/x", false},
        {"/libfoo", false},
        {"/etc/hosts", true},
        {"/etc/resolv.conf", true},
        {"/etc/hostname", false},
        {"/etc/os-release", false},
        {"/root/.pyenv/versions/3.11.7/lib/python3.11/lib-dynload/zlib.cpython-311-x86_64-linux-gnu.so", true},
        {"/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0", true},
        {"/root/.pyenv/versions/3.11.7/lib/python3.11/json/decoder.py", true},
        {"/opt/tool/lib64/libfoo.so", true},
        {"/home/u/.local/lib/python3.11/site-packages/evil.pth", false},
        {"/tmp/.cache/lib/libevil.so", false},
        {"/dev/shm/lib/python3/x.py", false},
        {"/home/u/lib/notes.txt", false},
        {"relative/usr/lib/x", false},
        {"", false},
    };
    for (const auto &[path, noise] : rows)
        QTest::newRow(path[0] ? path : "(empty)") << QString::fromUtf8(path) << noise;
}

void TestNoiseFilter::systemPaths()
{
    QFETCH(QString, path);
    QFETCH(bool, noise);
    QCOMPARE(isSystemNoisePath(path.toStdString()), noise);
}

void TestNoiseFilter::scriptedChainCounts()
{
    const ProvenanceGraph view = chainGraph();
    QCOMPARE(view.nodeCount(), 31);
    QCOMPARE(view.edgeCount(), 255);
    NoiseReport report;
    const ProvenanceGraph shown = applyNoiseFilters(view, NoiseOptions{}, &report);

    QCOMPARE(report.nodesBefore, 31);
    QCOMPARE(report.edgesBefore, 255);
    QCOMPARE(int(report.filters.size()), 5);
    const struct { const char *name; int nodes, edges; } expected[] = {
        {"system files", 6, 14},          // ld.so.cache, libc, 2 /proc files, /dev/null, locale archive
        {"shared read-only files", 2, 3}, // /etc/hostname and /etc/os-release: 6 reads become 3
        {"temporary files", 2, 3},        // bash's two here-documents: 6 edges become 3
        {"bursts", 0, 198},               // tar's 100 writes -> 1, logger's 101 -> 2
        {"unconnected", 2, 2},            // logger and its log
    };
    for (size_t i = 0; i < 5; ++i) {
        QCOMPARE(report.filters[i].name, std::string(expected[i].name));
        QCOMPARE(report.filters[i].nodesHidden, expected[i].nodes);
        QCOMPARE(report.filters[i].edgesHidden, expected[i].edges);
    }
    QCOMPARE(report.nodesAfter, 21); // 31 - 12 hidden + 2 group nodes
    QCOMPARE(report.edgesAfter, 35);
    QCOMPARE(shown.nodeCount(), 21);
    QCOMPARE(shown.edgeCount(), 35);
    QCOMPARE(shown.bootToEpochNs(), view.bootToEpochNs());
    QCOMPARE(shown.node(shown.poi()).key, view.node(ExfilSocket).key);
    QVERIFY(shown.node(shown.poi()).isPoi);
}

void TestNoiseFilter::scriptedChainKeepsTheChain()
{
    const ProvenanceGraph view = chainGraph();
    const ProvenanceGraph shown = applyNoiseFilters(view, NoiseOptions{});
    // Every node of the chain is still there by its key, and so is /etc/passwd
    // (read by three processes, but a reconnaissance target).
    for (int node = Bash412; node <= Bashrc; ++node)
        QVERIFY2(shown.findNode(view.node(node).key) >= 0, view.node(node).key.c_str());
    QVERIFY(findPath(shown, "/etc/passwd") >= 0);
    for (const char *gone : {"/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/proc/417/status",
                             "/dev/null", "/etc/hostname", "/tmp/sh-thd.AAA", "/var/log/app.log"})
        QVERIFY2(findPath(shown, gone) < 0, gone);
    QCOMPARE(shown.findNode(view.node(Logger300).key), -1);
    // The archive tar wrote and .x read and deleted is a link of the chain, not a temp file.
    const int archive = findPath(shown, "/tmp/k.tgz");
    QVERIFY(archive >= 0);
    QCOMPARE(shown.node(archive).collapsed, 0);
}

void TestNoiseFilter::groupsAndBurst()
{
    const ProvenanceGraph view = chainGraph();
    const ProvenanceGraph shown = applyNoiseFilters(view, NoiseOptions{});
    // Group nodes come last: shared read-only first, then the temp files.
    const GraphNode &shared = shown.node(19);
    QCOMPARE(shared.label, std::string("2 shared read-only files"));
    QCOMPARE(shared.collapsed, 2);
    QCOMPARE(shared.detail, std::string("/etc/hostname, /etc/os-release"));
    const GraphNode &temp = shown.node(20);
    QCOMPARE(temp.label, std::string("2 temporary files"));
    QCOMPARE(temp.collapsed, 2);

    // One read per reader, spanning both files' reads, counts and bytes summed.
    const int bash = shown.findNode(view.node(Bash412).key);
    QCOMPARE(countEdges(shown, 19, bash, EdgeType::Read), 1);
    const GraphEdge &read = shown.edge(findEdge(shown, 19, bash, EdgeType::Read));
    QCOMPARE(read.count, uint64_t(2));
    QCOMPARE(read.bytes, uint64_t(320));
    QCOMPARE(read.tsNs, sec(5));
    QCOMPARE(read.teNs, sec(5.01));
    QCOMPARE(int(read.eventIds.size()), 2);
    QVERIFY(std::is_sorted(read.eventIds.begin(), read.eventIds.end()));
    // The temp group: one write, one read back, one unlink by bash.
    QCOMPARE(int(shown.outEdges(20).size()), 1);
    QCOMPARE(int(shown.inEdges(20).size()), 2);
    const GraphEdge &write = shown.edge(findEdge(shown, bash, 20, EdgeType::Write));
    QCOMPARE(write.bytes, uint64_t(40));
    QCOMPARE(write.tsNs, sec(9));
    QCOMPARE(write.teNs, sec(9.5));
    QVERIFY(findEdge(shown, bash, 20, EdgeType::Unlink) >= 0);

    // tar's 100 writes: one interval edge.
    const int tar = shown.findNode(view.node(Tar418v1).key);
    const int archive = findPath(shown, "/tmp/k.tgz");
    QCOMPARE(countEdges(shown, tar, archive, EdgeType::Write), 1);
    const GraphEdge &burst = shown.edge(findEdge(shown, tar, archive, EdgeType::Write));
    QCOMPARE(burst.count, uint64_t(100));
    QCOMPARE(burst.bytes, uint64_t(4100));
    QCOMPARE(burst.tsNs, sec(12.6));
    QCOMPARE(burst.teNs, sec(12.6) + ms(99));
    QCOMPARE(int(burst.eventIds.size()), 100);
}

void TestNoiseFilter::nodeMap()
{
    const ProvenanceGraph view = chainGraph();
    std::vector<int> map;
    const ProvenanceGraph shown = applyNoiseFilters(view, NoiseOptions{}, nullptr, &map);
    QCOMPARE(int(map.size()), view.nodeCount());
    for (int node = Bash412; node <= Bashrc; ++node)
        QCOMPARE(map[size_t(node)], node); // kept in order
    QCOMPARE(map[EtcPasswd], 18);
    QCOMPARE(map[Hostname], 19);
    QCOMPARE(map[OsRelease], 19);
    QCOMPARE(map[HereDocA], 20);
    QCOMPARE(map[HereDocB], 20);
    for (const int hidden : {LdSoCache, Libc, Proc417Status, Proc300Stat, DevNull, LocaleArchive, Logger300, AppLog})
        QCOMPARE(map[size_t(hidden)], -1);
    QCOMPARE(map[ExfilSocket], shown.poi());
}

void TestNoiseFilter::filtersOff()
{
    const ProvenanceGraph view = chainGraph();
    NoiseOptions off;
    off.hideSystemFiles = off.collapseSharedReadOnly = off.collapseTempFiles = off.mergeBursts = false;
    NoiseReport report;
    const ProvenanceGraph shown = applyNoiseFilters(view, off, &report);
    QCOMPARE(int(report.filters.size()), 5);
    for (size_t i = 0; i < 4; ++i) {
        QCOMPARE(report.filters[i].nodesHidden, 0);
        QCOMPARE(report.filters[i].edgesHidden, 0);
    }
    // ld.so.cache and libc still tie the logger to the chain: nothing is unconnected.
    QCOMPARE(report.filters[4].nodesHidden, 0);
    QCOMPARE(shown.nodeCount(), 31);
    QCOMPARE(shown.edgeCount(), 255);

    // Only the system files: now the logger is on its own.
    off.hideSystemFiles = true;
    applyNoiseFilters(view, off, &report);
    QCOMPARE(report.filters[0].nodesHidden, 6);
    QCOMPARE(report.filters[4].nodesHidden, 2);
    QCOMPARE(report.filters[4].edgesHidden, 101);
    QCOMPARE(report.nodesAfter, 31 - 8);
    QCOMPARE(report.edgesAfter, 255 - 14 - 101);
}

void TestNoiseFilter::poiNeverHidden()
{
    ProvenanceGraph view = chainGraph();
    view.setPoi(LdSoCache);
    NoiseReport report;
    std::vector<int> map;
    const ProvenanceGraph shown = applyNoiseFilters(view, NoiseOptions{}, &report, &map);
    QVERIFY(shown.poi() >= 0);
    QCOMPARE(shown.node(shown.poi()).path, std::string("/etc/ld.so.cache"));
    QCOMPARE(map[LdSoCache], shown.poi());
    QCOMPARE(report.filters[0].nodesHidden, 5);
    // The logger read ld.so.cache: it stays connected now.
    QVERIFY(shown.findNode(view.node(Logger300).key) >= 0);

    // A lone point of interest: nothing else, nothing hidden.
    ProvenanceGraph lone;
    lone.setPoi(lone.addFile("/proc/1/environ"));
    const ProvenanceGraph kept = applyNoiseFilters(lone, NoiseOptions{}, &report);
    QCOMPARE(kept.nodeCount(), 1);
    QCOMPARE(kept.poi(), 0);
    QCOMPARE(report.filters[0].nodesHidden, 0);

    // Without a point of interest nothing counts as unconnected.
    ProvenanceGraph none;
    const int p = process(none, 1, 1, "a", "/a", 0);
    const int f = none.addFile("/tmp/y");
    edge(none, p, f, EdgeType::Write, 5);
    applyNoiseFilters(none, NoiseOptions{}, &report);
    QCOMPARE(report.nodesAfter, 2);
    QCOMPARE(report.filters[4].nodesHidden, 0);
}

// A path or an address can name several nodes (a reused inode, several
// connections): what is connected to any of them stays, even when the first
// one the search started from has no edge at all.
void TestNoiseFilter::everyStartNodeCounts()
{
    ProvenanceGraph view;
    const int oldIdentity = view.addFile("/srv/report.txt");
    GraphNode second = view.node(oldIdentity);
    second.key = "inode:1:2";
    const int newIdentity = view.addNode(second);
    const int writer = process(view, 7, 1, "writer", "/usr/bin/writer", 0);
    const int source = view.addFile("/srv/draft.txt");
    edge(view, source, writer, EdgeType::Read, 4);
    edge(view, writer, newIdentity, EdgeType::Write, 5);
    view.mutableNode(newIdentity).isPoi = true;
    view.setPoi(oldIdentity); // marks it too
    NoiseReport report;
    const ProvenanceGraph shown = applyNoiseFilters(view, NoiseOptions{}, &report);
    QCOMPARE(shown.nodeCount(), 4);
    QCOMPARE(report.filters[4].nodesHidden, 0);
    QVERIFY(shown.node(shown.findNode("inode:1:2")).isPoi);
    QCOMPARE(shown.node(shown.poi()).key, view.node(oldIdentity).key);
}

void TestNoiseFilter::writtenLibraryStays()
{
    ProvenanceGraph view;
    const int dropper = process(view, 50, 1, "dropper", "/tmp/dropper", 0);
    const int victim = process(view, 60, 2, "sshd", "/usr/sbin/sshd", 0);
    const int evil = view.addFile("/usr/lib/x86_64-linux-gnu/libevil.so");
    const int libc = view.addFile("/usr/lib/x86_64-linux-gnu/libc.so.6");
    const int tty = view.addFile("/dev/pts/0");
    const int preload = view.addFile("/etc/ld.so.preload");
    edge(view, dropper, evil, EdgeType::Write, 10, 0, 9000);
    edge(view, dropper, preload, EdgeType::Write, 11, 0, 40);
    edge(view, preload, victim, EdgeType::Read, 20, 0, 40);
    edge(view, evil, victim, EdgeType::Read, 21, 0, 9000);
    edge(view, libc, victim, EdgeType::Read, 21, 0, 832);
    edge(view, libc, dropper, EdgeType::Read, 5, 0, 832);
    edge(view, dropper, tty, EdgeType::Write, 12, 0, 10);
    const int hosts = view.addFile("/etc/hosts"); // DNS hijack: written, so shown
    edge(view, dropper, hosts, EdgeType::Write, 13, 0, 30);
    edge(view, hosts, victim, EdgeType::Read, 22, 0, 30);
    view.setPoi(victim);
    NoiseReport report;
    const ProvenanceGraph shown = applyNoiseFilters(view, NoiseOptions{}, &report);
    QCOMPARE(report.filters[0].nodesHidden, 2); // libc and the terminal, even though written
    QCOMPARE(report.filters[0].edgesHidden, 3);
    QVERIFY(findPath(shown, "/usr/lib/x86_64-linux-gnu/libevil.so") >= 0);
    QVERIFY(findPath(shown, "/etc/ld.so.preload") >= 0);
    QCOMPARE(findPath(shown, "/dev/pts/0"), -1);
    // The same judgement for one node.
    QVERIFY(isSystemNoiseFile(view, libc));
    QVERIFY(isSystemNoiseFile(view, tty));
    QVERIFY(!isSystemNoiseFile(view, evil));
    QVERIFY(!isSystemNoiseFile(view, hosts));
    QVERIFY(!isSystemNoiseFile(view, preload));
    QVERIFY(!isSystemNoiseFile(view, victim));
    QVERIFY(findPath(shown, "/etc/hosts") >= 0);
}

void TestNoiseFilter::tempFileRules()
{
    ProvenanceGraph view;
    const int cc = process(view, 70, 1, "cc1", "/usr/lib/gcc/cc1", 0);
    const int as = process(view, 71, 1, "as", "/usr/bin/as", 0);
    view.setPoi(cc);
    auto tempFile = [&](const std::string &path, uint64_t created, uint64_t unlinked, int reader) {
        const int file = view.addFile(path);
        edge(view, cc, file, EdgeType::Write, created, 0, 100);
        if (reader >= 0)
            edge(view, file, reader, EdgeType::Read, created + 1, 0, 100);
        if (unlinked)
            edge(view, cc, file, EdgeType::Unlink, unlinked);
        return file;
    };
    tempFile("/tmp/cc1.a", sec(1), sec(2), cc);               // folds
    tempFile("/var/tmp/cc1.b", sec(1), sec(11), cc);          // folds: exactly 10 s
    tempFile("/dev/shm/cc1.c", sec(1), 0, -1);                // never unlinked: stays
    tempFile("/tmp/cc1.d", sec(1), sec(11) + 1, -1);          // lived too long: stays
    tempFile("/tmp/cc1.s", sec(1), sec(2), as);               // read by another process: stays
    tempFile("/home/u/cc1.e", sec(1), sec(2), -1);            // not a temp directory: stays
    tempFile("/run/user/1000/cc1.f", sec(1), sec(1.5), -1);   // folds
    // mkstemp, unlink, then used through its descriptor: gone at its last use.
    const int anonymous = view.addFile("/tmp/cc1.g");           // folds: last use 5 s after
    edge(view, cc, anonymous, EdgeType::Unlink, sec(1));
    edge(view, cc, anonymous, EdgeType::Write, sec(2), sec(3), 100);
    edge(view, anonymous, cc, EdgeType::Read, sec(4), sec(6), 100);
    const int kept = view.addFile("/tmp/cc1.h");                // stays: used 20 s after
    edge(view, cc, kept, EdgeType::Unlink, sec(1));
    edge(view, cc, kept, EdgeType::Write, sec(2), sec(21), 100);
    NoiseOptions options;
    options.mergeBursts = false;
    NoiseReport report;
    std::vector<int> map;
    const ProvenanceGraph shown = applyNoiseFilters(view, options, &report, &map);
    QCOMPARE(report.filters[2].nodesHidden, 4);
    QCOMPARE(report.filters[2].edgesHidden, 8); // 4 writes -> 1, 3 reads -> 1, 4 unlinks -> 1
    const int group = shown.findNode("group:temporary:" + view.node(cc).key);
    QVERIFY(group >= 0);
    QCOMPARE(shown.node(group).label, std::string("4 temporary files"));
    QCOMPARE(map[2], group);
    QCOMPARE(map[3], group);
    QCOMPARE(map[8], group);
    QCOMPARE(map[size_t(anonymous)], group);
    for (const char *stays : {"/dev/shm/cc1.c", "/tmp/cc1.d", "/tmp/cc1.s", "/home/u/cc1.e", "/tmp/cc1.h"})
        QVERIFY2(findPath(shown, stays) >= 0, stays);

    // One temp file alone is not folded: a group of one hides a name and saves nothing.
    ProvenanceGraph single;
    const int p = process(single, 1, 1, "sort", "/usr/bin/sort", 0);
    const int f = single.addFile("/tmp/sortXYZ");
    edge(single, p, f, EdgeType::Write, 1);
    edge(single, p, f, EdgeType::Unlink, 2);
    single.setPoi(p);
    applyNoiseFilters(single, NoiseOptions{}, &report);
    QCOMPARE(report.filters[2].nodesHidden, 0);
}

void TestNoiseFilter::sharedNeedsEnoughReaders()
{
    ProvenanceGraph view;
    const int a = process(view, 1, 1, "a", "/a", 0);
    const int b = process(view, 2, 1, "b", "/b", 0);
    const int c = process(view, 3, 1, "c", "/c", 0);
    const int conf1 = view.addFile("/etc/app.conf");
    const int conf2 = view.addFile("/etc/app2.conf");
    const int twoReaders = view.addFile("/etc/app3.conf");
    const int written = view.addFile("/var/lib/app/state");
    const int shadow = view.addFile("/etc/shadow");
    for (const int reader : {a, b, c}) {
        edge(view, conf1, reader, EdgeType::Read, 10);
        edge(view, reader, conf1, EdgeType::Open, 9); // process -> file: merged per (process, open)
        edge(view, conf2, reader, EdgeType::Read, 11);
        edge(view, written, reader, EdgeType::Read, 12);
        edge(view, shadow, reader, EdgeType::Read, 13);
    }
    edge(view, conf1, a, EdgeType::Read, 14); // a second read by a: still three readers
    edge(view, twoReaders, a, EdgeType::Read, 10);
    edge(view, twoReaders, b, EdgeType::Read, 10);
    edge(view, a, written, EdgeType::Write, 20);
    view.setPoi(a);
    NoiseOptions options;
    options.mergeBursts = false;
    NoiseReport report;
    const ProvenanceGraph shown = applyNoiseFilters(view, options, &report);
    QCOMPARE(report.filters[1].nodesHidden, 2); // app.conf and app2.conf
    // 10 edges (7 reads, 3 opens) become 3 reads and 3 opens.
    QCOMPARE(report.filters[1].edgesHidden, 4);
    const int group = shown.findNode("group:shared-read-only");
    QVERIFY(group >= 0);
    const GraphEdge &readA = shown.edge(findEdge(shown, group, shown.findNode(view.node(a).key), EdgeType::Read));
    QCOMPARE(readA.count, uint64_t(3));
    QCOMPARE(readA.tsNs, uint64_t(10));
    QCOMPARE(readA.teNs, uint64_t(14));
    QVERIFY(findPath(shown, "/etc/app3.conf") >= 0);
    QVERIFY(findPath(shown, "/var/lib/app/state") >= 0);
    QVERIFY(findPath(shown, "/etc/shadow") >= 0);
}

void TestNoiseFilter::burstGap()
{
    ProvenanceGraph view;
    const int p = process(view, 1, 1, "w", "/w", 0);
    const int f = view.addFile("/var/log/w.log");
    view.setPoi(f);
    // Gaps: 0.5 s (merge), 0.999999999 s (merge), exactly 1 s (split), overlap (merge).
    edge(view, p, f, EdgeType::Write, sec(1), sec(1.1), 10);
    edge(view, p, f, EdgeType::Write, sec(1.6), sec(1.6), 10);
    edge(view, p, f, EdgeType::Write, sec(2.6) - 1, sec(2.6), 10);
    edge(view, p, f, EdgeType::Write, sec(3.6), sec(4), 10);
    edge(view, p, f, EdgeType::Write, sec(3.7), sec(3.8), 10);
    edge(view, p, f, EdgeType::Read, sec(1.7), sec(1.7), 10); // another type: its own run
    NoiseReport report;
    const ProvenanceGraph shown = applyNoiseFilters(view, NoiseOptions{}, &report);
    QCOMPARE(report.filters[3].edgesHidden, 3);
    QCOMPARE(shown.edgeCount(), 3);
    QCOMPARE(shown.edge(0).tsNs, sec(1));
    QCOMPARE(shown.edge(0).teNs, sec(2.6));
    QCOMPARE(shown.edge(0).count, uint64_t(3));
    QCOMPARE(shown.edge(1).tsNs, sec(3.6));
    QCOMPARE(shown.edge(1).teNs, sec(4));
    QCOMPARE(shown.edge(1).bytes, uint64_t(20));
    QCOMPARE(shown.edge(2).type, EdgeType::Read);
}

void TestNoiseFilter::largeView()
{
    // 2,000 workers under init, each loading libc, reading 10 shared configs,
    // making 5 here-document-like temp files and writing its log 100 times:
    // 256,000 edges. Every filter has work; folding must not re-index per group.
    ProvenanceGraph view;
    const int libc = view.addFile("/usr/lib/x86_64-linux-gnu/libc.so.6");
    const int cache = view.addFile("/etc/ld.so.cache");
    std::vector<int> configs;
    for (int i = 0; i < 10; ++i)
        configs.push_back(view.addFile("/etc/app/conf" + std::to_string(i)));
    const int init = process(view, 1, 0, "init", "/sbin/init", 0);
    uint64_t t = 1000;
    auto add = [&](int from, int to, EdgeType type) { edge(view, from, to, type, t += 1000, 0, 10); };
    for (int p = 0; p < 2000; ++p) {
        const int worker = process(view, uint32_t(100 + p), uint64_t(p + 1), "w", "/usr/bin/w", 0);
        add(init, worker, EdgeType::Fork);
        add(libc, worker, EdgeType::Read);
        add(cache, worker, EdgeType::Read);
        for (const int config : configs)
            add(config, worker, EdgeType::Read);
        for (int k = 0; k < 5; ++k) {
            const int temp = view.addFile("/tmp/t" + std::to_string(p) + "_" + std::to_string(k));
            add(worker, temp, EdgeType::Write);
            add(temp, worker, EdgeType::Read);
            add(worker, temp, EdgeType::Unlink);
        }
        const int log = view.addFile("/var/log/w" + std::to_string(p));
        for (int k = 0; k < 100; ++k)
            add(worker, log, EdgeType::Write);
    }
    view.setPoi(init);
    QCOMPARE(view.edgeCount(), 256000);
    QElapsedTimer timer;
    timer.start();
    NoiseReport report;
    const ProvenanceGraph shown = applyNoiseFilters(view, NoiseOptions{}, &report);
    const qint64 elapsed = timer.elapsed();
    qInfo("noise filters on %d nodes, %d edges: %lld ms", view.nodeCount(), view.edgeCount(), elapsed);
    QCOMPARE(report.filters[0].nodesHidden, 2);
    QCOMPARE(report.filters[0].edgesHidden, 4000);
    QCOMPARE(report.filters[1].nodesHidden, 10);
    QCOMPARE(report.filters[1].edgesHidden, 18000);
    QCOMPARE(report.filters[2].nodesHidden, 10000);
    QCOMPARE(report.filters[2].edgesHidden, 24000);
    QCOMPARE(report.filters[3].edgesHidden, 198000);
    QCOMPARE(shown.nodeCount(), 14013 - 2 - 10 - 10000 + 1 + 2000);
    QCOMPARE(shown.edgeCount(), 12000);
    QVERIFY2(elapsed < 5000, "generous: a shared CI machine; about 0.25 s at -O2");
}

void TestNoiseFilter::randomGraphsAddUp()
{
    // On random graphs (every edge type, between any nodes): the report's
    // figures add up to what is shown, the node map agrees with the result,
    // the point of interest stays, and every shown node is connected to it.
    std::mt19937 rng(20261122);
    const char *paths[] = {"/tmp/a", "/tmp/b", "/usr/lib/l.so", "/etc/passwd", "/home/u/.ssh/id_rsa",
                           "/dev/null", "/proc/1/stat", "/tmp/sh-1", "/etc/hostname", "/var/log/x"};
    for (int round = 0; round < 500; ++round) {
        ProvenanceGraph view;
        const int nodes = 1 + int(rng() % 30);
        for (int i = 0; i < nodes; ++i) {
            switch (rng() % 4) {
            case 0: process(view, 1 + rng() % 6, rng() % 3, rng() % 2 ? "sh" : "a", "/bin/a", int(rng() % 3)); break;
            case 1: view.addFile(paths[rng() % 10]); break;
            case 2: view.addSocket("127.0.0.1", uint16_t(rng() % 3), rng() % 2 ? "127.0.0.3" : "", 80); break;
            default: view.addPipe("pipe:[1]");
            }
        }
        const int n = view.nodeCount();
        const int edges = int(rng() % 60);
        for (int e = 0; e < edges; ++e)
            edge(view, int(rng() % n), int(rng() % n), EdgeType(rng() % 12), (rng() % 50) * ms(100), 0, rng() % 5000);
        if (rng() % 4)
            view.setPoi(int(rng() % n));
        NoiseOptions options;
        options.sharedReaderMin = 1 + int(rng() % 3);
        NoiseReport report;
        std::vector<int> map;
        const ProvenanceGraph shown = applyNoiseFilters(view, options, &report, &map);
        int hidden = 0, edgesHidden = 0, groups = 0;
        for (const auto &filter : report.filters) {
            hidden += filter.nodesHidden;
            edgesHidden += filter.edgesHidden;
        }
        for (const GraphNode &node : shown.nodes())
            groups += node.collapsed > 0;
        QCOMPARE(report.nodesAfter, shown.nodeCount());
        QCOMPARE(report.edgesAfter, shown.edgeCount());
        QCOMPARE(report.nodesBefore - hidden + groups, report.nodesAfter);
        QCOMPARE(report.edgesBefore - edgesHidden, report.edgesAfter);
        for (int i = 0; i < n; ++i) {
            const int m = map[size_t(i)];
            QVERIFY(m >= -1 && m < shown.nodeCount());
            if (m >= 0 && shown.node(m).collapsed == 0)
                QCOMPARE(shown.node(m).key, view.node(i).key);
        }
        if (view.poi() < 0)
            continue;
        QCOMPARE(shown.node(shown.poi()).key, view.node(view.poi()).key);
        std::vector<char> seen(size_t(shown.nodeCount()), 0);
        std::vector<int> stack{shown.poi()};
        seen[size_t(shown.poi())] = 1;
        while (!stack.empty()) {
            const int node = stack.back();
            stack.pop_back();
            for (const auto *list : {&shown.inEdges(node), &shown.outEdges(node)}) {
                for (const int e : *list) {
                    const int other = shown.edge(e).from == node ? shown.edge(e).to : shown.edge(e).from;
                    if (!seen[size_t(other)]) {
                        seen[size_t(other)] = 1;
                        stack.push_back(other);
                    }
                }
            }
        }
        QVERIFY(std::all_of(seen.begin(), seen.end(), [](char c) { return c != 0; }));
    }
}

QTEST_GUILESS_MAIN(TestNoiseFilter)
#include "tst_noise_filter.moc"
