// Security relevance on the scripted attack chain (scripted_chain_graph.h) and
// on small graphs for each rule, with the cases that must not be marked.
#include "security_relevance.h"

#include "noise_filter.h"
#include "scripted_chain_graph.h"

#include <QtTest>

using namespace provscope;
using namespace scripted;

class TestSecurityRelevance : public QObject {
    Q_OBJECT
private slots:
    void scriptedChain();
    void scriptedChainAfterNoiseFilter();
    void fileRules_data();
    void fileRules();
    void filesWithSeveralPaths();
    void executedDownloadNeedsOrder();
    void executedDownloadThroughRename();
    void executedDownloadScript();
    void networkShell();
    void outbound();
    void reasons();
    void shellNames();
};

void TestSecurityRelevance::scriptedChain()
{
    ProvenanceGraph graph = chainGraph();
    for (int i = 0; i < graph.nodeCount(); ++i)
        graph.mutableNode(i).flags = 0x80000000u; // stale bits go
    classifySecurityRelevance(graph);
    std::vector<uint32_t> expected(NodeCount, 0);
    expected[DotX] = kFlagExecutedDownload;
    expected[X417v1] = kFlagExecutedDownload; // the process version /tmp/.x became
    expected[IdRsa] = kFlagSshKey;
    expected[Bashrc] = kFlagPersistence;
    expected[DownloadSocket] = kFlagOutbound; // loopback counts: documented
    expected[ExfilSocket] = kFlagOutbound;
    for (int node = 0; node < NodeCount; ++node)
        QVERIFY2(graph.node(node).flags == expected[size_t(node)], graph.node(node).key.c_str());
    // /etc/passwd only read: no flag. Classifying again changes nothing.
    classifySecurityRelevance(graph);
    for (int node = 0; node < NodeCount; ++node)
        QCOMPARE(graph.node(node).flags, expected[size_t(node)]);
}

void TestSecurityRelevance::scriptedChainAfterNoiseFilter()
{
    // The view the user sees: filtered first, then classified; group nodes get nothing.
    ProvenanceGraph shown = applyNoiseFilters(chainGraph(), NoiseOptions{});
    classifySecurityRelevance(shown);
    int flagged = 0;
    for (const GraphNode &node : shown.nodes()) {
        if (node.collapsed > 0)
            QCOMPARE(node.flags, 0u);
        flagged += node.flags != 0;
    }
    QCOMPARE(flagged, 6);
    const ProvenanceGraph view = chainGraph();
    QCOMPARE(shown.node(shown.findNode(view.node(DotX).key)).flags, uint32_t(kFlagExecutedDownload));
}

void TestSecurityRelevance::fileRules_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("written");
    QTest::addColumn<uint>("flags");
    const struct { const char *path; bool written; uint32_t flags; } rows[] = {
        {"/etc/cron.d/evil", true, kFlagEtcWrite | kFlagPersistence},
        {"/etc/cron.d/evil", false, 0},
        {"/etc/crontab", true, kFlagEtcWrite | kFlagPersistence},
        {"/var/spool/cron/crontabs/root", true, kFlagPersistence},
        {"/etc/systemd/system/evil.service", true, kFlagEtcWrite | kFlagPersistence},
        {"/home/u/.config/systemd/user/evil.service", true, kFlagPersistence},
        {"/lib/systemd/system/ssh.service", true, kFlagPersistence},
        {"/etc/rc.local", true, kFlagEtcWrite | kFlagPersistence},
        {"/etc/rc3.d/S99evil", true, kFlagEtcWrite | kFlagPersistence},
        {"/etc/rc", true, kFlagEtcWrite}, // shorter than "/etc/rc.d/": once threw out_of_range
        {"/home/u/.bashrc", true, kFlagPersistence},
        {"/home/u/.bashrc", false, 0},
        {"/root/.profile", true, kFlagPersistence},
        {"/etc/profile.d/evil.sh", true, kFlagEtcWrite | kFlagPersistence},
        {"/home/u/.config/autostart/evil.desktop", true, kFlagPersistence},
        {"/etc/ld.so.preload", true, kFlagEtcWrite | kFlagPersistence},
        {"/etc/hosts", true, kFlagEtcWrite},
        {"/etc/hosts", false, 0},
        {"/etc/passwd", false, 0},
        {"/etc/shadow", false, kFlagCredential},
        {"/etc/shadow", true, kFlagEtcWrite | kFlagCredential},
        {"/etc/gshadow", false, kFlagCredential},
        {"/home/u/.aws/credentials", false, kFlagCredential},
        {"/home/u/.netrc", false, kFlagCredential},
        {"/home/u/.local/share/keyrings/login.keyring", false, kFlagCredential},
        {"/home/u/.config/google-chrome/Default/Login Data", false, kFlagCredential},
        {"/home/u/.mozilla/firefox/x.default/logins.json", false, kFlagCredential},
        {"/home/u/.ssh/id_rsa", false, kFlagSshKey},
        {"/home/u/.ssh/authorized_keys", true, kFlagSshKey | kFlagPersistence},
        {"/home/u/.ssh/authorized_keys", false, kFlagSshKey},
        {"/home/u/.ssh/known_hosts", false, 0},
        {"/home/u/.ssh/known_hosts", true, kFlagSshKey},
        {"/etc/ssh/ssh_host_ed25519_key", false, kFlagSshKey},
        {"/etc/ssh/sshd_config", false, 0},
        {"/tmp/notes.txt", true, 0},
        {"/etcetera/x", true, 0},
    };
    for (const auto &row : rows)
        QTest::newRow((std::string(row.path) + (row.written ? " written" : " read")).c_str())
            << QString::fromUtf8(row.path) << row.written << uint(row.flags);
}

void TestSecurityRelevance::fileRules()
{
    QFETCH(QString, path);
    QFETCH(bool, written);
    QFETCH(uint, flags);
    ProvenanceGraph graph;
    const int p = process(graph, 10, 1, "vi", "/usr/bin/vi", 0);
    const int f = graph.addFile(path.toStdString());
    if (written)
        edge(graph, p, f, EdgeType::Write, 5, 0, 10);
    else
        edge(graph, f, p, EdgeType::Read, 5, 0, 10);
    classifySecurityRelevance(graph);
    QCOMPARE(uint(graph.node(f).flags), flags);
    QCOMPARE(graph.node(p).flags, 0u);
}

void TestSecurityRelevance::filesWithSeveralPaths()
{
    ProvenanceGraph graph;
    const int p = process(graph, 10, 1, "sed", "/usr/bin/sed", 0);
    // Known by device and inode: two names, one of them under /etc, only read.
    const int resolv = graph.addFile("/run/systemd/resolve/stub-resolv.conf");
    graph.mutableNode(resolv).paths = {"/run/systemd/resolve/stub-resolv.conf", "/etc/resolv.conf"};
    edge(graph, resolv, p, EdgeType::Read, 5, 0, 100);
    // sed -i: a temp file written, then renamed over the crontab.
    const int temp = graph.addFile("/etc/sedX1y2z3");
    graph.mutableNode(temp).paths = {"/etc/sedX1y2z3", "/etc/crontab"};
    edge(graph, p, temp, EdgeType::Write, 6, 0, 300);
    // A key file read under its second name.
    const int key = graph.addFile("/home/u/backup/key");
    graph.mutableNode(key).paths = {"/home/u/backup/key", "/home/u/.ssh/id_ed25519"};
    edge(graph, key, p, EdgeType::Read, 7, 0, 400);
    classifySecurityRelevance(graph);
    QCOMPARE(graph.node(resolv).flags, 0u);
    QCOMPARE(graph.node(temp).flags, uint32_t(kFlagEtcWrite | kFlagPersistence));
    QCOMPARE(graph.node(key).flags, uint32_t(kFlagSshKey));
}

void TestSecurityRelevance::executedDownloadNeedsOrder()
{
    ProvenanceGraph graph;
    const int sock = graph.addSocket("10.0.0.2", 5000, "10.0.0.9", 80);
    const int fetch = process(graph, 20, 1, "wget", "/usr/bin/wget", 0);
    const int runner = process(graph, 21, 1, "sh", "/usr/bin/sh", 0);
    const int runnerAfter = process(graph, 21, 1, "a", "/tmp/a", 1);
    const int downloaded = graph.addFile("/tmp/a");   // recv, write, exec: marked
    const int earlier = graph.addFile("/tmp/b");      // written before any network input
    const int neverRun = graph.addFile("/tmp/c");     // downloaded, never executed
    const int runFirst = graph.addFile("/tmp/d");     // executed before it was written
    edge(graph, fetch, earlier, EdgeType::Write, 5);
    edge(graph, sock, fetch, EdgeType::Recv, 10, 12, 1000);
    edge(graph, fetch, downloaded, EdgeType::Write, 11, 13, 1000);
    edge(graph, fetch, neverRun, EdgeType::Write, 14);
    edge(graph, fetch, runFirst, EdgeType::Write, 30);
    edge(graph, runner, runnerAfter, EdgeType::Version, 20);
    edge(graph, downloaded, runnerAfter, EdgeType::Exec, 20);
    edge(graph, earlier, runnerAfter, EdgeType::Exec, 20);
    const int other = process(graph, 22, 1, "d", "/tmp/d", 1);
    edge(graph, runFirst, other, EdgeType::Exec, 25);
    classifySecurityRelevance(graph);
    QCOMPARE(graph.node(downloaded).flags, uint32_t(kFlagExecutedDownload));
    QCOMPARE(graph.node(runnerAfter).flags, uint32_t(kFlagExecutedDownload));
    QCOMPARE(graph.node(earlier).flags, 0u);
    QCOMPARE(graph.node(neverRun).flags, 0u);
    QCOMPARE(graph.node(runFirst).flags, 0u);
    QCOMPARE(graph.node(other).flags, 0u);
    QCOMPARE(graph.node(runner).flags, 0u);
    QCOMPARE(graph.node(fetch).flags, 0u);
}

void TestSecurityRelevance::executedDownloadThroughRename()
{
    ProvenanceGraph graph;
    const int sock = graph.addSocket("127.0.0.1", 5000, "127.0.0.1", 8000);
    const int curl = process(graph, 30, 1, "curl", "/usr/bin/curl", 0);
    const int part = graph.addFile("/tmp/x.part");
    const int final = graph.addFile("/tmp/x");
    const int run = process(graph, 31, 1, "x", "/tmp/x", 1);
    edge(graph, curl, sock, EdgeType::Connect, 1);
    edge(graph, sock, curl, EdgeType::Read, 2, 3, 500); // read() on the socket fd
    edge(graph, curl, part, EdgeType::Write, 3, 4, 500);
    edge(graph, part, final, EdgeType::Rename, 5);
    edge(graph, final, run, EdgeType::Exec, 6);
    classifySecurityRelevance(graph);
    QCOMPARE(graph.node(final).flags, uint32_t(kFlagExecutedDownload));
    QCOMPARE(graph.node(run).flags, uint32_t(kFlagExecutedDownload));
    QCOMPARE(graph.node(part).flags, 0u);
    QCOMPARE(graph.node(sock).flags, uint32_t(kFlagOutbound));
}

void TestSecurityRelevance::executedDownloadScript()
{
    ProvenanceGraph graph;
    const int sock = graph.addSocket("127.0.0.1", 5000, "127.0.0.1", 8000);
    const int curl = process(graph, 30, 1, "curl", "/usr/bin/curl", 0);
    const int script = graph.addFile("/tmp/d/.x");
    const int data = graph.addFile("/tmp/d/data.txt");
    const int bashImage = graph.addFile("/usr/bin/bash");
    edge(graph, curl, sock, EdgeType::Connect, 1);
    edge(graph, sock, curl, EdgeType::Recv, 2, 0, 500);
    edge(graph, curl, script, EdgeType::Write, 3, 0, 500);
    edge(graph, curl, data, EdgeType::Write, 3, 0, 500);
    // ./.x: bash runs it, named .x; it reads the script.
    const int before = process(graph, 31, 1, "sh", "/usr/bin/sh", 0);
    const int runs = process(graph, 31, 1, ".x", "/usr/bin/bash", 1);
    edge(graph, before, runs, EdgeType::Version, 10);
    edge(graph, bashImage, runs, EdgeType::Exec, 10);
    edge(graph, script, runs, EdgeType::Read, 11, 0, 500);
    // bash reading a downloaded data file under its own name: not a script run.
    const int before2 = process(graph, 32, 1, "sh", "/usr/bin/sh", 0);
    const int reader = process(graph, 32, 1, "bash", "/usr/bin/bash", 1);
    edge(graph, before2, reader, EdgeType::Version, 12);
    edge(graph, bashImage, reader, EdgeType::Exec, 12);
    edge(graph, data, reader, EdgeType::Read, 13, 0, 500);
    // A script read before it was downloaded is not an executed download.
    const int early = process(graph, 33, 1, ".x", "/usr/bin/bash", 1);
    edge(graph, bashImage, early, EdgeType::Exec, 0);
    edge(graph, script, early, EdgeType::Read, 0, 0, 10);
    classifySecurityRelevance(graph);
    QCOMPARE(graph.node(script).flags, uint32_t(kFlagExecutedDownload));
    QCOMPARE(graph.node(runs).flags, uint32_t(kFlagExecutedDownload));
    QCOMPARE(graph.node(data).flags, 0u);
    QCOMPARE(graph.node(reader).flags, 0u);
    QCOMPARE(graph.node(early).flags, 0u);
    QCOMPARE(findScriptRead(graph, runs).file, script);
    QCOMPARE(findScriptRead(graph, reader).file, -1);
    QCOMPARE(findScriptRead(graph, curl).file, -1); // no exec
}

void TestSecurityRelevance::networkShell()
{
    ProvenanceGraph graph;
    const int sock = graph.addSocket("0.0.0.0", 4444, "10.0.0.66", 51000);
    const int nc = process(graph, 40, 1, "nc", "/usr/bin/nc.openbsd", 0);
    const int child = process(graph, 41, 2, "nc", "/usr/bin/nc.openbsd", 0);
    const int shell = process(graph, 41, 2, "sh", "/usr/bin/dash", 1);
    const int later = process(graph, 41, 2, "id", "/usr/bin/id", 2);
    edge(graph, sock, nc, EdgeType::Accept, 10);
    edge(graph, nc, child, EdgeType::Fork, 11);
    edge(graph, child, shell, EdgeType::Version, 12);
    edge(graph, shell, later, EdgeType::Version, 13);
    // The same nc forked a shell before it ever accepted: not network-spawned.
    const int early = process(graph, 42, 1, "bash", "/usr/bin/bash", 0);
    edge(graph, nc, early, EdgeType::Fork, 5);
    // A web server that received a request and exec'd straight into bash.
    const int web = process(graph, 50, 1, "httpd", "/usr/sbin/httpd", 0);
    const int webShell = process(graph, 50, 1, "bash", "/usr/bin/bash", 1);
    const int webSock = graph.addSocket("10.0.0.2", 80, "10.0.0.66", 51001);
    edge(graph, webSock, web, EdgeType::Recv, 20, 0, 300);
    edge(graph, web, webShell, EdgeType::Version, 21);
    // A shell started by a login shell (no socket): not marked.
    const int login = process(graph, 60, 1, "bash", "/usr/bin/bash", 0);
    const int sub = process(graph, 61, 1, "zsh", "/usr/bin/zsh", 0);
    edge(graph, login, sub, EdgeType::Fork, 3);
    // Only sending (a client) is not network-facing.
    const int client = process(graph, 70, 1, "curl", "/usr/bin/curl", 0);
    const int clientShell = process(graph, 71, 1, "sh", "/bin/sh", 0);
    const int out = graph.addSocket("10.0.0.2", 5555, "10.0.0.9", 443);
    edge(graph, client, out, EdgeType::Send, 1, 0, 100);
    edge(graph, client, clientShell, EdgeType::Fork, 2);
    classifySecurityRelevance(graph);
    QCOMPARE(graph.node(shell).flags, uint32_t(kFlagNetworkShell));
    QCOMPARE(graph.node(webShell).flags, uint32_t(kFlagNetworkShell));
    for (const int unmarked : {nc, child, later, early, web, login, sub, client, clientShell})
        QVERIFY2(graph.node(unmarked).flags == 0, graph.node(unmarked).key.c_str());
    QCOMPARE(graph.node(sock).flags, 0u);    // accepted: inbound
    QCOMPARE(graph.node(webSock).flags, 0u); // received only
    QCOMPARE(graph.node(out).flags, uint32_t(kFlagOutbound));
}

void TestSecurityRelevance::outbound()
{
    ProvenanceGraph graph;
    const int p = process(graph, 80, 1, "x", "/x", 0);
    const int server = process(graph, 81, 1, "srv", "/srv", 0);
    const int connected = graph.addSocket("127.0.0.1", 40000, "127.0.0.3", 4444);
    const int udp = graph.addSocket("10.0.0.2", 40001, "8.8.8.8", 53);
    const int accepted = graph.addSocket("10.0.0.2", 22, "10.0.0.66", 50000);
    const int listening = graph.addSocket("0.0.0.0", 8080, "", 0);
    const int loopbackBoth = graph.addSocket("127.0.0.1", 40003, "127.0.0.1", 8000);
    edge(graph, p, connected, EdgeType::Connect, 1);
    edge(graph, p, udp, EdgeType::Send, 2, 0, 40);
    edge(graph, accepted, server, EdgeType::Accept, 3);
    edge(graph, server, accepted, EdgeType::Send, 4, 0, 900); // a reply
    edge(graph, listening, server, EdgeType::Accept, 5);
    // Both ends of a loopback connection are one node: the client's connect marks it.
    edge(graph, p, loopbackBoth, EdgeType::Connect, 6);
    edge(graph, loopbackBoth, server, EdgeType::Accept, 6);
    classifySecurityRelevance(graph);
    QCOMPARE(graph.node(connected).flags, uint32_t(kFlagOutbound));
    QCOMPARE(graph.node(udp).flags, uint32_t(kFlagOutbound));
    QCOMPARE(graph.node(accepted).flags, 0u);
    QCOMPARE(graph.node(listening).flags, 0u);
    QCOMPARE(graph.node(loopbackBoth).flags, uint32_t(kFlagOutbound));
    QCOMPARE(graph.node(p).flags, 0u);
}

void TestSecurityRelevance::reasons()
{
    QCOMPARE(relevanceReasons(0), std::vector<std::string>{});
    QCOMPARE(relevanceReasons(kFlagOutbound | kFlagSshKey),
             (std::vector<std::string>{"ssh key", "outbound connection"}));
    const auto all = relevanceReasons(0x7f);
    QCOMPARE(all, (std::vector<std::string>{"executed download", "write under /etc", "persistence", "ssh key",
                                            "shell spawned by a network-facing process", "outbound connection",
                                            "credential file"}));
    QCOMPARE(relevanceReasons(0x80u).size(), size_t(0)); // unknown bits say nothing
}

void TestSecurityRelevance::shellNames()
{
    for (const char *shell : {"sh", "bash", "dash", "zsh", "ksh", "/bin/sh", "/usr/bin/bash", "fish", "busybox"})
        QVERIFY2(isShellName(shell), shell);
    for (const char *other : {"", "ssh", "bash.exe", "shellcheck", "/usr/bin/python3", "flash"})
        QVERIFY2(!isShellName(other), other);
}

QTEST_GUILESS_MAIN(TestSecurityRelevance)
#include "tst_security_relevance.moc"
