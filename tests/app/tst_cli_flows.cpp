// provscope-cli import --pcap and flows as an investigator runs them: a capture file
// written by libpcap (pcap_dump) imported into a new session and into a recorded one,
// the flows printed as JSON lines; truncated captures, text files, existing outputs.
// (Interrupted and refused imports: tst_cli_import_safety.)
#include "cli_flows_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <pcap/pcap.h>

using namespace provscope;
using namespace provscope::test;
using namespace provscope::test::cli;

class TestCliFlows : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void importNewSession();
    void flowsJson();
    void importIntoRecordedSession();
    void importIntoFormat12();
    void truncatedCapture();
    void refusals_data();
    void refusals();
    void intoRecordingRefused();
    void flowsOfOldSession();
    void flowsOfNoPcapSession();
    void attributedCountsStoredFlows();

private:
    QTemporaryDir m_dir;
    QString m_pcap, m_imported;
};

void TestCliFlows::initTestCase()
{
    const QString bin = qEnvironmentVariable("PROVSCOPE_BIN_DIR") + "/provscope-cli";
    QVERIFY2(QFileInfo(bin).isExecutable(), qPrintable("build provscope-cli first: " + bin));
    m_pcap = m_dir.filePath("exchange.pcap");
    QVERIFY(writePcap(m_pcap, exchange()));
    m_imported = m_dir.filePath("imported.provscope");
}

void TestCliFlows::importNewSession()
{
    const Run run = runCli({"import", "--pcap", m_pcap, "-o", m_imported});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(run.out.contains("13 packets, 3 flows, 1 DNS records -> " + m_imported.toUtf8()), run.out.constData());
    QVERIFY2(!run.err.contains("warning"), run.err.constData());
    const Run info = runCli({"info", m_imported});
    QCOMPARE(info.exitCode, 0);
    const QJsonObject doc = QJsonDocument::fromJson(info.out).object();
    QVERIFY2(!doc.isEmpty(), info.out.constData());
    QCOMPARE(doc["counts"].toObject()["flows"].toInt(), 3);
    QCOMPARE(doc["counts"].toObject()["dns_records"].toInt(), 1);
    QCOMPARE(doc["counts"].toObject()["events"].toInt(), 0);
    QCOMPARE(doc["format_version"].toString(), QString("1.3"));
    QVERIFY(doc["finished"].toBool());
    // The capture window is the file's first and last frame; the configuration says
    // where the flows came from.
    QCOMPARE(doc["capture"].toObject()["start_ns"].toInteger(), kT0);
    QCOMPARE(doc["capture"].toObject()["end_ns"].toInteger(), kT0 + 22 * kMs);
    const QJsonObject config = doc["capture_config"].toObject();
    QCOMPARE(config["imported_from"].toString(), QFileInfo(m_pcap).absoluteFilePath());
    QCOMPARE(config["format"].toString(), QString("pcap"));
    QCOMPARE(config["link_type_name"].toString(), QString("EN10MB"));
    QVERIFY(config["complete"].toBool());
    // A session like any other: its digest covers the flows.
    QCOMPARE(runCli({"verify", m_imported}).exitCode, 0);
}

void TestCliFlows::flowsJson()
{
    const Run run = runCli({"flows", m_imported});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QList<QJsonObject> flows = jsonLines(run.out);
    QCOMPARE(flows.size(), 3);
    // Ordered by first packet: the DNS lookup, the TCP connection, the UDP exchange.
    QCOMPARE(flows[0]["proto"].toString(), QString("udp"));
    QCOMPARE(flows[0]["dport"].toInt(), 53);
    const QJsonObject &tcp = flows[1];
    QCOMPARE(tcp["proto"].toString(), QString("tcp"));
    QCOMPARE(tcp["src"].toString(), QString("127.0.0.1"));
    QCOMPARE(tcp["sport"].toInt(), 41000);
    QCOMPARE(tcp["dst"].toString(), QString("127.0.0.2"));
    QCOMPARE(tcp["dport"].toInt(), 8080);
    QCOMPARE(tcp["packets_out"].toInt(), 5);
    QCOMPARE(tcp["packets_in"].toInt(), 3);
    QCOMPARE(tcp["packets"].toInt(), 8);
    QCOMPARE(tcp["bytes_out"].toInt(), 4 * 54 + 154); // frame lengths, as tshark counts
    QCOMPARE(tcp["bytes_in"].toInt(), 2 * 54 + 254);
    QCOMPARE(tcp["bytes"].toInt(), 370 + 362);
    QCOMPARE(tcp["tcp_flags"].toInt(), 0x1b); // FIN SYN PSH ACK
    QCOMPARE(tcp["first_ts_ns"].toInteger(), kT0 + 10 * kMs); // epoch ns, to the nanosecond
    QCOMPARE(tcp["last_ts_ns"].toInteger(), kT0 + 17 * kMs);
    QCOMPARE(tcp["dns_name"].toString(), QString("www.example.org"));
    // Nothing to attribute in a capture alone: no pid, comm, peer fields at all.
    for (const char *absent : {"pid", "comm", "peer_pid", "peer_comm"})
        QVERIFY2(!tcp.contains(absent), absent);
    const QJsonObject &udp = flows[2];
    QCOMPARE(udp["packets_out"].toInt(), 2);
    QCOMPARE(udp["bytes_out"].toInt(), 2 * 52);
    QCOMPARE(udp["packets_in"].toInt(), 1);
    QCOMPARE(udp["bytes_in"].toInt(), 62);
    QCOMPARE(udp["tcp_flags"].toInt(), 0);
    QVERIFY(!udp.contains("dns_name"));
    // The field names in the order.
    const QStringList keys = keysInOrder(run.out.split('\n')[1]);
    QCOMPARE(keys, (QStringList{"proto", "src", "sport", "dst", "dport", "packets", "bytes", "packets_out", "bytes_out",
                                "packets_in", "bytes_in", "tcp_flags", "first_ts_ns", "last_ts_ns", "dns_name"}));
    // --proto and --limit; --dns prints the answers.
    QCOMPARE(jsonLines(runCli({"flows", m_imported, "--proto", "udp"}).out).size(), 2);
    QCOMPARE(jsonLines(runCli({"flows", m_imported, "--limit", "1"}).out).size(), 1);
    const QList<QJsonObject> dns = jsonLines(runCli({"flows", m_imported, "--dns"}).out);
    QCOMPARE(dns.size(), 1);
    QCOMPARE(dns[0]["name"].toString(), QString("www.example.org"));
    QCOMPARE(dns[0]["type"].toString(), QString("A"));
    QCOMPARE(dns[0]["value"].toString(), QString("127.0.0.2"));
    QCOMPARE(dns[0]["ttl"].toInt(), 300);
    QCOMPARE(dns[0]["server"].toString(), QString("127.0.0.53"));
    QCOMPARE(dns[0]["ts_ns"].toInteger(), kT0 + 1 * kMs);
    const Run bad = runCli({"flows", m_imported, "--proto", "icmp"});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY(bad.err.contains("--proto is tcp or udp"));
}

void TestCliFlows::importIntoRecordedSession()
{
    const QString session = m_dir.filePath("recorded.provscope");
    QCOMPARE(recordSession(session), QString());
    const Run run = runCli({"import", "--pcap", m_pcap, "--into", session});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(run.out.contains("3 flows (1 attributed), 1 DNS records"), run.out.constData());
    const Run flowsRun = runCli({"flows", session});
    QCOMPARE(flowsRun.exitCode, 0);
    const QList<QJsonObject> flows = jsonLines(flowsRun.out);
    QCOMPARE(flows.size(), 3);
    const QJsonObject &tcp = flows[1];
    // The same epoch times through the session's own boot->epoch offset.
    QCOMPARE(tcp["first_ts_ns"].toInteger(), kT0 + 10 * kMs);
    QCOMPARE(tcp["pid"].toInt(), 100);
    QCOMPARE(tcp["comm"].toString(), QString("curl"));
    QCOMPARE(tcp["peer_pid"].toInt(), 200);
    QCOMPARE(tcp["peer_comm"].toString(), QString("server"));
    QCOMPARE(keysInOrder(flowsRun.out.split('\n')[1]).mid(14),
             (QStringList{"dns_name", "pid", "comm", "peer_pid", "peer_comm"}));
    QVERIFY(!flows[0].contains("pid"));
    QVERIFY(!flows[2].contains("pid"));
    QCOMPARE(jsonLines(runCli({"flows", session, "--pid", "200"}).out).size(), 1);
    // Evidence added after the recording: verified, with a custody entry naming the file.
    const Run verify = runCli({"verify", session});
    QVERIFY2(verify.exitCode == 0, verify.out.constData());
    QVERIFY2(verify.out.contains("import") && verify.out.contains("exchange.pcap"), verify.out.constData());
    // The same capture again (name, size and SHA-256 in the custody note): refused, the
    // file unchanged; --allow-duplicate imports it with keys after the first's.
    QVERIFY2(verify.out.contains("exchange.pcap (pcap, " + QByteArray::number(QFileInfo(m_pcap).size()) +
                                 " bytes, SHA-256 " + sha256(m_pcap)),
             verify.out.constData());
    const QByteArray before = sha256(session);
    const Run again = runCli({"import", "--pcap", m_pcap, "--into", session});
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(again.err.contains("already holds flows of this capture") && again.err.contains("--allow-duplicate"),
             again.err.constData());
    QCOMPARE(sha256(session), before);
    const Run duplicate = runCli({"import", "--pcap", m_pcap, "--into", session, "--allow-duplicate"});
    QVERIFY2(duplicate.exitCode == 0, duplicate.err.constData());
    const QJsonObject info = QJsonDocument::fromJson(runCli({"info", session}).out).object();
    QCOMPARE(info["counts"].toObject()["flows"].toInt(), 6);
    QCOMPARE(info["counts"].toObject()["dns_records"].toInt(), 2);
    QCOMPARE(info["counts"].toObject()["events"].toInt(), 2);
    const QJsonObject verified = QJsonDocument::fromJson(runCli({"verify", session, "--json"}).out).object();
    QCOMPARE(verified["state"].toString(), QString("unchanged"));
    QCOMPARE(verified["custody"].toArray().size(), 2);
}

void TestCliFlows::importIntoFormat12()
{
    // A session recorded before format 1.3 gains the tables and becomes 1.3.
    const QString session = m_dir.filePath("old.provscope");
    QCOMPARE(recordSession(session), QString());
    QVERIFY(execSql(session, "DROP TABLE flows; DROP TABLE dns; DELETE FROM meta WHERE key IN ('flow_count', 'dns_count');"
                             " UPDATE meta SET value = '1.2' WHERE key = 'format_version';"
                             " DELETE FROM meta WHERE key IN ('evidence_sha256', 'evidence_digest_version');"));
    const Run run = runCli({"import", "--pcap", m_pcap, "--into", session});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QJsonObject info = QJsonDocument::fromJson(runCli({"info", session}).out).object();
    QCOMPARE(info["format_version"].toString(), QString("1.3"));
    QCOMPARE(info["counts"].toObject()["flows"].toInt(), 3);
    QCOMPARE(runCli({"verify", session}).exitCode, 0);
}

void TestCliFlows::truncatedCapture()
{
    // Cut in the middle of the last record: what came before is imported, with a warning.
    QFile full(m_pcap);
    QVERIFY(full.open(QIODevice::ReadOnly));
    const QByteArray bytes = full.readAll();
    const QString cut = m_dir.filePath("cut.pcap");
    QFile out(cut);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(bytes.left(bytes.size() - 20));
    out.close();
    const QString session = m_dir.filePath("cut.provscope");
    const Run run = runCli({"import", "--pcap", cut, "-o", session});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(run.err.contains("warning: " + cut.toUtf8() + " is truncated or damaged: stopped"), run.err.constData());
    QVERIFY2(run.out.contains("12 packets, 3 flows") && run.out.contains("(incomplete: stopped"), run.out.constData());
    const QList<QJsonObject> flows = jsonLines(runCli({"flows", session}).out);
    QCOMPARE(flows.size(), 3);
    QCOMPARE(flows[2]["packets_out"].toInt(), 1); // the last datagram was cut
    const QJsonObject info = QJsonDocument::fromJson(runCli({"info", session}).out).object();
    QCOMPARE(info["capture_config"].toObject()["complete"].toBool(true), false);
}

void TestCliFlows::refusals_data()
{
    QTest::addColumn<QString>("what");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("text file") << "text" << 2 << "is not a pcap or pcapng capture file";
    QTest::newRow("missing capture") << "missing" << 2 << "cannot open";
    QTest::newRow("existing output") << "existing" << 1 << "already exists; refusing to overwrite it";
    QTest::newRow("symlink output") << "symlink" << 1 << "is a symbolic link";
    QTest::newRow("no output") << "usage" << 2 << "give either -o";
}

void TestCliFlows::refusals()
{
    QFETCH(QString, what);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    QTemporaryDir dir;
    QString capture = m_pcap;
    const QString output = dir.filePath("out.provscope");
    const QString victim = dir.filePath("victim.txt");
    QFile v(victim);
    QVERIFY(v.open(QIODevice::WriteOnly));
    v.write("keep me\n");
    v.close();
    if (what == "text") {
        capture = dir.filePath("notes.pcap");
        QFile f(capture);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("these are my notes, not packets\n");
    } else if (what == "missing") {
        capture = dir.filePath("nothing.pcap");
    } else if (what == "existing") {
        QVERIFY(QFile::copy(victim, output));
    } else if (what == "symlink") {
        QVERIFY(QFile::link(victim, output));
    }
    const QStringList listingBefore = listing(dir.path());
    const QByteArray victimBefore = sha256(victim);
    const QStringList args = what == "usage" ? QStringList{"import", "--pcap", capture}
                                             : QStringList{"import", "--pcap", capture, "-o", output};
    const Run run = runCli(args);
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY2(run.err.contains(message.toUtf8()), run.err.constData());
    QVERIFY(run.out.isEmpty());
    // Nothing written, nothing left behind, the file in the way untouched.
    QCOMPARE(listing(dir.path()), listingBefore);
    QCOMPARE(sha256(victim), victimBefore);
}

void TestCliFlows::intoRecordingRefused()
{
    const QString live = m_dir.filePath("live.provscope");
    auto writer = SessionWriter::create(live.toStdString(), sampleMeta());
    QVERIFY(writer);
    CaptureBatch batch = sampleBatches()[0];
    QVERIFY((*writer)->append(batch));
    const Run run = runCli({"import", "--pcap", m_pcap, "--into", live});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("being recorded"), run.err.constData());
    QCOMPARE((*writer)->counts().flows, int64_t(0));
    QVERIFY((*writer)->finish(kBoot + 10000));
}

void TestCliFlows::flowsOfOldSession()
{
    // A 1.2 session: flows were not recorded; said on stderr, no lines, exit 0.
    const QString session = m_dir.filePath("v12.provscope");
    QVERIFY(!writeSample(session.toStdString()).empty());
    QVERIFY(execSql(session, "DROP TABLE flows; DROP TABLE dns; UPDATE meta SET value = '1.2' WHERE key = 'format_version';"
                             " PRAGMA journal_mode = DELETE;"));
    const Run run = runCli({"flows", session});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.isEmpty());
    QVERIFY2(run.err.contains("flows were not recorded"), run.err.constData());
    const QJsonObject info = QJsonDocument::fromJson(runCli({"info", session}).out).object();
    QVERIFY(info["counts"].toObject().contains("flows"));
    QVERIFY(info["counts"].toObject()["flows"].isNull());
}

void TestCliFlows::flowsOfNoPcapSession()
{
    // A 1.3 session recorded with --no-pcap has the tables, empty by design: not "0 flows".
    const QString session = m_dir.filePath("nopcap.provscope");
    SessionMeta meta = sampleMeta();
    meta.captureConfig = "{\"syscalls\":\"all\",\"pcap\":{\"enabled\":false,\"reason\":\"--no-pcap\"}}";
    auto writer = SessionWriter::create(session.toStdString(), meta);
    QVERIFY(writer);
    CaptureBatch batch = sampleBatches()[0];
    QVERIFY((*writer)->append(batch));
    QVERIFY((*writer)->finish(kBoot + 10000));
    const Run run = runCli({"flows", session});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.isEmpty());
    QVERIFY2(run.err.contains("network flows were not recorded in " + session.toUtf8() + " (--no-pcap)"),
             run.err.constData());
    const QJsonObject info = QJsonDocument::fromJson(runCli({"info", session}).out).object();
    QVERIFY(info["counts"].toObject()["flows"].isNull());
    QVERIFY(info["counts"].toObject()["dns_records"].isNull());
    // A session whose capture was on says 0.
    const QJsonObject imported = QJsonDocument::fromJson(runCli({"info", m_imported}).out).object();
    QCOMPARE(imported["counts"].toObject()["flows"].toInt(-1), 3);
}

void TestCliFlows::attributedCountsStoredFlows()
{
    // A 130 s UDP flow is handed out twice (the 60 s flush, then its end); only its last
    // version is near its sender's event (at 129.5 s): stored attributed, counted so.
    std::vector<Frame> frames;
    for (int i = 0; i < 6500; ++i)
        frames.push_back({kT0 + int64_t(i) * 20 * kMs, ::test::udpFrame("127.0.0.1", 50000, "127.0.0.1", 9999,
                                                                         ::test::filler(8))});
    const QString capture = m_dir.filePath("long.pcap"), session = m_dir.filePath("long.provscope");
    QVERIFY(writePcap(capture, frames));
    auto boot = [](int64_t epochNs) { return uint64_t(epochNs - kBootToEpoch); };
    CaptureBatch batch;
    batch.processes.push_back(processInfo(300, 99, 1, 0, "sender", "/usr/bin/sender"));
    Event send = makeEvent(300, 99, "sender", "sendto", boot(kT0 + 129'500 * kMs));
    send.laddr = "127.0.0.1", send.lport = 50000, send.raddr = "127.0.0.1", send.rport = 9999;
    batch.events = {send};
    QCOMPARE(writeSession(session, testSessionMeta("lab", "boot-1", kBootToEpoch, boot(kT0 - kSec)), {batch},
                          boot(kT0 + 140 * kSec)),
             QString());
    const Run run = runCli({"import", "--pcap", capture, "--into", session});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QList<QJsonObject> flows = jsonLines(runCli({"flows", session}).out);
    QCOMPARE(flows.size(), 1);
    QCOMPARE(flows[0]["pid"].toInt(), 300);
    QVERIFY2(run.out.contains("1 flows (1 attributed)"), run.out.constData());
}

QTEST_GUILESS_MAIN(TestCliFlows)
#include "tst_cli_flows.moc"
