// Live eBPF capture: runs provscope-workload under a KernelCapture and checks
// that each thing the workload did shows up as a user would expect to see it.
// Needs root and a BTF kernel; skips loudly otherwise.
#include "kernel_capture.h"
#include "session_clock.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <algorithm>
#include <vector>

using namespace provscope;

class TestKernelCapture : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void execOfKnownBinary();
    void forkAndExit();
    void openatThroughDirFd();
    void writeWithBytes();
    void renameWithBothPaths();
    void unlinkRelativeToCwd();
    void tcpConnectAndAccept();
    void identityAndTimestamps();
    void helperExcludesItself();

private:
    const Event *find(uint32_t pid, std::initializer_list<const char *> syscalls,
                      const std::function<bool(const Event &)> &match = {}) const;

    std::vector<Event> m_all;      // every event (to check self-exclusion)
    std::vector<Event> m_events;   // the workload's and its children's
    std::vector<ProcessInfo> m_processes;
    QJsonObject m_report;          // what the workload says it did
    uint32_t m_pid = 0;
    uint32_t m_childPid = 0;
    uint64_t m_startNs = 0, m_endNs = 0;
    uint64_t m_lost = 0;
    QTemporaryDir m_dir;
};

const Event *TestKernelCapture::find(uint32_t pid, std::initializer_list<const char *> syscalls,
                                     const std::function<bool(const Event &)> &match) const
{
    for (const Event &ev : m_events) {
        if (ev.pid != pid)
            continue;
        bool nameMatches = false;
        for (const char *name : syscalls)
            nameMatches = nameMatches || ev.syscall == name;
        if (nameMatches && (!match || match(ev)))
            return &ev;
    }
    return nullptr;
}

void TestKernelCapture::initTestCase()
{
    if (geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: tst_kernel_capture must run as root to load eBPF programs");
    if (!QFileInfo::exists("/sys/kernel/btf/vmlinux"))
        QSKIP("LIVE CAPTURE NOT TESTED: this kernel has no BTF (/sys/kernel/btf/vmlinux missing)");
    // ctest sets PROVSCOPE_BIN_DIR; run by hand, the workload sits beside the test.
    const QString binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath());
    const QString workload = binDir + "/provscope-workload";
    QVERIFY2(QFileInfo(workload).isExecutable(), qPrintable("workload not built: " + workload));
    QVERIFY(m_dir.isValid());

    KernelCaptureOptions options;
    options.excludeTgid = uint32_t(getpid());
    auto started = KernelCapture::start(options);
    QVERIFY2(started.ok(), started.ok() ? "" : started.error().c_str());
    std::unique_ptr<KernelCapture> capture = std::move(started.value());
    QVERIFY(capture->configJson().find("\"openat\"") != std::string::npos);

    std::vector<ProcessInfo> processes;
    auto handler = [&](CaptureBatch &&batch) {
        for (Event &ev : batch.events)
            m_all.push_back(std::move(ev));
        for (ProcessInfo &p : batch.processes)
            processes.push_back(std::move(p));
        for (const LossRecord &loss : batch.losses)
            m_lost += loss.count;
    };

    m_startNs = bootTimeNowNs();
    QProcess proc;
    proc.start(workload, {m_dir.path()});
    QVERIFY2(proc.waitForStarted(5000), qPrintable(proc.errorString()));
    m_pid = uint32_t(proc.processId());
    QElapsedTimer timer;
    timer.start();
    while (proc.state() != QProcess::NotRunning && timer.elapsed() < 20000) {
        auto polled = capture->poll(50, handler);
        QVERIFY2(polled.ok(), polled.ok() ? "" : polled.error().c_str());
        proc.waitForFinished(10);
    }
    QCOMPARE(proc.exitStatus(), QProcess::NormalExit);
    QCOMPARE(proc.exitCode(), 0);
    // drain: records of the last syscalls may still be in flight
    for (int i = 0; i < 5; ++i)
        QVERIFY(capture->poll(50, handler).ok());
    // Live views depend on poll() delivering without stop(): the workload's exit must be here.
    const bool exitBeforeStop = std::any_of(m_all.begin(), m_all.end(), [&](const Event &ev) {
        return ev.pid == m_pid && ev.syscall == "exit";
    });
    QVERIFY2(exitBeforeStop, "poll() did not deliver the workload's last records within 250 ms");
    QVERIFY(capture->stop(handler).ok());
    m_endNs = bootTimeNowNs();

    const QByteArray out = proc.readAllStandardOutput();
    m_report = QJsonDocument::fromJson(out).object();
    QVERIFY2(!m_report.isEmpty(), out.constData());
    QCOMPARE(uint32_t(m_report.value("pid").toInt()), m_pid);
    m_childPid = uint32_t(m_report.value("child_pid").toInt());

    QSet<uint32_t> ours{m_pid, m_childPid};
    for (const ProcessInfo &p : processes) {
        if (ours.contains(p.pid) || ours.contains(p.ppid))
            m_processes.push_back(p);
    }
    for (const Event &ev : m_all) {
        if (ours.contains(ev.pid))
            m_events.push_back(ev);
    }
    qInfo("captured %zu events in total, %zu from the workload (pid %u, child %u), %llu lost",
          m_all.size(), m_events.size(), m_pid, m_childPid, (unsigned long long)m_lost);
    QVERIFY(!m_events.empty());
}

void TestKernelCapture::execOfKnownBinary()
{
    const QString exe = QFileInfo("/bin/true").canonicalFilePath();
    const Event *ev = find(m_childPid, {"execve"});
    QVERIFY2(ev, "no execve by the workload's child");
    QCOMPARE(QString::fromStdString(ev->path), exe);
    QCOMPARE(ev->argv, (std::vector<std::string>{"true", "provscope-marker"}));
    QCOMPARE(ev->comm, std::string("true"));
    QCOMPARE(ev->ppid, m_pid);
    QCOMPARE(ev->ret, int64_t(0));

    bool processUpdated = false;
    for (const ProcessInfo &p : m_processes)
        processUpdated = processUpdated || (p.pid == m_childPid && QString::fromStdString(p.exe) == exe
                                            && p.argv.size() == 2);
    QVERIFY2(processUpdated, "no ProcessInfo with the exec'd image for the child");
}

void TestKernelCapture::forkAndExit()
{
    const Event *clone = find(m_pid, {"clone", "fork", "vfork", "clone3"},
                              [&](const Event &e) { return e.ret == int64_t(m_childPid); });
    QVERIFY2(clone, "no clone/fork event returning the child's pid");

    const ProcessInfo *forked = nullptr;
    for (const ProcessInfo &p : m_processes)
        if (p.pid == m_childPid && p.ppid == m_pid && p.parentStartNs != 0)
            forked = &p;
    QVERIFY2(forked, "no ProcessInfo for the forked child with its parent");

    const Event *exit = find(m_childPid, {"exit"});
    QVERIFY2(exit, "no exit event for the child");
    QCOMPARE(exit->ret, int64_t(0)); // /bin/true exits 0
    QVERIFY(exit->tsNs >= clone->tsNs);
    const Event *parentExit = find(m_pid, {"exit"});
    QVERIFY2(parentExit, "no exit event for the workload");
}

void TestKernelCapture::openatThroughDirFd()
{
    const std::string path = m_report.value("dirfd_file").toString().toStdString();
    const Event *ev = find(m_pid, {"openat"}, [&](const Event &e) { return e.path == path; });
    QVERIFY2(ev, ("no openat of " + path).c_str());
    QVERIFY(ev->ret >= 0);
    QCOMPARE(int64_t(ev->fd), ev->ret);
    QVERIFY(ev->flags & 0100); // O_CREAT as passed

    const Event *write = find(m_pid, {"write"}, [&](const Event &e) { return e.path == path; });
    QVERIFY2(write, "no write to the file opened through the directory fd");
    const Event *close = find(m_pid, {"close"}, [&](const Event &e) { return e.path == path; });
    QVERIFY2(close, "no close naming the file opened through the directory fd");
}

void TestKernelCapture::writeWithBytes()
{
    const std::string path = m_report.value("written").toString().toStdString();
    const uint64_t bytes = uint64_t(m_report.value("payload_bytes").toInt());
    const Event *ev = find(m_pid, {"write"}, [&](const Event &e) { return e.path == path; });
    QVERIFY2(ev, ("no write to " + path).c_str());
    QCOMPARE(ev->bytes, bytes);
    QCOMPARE(ev->ret, int64_t(bytes));
    QCOMPARE(ev->count, uint64_t(1));
}

void TestKernelCapture::renameWithBothPaths()
{
    const std::string from = m_report.value("written").toString().toStdString();
    const std::string to = m_report.value("renamed").toString().toStdString();
    const Event *ev = find(m_pid, {"rename", "renameat", "renameat2"});
    QVERIFY2(ev, "no rename by the workload");
    QCOMPARE(ev->path, from);
    QCOMPARE(ev->path2, to);
    QCOMPARE(ev->ret, int64_t(0));
}

void TestKernelCapture::unlinkRelativeToCwd()
{
    // The workload unlinks "renamed.txt" after chdir(): the event must carry the absolute path.
    const std::string path = m_report.value("renamed").toString().toStdString();
    const Event *ev = find(m_pid, {"unlink", "unlinkat"});
    QVERIFY2(ev, "no unlink by the workload");
    QCOMPARE(ev->path, path);
    QCOMPARE(ev->ret, int64_t(0));
}

void TestKernelCapture::tcpConnectAndAccept()
{
    const uint16_t port = uint16_t(m_report.value("port").toInt());
    QVERIFY(port != 0);
    const Event *bind = find(m_pid, {"bind"});
    QVERIFY2(bind, "no bind");
    QCOMPARE(bind->laddr, std::string("127.0.0.1"));
    QCOMPARE(bind->lport, port);

    const Event *connect = find(m_pid, {"connect"});
    QVERIFY2(connect, "no connect");
    QCOMPARE(connect->ret, int64_t(0));
    QCOMPARE(connect->raddr, std::string("127.0.0.1"));
    QCOMPARE(connect->rport, port);
    QCOMPARE(connect->laddr, std::string("127.0.0.1"));
    QVERIFY(connect->lport != 0);

    const Event *accept = find(m_pid, {"accept", "accept4"});
    QVERIFY2(accept, "no accept");
    QVERIFY(accept->ret >= 0);
    QCOMPARE(accept->laddr, std::string("127.0.0.1"));
    QCOMPARE(accept->lport, port);
    QCOMPARE(accept->raddr, std::string("127.0.0.1"));
    QCOMPARE(accept->rport, connect->lport); // the accepted peer is the connecting socket

    const Event *send = find(m_pid, {"sendto"});
    QVERIFY2(send, "no sendto");
    QCOMPARE(send->bytes, uint64_t(4));
    QCOMPARE(send->rport, port);
    const Event *recv = find(m_pid, {"recvfrom"});
    QVERIFY2(recv, "no recvfrom");
    QCOMPARE(recv->bytes, uint64_t(4));
    QCOMPARE(recv->lport, port);
}

void TestKernelCapture::identityAndTimestamps()
{
    const uint32_t testPid = uint32_t(getpid());
    // QProcess forks the test, then execs the workload: its comm changes at the exec.
    const Event *exec = find(m_pid, {"execve"});
    QVERIFY2(exec, "no execve of the workload itself");
    QVERIFY(exec->path.ends_with("/provscope-workload"));
    for (const Event &ev : m_events) {
        const std::string what = ev.syscall + " by " + std::to_string(ev.pid);
        QVERIFY2(ev.tsNs >= m_startNs && ev.tsNs <= m_endNs, what.c_str());
        QVERIFY2(ev.procStartNs != 0, what.c_str());
        QVERIFY2(!ev.syscall.empty() && ev.syscall != "unknown", what.c_str());
        if (ev.pid == m_pid) {
            QCOMPARE(ev.tid, m_pid); // single-threaded
            QCOMPARE(ev.ppid, testPid);
            if (ev.tsNs > exec->tsNs)
                QCOMPARE(ev.comm, std::string("provscope-workl")); // comm is 15 chars
            else if (ev.tsNs < exec->tsNs)
                QCOMPARE(ev.comm, std::string("tst_kernel_capt"));
        } else {
            QCOMPARE(ev.ppid, m_pid);
        }
    }
}

void TestKernelCapture::helperExcludesItself()
{
    const uint32_t self = uint32_t(getpid());
    for (const Event &ev : m_all)
        QVERIFY2(ev.pid != self, ("the helper's own " + ev.syscall + " was captured").c_str());
}

QTEST_GUILESS_MAIN(TestKernelCapture)
#include "tst_kernel_capture.moc"
