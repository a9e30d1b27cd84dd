// provscope-cli verify as an investigator runs it on a session file.
#include "../models/session_samples.h"
#include "custody_log.h"
#include "evidence_digest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace provscope;
using namespace provscope::test;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run runCli(const QStringList &args)
{
    Run run;
    QProcess process;
    process.start(qEnvironmentVariable("PROVSCOPE_BIN_DIR") + "/provscope-cli", args);
    if (!process.waitForFinished(60000))
        return run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

QString copyOf(const QString &from, const QString &to)
{
    QFile::remove(to);
    return QFile::copy(from, to) ? to : QString();
}

} // namespace

class TestCliVerify : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void verify_data();
    void verify();
    void json();
    void custodyShown();
    void usage();

private:
    QTemporaryDir m_dir;
    QString m_session;
    QByteArray m_digest;
};

void TestCliVerify::initTestCase()
{
    const QString bin = qEnvironmentVariable("PROVSCOPE_BIN_DIR") + "/provscope-cli";
    QVERIFY2(QFileInfo(bin).isExecutable(), qPrintable("build provscope-cli first: " + bin));
    m_session = m_dir.filePath("case.provscope");
    QVERIFY(!writeSample(m_session.toStdString()).empty());
    const Run run = runCli({"verify", m_session});
    QCOMPARE(run.exitCode, 0);
    const QRegularExpression digest("\\(sha256 ([0-9a-f]{64})\\)");
    const auto match = digest.match(QString::fromUtf8(run.out));
    QVERIFY2(match.hasMatch(), run.out.constData());
    m_digest = match.captured(1).toUtf8();
}

void TestCliVerify::verify_data()
{
    QTest::addColumn<QString>("prepare"); // SQL on a copy; "" = the original; "text" = not a session
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("expected"); // in stdout (exit 0, 1, 3) or stderr (exit 2)
    QTest::newRow("unchanged") << "" << 0 << "evidence unchanged (sha256 ";
    QTest::newRow("tampered ret") << "UPDATE events SET ret = 0 WHERE ret = -13" << 1
                                  << "evidence CHANGED: recorded ";
    QTest::newRow("tampered path") << "UPDATE files SET path = '/tmp/x' WHERE path = '/etc/shadow'" << 1
                                   << "evidence CHANGED: recorded ";
    QTest::newRow("no digest")
        << "DELETE FROM meta WHERE key IN ('evidence_sha256', 'evidence_digest_version')" << 3
        << "no digest recorded (session still recording or written by an older provscope)";
    QTest::newRow("not a session") << "text" << 2 << "is not a provscope session (not an SQLite database)";
    QTest::newRow("other sqlite") << "sqlite" << 2 << "is an SQLite database but not a provscope session";
    QTest::newRow("missing") << "missing" << 2 << "cannot open";
}

void TestCliVerify::verify()
{
    QFETCH(QString, prepare);
    QFETCH(int, exitCode);
    QFETCH(QString, expected);
    QString path = m_session;
    const QByteArray before = sha256(m_session);
    if (prepare == "text") {
        path = m_dir.filePath("notes.txt");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not a session\n");
    } else if (prepare == "sqlite") {
        path = m_dir.filePath("other.db");
        QFile::remove(path);
        QVERIFY(execSql(path, "CREATE TABLE t(x)"));
    } else if (prepare == "missing") {
        path = m_dir.filePath("missing.provscope");
    } else if (!prepare.isEmpty()) {
        path = copyOf(m_session, m_dir.filePath("copy.provscope"));
        QVERIFY(!path.isEmpty());
        QVERIFY(execSql(path, prepare.toUtf8().constData()));
    }
    const Run run = runCli({"verify", path});
    QCOMPARE(run.exitCode, exitCode);
    const QByteArray shown = exitCode == 2 ? run.err : run.out;
    QVERIFY2(shown.contains(expected.toUtf8()), shown.constData());
    if (exitCode == 1) {
        QVERIFY2(run.out.contains("recorded " + m_digest + ", now "), run.out.constData());
        QVERIFY(!run.out.contains("now " + m_digest));
    }
    if (exitCode == 2)
        QVERIFY(run.out.isEmpty());
    // verify never writes: the original is byte-for-byte the same, nothing beside it.
    QCOMPARE(sha256(m_session), before);
    for (const QString &name : listing(m_dir.path()))
        QVERIFY2(!name.endsWith("-journal") && !name.endsWith("-wal") && !name.endsWith("-shm"),
                 qPrintable(name));
}

void TestCliVerify::json()
{
    Run run = runCli({"verify", m_session, "--json"});
    QCOMPARE(run.exitCode, 0);
    QJsonParseError error;
    QJsonObject o = QJsonDocument::fromJson(run.out, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(o["state"].toString(), QString("unchanged"));
    QCOMPARE(o["recorded_sha256"].toString().toUtf8(), m_digest);
    QCOMPARE(o["current_sha256"].toString().toUtf8(), m_digest);
    QCOMPARE(o["digest_version"].toInt(), kEvidenceDigestVersion); // what this version records
    QVERIFY(o["custody"].toArray().isEmpty());

    const QString copy = copyOf(m_session, m_dir.filePath("json.provscope"));
    QVERIFY(execSql(copy, "UPDATE events SET bytes = 1 WHERE id = 1"));
    run = runCli({"verify", "--json", copy});
    QCOMPARE(run.exitCode, 1);
    o = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(o["state"].toString(), QString("changed"));
    QCOMPARE(o["recorded_sha256"].toString().toUtf8(), m_digest);
    QVERIFY(o["current_sha256"].toString().toUtf8() != m_digest);
}

void TestCliVerify::custodyShown()
{
    const QString copy = copyOf(m_session, m_dir.filePath("custody.provscope"));
    QVERIFY(execSql(copy, "INSERT INTO losses(first_ts, last_ts, cpu, count, source) VALUES (1, 2, -1, 9, 'import')"));
    QCOMPARE(runCli({"verify", copy}).exitCode, 1);
    auto entry = appendCustodyEntry(copy.toStdString(), "import", "losses from host B");
    QVERIFY2(entry, entry ? "" : entry.error().c_str());
    Run run = runCli({"verify", copy});
    QCOMPARE(run.exitCode, 0);
    const QByteArray newDigest = QByteArray::fromStdString(entry->newDigest);
    QVERIFY2(run.out.contains("evidence unchanged (sha256 " + newDigest + ")"), run.out.constData());
    QVERIFY2(run.out.contains("custody #1 "), run.out.constData());
    QVERIFY2(run.out.contains(" import: " + m_digest + " -> " + newDigest + " (losses from host B)"),
             run.out.constData());
    QVERIFY(run.out.contains(QByteArray::fromStdString(" " + entry->user + " ")));

    run = runCli({"verify", copy, "--json"});
    const QJsonArray custody = QJsonDocument::fromJson(run.out).object()["custody"].toArray();
    QCOMPARE(custody.size(), 1);
    const QJsonObject e = custody[0].toObject();
    QCOMPARE(e["action"].toString(), QString("import"));
    QCOMPARE(e["old_sha256"].toString().toUtf8(), m_digest);
    QCOMPARE(e["new_sha256"].toString().toUtf8(), newDigest);
    QCOMPARE(e["user"].toString().toStdString(), entry->user);
    QCOMPARE(qint64(e["time_ns"].toDouble() / 1e9), qint64(entry->timeNs / 1'000'000'000));
}

void TestCliVerify::usage()
{
    QCOMPARE(runCli({"verify"}).exitCode, 2);
    const Run run = runCli({"verify", m_session, "--bogus"});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.err.contains("unknown option --bogus"));
    QVERIFY(runCli({"help"}).out.contains("verify FILE"));
}

QTEST_GUILESS_MAIN(TestCliVerify)
#include "tst_cli_verify.moc"
