// The user-space fd table that names what a close closes: learned from opens,
// pipes, sockets, dups and the start-up snapshot, healed by fd-based events,
// copied at fork, trimmed at exec (close-on-exec) and dropped at exit.
#include "fd_table_tracker.h"

#include <linux/types.h>
#include "provscope_events.h"

#include <QTest>

using namespace provscope;

namespace {

constexpr uint32_t kPid = 500;
constexpr uint64_t kStart = 9000;
constexpr uint32_t kOCloexec = 02000000;

Event makeEvent(int64_t ret, int32_t fd = -1, std::string path = {}, uint32_t pid = kPid, uint64_t start = kStart)
{
    Event ev;
    ev.pid = pid;
    ev.tid = pid;
    ev.procStartNs = start;
    ev.ret = ret;
    ev.fd = fd;
    ev.path = std::move(path);
    return ev;
}

Event opened(int fd, std::string path, uint32_t flags = 0, uint32_t pid = kPid, uint64_t start = kStart)
{
    Event ev = makeEvent(fd, fd, std::move(path), pid, start);
    ev.flags = flags;
    return ev;
}

// The path a close of fd in (pid, start) is given by the tracker.
std::string closedPath(FdTableTracker &t, int fd, uint32_t pid = kPid, uint64_t start = kStart)
{
    Event ev = makeEvent(0, fd, {}, pid, start);
    t.onSyscall(PS_SC_CLOSE, ev);
    return ev.path;
}

} // namespace

class TestFdTableTracker : public QObject {
    Q_OBJECT

private slots:
    void openThenCloseNamesTheFile()
    {
        FdTableTracker t;
        Event ev = opened(3, "/tmp/a");
        t.onSyscall(PS_SC_OPENAT, ev);
        QCOMPARE(closedPath(t, 3), std::string("/tmp/a"));
        QCOMPARE(closedPath(t, 3), std::string()); // closed: forgotten
        QCOMPARE(t.fdCount(kPid, kStart), size_t(0));
    }

    void failedOpenLearnsNothing()
    {
        FdTableTracker t;
        Event ev = opened(-2, "/tmp/missing");
        t.onSyscall(PS_SC_OPENAT, ev);
        QCOMPARE(t.fdCount(kPid, kStart), size_t(0));
    }

    void closeKeepsAnObjectTheKernelGave()
    {
        FdTableTracker t;
        Event ev = opened(3, "/tmp/a");
        t.onSyscall(PS_SC_OPENAT, ev);
        Event close = makeEvent(0, 3, "/tmp/b");
        t.onSyscall(PS_SC_CLOSE, close);
        QCOMPARE(close.path, std::string("/tmp/b"));
    }

    void snapshotFdsAreKnown()
    {
        FdTableTracker t;
        Event snap = makeEvent(0, 7, "/var/log/x.log");
        t.onSyscall(PS_SC_SNAPSHOT_FD, snap);
        QCOMPARE(closedPath(t, 7), std::string("/var/log/x.log"));
    }

    void socketAddressesAreKept()
    {
        FdTableTracker t;
        Event ev = makeEvent(5, 5);
        ev.laddr = "127.0.0.1";
        ev.lport = 4000;
        ev.raddr = "127.0.0.1";
        ev.rport = 80;
        t.onSyscall(PS_SC_ACCEPT4, ev);
        Event close = makeEvent(0, 5);
        t.onSyscall(PS_SC_CLOSE, close);
        QCOMPARE(close.raddr, std::string("127.0.0.1"));
        QCOMPARE(close.rport, uint16_t(80));
        QCOMPARE(close.lport, uint16_t(4000));
        QVERIFY(close.hasSocket());
    }

    void pipeNamesBothEnds()
    {
        FdTableTracker t;
        Event ev = makeEvent(0, 3, "pipe:[123]");
        ev.fd2 = 4;
        t.onSyscall(PS_SC_PIPE2, ev);
        QCOMPARE(closedPath(t, 4), std::string("pipe:[123]"));
        QCOMPARE(closedPath(t, 3), std::string("pipe:[123]"));
    }

    void socketpairNamesEachEnd()
    {
        FdTableTracker t;
        Event ev = makeEvent(0, 3, "socket:[10]");
        ev.fd2 = 4;
        ev.path2 = "socket:[11]";
        t.onSyscall(PS_SC_SOCKETPAIR, ev);
        QCOMPARE(closedPath(t, 3), std::string("socket:[10]"));
        QCOMPARE(closedPath(t, 4), std::string("socket:[11]"));
    }

    void dupsCopyTheObject_data()
    {
        QTest::addColumn<uint32_t>("kind");
        QTest::addColumn<uint64_t>("cmd");
        QTest::newRow("dup") << uint32_t(PS_SC_DUP) << uint64_t(0);
        QTest::newRow("dup2") << uint32_t(PS_SC_DUP2) << uint64_t(0);
        QTest::newRow("dup3") << uint32_t(PS_SC_DUP3) << uint64_t(0);
        QTest::newRow("F_DUPFD") << uint32_t(PS_SC_FCNTL) << uint64_t(0);
        QTest::newRow("F_DUPFD_CLOEXEC") << uint32_t(PS_SC_FCNTL) << uint64_t(1030);
    }
    void dupsCopyTheObject()
    {
        QFETCH(uint32_t, kind);
        QFETCH(uint64_t, cmd);
        FdTableTracker t;
        Event open = opened(3, "/tmp/out");
        t.onSyscall(PS_SC_OPENAT, open);
        Event onto1 = opened(1, "/dev/pts/0");
        t.onSyscall(PS_SC_SNAPSHOT_FD, onto1);
        Event dup = makeEvent(1, 3); // the kernel names fd 3's object only when it can
        dup.fd2 = 1;
        dup.aux1 = cmd;
        t.onSyscall(kind, dup);
        QCOMPARE(closedPath(t, 3), std::string("/tmp/out"));
        QCOMPARE(closedPath(t, 1), std::string("/tmp/out"));
    }

    void failedDupChangesNothing()
    {
        FdTableTracker t;
        Event snap = makeEvent(0, 1, "/dev/pts/0");
        t.onSyscall(PS_SC_SNAPSHOT_FD, snap);
        Event dup = makeEvent(-9, 3);
        dup.fd2 = 1;
        t.onSyscall(PS_SC_DUP2, dup);
        QCOMPARE(closedPath(t, 1), std::string("/dev/pts/0"));
    }

    void fdEventsHealAndAreNamed()
    {
        FdTableTracker t;
        Event write = makeEvent(10, 9, "/tmp/healed");
        t.onSyscall(PS_SC_WRITE, write); // fd 9 opened before anything we saw
        Event read = makeEvent(10, 9);       // a record the kernel could not name
        t.onSyscall(PS_SC_READ, read);
        QCOMPARE(read.path, std::string("/tmp/healed"));
        QCOMPARE(closedPath(t, 9), std::string("/tmp/healed"));
    }

    void closeRangeForgetsOrMarks()
    {
        FdTableTracker t;
        for (int fd = 3; fd < 8; ++fd) {
            Event ev = opened(fd, "/tmp/f" + std::to_string(fd));
            t.onSyscall(PS_SC_OPENAT, ev);
        }
        Event range = makeEvent(0);
        range.aux1 = 4;
        range.aux2 = 5;
        t.onSyscall(PS_SC_CLOSE_RANGE, range);
        QCOMPARE(t.fdCount(kPid, kStart), size_t(3));
        Event cloexec = makeEvent(0);
        cloexec.aux1 = 6;
        cloexec.aux2 = ~0u;
        cloexec.flags = 1u << 2; // CLOSE_RANGE_CLOEXEC
        t.onSyscall(PS_SC_CLOSE_RANGE, cloexec);
        QCOMPARE(t.fdCount(kPid, kStart), size_t(3));
        t.onExec(kPid, kStart);
        QCOMPARE(t.fdCount(kPid, kStart), size_t(1));
        QCOMPARE(closedPath(t, 3), std::string("/tmp/f3"));
    }

    void execDropsCloseOnExecFds()
    {
        FdTableTracker t;
        Event keep = opened(3, "/tmp/keep");
        t.onSyscall(PS_SC_OPENAT, keep);
        Event drop = opened(4, "/tmp/drop", kOCloexec);
        t.onSyscall(PS_SC_OPENAT, drop);
        Event pipe = makeEvent(0, 5, "pipe:[1]");
        pipe.fd2 = 6;
        pipe.flags = kOCloexec;
        t.onSyscall(PS_SC_PIPE2, pipe);
        Event setfd = makeEvent(0, 3); // fcntl(3, F_SETFD, FD_CLOEXEC) then back
        setfd.aux1 = 2;
        setfd.aux2 = 1;
        t.onSyscall(PS_SC_FCNTL, setfd);
        Event clearfd = opened(7, "/tmp/cleared", kOCloexec);
        t.onSyscall(PS_SC_OPENAT, clearfd);
        Event unset = makeEvent(0, 7);
        unset.aux1 = 2;
        unset.aux2 = 0;
        t.onSyscall(PS_SC_FCNTL, unset);
        t.onExec(kPid, kStart);
        QCOMPARE(closedPath(t, 3), std::string());
        QCOMPARE(closedPath(t, 4), std::string());
        QCOMPARE(closedPath(t, 5), std::string());
        QCOMPARE(closedPath(t, 7), std::string("/tmp/cleared"));
    }

    void forkCopiesExitDrops()
    {
        FdTableTracker t;
        Event ev = opened(3, "/tmp/shared");
        t.onSyscall(PS_SC_OPENAT, ev);
        t.onFork(kPid, kStart, 600, 9100);
        QCOMPARE(closedPath(t, 3, 600, 9100), std::string("/tmp/shared"));
        QCOMPARE(closedPath(t, 3), std::string("/tmp/shared")); // the parent's own copy
        Event again = opened(4, "/tmp/child", 0, 600, 9100);
        t.onSyscall(PS_SC_OPENAT, again);
        t.onExit(600, 9100);
        QCOMPARE(closedPath(t, 4, 600, 9100), std::string());
        QCOMPARE(t.processCount(), size_t(1));
    }

    void threadsShareTheTable()
    {
        FdTableTracker t;
        Event ev = opened(3, "/tmp/t");
        ev.tid = kPid + 1;
        t.onSyscall(PS_SC_OPENAT, ev);
        Event close = makeEvent(0, 3);
        close.tid = kPid + 2;
        t.onSyscall(PS_SC_CLOSE, close);
        QCOMPARE(close.path, std::string("/tmp/t"));
    }

    void pidReuseIsAnotherProcess()
    {
        FdTableTracker t;
        Event ev = opened(3, "/tmp/old");
        t.onSyscall(PS_SC_OPENAT, ev);
        QCOMPARE(closedPath(t, 3, kPid, kStart + 1), std::string());
    }

    void memoryIsBounded()
    {
        FdTableTracker t;
        for (size_t fd = 0; fd < FdTableTracker::kMaxFdsPerProcess + 10; ++fd) {
            Event ev = opened(int(fd), "/tmp/x");
            t.onSyscall(PS_SC_OPENAT, ev);
        }
        QCOMPARE(t.fdCount(kPid, kStart), FdTableTracker::kMaxFdsPerProcess);
        for (uint32_t pid = 1; pid <= FdTableTracker::kMaxProcesses + 10; ++pid) {
            Event ev = opened(3, "/tmp/y", 0, pid, 1);
            t.onSyscall(PS_SC_OPENAT, ev);
        }
        QCOMPARE(t.processCount(), FdTableTracker::kMaxProcesses);
    }
};

QTEST_GUILESS_MAIN(TestFdTableTracker)
#include "tst_fd_table_tracker.moc"
