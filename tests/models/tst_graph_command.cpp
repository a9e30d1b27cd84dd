// `provscope-cli graph` as a user runs it: no display, a session file, a point
// of interest, and an output that is either complete or not there at all.
#include "headless_cli.h"
#include "session_writer.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

using namespace provscope;

namespace {

using Run = CliRun;

} // namespace

class TestGraphCommand : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_session;
    QString m_cli;

    Run cli(const QStringList &args) { return runHeadlessCli(m_cli, QStringList{QStringLiteral("graph")} + args); }

    QStringList leftovers() const
    {
        QStringList names = QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden);
        names.removeAll(QStringLiteral("case.provscope"));
        return names;
    }

private slots:
    void initTestCase()
    {
        const QByteArray binDir = qgetenv("PROVSCOPE_BIN_DIR");
        QVERIFY2(!binDir.isEmpty(), "PROVSCOPE_BIN_DIR is not set (run through ctest)");
        m_cli = QString::fromLocal8Bit(binDir) + QStringLiteral("/provscope-cli");
        QVERIFY2(QFileInfo(m_cli).isExecutable(), qPrintable(m_cli + QStringLiteral(" is not built")));
        QVERIFY(m_dir.isValid());
        m_session = m_dir.filePath(QStringLiteral("case.provscope"));

        SessionMeta meta;
        meta.bootToEpochNs = 1700000000000000000LL;
        Result<std::unique_ptr<SessionWriter>> writer = SessionWriter::create(m_session.toStdString(), meta);
        QVERIFY2(writer.ok(), writer.ok() ? "" : writer.error().c_str());
        CaptureBatch batch;
        ProcessInfo sh;
        sh.pid = 500;
        sh.startNs = 1000;
        sh.comm = "sh";
        sh.exe = "/usr/bin/dash";
        ProcessInfo child = sh;
        child.pid = 501;
        child.startNs = 2000;
        child.ppid = 500;
        child.parentStartNs = 1000;
        child.comm = "tee";
        child.exe = "/usr/bin/tee";
        batch.processes = {sh, child};
        Event write;
        write.pid = 501;
        write.procStartNs = 2000;
        write.comm = "tee";
        write.syscall = "write";
        write.path = "/tmp/report.txt";
        write.fd = 3;
        write.ret = 12;
        write.bytes = 12;
        write.tsNs = write.lastTsNs = 3000;
        batch.events = {write};
        QVERIFY(writer.value()->append(batch).ok());
        QVERIFY(writer.value()->finish(9000).ok());
    }

    void writesEachFormat_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("poi");
        QTest::newRow("png") << "png" << "proc:501";
        QTest::newRow("svg") << "svg" << "proc:501@2000";
        QTest::newRow("dot") << "dot" << "file:/tmp/report.txt";
        QTest::newRow("json") << "json" << "proc:501";
        QTest::newRow("pdf") << "pdf" << "file:/tmp/report.txt";
    }
    void writesEachFormat()
    {
        QFETCH(QString, format);
        QFETCH(QString, poi);
        const QString out = m_dir.filePath(QStringLiteral("graph.") + format);
        const Run run = cli({m_session, QStringLiteral("--poi"), poi, QStringLiteral("--format"), format,
                             QStringLiteral("-o"), out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(run.out.contains(QStringLiteral("3 nodes")));
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray data = file.readAll();
        if (format == QLatin1String("png")) {
            QImage image;
            QVERIFY(image.loadFromData(data, "PNG"));
            QVERIFY(image.width() > 100 && image.height() > 100);
        } else if (format == QLatin1String("svg")) {
            QXmlStreamReader xml(data);
            while (!xml.atEnd())
                xml.readNext();
            QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
            QVERIFY(data.contains("tee (501)"));
        } else if (format == QLatin1String("json")) {
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(data, &error);
            QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
            QCOMPARE(doc["nodes"].toArray().size(), 3);
            QCOMPARE(doc["edges"].toArray().size(), 2); // the fork and the write
            // The fork edge starts at the child's start, in epoch ns (boot 2000 + offset).
            bool fork = false;
            for (const QJsonValue &edge : doc["edges"].toArray())
                if (edge["type"] == QLatin1String("fork")) {
                    fork = true;
                    QCOMPARE(edge["ts_ns"].toInteger(), 1700000000000002000LL);
                }
            QVERIFY(fork);
        } else if (format == QLatin1String("pdf")) {
            QVERIFY(data.startsWith("%PDF-"));
        } else {
            QVERIFY(data.startsWith("digraph"));
            for (const char *text : {"sh (500)", "tee (501)", "/tmp/report.txt"})
                QVERIFY2(data.contains(text), text);
        }
        QCOMPARE(leftovers(), QStringList{QStringLiteral("graph.") + format});
        QFile::remove(out);
    }

    void failsWithoutLeavingOutput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown poi") << QStringList{"--poi", "pid:501", "--format", "png"} << 2
                                     << "unknown point of interest 'pid:501'";
        QTest::newRow("bad pid") << QStringList{"--poi", "proc:x", "--format", "png"} << 2 << "PID must be";
        QTest::newRow("no such process") << QStringList{"--poi", "proc:777", "--format", "png"} << 1
                                         << "no process with pid 777";
        QTest::newRow("no such file") << QStringList{"--poi", "file:/etc/none", "--format", "dot"} << 1
                                      << "no event touches the file /etc/none";
        QTest::newRow("bad format") << QStringList{"--poi", "proc:501", "--format", "jpeg"} << 2
                                    << "unknown graph format 'jpeg'";
        QTest::newRow("missing poi") << QStringList{"--format", "png"} << 2 << "missing --poi";
        QTest::newRow("unknown option") << QStringList{"--poi", "proc:501", "--format", "png", "--colour"} << 2
                                        << "unknown option --colour";
    }
    void failsWithoutLeavingOutput()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const QString out = m_dir.filePath(QStringLiteral("out.png"));
        const Run run = cli(QStringList{m_session} + args + QStringList{QStringLiteral("-o"), out});
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
        QVERIFY(run.out.isEmpty());
        QVERIFY(leftovers().isEmpty());
    }

    void unwritableOutput()
    {
        const QString out = m_dir.filePath(QStringLiteral("no-such-dir/out.png"));
        const Run run = cli({m_session, QStringLiteral("--poi"), QStringLiteral("proc:501"), QStringLiteral("--format"),
                             QStringLiteral("png"), QStringLiteral("-o"), out});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("cannot write")), qPrintable(run.err));
        QVERIFY(!QFile::exists(out));
    }

    void failureKeepsAnExistingOutput()
    {
        const QString out = m_dir.filePath(QStringLiteral("keep.png"));
        {
            QFile file(out);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("previous report");
        }
        const Run run = cli({m_session, QStringLiteral("--poi"), QStringLiteral("proc:777"), QStringLiteral("--format"),
                             QStringLiteral("png"), QStringLiteral("-o"), out});
        QCOMPARE(run.exitCode, 1);
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("previous report"));
        QFile::remove(out);
    }

    void notASession()
    {
        const QString bogus = m_dir.filePath(QStringLiteral("bogus.provscope"));
        {
            QFile file(bogus);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("hello");
        }
        const Run run = cli({bogus, QStringLiteral("--poi"), QStringLiteral("proc:1"), QStringLiteral("--format"),
                             QStringLiteral("dot"), QStringLiteral("-o"), m_dir.filePath(QStringLiteral("x.dot"))});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("not a provscope session")), qPrintable(run.err));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("x.dot"))));
        QFile::remove(bogus);
    }
};

QTEST_GUILESS_MAIN(TestGraphCommand)
#include "tst_graph_command.moc"
