#pragma once
// Sample sessions for the store's tests: two batches covering every field (exec argv,
// rename, sockets, coalesced I/O, threads, identity and namespaces, losses), written
// with the real SessionWriter; helpers to compare and inspect what was stored.
#include "session_reader.h"
#include "session_writer.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QtTest>

#include <sqlite3.h>

namespace provscope::test {

inline constexpr uint64_t kBoot = 5'000'000'000'000ull; // boot ns at capture start

inline SessionMeta sampleMeta()
{
    SessionMeta meta;
    meta.toolVersion = "0.1.0-test";
    meta.host = "lab-host";
    meta.kernel = "6.1.0-test";
    meta.bootId = "8a7f0c5e-1111-2222-3333-444455556666";
    meta.bootToEpochNs = 1'700'000'000'000'000'000ll;
    meta.captureStartNs = kBoot;
    meta.captureConfig = R"({"syscalls":["execve","openat"],"exclude_tgid":42})";
    return meta;
}

inline Event makeEvent(uint32_t pid, uint64_t start, const char *comm, const char *syscall, uint64_t ts)
{
    Event e;
    e.pid = pid;
    e.tid = pid;
    e.ppid = 1;
    e.uid = 1000;
    e.euid = 1000;
    e.gid = 1000;
    e.nsPid = pid;
    e.procStartNs = start;
    e.comm = comm;
    e.syscall = syscall;
    e.tsNs = ts;
    e.lastTsNs = ts;
    return e;
}

// Two batches covering every field: exec argv, rename, sockets (v4, v6), coalesced
// I/O, threads, a comm change, reparenting, a uid change, odd bytes in a path, losses.
inline std::vector<CaptureBatch> sampleBatches()
{
    CaptureBatch first;
    ProcessInfo shell;
    shell.pid = 100;
    shell.startNs = kBoot + 10;
    shell.ppid = 1;
    shell.parentStartNs = 7;
    shell.uid = 1000;
    shell.comm = "bash";
    shell.exe = "/usr/bin/bash";
    shell.argv = {"bash", "-c", "run it"};
    first.processes.push_back(shell);
    ProcessInfo child;
    child.pid = 200;
    child.startNs = kBoot + 100;
    child.ppid = 100;
    child.parentStartNs = shell.startNs;
    child.uid = 1000;
    child.comm = "bash";
    first.processes.push_back(child);

    Event exec = makeEvent(200, child.startNs, "cat", "execve", kBoot + 200);
    exec.ppid = 100;
    exec.path = "/usr/bin/cat";
    exec.argv = {"cat", "", "a b\tc", "ünïcode"};
    exec.fd = -1;
    first.events.push_back(exec);
    Event open = makeEvent(200, child.startNs, "cat", "openat", kBoot + 300);
    open.ppid = 100;
    open.path = "/home/user/very/deep/path";
    open.pathTruncated = true;
    open.fd = 3;
    open.ret = 3;
    open.flags = 0x241;
    open.mode = 0644;
    first.events.push_back(open);
    Event read = makeEvent(200, child.startNs, "cat", "read", kBoot + 400);
    read.ppid = 100;
    read.path = "/home/user/very/deep/path";
    read.fd = 3;
    read.ret = 4096;
    read.count = 5;
    read.bytes = 20480;
    read.lastTsNs = kBoot + 900;
    first.events.push_back(read);
    Event failed = makeEvent(100, shell.startNs, "bash", "openat", kBoot + 500);
    failed.path = "/etc/shadow";
    failed.ret = -13;
    failed.fd = -1;
    first.events.push_back(failed);
    Event thread = makeEvent(100, shell.startNs, "bash", "write", kBoot + 600);
    thread.tid = 101;
    thread.fd = 1;
    thread.ret = 12;
    thread.bytes = 12;
    thread.path = "/dev/pts/0";
    first.events.push_back(thread);
    first.losses.push_back({kBoot + 610, kBoot + 620, 1, 17, "kernel-ringbuf"});

    CaptureBatch second;
    ProcessInfo childExec = child; // exec then exit: fills in exe, argv, exit
    childExec.comm = "cat";
    childExec.exe = "/usr/bin/cat";
    childExec.argv = exec.argv;
    childExec.exitTsNs = kBoot + 5000;
    childExec.exitCode = 256;
    second.processes.push_back(childExec);
    ProcessInfo reused; // pid 200 again later: a different process instance
    reused.pid = 200;
    reused.startNs = kBoot + 9000;
    reused.ppid = 100;
    reused.uid = 0;
    reused.comm = "sshd";
    second.processes.push_back(reused);

    Event rename = makeEvent(100, shell.startNs, "bash", "renameat2", kBoot + 1000);
    rename.path = "/tmp/a.txt";
    rename.path2 = "/tmp/b \"quoted\".txt";
    rename.flags = 1;
    rename.fd = -1;
    second.events.push_back(rename);
    Event connect = makeEvent(100, shell.startNs, "bash", "connect", kBoot + 1100);
    connect.fd = 4;
    connect.laddr = "127.0.0.1";
    connect.lport = 40000;
    connect.raddr = "127.0.0.1";
    connect.rport = 8080;
    second.events.push_back(connect);
    Event send = connect;
    send.syscall = "sendto";
    send.tsNs = send.lastTsNs = kBoot + 1200;
    send.bytes = 77;
    send.ret = 77;
    second.events.push_back(send);
    Event accept = makeEvent(200, reused.startNs, "sshd", "accept4", kBoot + 9100);
    accept.uid = 0;
    accept.ppid = 100;
    accept.fd = 5;
    accept.ret = 5;
    accept.laddr = "::1";
    accept.lport = 22;
    accept.raddr = "fe80::1";
    accept.rport = 51234;
    accept.flags = 0x80800;
    second.events.push_back(accept);
    Event setuid = makeEvent(200, reused.startNs, "sshd-session", "openat", kBoot + 9200);
    setuid.uid = 1000;  // differs from the process row
    setuid.ppid = 1;    // reparented to init
    setuid.path = std::string("/tmp/odd\x01\xff name");
    setuid.fd = 6;
    setuid.ret = 6;
    second.events.push_back(setuid);
    Event unknownProcess = makeEvent(300, kBoot + 50, "", "close", kBoot + 9300);
    unknownProcess.fd = 6;
    unknownProcess.uid = 0;
    unknownProcess.ppid = 0;
    unknownProcess.euid = 0;
    second.events.push_back(unknownProcess);
    // 1.1 fields, each away from its default once, and back.
    ProcessInfo container; // pid 400 is pid 7 inside its own namespaces
    container.pid = 400;
    container.startNs = kBoot + 9400;
    container.ppid = 100;
    container.uid = 0;
    container.comm = "nginx";
    container.mntNs = 4026532300u;
    container.pidNs = 4026532301u;
    container.nsPid = 7;
    container.cgroupId = 0x1234567890ull;
    second.processes.push_back(container);
    Event suid = makeEvent(400, container.startNs, "nginx", "setresuid", kBoot + 9410);
    suid.uid = 0;
    suid.euid = 33;            // differs from uid
    suid.gid = 33;
    suid.nsPid = 7;
    suid.cgroupId = container.cgroupId;
    suid.aux1 = 33;
    suid.aux2 = 0xFFFFFFFFFFFFFFFFull; // -1 as passed: "unchanged"
    second.events.push_back(suid);
    Event dup = suid;          // same identity as the process's first event
    dup.euid = 0;
    dup.gid = 33;
    dup.syscall = "dup2";
    dup.tsNs = dup.lastTsNs = kBoot + 9420;
    dup.fd = 3;
    dup.fd2 = 1;
    dup.ret = 1;
    dup.aux1 = dup.aux2 = 0;
    second.events.push_back(dup);
    Event moved = dup;         // moved to another cgroup, a thread with another ns pid
    moved.syscall = "pipe2";
    moved.tsNs = moved.lastTsNs = kBoot + 9430;
    moved.tid = 401;
    moved.nsPid = 8;
    moved.gid = 0;
    moved.cgroupId = 0x1234567891ull;
    moved.fd = 0;
    moved.fd2 = 0;             // 0 is a real fd, not "none"
    moved.ret = 0;
    second.events.push_back(moved);
    second.losses.push_back({kBoot + 9400, kBoot + 9500, -1, 3, "user-queue"});
    return {first, second};
}

inline void compareEvent(const Event &got, const Event &want)
{
    QCOMPARE(got.id, want.id);
    QCOMPARE(got.tsNs, want.tsNs);
    QCOMPARE(got.lastTsNs, want.lastTsNs);
    QCOMPARE(got.pid, want.pid);
    QCOMPARE(got.tid, want.tid);
    QCOMPARE(got.ppid, want.ppid);
    QCOMPARE(got.uid, want.uid);
    QCOMPARE(got.procStartNs, want.procStartNs);
    QCOMPARE(got.comm, want.comm);
    QCOMPARE(got.syscall, want.syscall);
    QCOMPARE(got.ret, want.ret);
    QCOMPARE(got.fd, want.fd);
    QCOMPARE(got.path, want.path);
    QCOMPARE(got.path2, want.path2);
    QCOMPARE(got.pathTruncated, want.pathTruncated);
    QCOMPARE(got.laddr, want.laddr);
    QCOMPARE(got.lport, want.lport);
    QCOMPARE(got.raddr, want.raddr);
    QCOMPARE(got.rport, want.rport);
    QCOMPARE(got.flags, want.flags);
    QCOMPARE(got.mode, want.mode);
    QCOMPARE(got.count, want.count);
    QCOMPARE(got.bytes, want.bytes);
    QCOMPARE(got.argv, want.argv);
    QCOMPARE(got.euid, want.euid);
    QCOMPARE(got.gid, want.gid);
    QCOMPARE(got.nsPid, want.nsPid);
    QCOMPARE(got.cgroupId, want.cgroupId);
    QCOMPARE(got.fd2, want.fd2);
    QCOMPARE(got.aux1, want.aux1);
    QCOMPARE(got.aux2, want.aux2);
}

inline QByteArray sha256(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
}

inline QStringList listing(const QString &dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::System, QDir::Name);
}

// Writes the sample batches into path and finishes; returns the events as stored.
inline std::vector<Event> writeSample(const std::string &path)
{
    std::vector<Event> written;
    auto writer = SessionWriter::create(path, sampleMeta());
    if (!writer) {
        qWarning("%s", writer.error().c_str());
        return written;
    }
    for (CaptureBatch &batch : sampleBatches()) {
        if (auto done = (*writer)->append(batch); !done) {
            qWarning("%s", done.error().c_str());
            return {};
        }
        written.insert(written.end(), batch.events.begin(), batch.events.end());
    }
    if (auto done = (*writer)->finish(kBoot + 10000); !done) {
        qWarning("%s", done.error().c_str());
        return {};
    }
    return written;
}

inline bool execSql(const QString &path, const char *sql)
{
    sqlite3 *db = nullptr;
    bool ok = sqlite3_open(path.toLocal8Bit().constData(), &db) == SQLITE_OK &&
              sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

} // namespace provscope::test
