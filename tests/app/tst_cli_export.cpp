// `provscope-cli export FILE --backtrack-jsonl DIR` as a user runs it: the real
// binary on a real session; refusals and messages a user sees.
#include "../ui/session_fixture.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace provscope;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run cli(const QStringList &args)
{
    QProcess process;
    process.start(qEnvironmentVariable("PROVSCOPE_BIN_DIR") + "/provscope-cli", args);
    Run run;
    if (!process.waitForFinished(60000))
        return run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

} // namespace

class TestCliExport : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void exportWritesBothLogs();
    void existingLogsAreRefused();
    void notASessionIsReported();
    void usageErrors_data();
    void usageErrors();

private:
    QTemporaryDir m_tmp;
    QString m_session;
};

void TestCliExport::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_session = m_tmp.filePath("case.provscope");
    const QString written = test::writeFixtureSession(m_session);
    QVERIFY2(written.isEmpty(), qPrintable(written));
}

void TestCliExport::exportWritesBothLogs()
{
    const QString dir = m_tmp.filePath("logs");
    const Run run = cli({"export", m_session, "--backtrack-jsonl", dir});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    // stdout names the two files, one per line, for scripts.
    QCOMPARE(run.out, (dir + "/raw_syscalls.jsonl\n" + dir + "/tracker.jsonl\n").toUtf8());
    QFile raw(dir + "/raw_syscalls.jsonl");
    QVERIFY(raw.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = raw.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), int(test::RowCount)); // one raw line per stored event
    const QJsonObject exec = QJsonDocument::fromJson(lines[test::RowExec]).object();
    QCOMPARE(exec["EventName"].toString(), QString("EXECVE"));
    QCOMPARE(exec["SyscallID"].toString(), QString("59"));
    QCOMPARE(exec["ProcessName"].toString(), QString("python3"));
    QCOMPARE(exec["Arguments"].toObject()["Pathname"].toString(), QString("/usr/bin/python3"));
    QVERIFY(QFileInfo(dir + "/tracker.jsonl").size() > 0);
    QVERIFY2(run.err.contains("exported 9 raw lines"), run.err.constData());
}

void TestCliExport::existingLogsAreRefused()
{
    const QString dir = m_tmp.filePath("twice");
    QCOMPARE(cli({"export", m_session, "--backtrack-jsonl", dir}).exitCode, 0);
    QFile raw(dir + "/raw_syscalls.jsonl");
    QVERIFY(raw.open(QIODevice::ReadOnly));
    const QByteArray before = raw.readAll();
    raw.close();
    const Run again = cli({"export", m_session, "--backtrack-jsonl", dir});
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(again.err.contains("raw_syscalls.jsonl already exists; refusing to overwrite it"), again.err.constData());
    QVERIFY(raw.open(QIODevice::ReadOnly));
    QCOMPARE(raw.readAll(), before);
    QCOMPARE(QDir(dir).entryList(QDir::Files | QDir::Hidden), QStringList({"raw_syscalls.jsonl", "tracker.jsonl"}));
}

void TestCliExport::notASessionIsReported()
{
    const QString notes = m_tmp.filePath("notes.txt");
    QFile file(notes);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("just some text, long enough to not be an SQLite header at all\n");
    file.close();
    const QString dir = m_tmp.filePath("never");
    const Run run = cli({"export", notes, "--backtrack-jsonl", dir});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("is not a provscope session"), run.err.constData());
    QVERIFY(!QFileInfo::exists(dir)); // nothing created for a file we could not read
}

void TestCliExport::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("no directory") << QStringList{"export", "x.provscope"} << "--backtrack-jsonl DIR";
    QTest::newRow("no value") << QStringList{"export", "x.provscope", "--backtrack-jsonl"} << "needs a directory";
    QTest::newRow("no file") << QStringList{"export"} << "missing FILE";
    QTest::newRow("unknown option") << QStringList{"export", "x.provscope", "--csv"} << "unknown option --csv";
}

void TestCliExport::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Run run = cli(args);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(message.toUtf8()), run.err.constData());
}

QTEST_GUILESS_MAIN(TestCliExport)
#include "tst_cli_export.moc"
