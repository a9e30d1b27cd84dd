// provscope-capture's network options as a user meets them: a bad filter, an unknown
// interface, a refused exclusion or an existing --pcapng file stop it before any file is
// made, with a message that says what is wrong; --no-pcap and the exclusions are written
// into the session's configuration, so "not recorded" can be told from "did not happen".
// Needs root (the helper refuses to run otherwise).
#include "pcapng_blocks.h"
#include "session_reader.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <cstring>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace provscope;

class TestCaptureNetworkCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void refusedExclusionsSayWhy();
    void badFilterStopsBeforeAnyFile();
    void unknownInterfaceStopsBeforeAnyFile();
    void existingPcapngIsKept();
    void pcapngGoesWithOutput();
    void noPcapIsRecorded();
    void exclusionsAreRecorded();
    void pcapngBelongsToTheInvokingUser();
    void refusedSessionLeavesNoPcapng();
    void fullPcapngDiskFailsTheRun();

private:
    struct Run {
        int exitCode = -1;
        QString err;
    };
    Run capture(const QStringList &args, int timeoutMs = 60000);
    QJsonObject pcapConfig(const QString &session);

    QString m_binary;
    QTemporaryDir m_dir;
    bool m_root = false;
};

void TestCaptureNetworkCli::initTestCase()
{
    m_root = geteuid() == 0;
    m_binary = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath()) + "/provscope-capture";
    QVERIFY2(QFileInfo(m_binary).isExecutable(), qPrintable(m_binary));
    QVERIFY(m_dir.isValid());
}

TestCaptureNetworkCli::Run TestCaptureNetworkCli::capture(const QStringList &args, int timeoutMs)
{
    QProcess p;
    p.start(m_binary, args);
    Run run;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        run.err = "timed out";
        return run;
    }
    run.exitCode = p.exitCode();
    run.err = QString::fromLocal8Bit(p.readAllStandardError());
    return run;
}

QJsonObject TestCaptureNetworkCli::pcapConfig(const QString &session)
{
    auto reader = SessionReader::open(session.toStdString());
    if (!reader)
        return {};
    const QJsonObject config = QJsonDocument::fromJson(QByteArray::fromStdString((*reader)->meta().captureConfig)).object();
    return config.value("pcap").toObject();
}

void TestCaptureNetworkCli::refusedExclusionsSayWhy()
{
    const QString session = m_dir.filePath("refused.provscope");
    for (const QString &rule : {QStringLiteral("514"), QStringLiteral("syslog.example:514")}) {
        const Run run = capture({"-o", session, "--exclude-flow", rule});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("--exclude-flow `" + rule + "`") && run.err.contains("attacker"), qPrintable(run.err));
        QVERIFY(!QFile::exists(session));
    }
}

void TestCaptureNetworkCli::badFilterStopsBeforeAnyFile()
{
    if (!m_root)
        QSKIP("LIVE CAPTURE NOT TESTED: provscope-capture needs root");
    const QString session = m_dir.filePath("filter.provscope");
    const Run run = capture({"-o", session, "--bpf-filter", "tcp port", "--duration", "1"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("--bpf-filter 'tcp port': ") && run.err.contains("syntax error"), qPrintable(run.err));
    QVERIFY(!QFile::exists(session));
}

void TestCaptureNetworkCli::unknownInterfaceStopsBeforeAnyFile()
{
    if (!m_root)
        QSKIP("LIVE CAPTURE NOT TESTED: provscope-capture needs root");
    const QString session = m_dir.filePath("iface.provscope");
    const Run run = capture({"-o", session, "--interface", "eth9", "--duration", "1"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("--interface eth9: no such device"), qPrintable(run.err));
    QVERIFY(!QFile::exists(session));
}

void TestCaptureNetworkCli::existingPcapngIsKept()
{
    if (!m_root)
        QSKIP("LIVE CAPTURE NOT TESTED: provscope-capture needs root");
    const QString session = m_dir.filePath("pcapng.provscope");
    const QString existing = m_dir.filePath("existing.pcapng");
    {
        QFile f(existing);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("evidence");
    }
    const Run run = capture({"-o", session, "--interface", "lo", "--pcapng", existing, "--duration", "1"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("the file exists"), qPrintable(run.err));
    QVERIFY2(!QFile::exists(session), "a session file was left behind");
    QFile f(existing);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("evidence"));
}

void TestCaptureNetworkCli::pcapngGoesWithOutput()
{
    if (!m_root)
        QSKIP("LIVE CAPTURE NOT TESTED: provscope-capture needs root");
    const Run run = capture({"--serve", "--pcapng", m_dir.filePath("serve.pcapng")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("--pcapng goes with -o"), qPrintable(run.err));
    const Run off = capture({"-o", m_dir.filePath("x.provscope"), "--no-pcap", "--interface", "lo"});
    QCOMPARE(off.exitCode, 2);
    QVERIFY2(off.err.contains("--no-pcap"), qPrintable(off.err));
}

void TestCaptureNetworkCli::noPcapIsRecorded()
{
    if (!m_root)
        QSKIP("LIVE CAPTURE NOT TESTED: provscope-capture needs root");
    const QString session = m_dir.filePath("nopcap.provscope");
    const Run run = capture({"-o", session, "--no-pcap", "--duration", "0.5"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(!run.err.contains("network:"), qPrintable(run.err));
    const QJsonObject pcap = pcapConfig(session);
    QCOMPARE(pcap.value("enabled").toBool(true), false);
    QCOMPARE(pcap.value("reason").toString(), QStringLiteral("--no-pcap"));
}

void TestCaptureNetworkCli::exclusionsAreRecorded()
{
    if (!m_root)
        QSKIP("LIVE CAPTURE NOT TESTED: provscope-capture needs root");
    const QString config = m_dir.filePath("capture.conf");
    {
        QFile f(config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("exclude_flow = 192.0.2.7:514\ninterfaces = lo\nbpf_filter = udp\n");
    }
    const QString session = m_dir.filePath("excluded.provscope");
    const Run run = capture({"-o", session, "--config", config, "--exclude-flow", "[2001:db8::7]:6514", "--snaplen",
                             "1500", "--flow-timeout", "30", "--flow-flush", "5", "--duration", "0.5"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(run.err.contains("network: ") && run.err.contains(" on lo:"), qPrintable(run.err));
    const QJsonObject pcap = pcapConfig(session);
    QCOMPARE(pcap.value("enabled").toBool(), true);
    QCOMPARE(pcap.value("bpf_filter").toString(), QStringLiteral("udp"));
    QCOMPARE(pcap.value("exclude_flows").toArray(), QJsonArray({"192.0.2.7:514", "[2001:db8::7]:6514"}));
    QCOMPARE(pcap.value("effective_filter").toString(),
             QStringLiteral("(udp) and not ((src host 192.0.2.7 and src port 514) or (dst host 192.0.2.7 and dst port 514))"
                            " and not ((src host 2001:db8::7 and src port 6514) or (dst host 2001:db8::7 and dst port 6514))"));
    QCOMPARE(pcap.value("interfaces").toArray().size(), 1);
    QCOMPARE(pcap.value("interfaces").toArray().first().toObject().value("name").toString(), QStringLiteral("lo"));
    QCOMPARE(pcap.value("snaplen").toInt(), 1500);
    QCOMPARE(pcap.value("flow_timeout_s").toDouble(), 30.0);
    QCOMPARE(pcap.value("flow_flush_s").toDouble(), 5.0);
}

void TestCaptureNetworkCli::pcapngBelongsToTheInvokingUser()
{
    if (!m_root)
        QSKIP("LIVE CAPTURE NOT TESTED: provscope-capture needs root");
    // As if started through sudo by user 65534: the pcapng file is theirs, like the session.
    const QString shared = m_dir.filePath("shared");
    QVERIFY(QDir().mkpath(shared));
    QVERIFY(::chmod(QFile::encodeName(m_dir.path()).constData(), 0755) == 0);
    QVERIFY(::chmod(QFile::encodeName(shared).constData(), 01777) == 0);
    const QString session = shared + "/nobody.provscope", pcapng = shared + "/nobody.pcapng";
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("SUDO_UID", "65534");
    env.insert("SUDO_GID", "65534");
    p.setProcessEnvironment(env);
    p.start(m_binary, {"-o", session, "--interface", "lo", "--pcapng", pcapng, "--duration", "0.5"});
    QVERIFY(p.waitForFinished(30000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    struct stat st {};
    QVERIFY(::stat(QFile::encodeName(pcapng).constData(), &st) == 0);
    QCOMPARE(st.st_uid, uid_t(65534));
    QCOMPARE(st.st_mode & 0777, mode_t(0600));
    QFile f(pcapng);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.read(4), QByteArray("\x0a\x0d\x0d\x0a", 4)); // a pcapng section header
}

void TestCaptureNetworkCli::refusedSessionLeavesNoPcapng()
{
    if (!m_root)
        QSKIP("LIVE CAPTURE NOT TESTED: provscope-capture needs root");
    const QString session = m_dir.filePath("taken.provscope"), pcapng = m_dir.filePath("taken-new.pcapng");
    {
        QFile f(session);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("someone's");
    }
    const Run run = capture({"-o", session, "--interface", "lo", "--pcapng", pcapng, "--duration", "1"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(session), qPrintable(run.err));
    QVERIFY2(!QFile::exists(pcapng), "the session file was refused but a new pcapng file was left behind");
    QFile f(session);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("someone's"));
}

void TestCaptureNetworkCli::fullPcapngDiskFailsTheRun()
{
    if (!m_root)
        QSKIP("LIVE CAPTURE NOT TESTED: provscope-capture needs root");
    // The pcapng file on a 64 KiB tmpfs; 300 UDP datagrams of 1000 bytes on lo (bash's
    // /dev/udp) while the capture runs: the file cannot hold them.
    const QString small = m_dir.filePath("small");
    QVERIFY(QDir().mkpath(small));
    QVERIFY2(::mount("tmpfs", QFile::encodeName(small).constData(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") == 0,
             std::strerror(errno));
    struct Unmount {
        QString path;
        ~Unmount() { ::umount2(QFile::encodeName(path).constData(), MNT_DETACH); }
    } unmount{small};
    const QString session = m_dir.filePath("full.provscope"), pcapng = small + "/full.pcapng";
    const QString port = QString::number(20000 + getpid() % 20000);
    const QString send = "for i in $(seq 300); do printf '%1000s' x > /dev/udp/127.0.0.1/" + port + "; done";
    const Run run = capture({"-o", session, "--interface", "lo", "--snaplen", "1500", "--bpf-filter", "udp port " + port,
                             "--pcapng", pcapng, "--", "/bin/bash", "-c", send});
    QVERIFY2(run.exitCode == 1, qPrintable(run.err));
    QVERIFY2(run.err.contains("No space left on device") && run.err.contains("--pcapng file is incomplete"), qPrintable(run.err));
    const PcapngBlocks blocks = countPcapngBlocks(pcapng);
    QVERIFY(blocks.readable);
    QCOMPARE(blocks.wholeBytes, blocks.fileBytes);
    QVERIFY(blocks.packets < 300);
    QVERIFY2(run.err.contains(QString("pcapng: %1 packets written").arg(blocks.packets)), qPrintable(run.err));
    QVERIFY2(run.err.contains(QString("%1 packets in it, %2 captured packets not written").arg(blocks.packets).arg(300 - blocks.packets)),
             qPrintable(run.err));
    QVERIFY2(QFile::exists(session), "the session was not kept");
}

QTEST_GUILESS_MAIN(TestCaptureNetworkCli)
#include "tst_capture_network_cli.moc"
