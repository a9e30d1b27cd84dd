// Passive DNS names on the session graph's socket nodes, from a real session file
// (SessionWriter with socket events and a DnsRecord batch): the question name of the
// latest A/AAAA answer for the remote address before the socket's last use, shown on
// the node in `provscope-cli graph --format svg` and carried as dns_name in --format json.
#include "session_graph.h"
#include "session_graph_dns.h"

#include "headless_cli.h"
#include "session_graph_script.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace provscope;
using namespace provscope::test;

namespace {

constexpr uint64_t B = kScriptBoot;
constexpr int64_t kBootToEpoch = 1'700'000'000'000'000'000ll;

DnsRecord answer(int64_t ts, const char *name, uint16_t type, const char *value, const char *question = "")
{
    DnsRecord r;
    r.tsNs = ts;
    r.name = name;
    r.type = type;
    r.value = value;
    r.ttl = 300;
    r.queryName = *question ? question : name;
    r.server = "127.0.0.53";
    return r;
}

// Writes the script's processes and events, then the DNS answers in a batch of their own.
std::string writeWithDns(const SessionScript &s, const QTemporaryDir &dir, std::vector<DnsRecord> dns)
{
    CaptureBatch events;
    events.processes = s.processes;
    events.events = s.events;
    CaptureBatch answers;
    answers.dnsRecords = std::move(dns);
    const QString path = dir.filePath(QStringLiteral("dns.provscope"));
    const QString error = writeSession(path, testSessionMeta("host", "boot-1", kBootToEpoch, B),
                                       {events, answers}, B + 100'000);
    if (!error.isEmpty())
        qWarning("writing the session failed: %s", qPrintable(error));
    return error.isEmpty() ? path.toStdString() : std::string();
}

// The socket node whose remote end is raddr:rport, or nullptr.
const GraphNode *socketTo(const SessionGraph &g, const std::string &raddr, uint16_t rport)
{
    for (const GraphNode &n : g.graph().nodes())
        if (n.kind == NodeKind::Socket && n.raddr == raddr && n.rport == rport)
            return &n;
    return nullptr;
}

} // namespace

class TestSessionGraphDns : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string m_session;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        SessionScript s;
        s.process(70, B, 1, 0, "curl", "/usr/bin/curl");
        // www.example.com is a CNAME: its A record is example.com's, answered for the question.
        s.socketEvent(70, B, "connect", B + 2000, "10.0.0.2", 40000, "93.184.216.34", 443);
        s.socketEvent(70, B, "sendto", B + 2100, "10.0.0.2", 40000, "93.184.216.34", 443, 120);
        // The same CDN address answered for two names: each socket takes the answer before its use.
        s.socketEvent(70, B, "connect", B + 3000, "10.0.0.2", 40001, "198.51.100.7", 443);
        s.socketEvent(70, B, "connect", B + 6000, "10.0.0.2", 40002, "198.51.100.7", 443);
        // An IPv4 peer recorded as IPv4-mapped IPv6, and an IPv6 one.
        s.socketEvent(70, B, "connect", B + 7000, "::ffff:10.0.0.2", 40003, "::ffff:203.0.113.9", 80);
        s.socketEvent(70, B, "connect", B + 7100, "2001:db8::2", 40004, "2001:db8::5", 443);
        // Answered only after the socket's last use: not the name it was reached by.
        s.socketEvent(70, B, "connect", B + 8000, "10.0.0.2", 40005, "192.0.2.44", 22);
        // Never answered.
        s.socketEvent(70, B, "connect", B + 8100, "10.0.0.2", 40006, "192.0.2.45", 22);
        s.event(70, B, "write", B + 9000, "/tmp/out", 1);
        m_session = writeWithDns(s, m_dir,
                                 {answer(B + 1000, "www.example.com", kDnsTypeCname, "example.com"),
                                  answer(B + 1000, "example.com", kDnsTypeA, "93.184.216.34", "www.example.com"),
                                  answer(B + 2500, "one.cdn.test", kDnsTypeA, "198.51.100.7"),
                                  answer(B + 5000, "two.cdn.test", kDnsTypeA, "198.51.100.7"),
                                  answer(B + 6500, "mapped.test", kDnsTypeA, "203.0.113.9"),
                                  answer(B + 6600, "six.test", kDnsTypeAaaa, "2001:db8::5"),
                                  answer(B + 9500, "late.test", kDnsTypeA, "192.0.2.44")});
        QVERIFY(!m_session.empty());
    }

    void socketNodesCarryTheQuestionName_data()
    {
        QTest::addColumn<bool>("reduce");
        QTest::newRow("cpr") << true;
        QTest::newRow("raw") << false;
    }
    void socketNodesCarryTheQuestionName()
    {
        QFETCH(bool, reduce);
        SessionGraphOptions options;
        options.reduce = reduce;
        auto built = SessionGraph::build(m_session, options);
        QVERIFY2(built, built ? "" : built.error().c_str());
        const SessionGraph &g = **built;
        struct Expected {
            const char *raddr;
            uint16_t rport;
            uint16_t lport;
            const char *name;
        };
        for (const Expected &e : {Expected{"93.184.216.34", 443, 40000, "www.example.com"},
                                  Expected{"2001:db8::5", 443, 40004, "six.test"},
                                  Expected{"::ffff:203.0.113.9", 80, 40003, "mapped.test"},
                                  Expected{"192.0.2.44", 22, 40005, ""},
                                  Expected{"192.0.2.45", 22, 40006, ""}}) {
            const GraphNode *n = socketTo(g, e.raddr, e.rport);
            QVERIFY2(n, e.raddr);
            QCOMPARE(n->lport, e.lport);
            QCOMPARE(QString::fromStdString(n->dnsName), QString::fromLatin1(e.name));
        }
        // Two sockets to the CDN address: the first used before the second answer.
        int cdn = 0;
        for (const GraphNode &n : g.graph().nodes()) {
            if (n.kind != NodeKind::Socket || n.raddr != "198.51.100.7")
                continue;
            ++cdn;
            QCOMPARE(QString::fromStdString(n.dnsName), n.lport == 40001 ? QStringLiteral("one.cdn.test")
                                                                         : QStringLiteral("two.cdn.test"));
        }
        QCOMPARE(cdn, 2);
        for (const GraphNode &n : g.graph().nodes())
            if (n.kind != NodeKind::Socket)
                QVERIFY2(n.dnsName.empty(), n.key.c_str());
    }

    // A session without DNS (or written before format 1.3) leaves every socket unnamed.
    void noDnsNoNames()
    {
        QTemporaryDir dir;
        SessionScript s;
        s.process(71, B, 1, 0, "nc");
        s.socketEvent(71, B, "connect", B + 10, "10.0.0.2", 40000, "93.184.216.34", 443);
        auto built = SessionGraph::build(s.write(dir));
        QVERIFY2(built, built ? "" : built.error().c_str());
        const GraphNode *n = socketTo(**built, "93.184.216.34", 443);
        QVERIFY(n);
        QVERIFY(n->dnsName.empty());
    }

    // An unused socket takes the latest answer; answers before boot (negative ns) count.
    void namingRulesOnAHandBuiltGraph()
    {
        ProvenanceGraph graph;
        const int idle = graph.addSocket("10.0.0.2", 1, "198.51.100.7", 443);
        const int used = graph.addSocket("10.0.0.2", 2, "198.51.100.8", 443);
        const int proc = graph.addProcess(1, 1, "a", "/a");
        graph.addEdge(proc, used, EdgeType::Connect, 50, 60, 1, 0);
        nameSocketsByDns(graph, {answer(10, "old.test", kDnsTypeA, "198.51.100.7"),
                                 answer(900, "new.test", kDnsTypeA, "198.51.100.7"),
                                 answer(-5, "early.test", kDnsTypeA, "198.51.100.8"),
                                 answer(61, "after.test", kDnsTypeA, "198.51.100.8"),
                                 answer(20, "cname.test", kDnsTypeCname, "198.51.100.8")});
        QCOMPARE(QString::fromStdString(graph.node(idle).dnsName), QStringLiteral("new.test"));
        QCOMPARE(QString::fromStdString(graph.node(used).dnsName), QStringLiteral("early.test"));
        QVERIFY(graph.node(proc).dnsName.empty());
    }

    // What a user sees: the name on the node in the drawn graph and in the JSON export.
    void cliGraphShowsAndExportsTheName_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("json") << "json";
        QTest::newRow("svg") << "svg";
        QTest::newRow("dot") << "dot";
    }
    void cliGraphShowsAndExportsTheName()
    {
        QFETCH(QString, format);
        const QString cli = qEnvironmentVariable("PROVSCOPE_BIN_DIR") + QStringLiteral("/provscope-cli");
        if (!QFileInfo::exists(cli))
            QSKIP("provscope-cli is not built");
        const QString out = m_dir.filePath(QStringLiteral("graph.") + format);
        const CliRun run = runHeadlessCli(cli, {QStringLiteral("graph"), QString::fromStdString(m_session),
                                                QStringLiteral("--poi"), QStringLiteral("proc:70"),
                                                QStringLiteral("--format"), format, QStringLiteral("-o"), out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray data = file.readAll();
        if (format != QLatin1String("json")) {
            for (const char *name : {"www.example.com", "one.cdn.test", "two.cdn.test", "six.test", "mapped.test"})
                QVERIFY2(data.contains(name), name);
            QVERIFY(!data.contains("late.test"));
            return;
        }
        const QJsonDocument doc = QJsonDocument::fromJson(data);
        QVERIFY(doc.isObject());
        QMap<QString, QString> names; // "addr:port" -> dns_name
        for (const QJsonValue &node : doc[QStringLiteral("nodes")].toArray())
            if (node[QStringLiteral("kind")] == QLatin1String("socket"))
                names[node[QStringLiteral("addr")].toString() + ':' + QString::number(node[QStringLiteral("port")].toInt())]
                    += node[QStringLiteral("dns_name")].toString() + ';';
        QCOMPARE(names.value(QStringLiteral("93.184.216.34:443")), QStringLiteral("www.example.com;"));
        QCOMPARE(names.value(QStringLiteral("2001:db8::5:443")), QStringLiteral("six.test;"));
        QCOMPARE(names.value(QStringLiteral("192.0.2.45:22")), QStringLiteral(";")); // no dns_name field
        QVERIFY2(names.value(QStringLiteral("198.51.100.7:443")).contains(QStringLiteral("one.cdn.test;")),
                 qPrintable(names.value(QStringLiteral("198.51.100.7:443"))));
        QVERIFY(names.value(QStringLiteral("198.51.100.7:443")).contains(QStringLiteral("two.cdn.test;")));
    }
};

QTEST_GUILESS_MAIN(TestSessionGraphDns)
#include "tst_session_graph_dns.moc"
