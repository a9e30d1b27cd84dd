// provscope-cli as a user runs it: on a session file, from a shell.
#include "event_json.h"
#include "session_writer.h"

#include <QJsonArray>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace provscope;

namespace {

constexpr uint64_t kBoot = 7'000'000'000'000ull;
constexpr int64_t kOffset = 1'700'000'000'000'000'000ll;

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run runCli(const QStringList &args)
{
    Run run;
    const QString bin = qEnvironmentVariable("PROVSCOPE_BIN_DIR") + "/provscope-cli";
    QProcess process;
    process.start(bin, args);
    if (!process.waitForFinished(60000))
        return run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

Event makeEvent(uint32_t pid, const char *syscall, uint64_t ts)
{
    Event e;
    e.pid = e.tid = pid;
    e.ppid = 1;
    e.procStartNs = kBoot + pid;
    e.comm = pid == 10 ? "curl" : "bash";
    e.syscall = syscall;
    e.tsNs = e.lastTsNs = ts;
    return e;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void info();
    void eventsFields();
    void eventsFilters_data();
    void eventsFilters();
    void errors_data();
    void errors();
    void jsonEscaping_data();
    void jsonEscaping();

private:
    QTemporaryDir m_dir;
    QString m_session;
};

void TestCli::initTestCase()
{
    const QString bin = qEnvironmentVariable("PROVSCOPE_BIN_DIR") + "/provscope-cli";
    QVERIFY2(QFileInfo(bin).isExecutable(), qPrintable("build provscope-cli first: " + bin));
    m_session = m_dir.filePath("case.provscope");
    SessionMeta meta;
    meta.toolVersion = "0.1.0";
    meta.host = "lab \"host\"";
    meta.kernel = "6.1.0";
    meta.bootId = "boot-1";
    meta.bootToEpochNs = kOffset;
    meta.captureStartNs = kBoot;
    auto writer = SessionWriter::create(m_session.toStdString(), meta);
    QVERIFY2(writer, writer.ok() ? "" : writer.error().c_str());
    CaptureBatch batch;
    Event exec = makeEvent(10, "execve", kBoot + 100);
    exec.path = "/usr/bin/curl";
    exec.argv = {"curl", "http://127.0.0.1:8080/"};
    batch.events.push_back(exec);
    Event connect = makeEvent(10, "connect", kBoot + 200);
    connect.fd = 3;
    connect.laddr = "127.0.0.1";
    connect.lport = 41000;
    connect.raddr = "127.0.0.1";
    connect.rport = 8080;
    batch.events.push_back(connect);
    Event open = makeEvent(20, "openat", kBoot + 300);
    open.path = "/tmp/out\n\"x\".txt";
    open.fd = 4;
    open.ret = 4;
    open.flags = 01 | 0100 | 02000000; // O_WRONLY|O_CREAT|O_CLOEXEC
    open.mode = 0644;
    batch.events.push_back(open);
    Event write = makeEvent(20, "write", kBoot + 400);
    write.path = open.path;
    write.fd = 4;
    write.ret = 100;
    write.count = 3;
    write.bytes = 300;
    write.lastTsNs = kBoot + 450;
    batch.events.push_back(write);
    Event rename = makeEvent(20, "rename", kBoot + 500);
    rename.path = "/tmp/a";
    rename.path2 = "/tmp/b";
    batch.events.push_back(rename);
    Event denied = makeEvent(20, "openat", kBoot + 600);
    denied.path = std::string("/root/\xff\xfe");
    denied.ret = -13;
    batch.events.push_back(denied);
    batch.losses.push_back({kBoot + 700, kBoot + 800, 0, 5, "kernel-ringbuf"});
    QVERIFY((*writer)->append(batch));
    QVERIFY((*writer)->finish(kBoot + 1000));
}

void TestCli::info()
{
    const Run run = runCli({"info", m_session});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QJsonParseError error;
    const QJsonObject info = QJsonDocument::fromJson(run.out, &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + run.out));
    const QJsonObject counts = info["counts"].toObject();
    QCOMPARE(counts["events"].toInteger(), 6);
    QCOMPARE(counts["processes"].toInteger(), 2);
    QCOMPARE(counts["files"].toInteger(), 5); // curl, out, a, b, /root/..
    QCOMPARE(counts["sockets"].toInteger(), 1);
    QCOMPARE(counts["lost_events"].toInteger(), 5);
    QCOMPARE(info["format_version"].toString(), QString::fromStdString(sessionFormatVersion()));
    QCOMPARE(info["host"].toString(), QString("lab \"host\""));
    QCOMPARE(info["kernel"].toString(), QString("6.1.0"));
    QCOMPARE(info["boot_id"].toString(), QString("boot-1"));
    QCOMPARE(info["recording"].toBool(true), false);
    QCOMPARE(info["finished"].toBool(false), true);
    const QJsonObject range = info["time_range"].toObject();
    QCOMPARE(range["first_ns"].toInteger(), qint64(kBoot + 100) + kOffset);
    QCOMPARE(range["last_ns"].toInteger(), qint64(kBoot + 600) + kOffset);
    // 1700000000 s + 7000 s + 100 ns after the epoch.
    QCOMPARE(range["first_iso"].toString(), QString("2023-11-15T00:10:00.000000100Z"));
    // Every loss record: its time range (epoch ns and ISO), count, source and CPU.
    const QJsonArray losses = info["losses"].toArray();
    QCOMPARE(losses.size(), 1);
    const QJsonObject loss = losses[0].toObject();
    QCOMPARE(loss["first_ns"].toInteger(), qint64(kBoot + 700) + kOffset);
    QCOMPARE(loss["last_ns"].toInteger(), qint64(kBoot + 800) + kOffset);
    QCOMPARE(loss["first_iso"].toString(), QString("2023-11-15T00:10:00.000000700Z"));
    QCOMPARE(loss["last_iso"].toString(), QString("2023-11-15T00:10:00.000000800Z"));
    QCOMPARE(loss["count"].toInteger(), 5);
    QCOMPARE(loss["source"].toString(), QString("kernel-ringbuf"));
    QCOMPARE(loss["cpu"].toInteger(-1), 0);
    QVERIFY(info.contains("capture_config")); // still there: losses were added, not swapped in
}

void TestCli::eventsFields()
{
    const Run run = runCli({"events", m_session});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QList<QByteArray> lines = run.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 6);
    QList<QJsonObject> events;
    for (const QByteArray &line : lines) {
        QJsonParseError error;
        events.push_back(QJsonDocument::fromJson(line, &error).object());
        QVERIFY2(error.error == QJsonParseError::NoError, line.constData());
    }
    const QStringList allowed = {"id", "ts_ns", "pid", "tid", "ppid", "comm", "syscall", "ret",
                                 "path", "path2", "fd", "laddr", "lport", "raddr", "rport",
                                 "count", "bytes", "args", "errno"};
    for (const QJsonObject &e : events) {
        for (const QString &key : e.keys())
            QVERIFY2(allowed.contains(key), qPrintable("unexpected field " + key));
    }
    const QJsonObject &exec = events[0];
    QCOMPARE(exec["id"].toInteger(), 1);
    QCOMPARE(exec["ts_ns"].toInteger(), qint64(kBoot + 100) + kOffset); // epoch ns
    QCOMPARE(exec["pid"].toInteger(), 10);
    QCOMPARE(exec["tid"].toInteger(), 10);
    QCOMPARE(exec["ppid"].toInteger(), 1);
    QCOMPARE(exec["comm"].toString(), QString("curl"));
    QCOMPARE(exec["syscall"].toString(), QString("execve"));
    QCOMPARE(exec["path"].toString(), QString("/usr/bin/curl"));
    QCOMPARE(exec["count"].toInteger(), 1);
    QVERIFY(!exec.contains("fd")); // -1: absent
    QVERIFY(!exec.contains("path2"));
    QVERIFY(!exec.contains("laddr"));
    const QJsonObject &connect = events[1];
    QCOMPARE(connect["laddr"].toString(), QString("127.0.0.1"));
    QCOMPARE(connect["lport"].toInteger(), 41000);
    QCOMPARE(connect["raddr"].toString(), QString("127.0.0.1"));
    QCOMPARE(connect["rport"].toInteger(), 8080);
    QCOMPARE(connect["fd"].toInteger(), 3);
    QVERIFY(!connect.contains("path"));
    QCOMPARE(events[2]["path"].toString(), QString("/tmp/out\n\"x\".txt"));
    QCOMPARE(events[3]["count"].toInteger(), 3);
    QCOMPARE(events[3]["bytes"].toInteger(), 300);
    QCOMPARE(events[4]["path"].toString(), QString("/tmp/a"));
    QCOMPARE(events[4]["path2"].toString(), QString("/tmp/b"));
    QCOMPARE(events[5]["ret"].toInteger(), -13);
    QCOMPARE(events[5]["path"].toString(), QString("/root/\uFFFD\uFFFD")); // invalid UTF-8
    // decoded arguments and errno names: only where there is something to say
    QCOMPARE(events[2]["args"].toString(), QString("flags=O_WRONLY|O_CREAT|O_CLOEXEC mode=0644"));
    QVERIFY(!events[2].contains("errno"));
    QVERIFY(!exec.contains("args"));
    QVERIFY(!events[3].contains("args"));
    QCOMPARE(events[5]["errno"].toString(), QString("EACCES"));
}

void TestCli::eventsFilters_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QList<int>>("ids");
    QTest::newRow("pid") << QStringList{"--pid", "20"} << QList<int>{3, 4, 5, 6};
    QTest::newRow("syscall") << QStringList{"--syscall", "openat"} << QList<int>{3, 6};
    QTest::newRow("pid and syscall") << QStringList{"--pid", "10", "--syscall", "connect"}
                                     << QList<int>{2};
    QTest::newRow("limit") << QStringList{"--limit", "2"} << QList<int>{1, 2};
    QTest::newRow("limit zero") << QStringList{"--limit", "0"} << QList<int>{};
    QTest::newRow("unknown pid") << QStringList{"--pid", "4242"} << QList<int>{};
    QTest::newRow("options first") << QStringList{"--syscall", "rename", "--limit", "9"}
                                   << QList<int>{5};
}

void TestCli::eventsFilters()
{
    QFETCH(QStringList, options);
    QFETCH(QList<int>, ids);
    const Run run = runCli(QStringList{"events"} + options + QStringList{m_session});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QList<int> got;
    for (const QByteArray &line : run.out.split('\n')) {
        if (!line.isEmpty())
            got.push_back(int(QJsonDocument::fromJson(line).object()["id"].toInteger()));
    }
    QCOMPARE(got, ids);
}

void TestCli::errors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("file"); // written into the temp dir first, "" for none
    QTest::addColumn<QString>("message");
    QTest::newRow("not a session") << QStringList{"info", "@file"} << "just some text\n"
                                   << "is not a provscope session (not an SQLite database)";
    QTest::newRow("events on not a session")
        << QStringList{"events", "@file"} << "just some text\n" << "is not a provscope session";
    QTest::newRow("missing file") << QStringList{"info", "/nonexistent/x.provscope"} << ""
                                  << "No such file or directory";
    QTest::newRow("unknown option") << QStringList{"events", "@session", "--frobnicate"} << ""
                                    << "unknown option --frobnicate";
    QTest::newRow("bad pid") << QStringList{"events", "@session", "--pid", "abc"} << ""
                             << "--pid needs a process id";
    QTest::newRow("missing value") << QStringList{"events", "@session", "--limit"} << ""
                                   << "--limit needs a value";
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << "" << "unknown command frobnicate";
    QTest::newRow("no file") << QStringList{"info"} << "" << "info: missing FILE";
}

void TestCli::errors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, file);
    QFETCH(QString, message);
    const QString bad = m_dir.filePath("bad.provscope");
    if (!file.isEmpty()) {
        QFile out(bad);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        out.write(file.toUtf8());
    }
    for (QString &arg : args) {
        if (arg == "@file")
            arg = bad;
        else if (arg == "@session")
            arg = m_session;
    }
    const Run run = runCli(args);
    QVERIFY2(run.exitCode > 0, qPrintable(QString::number(run.exitCode)));
    QVERIFY(run.out.isEmpty());
    QVERIFY2(run.err.contains(message.toUtf8()), run.err.constData());
}

void TestCli::jsonEscaping_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QString>("decoded"); // what a JSON parser must read back
    QTest::newRow("plain") << QByteArray("/tmp/a.txt") << "/tmp/a.txt";
    QTest::newRow("quotes and backslash") << QByteArray("a\"b\\c") << "a\"b\\c";
    QTest::newRow("control characters") << QByteArray("a\nb\tc\x01\x1f\x7f", 8)
                                        << QString("a\nb\tc\x01\x1f\x7f");
    QTest::newRow("nul byte") << QByteArray("a\0b", 3) << QString::fromUtf16(u"a\u0000b", 3);
    QTest::newRow("valid utf-8") << QByteArray("caf\xc3\xa9 \xf0\x9f\x94\x8d") << "café 🔍";
    QTest::newRow("invalid byte") << QByteArray("x\xffy") << "x\uFFFDy";
    QTest::newRow("truncated sequence") << QByteArray("x\xe2\x82") << "x\uFFFD\uFFFD";
    QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << "\uFFFD\uFFFD";
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << "\uFFFD\uFFFD\uFFFD";
}

void TestCli::jsonEscaping()
{
    QFETCH(QByteArray, raw);
    QFETCH(QString, decoded);
    const std::string json = "[" + jsonString(std::string_view(raw.constData(), raw.size())) + "]";
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(json), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, json.c_str());
    QCOMPARE(doc.array().at(0).toString(), decoded);
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
