// The start-up snapshot: a process that opened a file, a pipe and a TCP
// listener before the capture started is known from the first batch, with the
// identity its later live events carry, its exe and argv, and its open fds.
// Needs root and a BTF kernel; skips loudly otherwise.
#include "kernel_capture.h"
#include "record_decoder.h"
#include "session_clock.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <linux/types.h>
#include "provscope_events.h"

#include <cstring>
#include <unistd.h>

#include <vector>

using namespace provscope;

class TestStartupSnapshot : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void decodesTaskRecord();
    void processIdentityEqualsLiveEvents();
    void exeAndArgv();
    void openFileDescriptors();
    void systemWideSnapshotKnowsEveryProcess();

private:
    const Event *snapshotFd(int fd) const;
    static QSet<uint32_t> userProcesses();

    bool m_live = false;
    QString m_workload;
    QTemporaryDir m_dir;
    QString m_file;
    QJsonObject m_report;
    uint32_t m_pid = 0;
    uint64_t m_captureStartNs = 0;
    std::vector<Event> m_firstBatchEvents;  // delivered by the first poll
    std::vector<ProcessInfo> m_firstBatchProcesses;
    std::vector<Event> m_events;            // everything of the workload
    std::string m_configJson;
};

const Event *TestStartupSnapshot::snapshotFd(int fd) const
{
    for (const Event &ev : m_events) {
        if (ev.pid == m_pid && ev.syscall == "snapshot_fd" && ev.fd == fd)
            return &ev;
    }
    return nullptr;
}

void TestStartupSnapshot::decodesTaskRecord()
{
    // a PS_REC_TASK_SNAPSHOT as the iterator writes it; argv empty: taken from /proc
    QTemporaryDir proc;
    QVERIFY(proc.isValid());
    QDir().mkpath(proc.path() + "/4242");
    QFile cmdline(proc.path() + "/4242/cmdline");
    QVERIFY(cmdline.open(QIODevice::WriteOnly));
    cmdline.write(QByteArray("/usr/sbin/sshd\0-D\0", 18));
    cmdline.close();
    const std::string exe = "/usr/sbin/sshd";
    std::vector<unsigned char> rec(sizeof(ps_exec_record) + exe.size() + 2, 0);
    ps_exec_record r{};
    r.hdr.type = PS_REC_TASK_SNAPSHOT;
    r.hdr.size = uint32_t(rec.size());
    r.task.pid = 4242;
    r.task.ppid = 1;
    r.task.start_ns = 123456789;
    r.task.mnt_ns = 4026531841u;
    std::memcpy(r.task.comm, "sshd", 4);
    r.exe_len = uint16_t(exe.size());
    std::memcpy(rec.data(), &r, sizeof r);
    std::memcpy(rec.data() + sizeof r, exe.data(), exe.size());
    RecordDecoder decoder(proc.path().toStdString());
    CaptureBatch batch;
    QVERIFY(decoder.decode(rec.data(), rec.size(), batch).ok());
    QCOMPARE(batch.processes.size(), size_t(1));
    const ProcessInfo &info = batch.processes.front();
    QCOMPARE(info.pid, 4242u);
    QCOMPARE(info.startNs, uint64_t(123456789));
    QCOMPARE(info.exe, exe);
    QCOMPARE(info.argv, (std::vector<std::string>{"/usr/sbin/sshd", "-D"}));
    QCOMPARE(info.mntNs, 4026531841u);
    // strings running past the record are refused
    r.exe_len = 200;
    std::memcpy(rec.data(), &r, sizeof r);
    QVERIFY(!decoder.decode(rec.data(), rec.size(), batch).ok());
}

void TestStartupSnapshot::initTestCase()
{
    m_live = geteuid() == 0 && QFileInfo::exists("/sys/kernel/btf/vmlinux");
    if (!m_live) {
        qWarning("STARTUP SNAPSHOT NOT TESTED LIVE: needs root and a BTF kernel to load eBPF programs");
        return;
    }
    const QString binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath());
    m_workload = QFileInfo(binDir + "/provscope-snapshot-workload").canonicalFilePath();
    QVERIFY2(QFileInfo(m_workload).isExecutable(), qPrintable("workload not built in " + binDir));
    QVERIFY(m_dir.isValid());
    m_file = QFileInfo(m_dir.path()).canonicalFilePath() + "/held open.txt";

    // The workload sets everything up, then the capture starts.
    QProcess proc;
    proc.start(m_workload, {m_file});
    QVERIFY2(proc.waitForStarted(5000), qPrintable(proc.errorString()));
    QVERIFY(proc.waitForReadyRead(5000));
    const QByteArray line = proc.readLine();
    m_report = QJsonDocument::fromJson(line).object();
    QVERIFY2(!m_report.isEmpty(), line.constData());
    m_pid = uint32_t(m_report.value("pid").toInt());
    QCOMPARE(qint64(m_pid), proc.processId());

    KernelCaptureOptions options;
    options.excludeTgid = uint32_t(getpid());
    options.processTree = true; // this test's workload only: others may capture meanwhile
    options.treeRootPid = m_pid;
    m_captureStartNs = bootTimeNowNs();
    auto started = KernelCapture::start(options);
    QVERIFY2(started.ok(), started.ok() ? "" : started.error().c_str());
    std::unique_ptr<KernelCapture> capture = std::move(started.value());
    m_configJson = capture->configJson();

    bool first = true;
    auto handler = [&](CaptureBatch &&batch) {
        for (const Event &ev : batch.events) {
            if (first)
                m_firstBatchEvents.push_back(ev);
            if (ev.pid == m_pid)
                m_events.push_back(ev);
        }
        if (first)
            m_firstBatchProcesses = batch.processes;
        first = false;
    };
    QVERIFY(capture->poll(0, handler).ok());
    QVERIFY2(!first, "the first poll delivered nothing: no snapshot");

    // Now the workload makes a live syscall and exits.
    proc.write("go\n");
    QElapsedTimer timer;
    timer.start();
    bool exited = false;
    while (!exited && timer.elapsed() < 10000) {
        QVERIFY(capture->poll(50, handler).ok());
        proc.waitForFinished(10);
        for (const Event &ev : m_events)
            exited = exited || ev.syscall == "exit";
    }
    QVERIFY(capture->stop(handler).ok());
    QVERIFY2(exited, "the workload's exit was not captured");
    QCOMPARE(proc.exitCode(), 0);
}

void TestStartupSnapshot::processIdentityEqualsLiveEvents()
{
    if (!m_live)
        QSKIP("STARTUP SNAPSHOT NOT TESTED: needs root and a BTF kernel to load eBPF programs");
    const ProcessInfo *info = nullptr;
    for (const ProcessInfo &p : m_firstBatchProcesses) {
        if (p.pid == m_pid)
            info = &p;
    }
    QVERIFY2(info, "the pre-existing workload has no ProcessInfo in the first batch");
    QVERIFY(info->startNs > 0);
    QVERIFY2(info->startNs < m_captureStartNs, "the snapshot's start time is not the process's");
    QCOMPARE(info->ppid, uint32_t(getpid()));
    QVERIFY(info->mntNs != 0 && info->pidNs != 0);

    int live = 0;
    for (const Event &ev : m_events) {
        if (ev.syscall == "snapshot_fd")
            continue;
        ++live;
        // exact, not within a /proc tick: the same kernel field
        QCOMPARE(ev.procStartNs, info->startNs);
    }
    QVERIFY2(live >= 2, "expected the live write and exit of the workload");
    const bool wrote = std::any_of(m_events.begin(), m_events.end(), [](const Event &ev) {
        return ev.syscall == "write";
    });
    QVERIFY(wrote);
    // the tree restriction and the snapshot agree: nothing but the workload
    for (const ProcessInfo &p : m_firstBatchProcesses)
        QCOMPARE(p.pid, m_pid);
    QVERIFY(m_configJson.find("\"startup_snapshot\":{\"processes\":1,") != std::string::npos);
}

void TestStartupSnapshot::exeAndArgv()
{
    if (!m_live)
        QSKIP("STARTUP SNAPSHOT NOT TESTED: needs root and a BTF kernel to load eBPF programs");
    for (const ProcessInfo &p : m_firstBatchProcesses) {
        if (p.pid != m_pid)
            continue;
        QCOMPARE(QString::fromStdString(p.exe), m_workload);
        QCOMPARE(p.comm, std::string("provscope-snaps")); // comm is 15 characters
        QCOMPARE(p.argv.size(), size_t(2));
        QCOMPARE(QString::fromStdString(p.argv[1]), m_file);
        return;
    }
    QFAIL("no ProcessInfo for the workload");
}

void TestStartupSnapshot::openFileDescriptors()
{
    if (!m_live)
        QSKIP("STARTUP SNAPSHOT NOT TESTED: needs root and a BTF kernel to load eBPF programs");
    const Event *file = snapshotFd(m_report.value("file_fd").toInt());
    QVERIFY2(file, "no snapshot_fd for the open file");
    QCOMPARE(QString::fromStdString(file->path), m_file);
    QVERIFY(file->tsNs >= m_captureStartNs);
    QVERIFY(file->procStartNs != 0);

    const QString pipeName = QString("pipe:[%1]").arg(qint64(m_report.value("pipe_ino").toDouble()));
    for (const char *key : {"pipe_read_fd", "pipe_write_fd"}) {
        const Event *pipe = snapshotFd(m_report.value(key).toInt());
        QVERIFY2(pipe, key);
        QCOMPARE(QString::fromStdString(pipe->path), pipeName);
    }

    const Event *listener = snapshotFd(m_report.value("listen_fd").toInt());
    QVERIFY2(listener, "no snapshot_fd for the TCP listener");
    QCOMPARE(int(listener->lport), m_report.value("port").toInt());
    QCOMPARE(listener->laddr, std::string("127.0.0.1"));
    QVERIFY(listener->path.empty());

    // every snapshot fd event was delivered at start, before any live event
    for (const Event &ev : m_events) {
        if (ev.syscall == "snapshot_fd") {
            const bool inFirst = std::any_of(m_firstBatchEvents.begin(), m_firstBatchEvents.end(),
                                             [&](const Event &f) { return f.fd == ev.fd && f.syscall == ev.syscall; });
            QVERIFY(inFirst);
        }
    }
}

// User-space processes whose executable /proc lets us read (kernel threads have none).
QSet<uint32_t> TestStartupSnapshot::userProcesses()
{
    QSet<uint32_t> pids;
    const QStringList entries = QDir("/proc").entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool ok = false;
        const uint32_t pid = entry.toUInt(&ok);
        if (ok && !QFileInfo("/proc/" + entry + "/exe").symLinkTarget().isEmpty())
            pids.insert(pid);
    }
    return pids;
}

void TestStartupSnapshot::systemWideSnapshotKnowsEveryProcess()
{
    if (!m_live)
        QSKIP("STARTUP SNAPSHOT NOT TESTED: needs root and a BTF kernel to load eBPF programs");
    const QSet<uint32_t> before = userProcesses();
    KernelCaptureOptions options;
    options.excludeTgid = uint32_t(getpid());
    auto started = KernelCapture::start(options);
    QVERIFY2(started.ok(), started.ok() ? "" : started.error().c_str());
    std::unique_ptr<KernelCapture> capture = std::move(started.value());
    std::vector<ProcessInfo> processes;
    QSet<uint32_t> withFds;
    auto handler = [&](CaptureBatch &&batch) {
        for (ProcessInfo &p : batch.processes)
            processes.push_back(std::move(p));
        for (const Event &ev : batch.events) {
            if (ev.syscall == "snapshot_fd")
                withFds.insert(ev.pid);
        }
    };
    QVERIFY(capture->poll(0, handler).ok());
    QVERIFY(capture->stop(handler).ok());
    const QSet<uint32_t> after = userProcesses();

    QSet<uint32_t> snapshot;
    for (const ProcessInfo &p : processes) {
        snapshot.insert(p.pid);
        QVERIFY2(p.pid != uint32_t(getpid()), "the capturing process is in its own snapshot");
    }
    QVERIFY2(!withFds.contains(uint32_t(getpid())), "the capturing process's fds are in the snapshot");
    // every process alive throughout is known (its exe readable: not a kernel thread)
    QSet<uint32_t> alive = before & after;
    alive.remove(uint32_t(getpid()));
    for (uint32_t pid : alive)
        QVERIFY2(snapshot.contains(pid), qPrintable(QString("process %1 missing from the snapshot").arg(pid)));
    QVERIFY(alive.size() > 1);
    const uint32_t parent = uint32_t(getppid());
    QVERIFY(snapshot.contains(parent));
    for (const ProcessInfo &p : processes) {
        if (p.pid == parent)
            QCOMPARE(QString::fromStdString(p.exe), QFileInfo("/proc/" + QString::number(parent) + "/exe").symLinkTarget());
    }
    qInfo("system-wide snapshot: %zu processes, %lld with open fds", processes.size(), (long long)withFds.size());
}

QTEST_GUILESS_MAIN(TestStartupSnapshot)
#include "tst_startup_snapshot.moc"
