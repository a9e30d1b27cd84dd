// The user-space half of the kernel capture, without BPF: path arguments made
// absolute, ring-buffer records decoded, malformed records refused.
#include "path_resolution.h"
#include "record_decoder.h"

#include <linux/types.h>
#include "provscope_events.h"

#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <sys/sysmacros.h>
#include <string>
#include <vector>

using namespace provscope;

namespace {

// Builds a syscall record the way the eBPF side lays it out.
std::vector<unsigned char> syscallRecord(uint32_t kind, int64_t ret, std::vector<std::string> strings,
                                         uint32_t pid = 4242)
{
    ps_syscall_record rec{};
    rec.hdr.type = PS_REC_SYSCALL;
    rec.hdr.ts_ns = 1000;
    rec.last_ts_ns = 1000;
    rec.task.pid = pid;
    rec.task.tid = pid;
    rec.task.ppid = 1;
    rec.task.start_ns = 77;
    std::strcpy(rec.task.comm, "worker");
    rec.ret = ret;
    rec.count = 1;
    rec.kind = kind;
    rec.fd = -1;
    strings.resize(PS_MAX_STRINGS);
    std::vector<unsigned char> data(sizeof(rec));
    for (int i = 0; i < PS_MAX_STRINGS; ++i) {
        rec.str_len[i] = uint16_t(strings[i].size());
        data.insert(data.end(), strings[i].begin(), strings[i].end());
        data.push_back(0);
    }
    rec.hdr.size = uint32_t(data.size());
    std::memcpy(data.data(), &rec, sizeof(rec));
    return data;
}

ps_syscall_record &header(std::vector<unsigned char> &data)
{
    return *reinterpret_cast<ps_syscall_record *>(data.data());
}

} // namespace

class TestRecordDecoder : public QObject {
    Q_OBJECT

private slots:
    void resolvePath_data();
    void resolvePath();
    void syscallPaths_data();
    void syscallPaths();
    void socketAddresses();
    void execGivesEventAndProcess();
    void fileIdentityInStatEncoding();
    void forkAndExit();
    void preexistingProcessFromProc();
    void malformed_data();
    void malformed();
};

void TestRecordDecoder::resolvePath_data()
{
    QTest::addColumn<QString>("arg");
    QTest::addColumn<QString>("base");
    QTest::addColumn<QString>("expected");
    QTest::newRow("absolute") << "/etc/passwd" << "" << "/etc/passwd";
    QTest::newRow("absolute, base ignored") << "/etc/passwd" << "/home" << "/etc/passwd";
    QTest::newRow("relative to base") << "notes.txt" << "/home/ann" << "/home/ann/notes.txt";
    QTest::newRow("dot") << "./a/./b" << "/srv" << "/srv/a/b";
    QTest::newRow("dotdot") << "../x" << "/home/ann" << "/home/x";
    QTest::newRow("dotdot above root") << "../../../x" << "/home" << "/x";
    QTest::newRow("double slashes") << "//etc//ssh//" << "" << "/etc/ssh";
    QTest::newRow("base is root") << "tmp/f" << "/" << "/tmp/f";
    QTest::newRow("no base: left as passed") << "rel/f" << "" << "rel/f";
    QTest::newRow("pipe name untouched") << "pipe:[1234]" << "" << "pipe:[1234]";
    QTest::newRow("root itself") << "/.." << "" << "/";
}

void TestRecordDecoder::resolvePath()
{
    QFETCH(QString, arg);
    QFETCH(QString, base);
    QFETCH(QString, expected);
    QCOMPARE(QString::fromStdString(resolvePathArgument(arg.toStdString(), base.toStdString())), expected);
}

void TestRecordDecoder::syscallPaths_data()
{
    QTest::addColumn<uint32_t>("kind");
    QTest::addColumn<QStringList>("strings");
    QTest::addColumn<QString>("syscall");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("path2");
    QTest::newRow("fd path") << uint32_t(PS_SC_READ) << QStringList{"/dev/zero"} << "read" << "/dev/zero" << "";
    QTest::newRow("failed open, relative") << uint32_t(PS_SC_OPENAT) << QStringList{"../etc/shadow", "/home/ann"}
                                           << "openat" << "/home/etc/shadow" << "";
    QTest::newRow("unlink relative to cwd") << uint32_t(PS_SC_UNLINK) << QStringList{"f.txt", "/tmp/w"}
                                            << "unlink" << "/tmp/w/f.txt" << "";
    QTest::newRow("rename, both relative")
        << uint32_t(PS_SC_RENAMEAT2) << QStringList{"a", "/d1", "b", "/d2"} << "renameat2" << "/d1/a" << "/d2/b";
    QTest::newRow("rename, mixed") << uint32_t(PS_SC_RENAME) << QStringList{"/x/a", "", "b", "/cwd"} << "rename"
                                   << "/x/a" << "/cwd/b";
    QTest::newRow("pipe") << uint32_t(PS_SC_WRITE) << QStringList{"pipe:[99]"} << "write" << "pipe:[99]" << "";
}

void TestRecordDecoder::syscallPaths()
{
    QFETCH(uint32_t, kind);
    QFETCH(QStringList, strings);
    QFETCH(QString, syscall);
    QFETCH(QString, path);
    QFETCH(QString, path2);
    std::vector<std::string> raw;
    for (const QString &s : strings)
        raw.push_back(s.toStdString());
    auto data = syscallRecord(kind, 0, raw);
    RecordDecoder decoder("/nonexistent-proc");
    CaptureBatch batch;
    QVERIFY(decoder.decode(data.data(), data.size(), batch).ok());
    QCOMPARE(batch.events.size(), size_t(1));
    const Event &ev = batch.events.front();
    QCOMPARE(QString::fromStdString(ev.syscall), syscall);
    QCOMPARE(QString::fromStdString(ev.path), path);
    QCOMPARE(QString::fromStdString(ev.path2), path2);
    QCOMPARE(ev.pid, 4242u);
    QCOMPARE(ev.comm, std::string("worker"));
    QCOMPARE(ev.tsNs, uint64_t(1000));
}

void TestRecordDecoder::socketAddresses()
{
    auto data = syscallRecord(PS_SC_CONNECT, 0, {});
    ps_syscall_record &rec = header(data);
    rec.family = AF_INET;
    rec.path_flags = PS_PATH_IS_SOCKET;
    inet_pton(AF_INET, "10.1.2.3", rec.laddr);
    inet_pton(AF_INET, "127.0.0.1", rec.raddr);
    rec.lport = 40000;
    rec.rport = 8080;
    auto v6 = syscallRecord(PS_SC_ACCEPT4, 5, {});
    ps_syscall_record &rec6 = header(v6);
    rec6.family = AF_INET6;
    inet_pton(AF_INET6, "::1", rec6.laddr);
    rec6.lport = 443; // listening side with an unconnected peer: raddr stays empty
    RecordDecoder decoder("/nonexistent-proc");
    CaptureBatch batch;
    QVERIFY(decoder.decode(data.data(), data.size(), batch).ok());
    QVERIFY(decoder.decode(v6.data(), v6.size(), batch).ok());
    QCOMPARE(batch.events[0].laddr, std::string("10.1.2.3"));
    QCOMPARE(batch.events[0].raddr, std::string("127.0.0.1"));
    QCOMPARE(batch.events[0].lport, uint16_t(40000));
    QCOMPARE(batch.events[0].rport, uint16_t(8080));
    QCOMPARE(batch.events[1].laddr, std::string("::1"));
    QCOMPARE(batch.events[1].raddr, std::string());
    QCOMPARE(batch.events[1].syscall, std::string("accept4"));
}

void TestRecordDecoder::execGivesEventAndProcess()
{
    ps_exec_record rec{};
    rec.hdr.type = PS_REC_EXEC;
    rec.hdr.ts_ns = 5;
    rec.task.pid = 10;
    rec.task.tid = 10;
    rec.task.ppid = 9;
    rec.task.start_ns = 3;
    std::strcpy(rec.task.comm, "ls");
    rec.kind = PS_SC_EXECVEAT;
    const std::string exe = "/usr/bin/ls";
    const std::string argv("ls\0-l\0/tmp", 10);
    rec.exe_len = uint16_t(exe.size());
    rec.argv_len = uint16_t(argv.size());
    rec.dev = (259u << 20) | 300u; // kernel dev_t 259:300 (a minor above 255)
    rec.ino = 1234567;
    std::vector<unsigned char> data(sizeof(rec));
    data.insert(data.end(), exe.begin(), exe.end());
    data.push_back(0);
    data.insert(data.end(), argv.begin(), argv.end());
    data.push_back(0);
    rec.hdr.size = uint32_t(data.size());
    std::memcpy(data.data(), &rec, sizeof(rec));

    RecordDecoder decoder("/nonexistent-proc");
    CaptureBatch batch;
    QVERIFY(decoder.decode(data.data(), data.size(), batch).ok());
    QCOMPARE(batch.events.size(), size_t(1));
    QCOMPARE(batch.events[0].syscall, std::string("execveat"));
    QCOMPARE(batch.events[0].path, exe);
    QCOMPARE(batch.events[0].argv, (std::vector<std::string>{"ls", "-l", "/tmp"}));
    QCOMPARE(batch.events[0].dev, uint64_t(makedev(259, 300)));
    QCOMPARE(batch.events[0].ino, uint64_t(1234567));
    QCOMPARE(batch.processes.size(), size_t(1));
    QCOMPARE(batch.processes[0].exe, exe);
    QCOMPARE(batch.processes[0].comm, std::string("ls"));
    QCOMPARE(batch.processes[0].argv.size(), size_t(3));
}

void TestRecordDecoder::fileIdentityInStatEncoding()
{
    // The kernel's s_dev (major << 20 | minor) becomes stat()'s st_dev; an fd's identity
    // is remembered with its name, so a close (which the kernel cannot describe) has it.
    RecordDecoder decoder("/nonexistent-proc");
    CaptureBatch batch;
    auto open = syscallRecord(PS_SC_OPENAT, 3, {"/data/x.db"});
    header(open).fd = 3;
    header(open).dev = (254u << 20) | 0u;
    header(open).ino = 42;
    QVERIFY(decoder.decode(open.data(), open.size(), batch).ok());
    auto unlink = syscallRecord(PS_SC_UNLINK, 0, {"/data/x.db"}); // a path argument: no identity
    QVERIFY(decoder.decode(unlink.data(), unlink.size(), batch).ok());
    auto close = syscallRecord(PS_SC_CLOSE, 0, {});
    header(close).fd = 3;
    QVERIFY(decoder.decode(close.data(), close.size(), batch).ok());
    QCOMPARE(batch.events.size(), size_t(3));
    QCOMPARE(batch.events[0].dev, uint64_t(0xfe00)); // 254:0 as stat() shows it
    QCOMPARE(batch.events[0].ino, uint64_t(42));
    QCOMPARE(batch.events[1].dev, uint64_t(0));
    QCOMPARE(batch.events[1].ino, uint64_t(0));
    QCOMPARE(batch.events[2].path, std::string("/data/x.db"));
    QCOMPARE(batch.events[2].dev, uint64_t(0xfe00));
    QCOMPARE(batch.events[2].ino, uint64_t(42));
}

void TestRecordDecoder::forkAndExit()
{
    ps_fork_record fork{};
    fork.hdr = {PS_REC_FORK, sizeof(fork), 100};
    fork.task.pid = 20;
    fork.task.start_ns = 2;
    std::strcpy(fork.task.comm, "sh");
    fork.child_pid = 21;
    fork.child_tid = 21;
    fork.child_start_ns = 99;
    ps_fork_record thread = fork;
    thread.child_pid = 20;
    thread.child_tid = 22;
    thread.is_thread = 1;
    ps_exit_record exit{};
    exit.hdr = {PS_REC_EXIT, sizeof(exit), 200};
    exit.task.pid = 21;
    exit.task.start_ns = 99;
    exit.exit_code = 3 << 8;

    RecordDecoder decoder("/nonexistent-proc");
    CaptureBatch batch;
    QVERIFY(decoder.decode(&fork, sizeof(fork), batch).ok());
    QVERIFY(decoder.decode(&thread, sizeof(thread), batch).ok());
    QVERIFY(decoder.decode(&exit, sizeof(exit), batch).ok());
    // parent (seen first here) + child; the thread adds nothing; then the exit update
    QCOMPARE(batch.processes.size(), size_t(3));
    QCOMPARE(batch.processes[1].pid, 21u);
    QCOMPARE(batch.processes[1].ppid, 20u);
    QCOMPARE(batch.processes[1].parentStartNs, uint64_t(2));
    QCOMPARE(batch.processes[1].comm, std::string("sh"));
    QCOMPARE(batch.processes[2].exitTsNs, uint64_t(200));
    QCOMPARE(batch.processes[2].exitCode, 3 << 8);
    QCOMPARE(batch.events.size(), size_t(1));
    QCOMPARE(batch.events[0].syscall, std::string("exit"));
}

void TestRecordDecoder::preexistingProcessFromProc()
{
    QTemporaryDir proc;
    QVERIFY(QDir(proc.path()).mkpath("4242"));
    QFile cmdline(proc.path() + "/4242/cmdline");
    QVERIFY(cmdline.open(QIODevice::WriteOnly));
    cmdline.write(QByteArray("daemon\0--flag\0", 14));
    cmdline.close();
    QVERIFY(QFile::link("/usr/bin/daemon-binary", proc.path() + "/4242/exe"));

    RecordDecoder decoder(proc.path().toStdString());
    CaptureBatch batch;
    auto first = syscallRecord(PS_SC_READ, 1, {"/dev/null"});
    auto second = syscallRecord(PS_SC_WRITE, 1, {"/dev/null"});
    QVERIFY(decoder.decode(first.data(), first.size(), batch).ok());
    QVERIFY(decoder.decode(second.data(), second.size(), batch).ok());
    QCOMPARE(batch.processes.size(), size_t(1)); // once per process
    QCOMPARE(batch.processes[0].pid, 4242u);
    QCOMPARE(batch.processes[0].startNs, uint64_t(77));
    QCOMPARE(batch.processes[0].exe, std::string("/usr/bin/daemon-binary"));
    QCOMPARE(batch.processes[0].argv, (std::vector<std::string>{"daemon", "--flag"}));
    QCOMPARE(batch.events.size(), size_t(2));
}

void TestRecordDecoder::malformed_data()
{
    QTest::addColumn<int>("damage");
    QTest::newRow("shorter than a header") << 0;
    QTest::newRow("size field larger than the record") << 1;
    QTest::newRow("string length past the end") << 2;
    QTest::newRow("unknown type") << 3;
    QTest::newRow("syscall record cut short") << 4;
}

void TestRecordDecoder::malformed()
{
    QFETCH(int, damage);
    auto data = syscallRecord(PS_SC_OPENAT, -2, {"x", "/y"});
    size_t size = data.size();
    switch (damage) {
    case 0: size = 8; break;
    case 1: header(data).hdr.size = uint32_t(size + 1); break;
    case 2: header(data).str_len[1] = 4000; break;
    case 3: header(data).hdr.type = 77; break;
    case 4: header(data).hdr.size = 100; size = 100; break;
    }
    RecordDecoder decoder("/nonexistent-proc");
    CaptureBatch batch;
    auto result = decoder.decode(data.data(), size, batch);
    QVERIFY(!result.ok());
    QVERIFY(!result.error().empty());
    QVERIFY(batch.empty());
    QCOMPARE(decoder.malformedCount(), uint64_t(1));
}

QTEST_GUILESS_MAIN(TestRecordDecoder)
#include "tst_record_decoder.moc"
