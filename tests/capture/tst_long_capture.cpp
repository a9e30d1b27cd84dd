// Long captures with the real helper (root): --max-size stops near the size, a full
// disk (a 2 MiB tmpfs) stops the recording cleanly with a clear message, a non-zero
// exit and a readable session whose "disk-full" loss record counts what was not stored.
#include "session_reader.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/mount.h>
#include <unistd.h>

using namespace provscope;

namespace {
// Many small non-coalescable syscalls (open, dup2, close per iteration) in one tree.
const QStringList kBusyShell = {"bash", "-c", "for i in $(seq 400000); do echo x > /dev/null; done"};
} // namespace

class TstLongCapture : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void diskFullStopsCleanly();
    void maxSizeStopsNearTheSize();
    void maxDurationStops();
    void smallQueueDropsAreCounted();

private:
    struct Run {
        int exitCode = -1;
        QByteArray err;
    };
    Run capture(const QStringList &args, int timeoutMs = 120000);

    QString m_binDir;
    QTemporaryDir m_dir;
    QString m_mountPoint;
    bool m_mounted = false;
};

TstLongCapture::Run TstLongCapture::capture(const QStringList &args, int timeoutMs)
{
    QProcess process;
    process.start(m_binDir + "/provscope-capture", args);
    Run run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = "provscope-capture did not stop";
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.err = process.readAllStandardError();
    return run;
}

void TstLongCapture::initTestCase()
{
    if (geteuid() != 0)
        QSKIP("LONG CAPTURE NOT TESTED: tst_long_capture must run as root (eBPF, mounting a tmpfs)");
    if (!QFileInfo::exists("/sys/kernel/btf/vmlinux"))
        QSKIP("LONG CAPTURE NOT TESTED: this kernel has no BTF (/sys/kernel/btf/vmlinux)");
    m_binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath());
    QVERIFY(m_dir.isValid());
    m_mountPoint = m_dir.filePath("small-disk");
    QVERIFY(QDir().mkpath(m_mountPoint));
    if (::mount("tmpfs", QFile::encodeName(m_mountPoint).constData(), "tmpfs", MS_NOSUID | MS_NODEV,
                "size=2m,mode=0777") != 0)
        QSKIP(qPrintable("DISK-FULL NOT TESTED: cannot mount a 2 MiB tmpfs on " + m_mountPoint + ": " +
                         QString::fromLocal8Bit(strerror(errno))));
    m_mounted = true;
}

void TstLongCapture::cleanupTestCase()
{
    if (m_mounted && ::umount2(QFile::encodeName(m_mountPoint).constData(), MNT_DETACH) != 0)
        qWarning("cannot unmount %s: %s", qPrintable(m_mountPoint), strerror(errno));
    m_mounted = false;
}

void TstLongCapture::diskFullStopsCleanly()
{
    if (!m_mounted)
        QSKIP("DISK-FULL NOT TESTED: no small tmpfs");
    const QString session = m_mountPoint + "/full.provscope";
    const Run run = capture(QStringList{"-o", session, "--"} + kBusyShell);
    QVERIFY2(run.exitCode != 0, run.err.constData()); // an incomplete recording never looks like success
    QVERIFY2(run.exitCode != -1, run.err.constData());
    const QRegularExpression message("disk full: recording stopped at (\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z), "
                                     "(\\d+) events not stored");
    const QRegularExpressionMatch match = message.match(QString::fromUtf8(run.err));
    QVERIFY2(match.hasMatch(), run.err.constData());
    const uint64_t notStored = match.captured(2).toULongLong();
    QVERIFY2(notStored > 0, run.err.constData());

    // The session opens with the ordinary reader and says what is missing.
    auto reader = SessionReader::open(session.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    QVERIFY2((*reader)->counts().events > 1000, "the disk should have held a few thousand events");
    QVERIFY(!(*reader)->isRecording());
    QVERIFY((*reader)->meta().captureEndNs > 0);
    auto losses = (*reader)->placedLosses();
    QVERIFY2(losses, losses ? "" : losses.error().c_str());
    const PlacedLoss *diskFull = nullptr;
    for (const PlacedLoss &loss : *losses)
        if (loss.loss.source == "disk-full")
            diskFull = &loss;
    QVERIFY2(diskFull, "no disk-full loss record");
    QCOMPARE(diskFull->loss.count, notStored);
    QCOMPARE(diskFull->beforeEventId, (*reader)->counts().events + 1); // after everything stored
    auto last = (*reader)->event((*reader)->counts().events);
    QVERIFY(last);
    QVERIFY(diskFull->loss.firstTsNs >= last->tsNs);
    QVERIFY(diskFull->loss.lastTsNs >= diskFull->loss.firstTsNs);
    // The held-back space let it finish into one file; no space reserve is left behind.
    QVERIFY2(!QFileInfo::exists(session + "-wal"), run.err.constData());
    QVERIFY(!QFileInfo::exists(session + "-reserve"));
    reader = makeError("closed");
    for (const QString &name : QDir(m_mountPoint).entryList(QDir::Files))
        QVERIFY(QFile::remove(m_mountPoint + "/" + name));
}

void TstLongCapture::maxSizeStopsNearTheSize()
{
    const QString session = m_dir.filePath("limited.provscope");
    constexpr qint64 kLimit = 512 * 1024;
    const Run run = capture(QStringList{"-o", session, "--max-size", "512K", "--"} + kBusyShell);
    QVERIFY2(run.exitCode != -1, run.err.constData());
    QVERIFY2(run.err.contains("--max-size reached"), run.err.constData());
    QVERIFY2(!run.err.contains("disk full"), run.err.constData());
    const qint64 size = QFileInfo(session).size();
    QVERIFY2(size >= kLimit && size < 3 * kLimit, QByteArray::number(size));
    QVERIFY(!QFileInfo::exists(session + "-wal")); // finished: one file
    auto reader = SessionReader::open(session.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    QVERIFY(!(*reader)->isRecording());
    QVERIFY((*reader)->counts().events > 1000);
    QCOMPARE((*reader)->counts().lostEvents, int64_t(0)); // stopped, nothing dropped
}

void TstLongCapture::maxDurationStops()
{
    const QString session = m_dir.filePath("timed.provscope");
    QElapsedTimer timer;
    timer.start();
    const Run run = capture({"-o", session, "--max-duration", "1", "--", "sleep", "30"}, 20000);
    QVERIFY2(run.exitCode != -1, run.err.constData());
    QVERIFY2(timer.elapsed() < 10000, "--max-duration 1 did not stop the recording");
    auto reader = SessionReader::open(session.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    const SessionMeta &meta = (*reader)->meta();
    const double seconds = double(meta.captureEndNs - meta.captureStartNs) / 1e9;
    QVERIFY2(seconds >= 0.9 && seconds < 6, QByteArray::number(seconds));
}

void TstLongCapture::smallQueueDropsAreCounted()
{
    // A writer queue far too small for a raw storm: what cannot wait is dropped and
    // counted, so stored + lost still accounts for all 600,000 reads and writes.
    const QString session = m_dir.filePath("queue.provscope");
    const Run run = capture({"-o", session, "--raw", "--max-queue", "64K", "--", "dd", "if=/dev/zero",
                             "of=/dev/null", "bs=1", "count=300000", "status=none"});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    auto reader = SessionReader::open(session.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    uint64_t stored = 0;
    QVERIFY((*reader)->forEachEvent(EventFilter{}, [&](const Event &e) { stored += e.count; return true; }));
    auto losses = (*reader)->losses();
    QVERIFY(losses);
    uint64_t queueLost = 0;
    for (const LossRecord &loss : *losses) {
        QVERIFY(loss.count > 0);
        QVERIFY(loss.lastTsNs >= loss.firstTsNs);
        if (loss.source == "user-queue")
            queueLost += loss.count;
    }
    QCOMPARE(int64_t(queueLost) <= (*reader)->counts().lostEvents, true);
    QVERIFY2(queueLost > 0, "a 64 KiB queue must overflow on a raw storm");
    const uint64_t accounted = stored + uint64_t((*reader)->counts().lostEvents);
    QVERIFY2(accounted >= 600000 && accounted < 600000 + 1000, QByteArray::number(qulonglong(accounted)));
}

QTEST_GUILESS_MAIN(TstLongCapture)
#include "tst_long_capture.moc"
