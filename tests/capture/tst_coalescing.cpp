// Live eBPF capture of provscope-coalesce-workload: I/O runs are coalesced in the
// kernel per (thread, fd, direction) and every syscall is still counted exactly.
// Needs root and a BTF kernel; skips loudly otherwise.
#include "kernel_capture.h"
#include "session_clock.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

using namespace provscope;

namespace {

// The workload's events (arrival order) and what it reported about itself.
struct Observed {
    std::vector<Event> events;
    QJsonObject report;
    uint64_t lost = 0;

    // syscall on fd, while fd named path (the loader reads libraries on the same fd numbers first)
    std::vector<Event> on(const char *syscall, int fd, const QString &path = "/dev/zero") const
    {
        std::vector<Event> out;
        for (const Event &ev : events)
            if (ev.syscall == syscall && ev.fd == fd && (path.isEmpty() || QString::fromStdString(ev.path) == path))
                out.push_back(ev);
        return out;
    }
    int indexOf(const char *syscall, const std::function<bool(const Event &)> &match) const
    {
        for (size_t i = 0; i < events.size(); ++i)
            if (events[i].syscall == syscall && match(events[i]))
                return int(i);
        return -1;
    }
};

uint64_t sumCount(const std::vector<Event> &events)
{
    uint64_t n = 0;
    for (const Event &ev : events)
        n += ev.count;
    return n;
}

uint64_t sumBytes(const std::vector<Event> &events)
{
    uint64_t n = 0;
    for (const Event &ev : events)
        n += ev.bytes;
    return n;
}

uint64_t maxCount(const std::vector<Event> &events)
{
    uint64_t n = 0;
    for (const Event &ev : events)
        n = std::max(n, ev.count);
    return n;
}

} // namespace

class TestCoalescing : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void interleavedRunsAddUpExactly_data();
    void interleavedRunsAddUpExactly();
    void otherSyscallSplitsRun();
    void rawModeRecordsEverySyscall();
    void timerFlushesLingeringRun();
    void stopFlushesPendingRuns();
    void lostRunsStillCountEverySyscall();

private:
    std::unique_ptr<KernelCapture> startCapture(const KernelCaptureOptions &options);
    // Runs the workload to its end under a fresh capture, then stops the capture.
    bool runToEnd(const KernelCaptureOptions &options, const QStringList &args, Observed &seen);

    QString file(const QString &name) const { return m_base + "/" + name; }

    QString m_workload;
    QTemporaryDir m_dir;
    QString m_base; // m_dir as the kernel names it (canonical)
    KernelCapture::BatchHandler m_handler;
    std::vector<Event> m_all;
    uint64_t m_lost = 0;
};

void TestCoalescing::initTestCase()
{
    if (geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: tst_coalescing must run as root to load eBPF programs");
    if (!QFileInfo::exists("/sys/kernel/btf/vmlinux"))
        QSKIP("LIVE CAPTURE NOT TESTED: this kernel has no BTF (/sys/kernel/btf/vmlinux missing)");
    const QString binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath());
    m_workload = binDir + "/provscope-coalesce-workload";
    QVERIFY2(QFileInfo(m_workload).isExecutable(), qPrintable("workload not built: " + m_workload));
    QVERIFY(m_dir.isValid());
    m_base = QFileInfo(m_dir.path()).canonicalFilePath();
    m_handler = [this](CaptureBatch &&batch) {
        for (Event &ev : batch.events)
            m_all.push_back(std::move(ev));
        for (const LossRecord &loss : batch.losses)
            m_lost += loss.count;
    };
}

std::unique_ptr<KernelCapture> TestCoalescing::startCapture(const KernelCaptureOptions &options)
{
    m_all.clear();
    m_lost = 0;
    KernelCaptureOptions withSelf = options;
    withSelf.excludeTgid = uint32_t(getpid());
    auto started = KernelCapture::start(withSelf);
    if (!started) {
        qWarning("%s", started.error().c_str());
        return nullptr;
    }
    return std::move(started).value();
}

static void keepOnly(const std::vector<Event> &all, uint32_t pid, Observed &seen)
{
    for (const Event &ev : all)
        if (ev.pid == pid)
            seen.events.push_back(ev);
}

bool TestCoalescing::runToEnd(const KernelCaptureOptions &options, const QStringList &args, Observed &seen)
{
    std::unique_ptr<KernelCapture> capture = startCapture(options);
    if (!capture)
        return false;
    QProcess proc;
    proc.start(m_workload, args);
    if (!proc.waitForStarted(5000))
        return false;
    const uint32_t pid = uint32_t(proc.processId());
    QElapsedTimer timer;
    timer.start();
    while (proc.state() != QProcess::NotRunning && timer.elapsed() < 20000) {
        if (!capture->poll(50, m_handler).ok())
            return false;
        proc.waitForFinished(10);
    }
    if (proc.exitStatus() != QProcess::NormalExit || proc.exitCode() != 0) {
        qWarning("workload failed: %s", proc.readAllStandardError().constData());
        return false;
    }
    for (int i = 0; i < 3; ++i)
        (void)capture->poll(50, m_handler);
    if (!capture->stop(m_handler).ok())
        return false;
    seen.report = QJsonDocument::fromJson(proc.readAllStandardOutput()).object();
    seen.lost = m_lost;
    keepOnly(m_all, pid, seen);
    return uint32_t(seen.report.value("pid").toInt()) == pid;
}

void TestCoalescing::interleavedRunsAddUpExactly_data()
{
    QTest::addColumn<int>("reads");
    QTest::addColumn<int>("writes");
    QTest::newRow("1000 reads alternating with 1000 writes") << 1000 << 1000;
    QTest::newRow("1000 reads, 300 writes in between") << 1000 << 300;
    // long enough for the timer to emit the runs in parts while they grow
    QTest::newRow("1,500,000 reads and writes across timer flushes") << 1500000 << 1500000;
}

void TestCoalescing::interleavedRunsAddUpExactly()
{
    QFETCH(int, reads);
    QFETCH(int, writes);
    const QString out = file("interleaved.out");
    Observed seen;
    QVERIFY(runToEnd({}, {"interleave", QString::number(reads), QString::number(writes), out}, seen));
    QCOMPARE(seen.lost, uint64_t(0));
    const int in = seen.report.value("in_fd").toInt(), outFd = seen.report.value("out_fd").toInt();

    const std::vector<Event> readRuns = seen.on("read", in), writeRuns = seen.on("write", outFd, out);
    QCOMPARE(sumCount(readRuns), uint64_t(reads));
    QCOMPARE(sumBytes(readRuns), uint64_t(reads));
    QCOMPARE(sumCount(writeRuns), uint64_t(writes));
    QCOMPARE(sumBytes(writeRuns), uint64_t(3 * writes));
    // coalesced: a few records (the timer emits long runs in parts), not one per call
    QVERIFY2(maxCount(readRuns) > 1 && readRuns.size() * 100 <= size_t(reads), qPrintable(QString::number(readRuns.size())));
    QVERIFY2(maxCount(writeRuns) > 1 && writeRuns.size() * 100 <= size_t(writes), qPrintable(QString::number(writeRuns.size())));
    qInfo("%zu read records, %zu write records", readRuns.size(), writeRuns.size());
    for (const Event &ev : readRuns) {
        QVERIFY(ev.tsNs <= ev.lastTsNs);
        QCOMPARE(QString::fromStdString(ev.path), QString("/dev/zero"));
        QCOMPARE(ev.ret, int64_t(ev.bytes));
    }
    for (const Event &ev : writeRuns)
        QVERIFY(ev.tsNs <= ev.lastTsNs);
    // parts of one run follow each other in time
    for (size_t i = 1; i < readRuns.size(); ++i)
        QVERIFY(readRuns[i - 1].lastTsNs <= readRuns[i].tsNs);
    for (size_t i = 1; i < writeRuns.size(); ++i)
        QVERIFY(writeRuns[i - 1].lastTsNs <= writeRuns[i].tsNs);
    // the runs were flushed by the closes, before their records
    const int closeIn = seen.indexOf("close", [&](const Event &ev) { return ev.fd == in && ev.path == "/dev/zero"; });
    QVERIFY(closeIn >= 0);
    for (const Event &ev : readRuns)
        QVERIFY(ev.lastTsNs <= seen.events[size_t(closeIn)].tsNs);
    QVERIFY(seen.indexOf("read", [&](const Event &ev) { return ev.fd == in && ev.path == "/dev/zero"; }) < closeIn);
}

void TestCoalescing::otherSyscallSplitsRun()
{
    Observed seen;
    QVERIFY(runToEnd({}, {"split", "500", file("unused")}, seen));
    QCOMPARE(seen.lost, uint64_t(0));
    const int in = seen.report.value("in_fd").toInt();
    const std::vector<Event> runs = seen.on("read", in);
    QCOMPARE(runs.size(), size_t(2));
    QCOMPARE(runs[0].count, uint64_t(500));
    QCOMPARE(runs[1].count, uint64_t(500));
    const int first = seen.indexOf("read", [&](const Event &ev) { return ev.fd == in && ev.tsNs == runs[0].tsNs; });
    const int open = seen.indexOf("openat", [](const Event &ev) { return ev.path == "/dev/null"; });
    const int second = seen.indexOf("read", [&](const Event &ev) { return ev.fd == in && ev.tsNs == runs[1].tsNs; });
    QVERIFY(first >= 0 && open >= 0 && second >= 0);
    QVERIFY2(first < open && open < second, "the open of /dev/null is not between the two read runs");
    QVERIFY(runs[0].lastTsNs <= seen.events[size_t(open)].tsNs);
    QVERIFY(seen.events[size_t(open)].tsNs <= runs[1].tsNs);
}

void TestCoalescing::rawModeRecordsEverySyscall()
{
    KernelCaptureOptions options;
    options.raw = true;
    Observed seen;
    QVERIFY(runToEnd(options, {"interleave", "200", "100", file("raw.out")}, seen));
    QCOMPARE(seen.lost, uint64_t(0));
    const std::vector<Event> reads = seen.on("read", seen.report.value("in_fd").toInt());
    const std::vector<Event> writes = seen.on("write", seen.report.value("out_fd").toInt(), file("raw.out"));
    QCOMPARE(reads.size(), size_t(200));
    QCOMPARE(writes.size(), size_t(100));
    QCOMPARE(maxCount(reads), uint64_t(1));
    QCOMPARE(maxCount(writes), uint64_t(1));
    QCOMPARE(sumBytes(writes), uint64_t(300));
}

void TestCoalescing::timerFlushesLingeringRun()
{
    KernelCaptureOptions options;
    options.flushIntervalMs = 200;
    std::unique_ptr<KernelCapture> capture = startCapture(options);
    QVERIFY(capture);
    QProcess proc;
    proc.start(m_workload, {"linger", "300"});
    QVERIFY(proc.waitForStarted(5000));
    const uint32_t pid = uint32_t(proc.processId());
    QElapsedTimer timer;
    timer.start();
    while (!proc.canReadLine() && timer.elapsed() < 5000) {
        QVERIFY(capture->poll(20, m_handler).ok());
        proc.waitForReadyRead(10);
    }
    const QJsonObject report = QJsonDocument::fromJson(proc.readLine()).object();
    QVERIFY2(!report.isEmpty(), "the workload did not say it was ready");
    const int in = report.value("in_fd").toInt();
    QElapsedTimer sinceReady;
    sinceReady.start();
    uint64_t reads = 0;
    while (reads < 300 && sinceReady.elapsed() < 2000) {
        QVERIFY(capture->poll(20, m_handler).ok());
        reads = 0;
        for (const Event &ev : m_all)
            if (ev.pid == pid && ev.syscall == "read" && ev.fd == in && ev.path == "/dev/zero")
                reads += ev.count;
    }
    const qint64 waited = sinceReady.elapsed();
    QCOMPARE(proc.state(), QProcess::Running); // flushed while the thread was still sleeping
    QVERIFY(capture->stop(m_handler).ok());
    proc.kill();
    proc.waitForFinished(5000);
    QCOMPARE(reads, uint64_t(300));
    qInfo("the lingering run arrived %lld ms after the workload's last read", waited);
    QVERIFY2(waited < 1000, qPrintable(QString("the timer flush took %1 ms").arg(waited)));
}

void TestCoalescing::stopFlushesPendingRuns()
{
    KernelCaptureOptions options;
    options.flushIntervalMs = 600000; // no timer flush: only stop() can deliver the runs
    std::unique_ptr<KernelCapture> capture = startCapture(options);
    QVERIFY(capture);
    QProcess proc;
    proc.start(m_workload, {"hold", "700", "400", file("hold.out")});
    QVERIFY(proc.waitForStarted(5000));
    const uint32_t pid = uint32_t(proc.processId());
    QElapsedTimer timer;
    timer.start();
    while (!proc.canReadLine() && timer.elapsed() < 5000) {
        QVERIFY(capture->poll(20, m_handler).ok());
        proc.waitForReadyRead(10);
    }
    const QJsonObject report = QJsonDocument::fromJson(proc.readLine()).object();
    QVERIFY2(!report.isEmpty(), "the workload did not say it was ready");
    for (int i = 0; i < 5; ++i)
        QVERIFY(capture->poll(20, m_handler).ok());
    Observed before;
    keepOnly(m_all, pid, before);
    QCOMPARE(sumCount(before.on("read", report.value("in_fd").toInt())), uint64_t(0)); // still pending
    QVERIFY(capture->stop(m_handler).ok());
    proc.kill();
    proc.waitForFinished(5000);
    QCOMPARE(m_lost, uint64_t(0));
    Observed seen;
    keepOnly(m_all, pid, seen);
    const std::vector<Event> reads = seen.on("read", report.value("in_fd").toInt());
    const std::vector<Event> writes = seen.on("write", report.value("out_fd").toInt(), file("hold.out"));
    QCOMPARE(sumCount(reads), uint64_t(700));
    QCOMPARE(sumCount(writes), uint64_t(400));
    QCOMPARE(sumBytes(writes), uint64_t(1200));
    QCOMPARE(sumCount(seen.on("write", 1, QString())), uint64_t(1)); // the ready line, pending too
}

void TestCoalescing::lostRunsStillCountEverySyscall()
{
    // An 8 KiB ring buffer nobody reads while the workload makes runs of 3
    // reads between open/close pairs: a lost coalesced record is counted as
    // the syscalls it stood for, so delivered + lost = syscalls made.
    constexpr int kCycles = 3000;
    QProcess proc;
    proc.start(m_workload, {"cycles", QString::number(kCycles)});
    QVERIFY(proc.waitForStarted(5000));
    const uint32_t pid = uint32_t(proc.processId());
    KernelCaptureOptions options;
    options.processTree = true;
    options.treeRootPid = pid;
    options.ringBufferBytes = 8192;
    options.startupSnapshot = false;
    std::unique_ptr<KernelCapture> capture = startCapture(options);
    if (!capture)
        proc.kill();
    QVERIFY(capture);
    QVERIFY(capture->poll(0, m_handler).ok());
    proc.write("g");
    QVERIFY(proc.waitForFinished(20000));
    QCOMPARE(proc.exitCode(), 0);
    for (int i = 0; i < 3; ++i)
        QVERIFY(capture->poll(20, m_handler).ok());
    QVERIFY(capture->stop(m_handler).ok());
    uint64_t delivered = 0, coalesced = 0;
    for (const Event &ev : m_all) {
        QCOMPARE(ev.pid, pid);
        delivered += ev.count;
        if (ev.syscall == "read" && ev.count == 3)
            ++coalesced;
    }
    const uint64_t expected = 1 + 5 * uint64_t(kCycles) + 1; // go read, cycles, exit
    qInfo("%llu syscalls, %llu delivered (%llu runs of 3 reads), %llu lost", (unsigned long long)expected,
          (unsigned long long)delivered, (unsigned long long)coalesced, (unsigned long long)m_lost);
    QVERIFY2(m_lost > 0, "an 8 KiB ring buffer nobody reads did not overflow");
    QVERIFY(coalesced > 0);
    QCOMPARE(delivered + m_lost, expected);
}

QTEST_GUILESS_MAIN(TestCoalescing)
#include "tst_coalescing.moc"
