#pragma once
// A session for the process tree, written with the real SessionWriter:
//   sshd 500 (parent 1 not recorded: a root)
//     bash 1000
//       make 1001 (exec /usr/bin/make)
//         cc 1002 (exec /bin/sh, then /usr/bin/cc; exits 0)
//         ld 1003 (exec /usr/bin/ld; exits 1)
//       curl 1002 (the pid reused, after cc exited; still running)
//         tee 1004 (its record names no parent start: the latest 1002 before it;
//                   killed by SIGPIPE)
//   cron 2000 (parent 1999 not recorded: a root)
#include "capture_batch.h"
#include "event.h"
#include "test_session_file.h"

#include <QString>

#include <algorithm>
#include <vector>

namespace provscope::test::tree {

constexpr int64_t kBootToEpochNs = 1795338000000000000LL - 10000000000LL; // 2026-11-22T09:00Z at kB
constexpr uint64_t kB = 10000000000ULL; // boot ns of capture start
constexpr uint64_t kSshdStart = kB - 1000, kBashStart = kB + 50, kMakeStart = kB + 900,
                   kCcStart = kB + 1900, kLdStart = kB + 2900, kCurlStart = kB + 7900,
                   kTeeStart = kB + 8900, kCronStart = kB - 500;
constexpr uint64_t kEnd = kB + 10000;

// Event rows per process instance, as written below.
constexpr int kSshdEvents = 2, kBashEvents = 4, kMakeEvents = 5, kCcEvents = 4, kLdEvents = 2,
              kCurlEvents = 4, kTeeEvents = 2, kCronEvents = 2;
constexpr int kAllEvents = kSshdEvents + kBashEvents + kMakeEvents + kCcEvents + kLdEvents +
                           kCurlEvents + kTeeEvents + kCronEvents;

inline ProcessInfo process(uint32_t pid, uint64_t start, uint32_t ppid, uint64_t parentStart,
                           const char *comm, const char *exe, std::vector<std::string> argv)
{
    ProcessInfo p;
    p.pid = pid;
    p.startNs = start;
    p.ppid = ppid;
    p.parentStartNs = parentStart;
    p.uid = 1000;
    p.comm = comm;
    p.exe = exe;
    p.argv = std::move(argv);
    return p;
}

inline std::vector<ProcessInfo> treeProcesses()
{
    std::vector<ProcessInfo> list = {
        process(500, kSshdStart, 1, 0, "sshd", "/usr/sbin/sshd", {"sshd: alice [priv]"}),
        process(1000, kBashStart, 500, kSshdStart, "bash", "/usr/bin/bash", {"-bash"}),
        process(1001, kMakeStart, 1000, kBashStart, "make", "/usr/bin/make", {"make", "-j2"}),
        process(1002, kCcStart, 1001, kMakeStart, "cc", "/usr/bin/cc", {"cc", "-c", "main.c"}),
        process(1003, kLdStart, 1001, kMakeStart, "ld", "/usr/bin/ld", {"ld", "-o", "app", "main.o"}),
        process(1002, kCurlStart, 1000, kBashStart, "curl", "/usr/bin/curl",
                {"curl", "https://example.org/x"}),
        process(1004, kTeeStart, 1002, 0, "tee", "/usr/bin/tee", {"tee", "/tmp/log"}),
        process(2000, kCronStart, 1999, 0, "cron", "/usr/sbin/cron", {"/usr/sbin/cron", "-f"}),
    };
    list[3].exitTsNs = kB + 5000;
    list[3].exitCode = 0;
    list[4].exitTsNs = kB + 4000;
    list[4].exitCode = 1 << 8; // a wait status: exit(1)
    list[6].exitTsNs = kB + 9700;
    list[6].exitCode = 13;     // killed by SIGPIPE
    list[2].exitTsNs = kB + 6100;
    return list;
}

inline std::vector<Event> treeEvents()
{
    std::vector<Event> events;
    auto add = [&](const ProcessInfo &p, uint64_t ts, const char *syscall, int64_t ret,
                   const char *path = "", std::vector<std::string> argv = {}) {
        Event e;
        e.tsNs = e.lastTsNs = kB + ts;
        e.pid = e.tid = e.nsPid = p.pid;
        e.ppid = p.ppid;
        e.procStartNs = p.startNs;
        e.uid = e.euid = e.gid = 1000;
        e.comm = p.comm;
        e.syscall = syscall;
        e.ret = ret;
        e.path = path;
        e.argv = std::move(argv);
        events.push_back(std::move(e));
    };
    const std::vector<ProcessInfo> p = treeProcesses();
    const ProcessInfo &sshd = p[0], &bash = p[1], &make = p[2], &cc = p[3], &ld = p[4],
                      &curl = p[5], &tee = p[6], &cron = p[7];
    add(sshd, 10, "accept4", 4);
    add(sshd, 50, "clone", 1000);
    add(bash, 60, "read", 10, "/dev/pts/0");
    add(bash, 900, "clone", 1001);
    add(bash, 7900, "clone", 1002);
    add(bash, 9500, "wait4", 1002);
    add(make, 1000, "execve", 0, "/usr/bin/make", {"make", "-j2"});
    add(make, 1100, "openat", 3, "/src/Makefile");
    add(make, 1900, "clone", 1002);
    add(make, 2900, "clone", 1003);
    add(make, 6000, "wait4", 1003);
    add(cc, 2000, "execve", 0, "/bin/sh", {"sh", "-c", "cc -c main.c"});
    add(cc, 2100, "execve", 0, "/usr/bin/cc", {"cc", "-c", "main.c"});
    add(cc, 2200, "openat", 3, "/src/main.c");
    add(cc, 2300, "openat", 4, "/src/main.o");
    add(ld, 3000, "execve", 0, "/usr/bin/ld", {"ld", "-o", "app", "main.o"});
    add(ld, 3100, "openat", 3, "/src/main.o");
    add(curl, 8000, "execve", 0, "/usr/bin/curl", {"curl", "https://example.org/x"});
    add(curl, 8100, "connect", 0);
    add(curl, 8900, "clone", 1004);
    add(curl, 9600, "sendto", 100);
    add(tee, 9000, "execve", 0, "/usr/bin/tee", {"tee", "/tmp/log"});
    add(tee, 9100, "write", 100, "/tmp/log");
    add(cron, 300, "openat", 3, "/etc/crontab");
    add(cron, 7000, "openat", 3, "/etc/cron.d/job");
    std::stable_sort(events.begin(), events.end(),
                     [](const Event &a, const Event &b) { return a.tsNs < b.tsNs; });
    return events;
}

// Writes and finishes the session. Returns an error message or "".
inline QString writeTreeSession(const QString &path)
{
    const SessionMeta meta = testSessionMeta("testhost", "00000000-0000-0000-0000-000000000004", kBootToEpochNs, kB);
    return writeSession(path, meta, {{treeProcesses(), treeEvents(), {}}}, kEnd);
}

} // namespace provscope::test::tree
