// provscope-cli events FILE --filter EXPR: the display-filter language on the command
// line, combined with --pid/--syscall/--limit; a syntax error exits 2 with its column.
#include "../models/session_samples.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

using namespace provscope;
using namespace provscope::test;

namespace {

struct Run {
    int exitCode = -1;
    QString out, err;
};

Run cli(const QStringList &args)
{
    QProcess process;
    process.start(qEnvironmentVariable("PROVSCOPE_BIN_DIR") + "/provscope-cli", args);
    process.waitForFinished(60000);
    Run run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

// The (pid, syscall) of each printed JSON line.
QStringList printed(const QString &out)
{
    QStringList result;
    for (const QString &line : out.split('\n', Qt::SkipEmptyParts)) {
        const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
        result << QString::number(o.value("pid").toInteger()) + ":" + o.value("syscall").toString();
    }
    return result;
}

} // namespace

class TestCliFilter : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void filters_data();
    void filters();
    void syntaxErrorShowsColumn();

private:
    QTemporaryDir m_dir;
    QString m_path;
};

void TestCliFilter::initTestCase()
{
    m_path = m_dir.filePath("cli.provscope");
    auto writer = SessionWriter::create(m_path.toStdString(), sampleMeta());
    QVERIFY(writer.ok());
    for (CaptureBatch &batch : sampleBatches())
        QVERIFY(writer.value()->append(batch).ok());
    QVERIFY(writer.value()->finish(kBoot + 100000).ok());
}

void TestCliFilter::filters_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("name and path") << QStringList{"--filter", "proc.name == \"cat\" and fd.name contains \"deep\""}
                                   << QStringList{"200:openat", "200:read"};
    QTest::newRow("errno") << QStringList{"--filter", "evt.res == EACCES"} << QStringList{"100:openat"};
    QTest::newRow("with --syscall") << QStringList{"--filter", "proc.pid == 200", "--syscall", "read"}
                                    << QStringList{"200:read"};
    QTest::newRow("with --limit") << QStringList{"--filter", "proc.pid in (100, 200)", "--limit", "2"}
                                  << QStringList{"200:execve", "200:openat"};
    QTest::newRow("with --pid") << QStringList{"--filter", "evt.type == openat", "--pid", "100"}
                                << QStringList{"100:openat"};
    QTest::newRow("injection") << QStringList{"--filter", "fd.name == \"x' OR 1=1 --\""} << QStringList{};
}

void TestCliFilter::filters()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, expected);
    const Run run = cli(QStringList{"events", m_path} + args);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QCOMPARE(printed(run.out), expected);
}

void TestCliFilter::syntaxErrorShowsColumn()
{
    const Run run = cli({"events", m_path, "--filter", "proc.pid == 1 and"});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.out.isEmpty());
    QVERIFY2(run.err.contains("column 18: expected a field name"), qPrintable(run.err));
    QVERIFY2(run.err.contains("  proc.pid == 1 and\n" + QString(19, ' ') + "^"), qPrintable(run.err));
    const Run unknown = cli({"events", m_path, "--filter", "proc.nme == x"});
    QCOMPARE(unknown.exitCode, 2);
    QVERIFY(unknown.err.contains("unknown field `proc.nme`"));
}

QTEST_GUILESS_MAIN(TestCliFilter)
#include "tst_cli_filter.moc"
