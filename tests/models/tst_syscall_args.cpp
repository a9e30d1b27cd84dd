// describeArguments / errnoName: what a person reads for each kind of event.
#include "syscall_args.h"

#include <QTest>

using namespace provscope;

Q_DECLARE_METATYPE(provscope::Event)

namespace {
Event make(const char *syscall)
{
    Event e;
    e.syscall = syscall;
    return e;
}
} // namespace

class TestSyscallArgs : public QObject {
    Q_OBJECT

private slots:
    void describe_data();
    void describe();
    void errnoNames_data();
    void errnoNames();
    void helpers();
};

void TestSyscallArgs::describe_data()
{
    QTest::addColumn<Event>("event");
    QTest::addColumn<QString>("expected");

    Event e = make("openat");
    e.flags = 01 | 0100 | 02000000;
    e.mode = 0644;
    QTest::newRow("openat creating") << e << "flags=O_WRONLY|O_CREAT|O_CLOEXEC mode=0644";
    e = make("openat");
    e.flags = 0;
    e.mode = 0;
    QTest::newRow("openat read-only: no mode") << e << "flags=O_RDONLY";
    e = make("open");
    e.flags = 02 | 020200000;
    e.mode = 0600;
    QTest::newRow("open O_TMPFILE") << e << "flags=O_RDWR|O_TMPFILE mode=0600";
    e = make("openat");
    e.flags = 0200000 | 0400000 | 0x40000000;
    QTest::newRow("unknown bits in hex") << e << "flags=O_RDONLY|O_DIRECTORY|O_NOFOLLOW|0x40000000";
    e = make("read");
    QTest::newRow("read has nothing more") << e << "";
    e = make("kill");
    e.aux1 = 9;
    e.aux2 = 123;
    QTest::newRow("kill") << e << "pid 123 SIGKILL";
    e.aux1 = 0;
    e.aux2 = uint64_t(int64_t(-1));
    QTest::newRow("kill -1 with the null signal") << e << "pid -1 0";
    e = make("tgkill");
    e.flags = 100;
    e.aux2 = 101;
    e.aux1 = 10;
    QTest::newRow("tgkill") << e << "pid 100 tid 101 SIGUSR1";
    e = make("tkill");
    e.aux2 = 7;
    e.aux1 = 35;
    QTest::newRow("tkill realtime") << e << "tid 7 SIGRTMIN+1";
    e = make("dup2");
    e.fd = 3;
    e.fd2 = 1;
    QTest::newRow("dup2") << e << "3 → 1";
    e = make("dup3");
    e.fd = 3;
    e.fd2 = 50;
    e.flags = 02000000;
    QTest::newRow("dup3") << e << "3 → 50 O_CLOEXEC";
    e = make("fcntl");
    e.fd = 3;
    e.aux1 = 1030;
    e.aux2 = 40;
    e.fd2 = 41;
    QTest::newRow("fcntl F_DUPFD_CLOEXEC") << e << "cmd=F_DUPFD_CLOEXEC arg=40 → 41";
    e = make("fcntl");
    e.aux1 = 4;
    e.aux2 = 04000;
    e.flags = 04000;
    QTest::newRow("fcntl F_SETFL") << e << "cmd=F_SETFL flags=O_NONBLOCK";
    e = make("fcntl");
    e.aux1 = 2;
    e.aux2 = 1;
    QTest::newRow("fcntl F_SETFD") << e << "cmd=F_SETFD FD_CLOEXEC";
    e = make("fcntl");
    e.aux1 = 3;
    QTest::newRow("fcntl F_GETFL") << e << "cmd=F_GETFL";
    e = make("close_range");
    e.aux1 = 3;
    e.aux2 = 0xffffffffu;
    e.flags = 4;
    QTest::newRow("close_range to the end") << e << "fds 3..max flags=CLOSE_RANGE_CLOEXEC";
    e = make("pipe2");
    e.fd = 3;
    e.fd2 = 4;
    e.flags = 02000000 | 04000;
    QTest::newRow("pipe2") << e << "fds 3, 4 flags=O_NONBLOCK|O_CLOEXEC";
    e = make("socketpair");
    e.aux1 = 1;
    e.flags = 1 | 02000000;
    e.fd = 5;
    e.fd2 = 6;
    e.aux2 = 4242;
    QTest::newRow("socketpair") << e << "AF_UNIX SOCK_STREAM|SOCK_CLOEXEC fds 5, 6 peer socket:[4242]";
    e = make("socket");
    e.aux1 = 10;
    e.flags = 2;
    e.aux2 = 17;
    QTest::newRow("socket") << e << "AF_INET6 SOCK_DGRAM protocol=17";
    e = make("accept4");
    e.flags = 02000000;
    QTest::newRow("accept4") << e << "flags=SOCK_CLOEXEC";
    e = make("chmod");
    e.mode = 04755;
    QTest::newRow("chmod setuid") << e << "mode=04755";
    e = make("mkdir");
    e.mode = 0750;
    QTest::newRow("mkdir") << e << "mode=0750";
    e = make("mknod");
    e.mode = 0020000 | 0660;
    e.aux1 = (1 << 8) | 3; // 1:3 (/dev/null)
    QTest::newRow("mknod char device") << e << "mode=S_IFCHR|0660 dev=1:3";
    e = make("fchown");
    e.aux1 = 1000;
    e.aux2 = 0xffffffffu;
    QTest::newRow("fchown, group unchanged") << e << "uid=1000 gid=-1";
    e = make("fchownat");
    e.aux1 = 0;
    e.aux2 = 0;
    e.flags = 0x100;
    QTest::newRow("fchownat nofollow") << e << "uid=0 gid=0 flags=AT_SYMLINK_NOFOLLOW";
    e = make("unlinkat");
    e.flags = 0x200;
    QTest::newRow("unlinkat a directory") << e << "flags=AT_REMOVEDIR";
    e = make("ftruncate");
    e.aux1 = 4096;
    QTest::newRow("ftruncate") << e << "length=4096";
    e = make("memfd_create");
    e.flags = 3;
    QTest::newRow("memfd_create") << e << "flags=MFD_CLOEXEC|MFD_ALLOW_SEALING";
    e = make("mmap");
    e.aux1 = 5;
    e.aux2 = 8192;
    e.flags = 2 | 0x800;
    QTest::newRow("mmap executable file") << e << "prot=PROT_READ|PROT_EXEC flags=MAP_PRIVATE|MAP_DENYWRITE length=8192";
    e = make("mprotect");
    e.aux1 = 7;
    e.aux2 = 0x7f0000001000;
    QTest::newRow("mprotect rwx") << e << "prot=PROT_READ|PROT_WRITE|PROT_EXEC addr=0x7f0000001000";
    e = make("ptrace");
    e.aux1 = 16;
    e.aux2 = 77;
    QTest::newRow("ptrace attach") << e << "request=PTRACE_ATTACH pid=77";
    e = make("process_vm_writev");
    e.aux2 = 88;
    QTest::newRow("process_vm_writev") << e << "pid=88";
    e = make("setuid");
    e.aux1 = 0;
    QTest::newRow("setuid root") << e << "uid=0";
    e = make("setresuid");
    e.aux1 = 0xffffffffu;
    e.aux2 = 0;
    e.flags = 0xffffffffu;
    QTest::newRow("setresuid euid only") << e << "ruid=-1 euid=0 suid=-1";
    e = make("setregid");
    e.aux1 = 100;
    e.aux2 = 101;
    QTest::newRow("setregid") << e << "rgid=100 egid=101";
    e = make("clone");
    e.flags = 0x01200000 | 17;
    QTest::newRow("clone fork-like") << e << "flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD";
    e = make("shmget");
    e.aux1 = 0;
    e.aux2 = 4096;
    e.flags = 01000 | 0600;
    QTest::newRow("shmget") << e << "key=IPC_PRIVATE size=4096 flags=IPC_CREAT|0600";
    e = make("msgget");
    e.aux1 = 0x1234;
    e.flags = 0644;
    QTest::newRow("msgget existing key") << e << "key=0x1234 flags=0644";
    e = make("shmctl");
    e.aux1 = 5;
    e.aux2 = 0;
    QTest::newRow("shmctl IPC_RMID") << e << "id=5 cmd=IPC_RMID";
    e = make("mq_open");
    e.flags = 02 | 0100;
    e.mode = 0600;
    QTest::newRow("mq_open") << e << "flags=O_RDWR|O_CREAT mode=0600";
    e = make("sendfile");
    e.fd = 3;
    e.fd2 = 4;
    QTest::newRow("sendfile") << e << "3 → 4";
    e = make("sendmmsg");
    e.aux1 = 2;
    QTest::newRow("sendmmsg") << e << "vlen=2";
    e = make("pwritev2");
    e.aux1 = 512;
    e.flags = 0x10;
    QTest::newRow("pwritev2 append") << e << "offset=512 flags=RWF_APPEND";
}

void TestSyscallArgs::describe()
{
    QFETCH(Event, event);
    QFETCH(QString, expected);
    QCOMPARE(QString::fromStdString(describeArguments(event)), expected);
}

void TestSyscallArgs::errnoNames_data()
{
    QTest::addColumn<qint64>("ret");
    QTest::addColumn<QString>("expected");
    QTest::newRow("ENOENT") << qint64(-2) << "ENOENT";
    QTest::newRow("EACCES") << qint64(-13) << "EACCES";
    QTest::newRow("EPERM") << qint64(-1) << "EPERM";
    QTest::newRow("success") << qint64(0) << "";
    QTest::newRow("an fd") << qint64(3) << "";
    QTest::newRow("a high mmap address is no errno") << qint64(-5000) << "";
}

void TestSyscallArgs::errnoNames()
{
    QFETCH(qint64, ret);
    QFETCH(QString, expected);
    QCOMPARE(QString::fromStdString(errnoName(ret)), expected);
}

void TestSyscallArgs::helpers()
{
    QCOMPARE(openFlagsText(0), std::string("O_RDONLY"));
    QCOMPARE(modeText(0), std::string("0"));
    QCOMPARE(modeText(0010644), std::string("S_IFIFO|0644"));
    QCOMPARE(protText(0), std::string("PROT_NONE"));
    QCOMPARE(signalName(15), std::string("SIGTERM"));
    QCOMPARE(fcntlCommandName(0), std::string("F_DUPFD"));
    QCOMPARE(socketDomainName(2), std::string("AF_INET"));
    QCOMPARE(socketTypeText(5 | 04000), std::string("SOCK_SEQPACKET|SOCK_NONBLOCK"));
    QCOMPARE(idText(0xffffffffu), std::string("-1"));
    QCOMPARE(mapFlagsText(1 | 0x20), std::string("MAP_SHARED|MAP_ANONYMOUS"));
}


QTEST_APPLESS_MAIN(TestSyscallArgs)
#include "tst_syscall_args.moc"
