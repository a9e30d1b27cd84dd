// provscope-cli import as it must behave when things go wrong: killed (kill -9, SIGTERM,
// SIGINT) while writing, a hot journal left by an interrupted writer, tampered
// evidence, a symlink or an unwritable directory in the way. The user's files stay as
// they were.
#include "cli_flows_support.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>
#include <functional>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace provscope;
using namespace provscope::test;
using namespace provscope::test::cli;

namespace {

// Many one-datagram UDP flows (distinct source ports and addresses): an import whose
// transaction outgrows SQLite's page cache, so it writes into the session before commit.
bool writeManyFlows(const QString &path, int flows)
{
    std::vector<Frame> frames;
    frames.reserve(size_t(flows));
    for (int i = 0; i < flows; ++i) {
        const std::string src = "10.1." + std::to_string(i / 250 % 250) + "." + std::to_string(i % 250 + 1);
        frames.push_back({kT0 + i * 1000, ::test::udpFrame(src.c_str(), uint16_t(1024 + i % 60000), "127.0.0.1", 9999,
                                                           ::test::filler(8))});
    }
    return writePcap(path, frames);
}

// A writer stopped between its first write and its commit (a child that exits without
// committing): the session with a hot journal beside it.
bool leaveHotJournal(const QString &path)
{
    const pid_t child = fork();
    if (child == 0) {
        sqlite3 *db = nullptr;
        sqlite3_open(path.toLocal8Bit().constData(), &db);
        sqlite3_exec(db, "PRAGMA cache_size = 1; BEGIN; CREATE TABLE scratch(x);"
                         " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
                         " INSERT INTO scratch SELECT randomblob(100) FROM n;",
                     nullptr, nullptr, nullptr);
        _exit(0); // no commit, no rollback
    }
    int status = 0;
    waitpid(child, &status, 0);
    return QFileInfo(path + "-journal").size() > 0;
}

// Starts provscope-cli args and kills it with signal once watched (a file) exists and,
// when grownFrom > 0, is larger than that; true when it was still running then.
bool killWhen(const QStringList &args, const std::function<bool()> &ready, int signal, Run *run)
{
    QProcess process;
    process.start(qEnvironmentVariable("PROVSCOPE_BIN_DIR") + "/provscope-cli", args);
    if (!process.waitForStarted())
        return false;
    QElapsedTimer timer;
    timer.start();
    bool killed = false;
    while (timer.elapsed() < 60000) {
        if (process.state() == QProcess::NotRunning)
            break;
        if (ready()) {
            killed = ::kill(pid_t(process.processId()), signal) == 0;
            break;
        }
        QThread::usleep(500);
    }
    process.waitForFinished(60000);
    run->exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run->out = process.readAllStandardOutput();
    run->err = process.readAllStandardError();
    return killed;
}

// The files of dir not in before.
QStringList newFiles(const QString &dir, const QStringList &before)
{
    QStringList added;
    for (const QString &name : listing(dir))
        if (!before.contains(name))
            added << name;
    return added;
}

} // namespace

class TestCliImportSafety : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void intoKilledLeavesOriginal();
    void intoSignalLeavesOriginal();
    void hotJournalIsNotDamage();
    void intoTamperedRefused();
    void intoThroughSymlinkRefused();
    void newSessionSignalLeavesNothing();
    void unwritableDirectoryRefused();
    void diskFullLeavesOriginal();

private:
    QTemporaryDir m_dir;
    QString m_pcap;
};

void TestCliImportSafety::initTestCase()
{
    const QString bin = qEnvironmentVariable("PROVSCOPE_BIN_DIR") + "/provscope-cli";
    QVERIFY2(QFileInfo(bin).isExecutable(), qPrintable("build provscope-cli first: " + bin));
    m_pcap = m_dir.filePath("exchange.pcap");
    QVERIFY(writePcap(m_pcap, exchange()));
}

void TestCliImportSafety::intoKilledLeavesOriginal()
{
    // kill -9 while the import's transaction has already written pages (its copy grew
    // past the original's size): the original is byte for byte the same and verifies.
    QTemporaryDir dir;
    const QString session = dir.filePath("killed.provscope"), capture = dir.filePath("many.pcap");
    QCOMPARE(recordSession(session), QString());
    QVERIFY(writeManyFlows(capture, 200000));
    const QByteArray before = sha256(session);
    const qint64 size = QFileInfo(session).size();
    const QStringList filesBefore = listing(dir.path());
    auto grown = [&] {
        if (QFileInfo(session).size() != size)
            return true; // the old behaviour: the original itself written
        for (const QString &name : newFiles(dir.path(), filesBefore))
            if (!name.endsWith("-journal") && QFileInfo(dir.filePath(name)).size() > size + 65536)
                return true;
        return false;
    };
    Run run;
    QVERIFY2(killWhen({"import", "--pcap", capture, "--into", session}, grown, SIGKILL, &run),
             "the import ended before it wrote anything");
    QCOMPARE(run.exitCode, -1);
    QCOMPARE(sha256(session), before);
    QVERIFY(!QFile::exists(session + "-journal"));
    const Run verify = runCli({"verify", session});
    QVERIFY2(verify.exitCode == 0, verify.out + verify.err);
    QVERIFY2(verify.out.contains("unchanged"), verify.out.constData());
    // Only the hidden copy is left behind (kill -9 cannot be cleaned up after).
    for (const QString &name : newFiles(dir.path(), filesBefore))
        QVERIFY2(name.startsWith(".killed.provscope.import-"), qPrintable(name));
    // And the import can simply be run again.
    const Run again = runCli({"import", "--pcap", m_pcap, "--into", session});
    QVERIFY2(again.exitCode == 0, again.err.constData());
}

void TestCliImportSafety::intoSignalLeavesOriginal()
{
    // SIGTERM and SIGINT: the copy is removed, the original unchanged, exit 128 + signal.
    for (const int signal : {SIGTERM, SIGINT}) {
        QTemporaryDir dir;
        const QString session = dir.filePath("term.provscope"), capture = dir.filePath("many.pcap");
        QCOMPARE(recordSession(session), QString());
        QVERIFY(writeManyFlows(capture, 200000));
        const QByteArray before = sha256(session);
        const QStringList filesBefore = listing(dir.path());
        auto copying = [&] { return !newFiles(dir.path(), filesBefore).isEmpty(); };
        Run run;
        QVERIFY(killWhen({"import", "--pcap", capture, "--into", session}, copying, signal, &run));
        QCOMPARE(run.exitCode, 128 + signal);
        QVERIFY2(run.err.contains("interrupted by SIG") && run.err.contains("nothing imported"), run.err.constData());
        QCOMPARE(sha256(session), before);
        QCOMPARE(listing(dir.path()), filesBefore);
    }
}

void TestCliImportSafety::hotJournalIsNotDamage()
{
    // What an interrupted writer leaves: refused as an unfinished write, not "damaged".
    QTemporaryDir dir;
    const QString session = dir.filePath("hot.provscope");
    QCOMPARE(recordSession(session), QString());
    QVERIFY(leaveHotJournal(session));
    const QByteArray unfinished = session.toUtf8() + " has an unfinished write (" + session.toUtf8() + "-journal)";
    for (const QStringList &args : {QStringList{"info", session}, QStringList{"verify", session},
                                    QStringList{"flows", session},
                                    QStringList{"import", "--pcap", m_pcap, "--into", session}}) {
        const Run run = runCli(args);
        QVERIFY2(run.exitCode != 0, qPrintable(args.join(' ')));
        QVERIFY2(run.err.contains(unfinished) || run.out.contains(unfinished), run.err + run.out);
        QVERIFY2(!run.err.contains("damaged") && !run.out.contains("damaged"), run.err + run.out);
    }
}

void TestCliImportSafety::intoTamperedRefused()
{
    // Evidence changed after the recording: an import would seal it under a new digest.
    QTemporaryDir dir;
    const QString session = dir.filePath("tampered.provscope");
    QCOMPARE(recordSession(session), QString());
    QVERIFY(execSql(session, "UPDATE events SET ret = ret + 1"));
    const QByteArray before = sha256(session);
    const QStringList filesBefore = listing(dir.path());
    const Run run = runCli({"import", "--pcap", m_pcap, "--into", session});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("the evidence in " + session.toUtf8() + " changed since it was recorded (run "
                              "provscope-cli verify " + session.toUtf8() + "); nothing imported"),
             run.err.constData());
    QCOMPARE(sha256(session), before);
    QCOMPARE(listing(dir.path()), filesBefore);
    QCOMPARE(runCli({"verify", session}).exitCode, 1); // still says what changed
}

void TestCliImportSafety::intoThroughSymlinkRefused()
{
    QTemporaryDir dir;
    const QString session = dir.filePath("real.provscope"), link = dir.filePath("link.provscope");
    QCOMPARE(recordSession(session), QString());
    QVERIFY(QFile::link(session, link));
    const QByteArray before = sha256(session);
    const Run run = runCli({"import", "--pcap", m_pcap, "--into", link});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(link.toUtf8() + " is a symbolic link"), run.err.constData());
    QCOMPARE(sha256(session), before);
    QCOMPARE(listing(dir.path()), (QStringList{"link.provscope", "real.provscope"}));
}

void TestCliImportSafety::newSessionSignalLeavesNothing()
{
    // import -o stopped by SIGTERM: no partial session under the name, no temporary left.
    QTemporaryDir dir;
    const QString capture = dir.filePath("many.pcap"), session = dir.filePath("new.provscope");
    QVERIFY(writeManyFlows(capture, 200000));
    const QStringList filesBefore = listing(dir.path());
    auto writing = [&] { return !newFiles(dir.path(), filesBefore).isEmpty(); };
    Run run;
    QVERIFY(killWhen({"import", "--pcap", capture, "-o", session}, writing, SIGTERM, &run));
    QCOMPARE(run.exitCode, 128 + SIGTERM);
    QVERIFY2(run.err.contains("interrupted by SIGTERM") && run.err.contains("was not created"), run.err.constData());
    QCOMPARE(listing(dir.path()), filesBefore);
    // Uninterrupted, the session appears under its name only when finished.
    const Run done = runCli({"import", "--pcap", m_pcap, "-o", session});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QCOMPARE(listing(dir.path()), (QStringList{"many.pcap", "new.provscope"}));
}

void TestCliImportSafety::unwritableDirectoryRefused()
{
    // A writable session in a directory the user cannot write: the import needs to put
    // its copy beside it, so it says what to fix. Root writes anywhere: the CLI runs as
    // nobody then (setpriv), on a world-writable session in root's 0755 directory.
    QTemporaryDir dir;
    const QString sub = dir.filePath("ro"), session = dir.filePath("ro/r.provscope"), capture = dir.filePath("x.pcap");
    QVERIFY(QDir().mkdir(sub));
    QCOMPARE(recordSession(session), QString());
    QVERIFY(writePcap(capture, exchange()));
    QVERIFY(::chmod(dir.path().toLocal8Bit().constData(), 0755) == 0);
    QVERIFY(::chmod(capture.toLocal8Bit().constData(), 0644) == 0);
    QVERIFY(::chmod(session.toLocal8Bit().constData(), 0666) == 0);
    QVERIFY(::chmod(sub.toLocal8Bit().constData(), 0555) == 0);
    const QByteArray before = sha256(session);
    const QString cli = qEnvironmentVariable("PROVSCOPE_BIN_DIR") + "/provscope-cli";
    QProcess process;
    if (::geteuid() == 0)
        process.start("setpriv", {"--reuid=65534", "--regid=65534", "--clear-groups", cli, "import", "--pcap", capture,
                                  "--into", session});
    else
        process.start(cli, {"import", "--pcap", capture, "--into", session});
    QVERIFY(process.waitForFinished(60000));
    const QByteArray err = process.readAllStandardError();
    QCOMPARE(process.exitCode(), 1);
    QVERIFY2(err.contains("the directory of " + session.toUtf8() + " must be writable"), err.constData());
    QCOMPARE(sha256(session), before);
    QCOMPARE(listing(sub), QStringList{"r.provscope"});
    ::chmod(sub.toLocal8Bit().constData(), 0755);
}

void TestCliImportSafety::diskFullLeavesOriginal()
{
    // The disk fills up during the import (a 4 MiB tmpfs, 200,000 flows to add): the
    // transaction fails on the copy, the copy goes, the original is untouched.
    QTemporaryDir dir, big;
    const QByteArray mountPoint = dir.path().toLocal8Bit();
    if (::mount("tmpfs", mountPoint.constData(), "tmpfs", 0, "size=4m") != 0)
        QSKIP("NOT TESTED: cannot mount a tmpfs here (needs root)");
    const QString session = dir.filePath("full.provscope"), capture = big.filePath("many.pcap");
    const QString recorded = recordSession(session);
    QVERIFY(writeManyFlows(capture, 200000));
    const QByteArray before = sha256(session);
    const Run run = runCli({"import", "--pcap", capture, "--into", session});
    const QStringList files = listing(dir.path());
    const QByteArray after = sha256(session);
    const Run verify = runCli({"verify", session});
    ::umount(mountPoint.constData());
    QCOMPARE(recorded, QString());
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("full") && run.err.contains("nothing imported"), run.err.constData());
    QCOMPARE(after, before);
    QCOMPARE(files, QStringList{"full.provscope"});
    QVERIFY2(verify.exitCode == 0 && verify.out.contains("unchanged"), verify.out + verify.err);
}

QTEST_GUILESS_MAIN(TestCliImportSafety)
#include "tst_cli_import_safety.moc"
