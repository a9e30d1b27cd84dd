// A forced ring-buffer overflow: a capture restricted to one child process of
// this test, with an 8 KiB ring buffer that nobody reads while the child makes
// a known number of syscalls. Every record the kernel could not deliver must
// be counted: the loss records add up exactly to the missing events, and the
// session's `provscope-cli info` shows the same count.
// Needs root and a BTF kernel; skips loudly otherwise.
#include "background_writer.h"
#include "kernel_capture.h"
#include "session_clock.h"
#include "session_meta_factory.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

using namespace provscope;

class TestLossRecords : public QObject {
    Q_OBJECT

private slots:
    void overflowIsCountedExactly();
};

namespace {

constexpr int kIterations = 20000; // each: openat + close, never coalesced

// The child: one read (the go signal), then the open/close pairs, then exit.
// Only raw syscalls: it was forked from a multithreaded process.
[[noreturn]] void runChild(int goFd)
{
    char go;
    if (read(goFd, &go, 1) != 1)
        _exit(3);
    for (int i = 0; i < kIterations; ++i) {
        const int fd = open("/dev/null", O_RDONLY);
        if (fd < 0)
            _exit(4);
        close(fd);
    }
    _exit(0);
}

} // namespace

void TestLossRecords::overflowIsCountedExactly()
{
    if (geteuid() != 0)
        QSKIP("LOSS ACCOUNTING NOT TESTED: tst_loss_records must run as root to load eBPF programs");
    if (!QFileInfo::exists("/sys/kernel/btf/vmlinux"))
        QSKIP("LOSS ACCOUNTING NOT TESTED: this kernel has no BTF (/sys/kernel/btf/vmlinux missing)");

    int go[2];
    QVERIFY(pipe(go) == 0);
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        close(go[1]);
        runChild(go[0]);
    }
    close(go[0]);

    KernelCaptureOptions options;
    options.excludeTgid = uint32_t(getpid());
    options.processTree = true;
    options.treeRootPid = uint32_t(child);
    options.ringBufferBytes = 4096 * 2;
    const uint64_t startNs = bootTimeNowNs();
    auto started = KernelCapture::start(options);
    if (!started) {
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
    }
    QVERIFY2(started.ok(), started.ok() ? "" : started.error().c_str());
    std::unique_ptr<KernelCapture> capture = std::move(started).value();
    QVERIFY(capture->configJson().find("\"ring_buffer_bytes\":8192") != std::string::npos);

    std::vector<CaptureBatch> batches;
    auto keep = [&](CaptureBatch &&batch) { batches.push_back(std::move(batch)); };
    // the snapshot (delivered at the first poll) does not go through the ring buffer
    QVERIFY(capture->poll(0, keep).ok());

    // Let the child run to its end without reading the ring buffer.
    QCOMPARE(write(go[1], "g", 1), ssize_t(1));
    close(go[1]);
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (int i = 0; i < 3; ++i)
        QVERIFY(capture->poll(20, keep).ok());
    QVERIFY(capture->stop(keep).ok());

    const uint64_t expected = 1 + 2 * uint64_t(kIterations) + 1; // read, open/close pairs, exit
    uint64_t delivered = 0, lost = 0;
    size_t lossRecords = 0;
    for (const CaptureBatch &batch : batches) {
        for (const Event &ev : batch.events) {
            if (ev.syscall == "snapshot_fd")
                continue;
            QCOMPARE(ev.pid, uint32_t(child)); // the tree restriction holds
            delivered += ev.count;
        }
        for (const LossRecord &loss : batch.losses) {
            QCOMPARE(loss.source, std::string("kernel-ringbuf"));
            QVERIFY(loss.firstTsNs <= loss.lastTsNs);
            QVERIFY(loss.lastTsNs >= startNs);
            lost += loss.count;
            ++lossRecords;
        }
    }
    qInfo("%llu syscalls made, %llu delivered, %llu lost in %zu loss records",
          (unsigned long long)expected, (unsigned long long)delivered, (unsigned long long)lost, lossRecords);
    QVERIFY2(lost > 0, "an 8 KiB ring buffer nobody reads did not overflow");
    QVERIFY(delivered > 0);
    QCOMPARE(delivered + lost, expected);
    QCOMPARE(capture->stats().eventsLost, lost);

    // Written to a session, the loss is what `provscope-cli info` reports.
    const QString cli = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath())
                        + "/provscope-cli";
    QVERIFY2(QFileInfo(cli).isExecutable(), qPrintable("provscope-cli not built: " + cli));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("loss.provscope").toStdString();
    auto writer = BackgroundWriter::start(path, makeLiveSessionMeta(capture->configJson(), startNs), std::nullopt);
    QVERIFY2(writer.ok(), writer.ok() ? "" : writer.error().c_str());
    for (CaptureBatch &batch : batches)
        writer.value()->enqueue(std::move(batch));
    auto written = writer.value()->finish(bootTimeNowNs());
    QVERIFY2(written.ok(), written.ok() ? "" : written.error().c_str());
    QCOMPARE(uint64_t(written->lostEvents), lost);
    QProcess info;
    info.start(cli, {"info", QString::fromStdString(path)});
    QVERIFY(info.waitForFinished(30000));
    QCOMPARE(info.exitCode(), 0);
    const QJsonObject obj = QJsonDocument::fromJson(info.readAllStandardOutput()).object();
    QCOMPARE(uint64_t(obj.value("counts").toObject().value("lost_events").toDouble()), lost);
}

QTEST_GUILESS_MAIN(TestLossRecords)
#include "tst_loss_records.moc"
