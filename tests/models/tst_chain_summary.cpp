// The plain-language chain summary: the exact sentences for the scripted
// attack chain (scripted_chain_graph.h) as the user sees it after the noise
// filters, and each phrasing rule on a small graph.
#include "chain_summary.h"

#include "noise_filter.h"
#include "scripted_chain_graph.h"
#include "security_relevance.h"

#include <QtTest>

using namespace provscope;
using namespace scripted;

namespace {

ProvenanceGraph shownChain()
{
    ProvenanceGraph shown = applyNoiseFilters(chainGraph(), NoiseOptions{});
    classifySecurityRelevance(shown);
    return shown;
}

// A fork whose child only exec'd is told with the child ("ran ..., which ...").
const std::vector<std::string> kChainSentences = {
    "bash (pid 412) read /etc/passwd and ran /usr/bin/curl (pid 415), which read /etc/passwd, downloaded 4 KB "
    "from 127.0.0.1:8000 and wrote /tmp/.x (4 KB).",
    "bash (pid 412) ran /usr/bin/chmod (pid 416).",
    "bash (pid 412) ran /tmp/.x (pid 417), which read /etc/passwd, read /home/u/.ssh/id_rsa and started tar "
    "(pid 418).",
    // "started tar (pid 418)" was told: the child's exec of /usr/bin/tar is not told again.
    "tar (pid 418) read /home/u/.ssh/id_rsa and wrote /tmp/k.tgz (4 KB).",
    ".x (pid 417) read /tmp/k.tgz, sent 4 KB to 127.0.0.3:4444, deleted /tmp/k.tgz, wrote /home/u/.bashrc "
    "(40 bytes) and deleted /tmp/.x.",
};

} // namespace

class TestChainSummary : public QObject {
    Q_OBJECT
private slots:
    void scriptedChain();
    void scriptedChainUnfiltered();
    void maxSteps();
    void executedIt();
    void forkAndExec();
    void forkLine();
    void unixSocket();
    void loopbackConversation();
    void script();
    void phrasing();
    void sizes_data();
    void sizes();
    void empty();
};

void TestChainSummary::scriptedChain()
{
    const ProvenanceGraph shown = shownChain();
    const auto steps = chainSteps(shown);
    QCOMPARE(int(steps.size()), int(kChainSentences.size()));
    std::string joined;
    for (size_t i = 0; i < steps.size(); ++i) {
        QCOMPARE(QString::fromStdString(steps[i].text), QString::fromStdString(kChainSentences[i]));
        QVERIFY(i == 0 || steps[i - 1].tsNs <= steps[i].tsNs);
        joined += (i ? " " : "") + kChainSentences[i];
    }
    QCOMPARE(steps[0].tsNs, sec(5.02));
    QCOMPARE(steps[1].tsNs, sec(11));
    // The download step stands for bash's passwd read and fork, and curl's
    // exec, passwd read, connect, request, response and write (the Version
    // edge is no step).
    QCOMPARE(int(steps[0].edges.size()), 8);
    for (const int e : steps[0].edges)
        QVERIFY(shown.edge(e).type != EdgeType::Version);
    QCOMPARE(QString::fromStdString(summarizeChain(shown)), QString::fromStdString(joined));
    // Deterministic.
    QCOMPARE(summarizeChain(shown), summarizeChain(shownChain()));
}

void TestChainSummary::scriptedChainUnfiltered()
{
    // Without the noise filters the loader reads and the logger are told too.
    const ProvenanceGraph view = chainGraph();
    const std::string text = summarizeChain(view, 100);
    QVERIFY(text.find("read /etc/ld.so.cache") != std::string::npos);
    QVERIFY(text.find("logger (pid 300)") != std::string::npos);
    QVERIFY(text.find("wrote /var/log/app.log (6.3 KB)") != std::string::npos); // 101 writes of 64 bytes, one phrase
    QVERIFY(text.find("wrote /tmp/k.tgz (4 KB)") != std::string::npos);          // 100 raw writes, one phrase
    const std::string shown = summarizeChain(shownChain());
    QVERIFY(shown.find("ld.so.cache") == std::string::npos);
    QVERIFY(shown.find("logger") == std::string::npos);
    QVERIFY(shown.find("shared read-only") == std::string::npos); // group nodes are noise, not steps
    QVERIFY(shown.find("temporary files") == std::string::npos);
}

void TestChainSummary::maxSteps()
{
    const ProvenanceGraph shown = shownChain();
    const auto all = chainSteps(shown);
    // Cut to 3: the steps with security-relevant nodes first (the download,
    // running /tmp/.x), in time order; chmod, tar and the send are left out.
    const auto steps = chainSteps(shown, 3);
    QCOMPARE(int(steps.size()), 3);
    QCOMPARE(steps[0].text, kChainSentences[0]);
    QCOMPARE(steps[1].text, kChainSentences[2]);
    QCOMPARE(steps[2].text, std::string("3 more steps not shown."));
    QCOMPARE(steps[2].tsNs, all[2].tsNs); // the first left out (chmod's) is earlier than the last shown
    for (const int cap : {2, 3, 4}) {
        const auto capped = chainSteps(shown, cap);
        for (size_t i = 1; i < capped.size(); ++i)
            QVERIFY(capped[i - 1].tsNs <= capped[i].tsNs);
    }
    QCOMPARE(steps[2].edges.size(), all[1].edges.size() + all[3].edges.size() + all[4].edges.size());
    const auto four = chainSteps(shown, 4);
    QCOMPARE(four[2].text, kChainSentences[3]);
    QCOMPARE(four.back().text, std::string("2 more steps not shown."));
    QCOMPARE(chainSteps(shown, 5).back().text, kChainSentences.back());
    QCOMPARE(summarizeChain(shown, 2), kChainSentences[0] + " 4 more steps not shown.");
    QCOMPARE(summarizeChain(shown, 0), std::string("5 more steps not shown."));

    // Without relevance flags the step reaching the point of interest (the
    // send) still goes first, then the earliest.
    const ProvenanceGraph plain = applyNoiseFilters(chainGraph(), NoiseOptions{});
    const auto cut = chainSteps(plain, 3);
    QCOMPARE(cut[0].text, kChainSentences[0]);
    QCOMPARE(cut[1].text, kChainSentences[4]);
    QCOMPARE(cut[2].text, std::string("3 more steps not shown."));
}

void TestChainSummary::executedIt()
{
    ProvenanceGraph graph;
    const int dropper = process(graph, 90, 1, "dropper", "/tmp/dropper", 0);
    const int payload = graph.addFile("/tmp/.y");
    const int running = process(graph, 90, 1, ".y", "/tmp/.y", 1);
    const int sock = graph.addSocket("10.0.0.2", 40000, "10.0.0.9", 443);
    graph.mutableNode(sock).dnsName = "evil.example";
    edge(graph, dropper, payload, EdgeType::Write, 10, 12, 1536);
    edge(graph, dropper, running, EdgeType::Version, 20);
    edge(graph, payload, running, EdgeType::Exec, 20);
    edge(graph, running, sock, EdgeType::Connect, 30);
    graph.setPoi(sock);
    QCOMPARE(summarizeChain(graph),
             std::string("dropper (pid 90) wrote /tmp/.y (1.5 KB) and executed it; it connected to evil.example "
                         "(10.0.0.9:443)."));
}

void TestChainSummary::forkAndExec()
{
    ProvenanceGraph graph;
    const int sh = process(graph, 1, 1, "sh", "/bin/sh", 0);
    // A child that only exec'd: told with the parent.
    const int c1 = process(graph, 2, 2, "sh", "/bin/sh", 0);
    const int c1v1 = process(graph, 2, 2, "id", "/usr/bin/id", 1);
    const int idImage = graph.addFile("/usr/bin/id");
    // A child that read a file before its exec: two sentences.
    const int c2 = process(graph, 3, 3, "sh", "/bin/sh", 0);
    const int c2v1 = process(graph, 3, 3, "cat", "/usr/bin/cat", 1);
    const int catImage = graph.addFile("/usr/bin/cat");
    const int script = graph.addFile("/tmp/s.sh");
    // A subshell that never exec'd.
    const int c3 = process(graph, 4, 4, "sh", "/bin/sh", 0);
    const int out = graph.addFile("/tmp/out");
    edge(graph, sh, c1, EdgeType::Fork, 10);
    edge(graph, c1, c1v1, EdgeType::Version, 11);
    edge(graph, idImage, c1v1, EdgeType::Exec, 11);
    edge(graph, sh, c2, EdgeType::Fork, 20);
    edge(graph, script, c2, EdgeType::Read, 21, 0, 100);
    edge(graph, c2, c2v1, EdgeType::Version, 22);
    edge(graph, catImage, c2v1, EdgeType::Exec, 22);
    edge(graph, c2v1, out, EdgeType::Write, 23, 0, 5);
    edge(graph, sh, c3, EdgeType::Fork, 30);
    edge(graph, c3, out, EdgeType::Write, 31, 0, 6);
    graph.setPoi(out);
    const auto steps = chainSteps(graph);
    QStringList texts;
    for (const auto &step : steps)
        texts << QString::fromStdString(step.text);
    QCOMPARE(texts, (QStringList{
                        "sh (pid 1) ran /usr/bin/id (pid 2).",
                        "sh (pid 1) started cat (pid 3).",
                        "sh (pid 3) read /tmp/s.sh and executed /usr/bin/cat; it wrote /tmp/out (5 bytes).",
                        "sh (pid 1) started sh (pid 4).",
                        "sh (pid 4) wrote /tmp/out (6 bytes).",
                    }));
    QCOMPARE(steps[0].edges.size(), size_t(2));
}

void TestChainSummary::forkLine()
{
    ProvenanceGraph graph;
    const int init = process(graph, 1, 1, "init", "/sbin/init", 0);
    const int a = process(graph, 2, 2, "a", "/a", 0);
    const int b = process(graph, 3, 3, "b", "/b", 0);
    const int c = process(graph, 4, 4, "c", "/c", 0);
    const int cv1 = process(graph, 4, 4, "d", "/usr/bin/d", 1);
    const int other = process(graph, 5, 5, "e", "/e", 0);
    const int file = graph.addFile("/tmp/x");
    edge(graph, init, a, EdgeType::Fork, 1);
    edge(graph, a, b, EdgeType::Fork, 2);
    edge(graph, b, c, EdgeType::Fork, 3);
    edge(graph, c, cv1, EdgeType::Version, 4);
    edge(graph, c, file, EdgeType::Write, 4, 0, 1);
    edge(graph, init, other, EdgeType::Fork, 5); // init again: a fork of its own
    graph.setPoi(file);
    const auto steps = chainSteps(graph);
    QCOMPARE(int(steps.size()), 3);
    QCOMPARE(steps[0].text, std::string("init (pid 1) started a (pid 2), which started b (pid 3), which started d (pid 4)."));
    QCOMPARE(steps[0].edges.size(), size_t(3));
    QCOMPARE(steps[1].text, std::string("c (pid 4) wrote /tmp/x (1 byte)."));
    QCOMPARE(steps[2].text, std::string("init (pid 1) started e (pid 5)."));
}

void TestChainSummary::unixSocket()
{
    ProvenanceGraph graph;
    const int xwd = process(graph, 9, 1, "xwd", "/usr/bin/xwd", 0);
    const int x11 = graph.addPipe("socket:[1077327]"); // a Unix socket, named by its path
    const int http = graph.addSocket("10.0.0.2", 40000, "10.0.0.9", 80);
    edge(graph, xwd, x11, EdgeType::Connect, 1);
    edge(graph, xwd, x11, EdgeType::Write, 2, 0, 1300);
    edge(graph, x11, xwd, EdgeType::Read, 3, 0, 4000000);
    edge(graph, xwd, http, EdgeType::Connect, 4);
    edge(graph, http, xwd, EdgeType::Read, 5, 0, 2048);
    graph.setPoi(xwd);
    QCOMPARE(summarizeChain(graph),
             std::string("xwd (pid 9) sent 1.3 KB to socket:[1077327], received 3.8 MB from socket:[1077327] and "
                         "downloaded 2 KB from 10.0.0.9:80."));
}

void TestChainSummary::loopbackConversation()
{
    // Both ends of a loopback connection are one node; client and server take
    // turns. Each is told whole, the client (first) before the server.
    ProvenanceGraph graph;
    const int client = process(graph, 1, 1, "curl", "/usr/bin/curl", 0);
    const int server = process(graph, 2, 1, "python3", "/usr/bin/python3", 0);
    const int sock = graph.addSocket("127.0.0.1", 40000, "127.0.0.1", 8000);
    const int served = graph.addFile("/srv/x.sh");
    const int saved = graph.addFile("/tmp/x.sh");
    edge(graph, client, sock, EdgeType::Connect, 1);
    edge(graph, sock, server, EdgeType::Accept, 2);
    edge(graph, client, sock, EdgeType::Send, 3, 0, 83);
    edge(graph, sock, server, EdgeType::Recv, 4, 0, 83);
    edge(graph, served, server, EdgeType::Read, 5, 0, 833);
    edge(graph, server, sock, EdgeType::Send, 6, 0, 833);
    edge(graph, sock, client, EdgeType::Recv, 7, 0, 833);
    edge(graph, sock, server, EdgeType::Recv, 7, 0, 0); // the server sees the end of the stream
    edge(graph, client, saved, EdgeType::Write, 8, 0, 833);
    graph.setPoi(saved);
    const auto steps = chainSteps(graph);
    QStringList texts;
    for (const auto &step : steps)
        texts << QString::fromStdString(step.text);
    QCOMPARE(texts, (QStringList{
                        "curl (pid 1) downloaded 833 bytes from 127.0.0.1:8000 and wrote /tmp/x.sh (833 bytes).",
                        // Per object: the socket's phrases come where the socket first does.
                        "python3 (pid 2) accepted a connection from 127.0.0.1:8000, received 83 bytes, sent 833 bytes "
                        "to 127.0.0.1:8000 and read /srv/x.sh.",
                    }));
    // A third process coming in ends the conversation's runs.
    const int third = process(graph, 3, 1, "cat", "/usr/bin/cat", 0);
    edge(graph, saved, third, EdgeType::Read, 9, 0, 833);
    edge(graph, server, sock, EdgeType::Send, 10, 0, 0);
    QCOMPARE(chainSteps(graph).back().text, std::string("python3 (pid 2) sent nothing to 127.0.0.1:8000."));
}

void TestChainSummary::script()
{
    // chmod +x, ./.x: the exec's image is the interpreter; the process is
    // named after the script, which the interpreter reads.
    ProvenanceGraph graph;
    const int curl = process(graph, 1, 1, "curl", "/usr/bin/curl", 0);
    const int sock = graph.addSocket("127.0.0.1", 40000, "127.0.0.1", 8000);
    const int script = graph.addFile("/tmp/d/.x");
    const int shell = process(graph, 2, 2, "sh", "/usr/bin/sh", 0);
    const int runs = process(graph, 2, 2, ".x", "/usr/bin/bash", 1);
    const int bash = graph.addFile("/usr/bin/bash");
    const int key = graph.addFile("/home/u/.ssh/id_rsa");
    edge(graph, curl, sock, EdgeType::Connect, 1);
    edge(graph, sock, curl, EdgeType::Recv, 2, 0, 600);
    edge(graph, curl, script, EdgeType::Write, 3, 0, 600);
    edge(graph, shell, runs, EdgeType::Version, 10);
    edge(graph, bash, runs, EdgeType::Exec, 10);
    edge(graph, script, runs, EdgeType::Read, 11, 0, 600);
    edge(graph, key, runs, EdgeType::Read, 12, 0, 400);
    graph.setPoi(key);
    classifySecurityRelevance(graph);
    QCOMPARE(graph.node(script).flags, uint32_t(kFlagExecutedDownload));
    QCOMPARE(graph.node(runs).flags, uint32_t(kFlagExecutedDownload));
    QCOMPARE(QString::fromStdString(summarizeChain(graph)),
             QString("curl (pid 1) downloaded 600 bytes from 127.0.0.1:8000 and wrote /tmp/d/.x (600 bytes). "
                     "sh (pid 2) executed /tmp/d/.x with /usr/bin/bash; it read /home/u/.ssh/id_rsa."));
}

void TestChainSummary::phrasing()
{
    ProvenanceGraph graph;
    const int sshd = process(graph, 5, 1, "sshd", "/usr/sbin/sshd", 0);
    const int in = graph.addSocket("10.0.0.2", 22, "10.0.0.66", 50000);
    const int shadow = graph.addFile("/etc/shadow");
    const int pipe = graph.addPipe("pipe:[77]");
    const int cat = process(graph, 6, 1, "cat", "/usr/bin/cat", 0);
    const int a = graph.addFile("/tmp/a");
    const int b = graph.addFile("/tmp/b");
    const int lone = graph.addFile("/tmp/never-read");
    edge(graph, in, sshd, EdgeType::Accept, 10);
    edge(graph, in, sshd, EdgeType::Recv, 11, 12, 300);
    edge(graph, sshd, shadow, EdgeType::Open, 13);          // opened, not read: told
    edge(graph, sshd, pipe, EdgeType::Write, 14, 0, 10);
    edge(graph, pipe, cat, EdgeType::Read, 15, 0, 10);
    edge(graph, cat, a, EdgeType::Open, 16);                 // an ordinary open: not told
    edge(graph, cat, a, EdgeType::Write, 17, 0, 0);
    edge(graph, a, b, EdgeType::Rename, 18);
    graph.mutableNode(b).paths = {"/tmp/b", "/tmp/c"}; // renamed again (known by identity)
    edge(graph, cat, lone, EdgeType::Unlink, 19);            // no data flowed through it: not told
    edge(graph, sshd, in, EdgeType::Send, 20, 0, 1);
    graph.setPoi(b);
    classifySecurityRelevance(graph);
    const auto steps = chainSteps(graph);
    QStringList texts;
    for (const auto &step : steps)
        texts << QString::fromStdString(step.text);
    QCOMPARE(texts, (QStringList{
                        "sshd (pid 5) accepted a connection from 10.0.0.66:50000, received 300 bytes, opened "
                        "/etc/shadow and wrote 10 bytes to pipe:[77].",
                        "cat (pid 6) read from pipe:[77] and wrote /tmp/a.",
                        "/tmp/a was renamed to /tmp/b (also /tmp/c).",
                        "sshd (pid 5) sent 1 byte to 10.0.0.66:50000.",
                    }));
    QCOMPARE(steps[1].edges.size(), size_t(2));
}

void TestChainSummary::sizes_data()
{
    QTest::addColumn<qulonglong>("bytes");
    QTest::addColumn<QString>("text");
    QTest::newRow("0") << 0ull << "wrote /tmp/f.";
    QTest::newRow("1") << 1ull << "wrote /tmp/f (1 byte).";
    QTest::newRow("1023") << 1023ull << "wrote /tmp/f (1023 bytes).";
    QTest::newRow("1024") << 1024ull << "wrote /tmp/f (1 KB).";
    QTest::newRow("1536") << 1536ull << "wrote /tmp/f (1.5 KB).";
    QTest::newRow("1.5 MB") << 1572864ull << "wrote /tmp/f (1.5 MB).";
    QTest::newRow("2 GB") << 2147483648ull << "wrote /tmp/f (2 GB).";
    QTest::newRow("1023.96 KB") << 1048535ull << "wrote /tmp/f (1 MB).";
    QTest::newRow("1023.9 KB") << 1048474ull << "wrote /tmp/f (1023.9 KB).";
}

void TestChainSummary::sizes()
{
    QFETCH(qulonglong, bytes);
    QFETCH(QString, text);
    ProvenanceGraph graph;
    const int p = process(graph, 7, 1, "dd", "/usr/bin/dd", 0);
    const int f = graph.addFile("/tmp/f");
    edge(graph, p, f, EdgeType::Write, 1, 0, bytes);
    QCOMPARE(QString::fromStdString(summarizeChain(graph)), "dd (pid 7) " + text);
}

void TestChainSummary::empty()
{
    ProvenanceGraph graph;
    const int sock = graph.addSocket("127.0.0.1", 40002, "127.0.0.3", 4444);
    graph.setPoi(sock);
    QCOMPARE(summarizeChain(graph), std::string("No activity reaches 127.0.0.3:4444."));
    QVERIFY(chainSteps(graph).empty());
    // Only a Version edge: still nothing to tell.
    const int a = process(graph, 1, 1, "a", "/a", 0);
    const int b = process(graph, 1, 1, "b", "/b", 1);
    edge(graph, a, b, EdgeType::Version, 5);
    QCOMPARE(summarizeChain(graph), std::string("No activity reaches 127.0.0.3:4444."));
    QCOMPARE(summarizeChain(ProvenanceGraph{}), std::string("No activity reaches the point of interest."));
}

QTEST_GUILESS_MAIN(TestChainSummary)
#include "tst_chain_summary.moc"
