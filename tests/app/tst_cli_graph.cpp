// `provscope-cli graph` and `summary` as an investigator runs them on a session
// file: a scripted chain (download over loopback, write, execute, read an ssh
// key, send to 127.0.0.3:4444, append to ~/.bashrc) beside an unrelated logger,
// written with the real SessionWriter, and the real binary with no display.
#include "../models/headless_cli.h"
#include "../models/test_session_file.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace provscope;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
constexpr int64_t kOffset = 1'700'000'000'000'000'000LL;

using Run = CliRun;

using test::processInfo;

Event syscallEvent(uint32_t pid, uint64_t start, const char *comm, const char *syscall, double at, std::string path = {},
            uint64_t bytes = 0)
{
    Event e;
    e.pid = e.tid = pid;
    e.procStartNs = start;
    e.comm = comm;
    e.syscall = syscall;
    e.tsNs = e.lastTsNs = uint64_t(at * double(kSec));
    e.path = std::move(path);
    e.bytes = bytes;
    e.ret = int64_t(bytes);
    e.fd = e.path.empty() ? -1 : 3;
    return e;
}

Event socketEvent(uint32_t pid, uint64_t start, const char *comm, const char *syscall, double at, const char *laddr,
                  uint16_t lport, const char *raddr, uint16_t rport, uint64_t bytes = 0)
{
    Event e = syscallEvent(pid, start, comm, syscall, at, {}, bytes);
    e.fd = 4;
    e.laddr = laddr;
    e.lport = lport;
    e.raddr = raddr;
    e.rport = rport;
    return e;
}

QJsonObject readJson(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

// The values of one field over all nodes.
QStringList nodeField(const QJsonObject &graph, const char *field)
{
    QStringList values;
    for (const QJsonValue &node : graph["nodes"].toArray())
        if (node.toObject().contains(field))
            values << node.toObject()[field].toVariant().toString();
    return values;
}

} // namespace

static QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

class TestCliGraph : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_session;
    QString m_cli;

    Run cli(const QStringList &args) { return runHeadlessCli(m_cli, args); }
    Run graph(const QStringList &args) { return cli(QStringList{"graph", m_session} + args); }

    QStringList outputs() const
    {
        QStringList names = QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden);
        names.removeAll(QStringLiteral("case.provscope"));
        return names;
    }
    void clearOutputs()
    {
        for (const QString &name : outputs())
            QFile::remove(m_dir.filePath(name));
    }

private slots:
    void initTestCase()
    {
        m_cli = qEnvironmentVariable("PROVSCOPE_BIN_DIR") + QStringLiteral("/provscope-cli");
        QVERIFY2(QFileInfo(m_cli).isExecutable(), qPrintable("build provscope-cli first: " + m_cli));
        QVERIFY(m_dir.isValid());
        m_session = m_dir.filePath(QStringLiteral("case.provscope"));
        const uint64_t bash = 100 * kSec, curl = 110 * kSec, dropper = 120 * kSec, logger = 50 * kSec;
        CaptureBatch batch;
        batch.processes = {processInfo(412, bash, 1, 0, "bash", "/usr/bin/bash"),
                           processInfo(415, curl, 412, bash, "curl", "/usr/bin/curl"),
                           processInfo(416, dropper, 412, bash, ".x", "/tmp/.x"),
                           processInfo(300, logger, 1, 0, "logger", "/usr/bin/logger")};
        std::vector<Event> &e = batch.events;
        e.push_back(socketEvent(415, curl, "curl", "connect", 111, "127.0.0.1", 41000, "127.0.0.1", 8000));
        e.push_back(socketEvent(415, curl, "curl", "recvfrom", 111.1, "127.0.0.1", 41000, "127.0.0.1", 8000, 4096));
        e.push_back(syscallEvent(415, curl, "curl", "write", 111.2, "/tmp/.x", 4096));
        e.push_back(syscallEvent(300, logger, "logger", "write", 115, "/var/log/app.log", 100));
        e.push_back(syscallEvent(416, dropper, "bash", "execve", 121, "/tmp/.x"));
        e.push_back(syscallEvent(416, dropper, ".x", "read", 121.01, "/usr/lib/x86_64-linux-gnu/libc.so.6", 832));
        e.push_back(syscallEvent(416, dropper, ".x", "read", 122, "/home/u/.ssh/id_rsa", 2602));
        e.push_back(socketEvent(416, dropper, ".x", "connect", 123, "127.0.0.1", 52000, "127.0.0.3", 4444));
        e.push_back(socketEvent(416, dropper, ".x", "sendto", 124, "127.0.0.1", 52000, "127.0.0.3", 4444, 4096));
        e.push_back(syscallEvent(416, dropper, ".x", "write", 125, "/home/u/.bashrc", 60));
        e.push_back(syscallEvent(300, logger, "logger", "write", 126, "/var/log/app.log", 100));
        SessionMeta meta = test::testSessionMeta("lab-3", "boot-1", kOffset, 40 * kSec);
        const QString error = test::writeSession(m_session, meta, {batch}, 130 * kSec);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void cleanup() { clearOutputs(); }

    void backwardFromTheConnectionAsJson()
    {
        const QString out = m_dir.filePath("chain.json");
        const Run run = graph({"--poi", "net:127.0.0.3:4444", "--direction", "backward", "--format", "json", "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject json = readJson(out);
        const QStringList paths = nodeField(json, "path");
        const QStringList addrs = nodeField(json, "addr");
        const QStringList pids = nodeField(json, "pid");
        // Every step of the chain up to the send ...
        QVERIFY2(paths.contains("/tmp/.x"), qPrintable(paths.join(',')));
        QVERIFY(paths.contains("/home/u/.ssh/id_rsa"));
        QVERIFY(addrs.contains("127.0.0.3") && addrs.contains("127.0.0.1"));
        QVERIFY(pids.contains("415") && pids.contains("416") && pids.contains("412"));
        // ... and nothing unrelated or later: the logger, its log, the .bashrc written after the send.
        QVERIFY(!pids.contains("300"));
        QVERIFY(!paths.contains("/var/log/app.log"));
        QVERIFY(!paths.contains("/home/u/.bashrc"));
        // The send, in epoch ns like `provscope-cli events`.
        bool sawSend = false;
        for (const QJsonValue &v : json["edges"].toArray()) {
            const QJsonObject edge = v.toObject();
            if (edge["type"] == "send") {
                sawSend = true;
                QCOMPARE(edge["ts_ns"].toInteger(), qint64(124 * kSec) + kOffset);
                QCOMPARE(edge["bytes"].toInteger(), 4096);
                const QJsonObject to = json["nodes"].toArray()[edge["to"].toInt()].toObject();
                QCOMPARE(to["addr"].toString(), QString("127.0.0.3"));
                QCOMPARE(to["port"].toInt(), 4444);
            }
        }
        QVERIFY(sawSend);
        // One line of figures on stderr.
        const QStringList lines = run.err.trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines[0].contains(QString("%1 nodes").arg(json["nodes"].toArray().size())), qPrintable(lines[0]));
        QVERIFY2(lines[0].contains("raw edges ->") && lines[0].contains("ratio"), qPrintable(lines[0]));
        QVERIFY2(lines[0].contains("noise filters off") && lines[0].contains("no limit reached"), qPrintable(lines[0]));
        QVERIFY(run.out.startsWith("wrote " + out));
    }

    void otherSelectors_data()
    {
        QTest::addColumn<QString>("poi");
        QTest::addColumn<QString>("direction");
        QTest::addColumn<QStringList>("paths"); // files the graph must hold
        // The 9th event is the send; START_NS is epoch ns, as users see times.
        QTest::newRow("event") << "event:9" << "backward" << QStringList{"/tmp/.x", "/home/u/.ssh/id_rsa"};
        QTest::newRow("process at its start") << QString("proc:416@%1").arg(qint64(120 * kSec) + kOffset) << "forward"
                                              << QStringList{"/home/u/.bashrc"};
        QTest::newRow("address without port") << "net:127.0.0.3" << "backward" << QStringList{"/home/u/.ssh/id_rsa"};
    }
    void otherSelectors()
    {
        QFETCH(QString, poi);
        QFETCH(QString, direction);
        QFETCH(QStringList, paths);
        const QString out = m_dir.filePath("sel.json");
        const Run run = graph({"--poi", poi, "--direction", direction, "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QStringList found = nodeField(readJson(out), "path");
        for (const QString &path : paths)
            QVERIFY2(found.contains(path), qPrintable(path + " not in " + found.join(',')));
        QVERIFY(!nodeField(readJson(out), "pid").contains("300"));
    }

    void forwardFromTheDownload()
    {
        const QString out = m_dir.filePath("forward.json");
        const Run run = graph({"--poi", "file:/tmp/.x", "--direction", "forward", "-o", out}); // format from .json
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject json = readJson(out);
        QVERIFY(nodeField(json, "addr").contains("127.0.0.3"));
        QVERIFY(nodeField(json, "path").contains("/home/u/.bashrc"));
        QVERIFY(!nodeField(json, "pid").contains("300"));
    }

    void hideNoiseSaysWhatItHid()
    {
        const QString out = m_dir.filePath("noise.json");
        Run run = graph({"--poi", "net:127.0.0.3:4444", "--direction", "backward", "--format", "json", "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(nodeField(readJson(out), "path").contains("/usr/lib/x86_64-linux-gnu/libc.so.6"));
        run = graph({"--poi", "net:127.0.0.3:4444", "--direction", "backward", "--hide-noise", "--format", "json",
                     "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(!nodeField(readJson(out), "path").contains("/usr/lib/x86_64-linux-gnu/libc.so.6"));
        QVERIFY(nodeField(readJson(out), "path").contains("/home/u/.ssh/id_rsa"));
        QVERIFY2(run.err.contains("noise hid system files 1 nodes/1 edges"), qPrintable(run.err));
    }

    void reductionAndLimitsInTheFigures()
    {
        const QString out = m_dir.filePath("g.dot");
        Run run = graph({"--poi", "proc:416", "--reduce", "none", "--format", "dot", "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains("(no reduction)"), qPrintable(run.err));
        run = graph({"--poi", "net:127.0.0.3:4444", "--direction", "backward", "--max-nodes", "2", "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains("cut by a limit (--max-nodes 2)"), qPrintable(run.err));
        run = graph({"--poi", "net:127.0.0.3:4444", "--direction", "backward", "--depth", "1", "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains("cut by a limit (--depth 1, --max-nodes 2000)"), qPrintable(run.err));
        // Before issue 5's flags: --neighbourhood still works (tracking both ways).
        run = graph({"--poi", "proc:416", "--neighbourhood", "--depth", "3", "--max-nodes", "50", "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().startsWith("digraph"));
    }

    void pdfReport()
    {
        const QString out = m_dir.filePath("case.pdf");
        const Run run = graph({"--poi", "net:127.0.0.3:4444", "--direction", "backward", "--format", "pdf",
                               "--title", "Case 117", "--notes", "IDS alert at 10:15", "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray pdf = file.readAll();
        QVERIFY(pdf.startsWith("%PDF-"));
        QVERIFY(pdf.trimmed().endsWith("%%EOF"));
        // The document title in the PDF's info dictionary (UTF-16BE, as QPdfWriter writes it).
        QByteArray title;
        for (const char c : QByteArray("Case 117"))
            title += QByteArray(1, '\0') + c;
        QVERIFY(pdf.contains("/Title") && pdf.contains(title));
        QCOMPARE(outputs(), QStringList{"case.pdf"});
    }

    void pngReportIsMoreThanTheGraph()
    {
        const QString plain = m_dir.filePath("graph.png");
        const QString report = m_dir.filePath("report.png");
        const QStringList base{"--poi", "net:127.0.0.3:4444", "--direction", "backward", "--format", "png"};
        Run run = graph(base + QStringList{"-o", plain});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        run = graph(base + QStringList{"--report", "-o", report});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QImage graphImage(plain), reportImage(report);
        QVERIFY(!graphImage.isNull() && !reportImage.isNull());
        // Title, summary, legend and timeline around the same graph.
        QVERIFY(reportImage.height() > graphImage.height() + 200);
        QVERIFY(reportImage.width() >= graphImage.width());
        if (qEnvironmentVariableIsSet("PROVSCOPE_SHOT_DIR")) {
            QFile::copy(report, qEnvironmentVariable("PROVSCOPE_SHOT_DIR") + "/cli-report.png");
            QFile::copy(plain, qEnvironmentVariable("PROVSCOPE_SHOT_DIR") + "/cli-graph.png");
        }
    }

    void summary()
    {
        const Run run = cli({"summary", m_session, "--poi", "net:127.0.0.3:4444", "--direction", "backward"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QString text = run.out.trimmed();
        QVERIFY2(text.contains("127.0.0.3:4444") && text.contains("/tmp/.x") && text.contains("curl"), qPrintable(text));
        QVERIFY(!text.contains("logger"));
        QVERIFY(run.err.contains("raw edges ->"));
        // --steps: one timed line per step, in time order.
        const Run steps = cli({"summary", m_session, "--poi", "net:127.0.0.3:4444", "--direction", "backward", "--steps"});
        QVERIFY2(steps.exitCode == 0, qPrintable(steps.err));
        const QStringList lines = steps.out.trimmed().split('\n');
        QVERIFY(lines.size() >= 3);
        QStringList times;
        for (const QString &line : lines)
            times << line.left(23);
        QStringList sorted = times;
        sorted.sort();
        QCOMPARE(times, sorted);
    }

    void errors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        const QString out = "out.json";
        QTest::newRow("bad direction") << QStringList{"graph", "S", "--poi", "proc:416", "--direction", "sideways",
                                                      "--format", "json", "-o", out}
                                       << 2 << "unknown direction 'sideways'";
        QTest::newRow("unknown selector") << QStringList{"graph", "S", "--poi", "host:x", "--format", "json", "-o", out}
                                          << 2 << "unknown point of interest";
        QTest::newRow("no such process") << QStringList{"graph", "S", "--poi", "proc:999", "--format", "json", "-o", out}
                                         << 1 << "no process with pid 999";
        QTest::newRow("no such file") << QStringList{"graph", "S", "--poi", "file:/etc/none", "--format", "pdf", "-o",
                                                     "out.pdf"}
                                      << 1 << "no event touches the file /etc/none";
        QTest::newRow("no such address") << QStringList{"graph", "S", "--poi", "net:10.9.9.9", "--format", "png", "-o",
                                                        "out.png"}
                                         << 1 << "no socket";
        QTest::newRow("bad reduction") << QStringList{"graph", "S", "--poi", "proc:416", "--reduce", "lossy", "-o", out}
                                       << 2 << "unknown reduction 'lossy'";
        QTest::newRow("report as dot") << QStringList{"graph", "S", "--poi", "proc:416", "--report", "--format", "dot",
                                                      "-o", "out.dot"}
                                       << 2 << "--report is for png or pdf";
        QTest::newRow("bad format") << QStringList{"graph", "S", "--poi", "proc:416", "--format", "docx", "-o", out}
                                    << 2 << "unknown graph format 'docx'";
        QTest::newRow("output is the session") << QStringList{"graph", "S", "--poi", "proc:416", "--format", "json",
                                                              "-o", "S"}
                                               << 2 << "refusing to write over the session file";
        QTest::newRow("summary without poi") << QStringList{"summary", "S"} << 2 << "missing --poi";
        QTest::newRow("summary bad selector") << QStringList{"summary", "S", "--poi", "event:x"} << 2
                                              << "bad point of interest";
        QTest::newRow("summary no such event") << QStringList{"summary", "S", "--poi", "event:999"} << 1
                                               << "event 999";
    }
    void errors()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        for (QString &arg : args) {
            if (arg == "S")
                arg = m_session;
            else if (arg.startsWith("out."))
                arg = m_dir.filePath(arg);
        }
        const QByteArray sessionBefore = readAll(m_session);
        const Run run = cli(args);
        QCOMPARE(readAll(m_session), sessionBefore); // the evidence is never touched
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
        QVERIFY(run.out.isEmpty());
        QCOMPARE(outputs(), QStringList());
    }
};

QTEST_GUILESS_MAIN(TestCliGraph)
#include "tst_cli_graph.moc"
