#pragma once
// A small, known session written with the real SessionWriter: a shell forks a child
// that execs python3, opens/reads a file, writes and renames a temp file, connects
// over TCP and fails to open a missing file.
#include "../models/test_session_file.h"
#include "event.h"
#include "session_writer.h"

#include <QString>

#include <vector>

namespace provscope::test {

constexpr int64_t kBootToEpochNs = 1700000000000000000LL; // 2023-11-14 22:13:20 UTC
constexpr uint64_t kBase = 5000000000ULL;                  // boot ns of the first event
constexpr uint32_t kShellPid = 1000;
constexpr uint32_t kChildPid = 1001;
constexpr uint64_t kShellStart = 1000000000ULL;
constexpr uint64_t kChildStart = kBase + 1000;

// Rows (0-based) of events the tests look at.
enum FixtureRow { RowClone = 0, RowExec, RowOpenInput, RowRead, RowOpenTmp, RowWrite, RowRename,
                  RowConnect, RowMissing, RowCount };

inline Event makeEvent(uint32_t pid, uint64_t start, uint64_t ts, const char *syscall, int64_t ret)
{
    Event e;
    e.tsNs = e.lastTsNs = kBase + ts;
    e.pid = e.tid = pid;
    e.ppid = pid == kChildPid ? kShellPid : 1;
    e.procStartNs = start;
    e.uid = 1000;
    e.comm = pid == kChildPid ? "python3" : "bash";
    e.syscall = syscall;
    e.ret = ret;
    return e;
}

inline std::vector<Event> fixtureEvents()
{
    std::vector<Event> events;
    Event clone = makeEvent(kShellPid, kShellStart, 0, "clone", kChildPid);
    events.push_back(clone);
    Event exec = makeEvent(kChildPid, kChildStart, 2000, "execve", 0);
    exec.path = "/usr/bin/python3";
    exec.argv = {"python3", "/tmp/work/job.py", "--fast"};
    events.push_back(exec);
    Event openIn = makeEvent(kChildPid, kChildStart, 3000, "openat", 3);
    openIn.path = "/tmp/work/input.txt";
    openIn.fd = 3;
    events.push_back(openIn);
    Event read = makeEvent(kChildPid, kChildStart, 4000, "read", 100);
    read.path = "/tmp/work/input.txt";
    read.fd = 3;
    read.bytes = 100;
    events.push_back(read);
    Event openTmp = makeEvent(kChildPid, kChildStart, 5000, "openat", 4);
    openTmp.path = "/tmp/work/out.tmp";
    openTmp.fd = 4;
    openTmp.flags = 0101; // O_WRONLY|O_CREAT
    openTmp.mode = 0644;
    events.push_back(openTmp);
    Event write = makeEvent(kChildPid, kChildStart, 6000, "write", 200);
    write.lastTsNs = kBase + 6500;
    write.path = "/tmp/work/out.tmp";
    write.fd = 4;
    write.count = 3;
    write.bytes = 600;
    events.push_back(write);
    Event rename = makeEvent(kChildPid, kChildStart, 7000, "rename", 0);
    rename.path = "/tmp/work/out.tmp";
    rename.path2 = "/tmp/work/out.txt";
    events.push_back(rename);
    Event connect = makeEvent(kChildPid, kChildStart, 8000, "connect", 0);
    connect.fd = 5;
    connect.laddr = "127.0.0.1";
    connect.lport = 40000;
    connect.raddr = "127.0.0.1";
    connect.rport = 8080;
    events.push_back(connect);
    Event missing = makeEvent(kChildPid, kChildStart, 9000, "openat", -2);
    missing.path = "/tmp/work/missing.cfg";
    missing.flags = 02000000; // O_RDONLY|O_CLOEXEC: the details pane decodes it
    events.push_back(missing);
    return events;
}

// The fixture's metadata: capture started 1 µs before the first event.
inline SessionMeta fixtureMeta()
{
    return testSessionMeta("testhost", "00000000-0000-0000-0000-000000000001", kBootToEpochNs, kBase - 1000);
}

// Metadata with the clock only (boot→epoch offset, capture start), for sessions
// written by a test step by step.
inline SessionMeta clockOnlyMeta(uint64_t captureStartNs = kBase)
{
    SessionMeta meta;
    meta.bootToEpochNs = kBootToEpochNs;
    meta.captureStartNs = captureStartNs;
    return meta;
}

// The shell and the python3 child it forks.
inline std::vector<ProcessInfo> fixtureProcesses()
{
    ProcessInfo shell;
    shell.pid = kShellPid;
    shell.startNs = kShellStart;
    shell.ppid = 1;
    shell.comm = "bash";
    shell.exe = "/usr/bin/bash";
    shell.argv = {"bash"};
    ProcessInfo child;
    child.pid = kChildPid;
    child.startNs = kChildStart;
    child.ppid = kShellPid;
    child.parentStartNs = kShellStart;
    child.comm = "python3";
    child.exe = "/usr/bin/python3";
    child.argv = {"python3", "/tmp/work/job.py", "--fast"};
    return {shell, child};
}

// Writes the fixture to path and finishes it. Returns an error message or "".
inline QString writeFixtureSession(const QString &path)
{
    return writeSession(path, fixtureMeta(), {{fixtureProcesses(), fixtureEvents(), {}}}, kBase + 10000);
}

// Writes count copies of the fixture's read, 1 µs apart from kBase, to path: a session
// big enough for a scan in several chunks. Returns an error message or "".
inline QString writeRepeatedReadSession(const QString &path, int count)
{
    CaptureBatch batch;
    const Event read = fixtureEvents()[RowRead];
    for (int i = 0; i < count; ++i) {
        Event e = read;
        e.tsNs = e.lastTsNs = kBase + uint64_t(i) * 1000;
        batch.events.push_back(e);
    }
    return writeSession(path, clockOnlyMeta(), {batch}, kBase + 60000000);
}

} // namespace provscope::test
