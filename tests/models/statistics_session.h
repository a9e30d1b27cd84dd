#pragma once
// A small session with known statistics, written with the real SessionWriter in three
// batches (for the statistics and dashboard tests): a shell, curl talking to two
// remote ends, and two python3 process instances with the same pid writing files.
//   files written (by bytes): /var/log/app.log 10,000 B, /tmp/out.log 3,400 B,
//     /dev/pts/0 200 B, /tmp/services.copy 150 B (copy_file_range), /tmp/final.log
//     (rename target), /tmp/trunc (ftruncate)
//   remote ends: 10.0.0.1:443 (2 sockets: 12 events), 192.168.1.5:80 (2 events)
//   failures: openat ENOENT x5, connect ECONNREFUSED x1, write EBADF x1
//   not a file written: pipe:[4242]
#include "capture_batch.h"
#include "session_writer.h"
#include "test_session_file.h"

#include <QString>

namespace provscope::test {

namespace stats {

inline constexpr int64_t kBootToEpochNs = 1'795'338'000'000'000'000LL - 4'000'000'000'000LL;
inline constexpr uint64_t kBoot = 4'000'000'000'000ULL; // 2026-11-22T09:00:00Z
inline constexpr uint64_t kMs = 1'000'000ULL;
inline constexpr uint64_t kShellStart = kBoot - 1000 * kMs;
inline constexpr uint64_t kCurlStart = kBoot + 5 * kMs;
inline constexpr uint64_t kPyStartA = kBoot + 10 * kMs;
inline constexpr uint64_t kPyStartB = kBoot + 5000 * kMs;

inline Event event(uint32_t pid, uint64_t start, const char *comm, const char *syscall, uint64_t ms,
                   int64_t ret = 0)
{
    Event e;
    e.pid = e.tid = pid;
    e.ppid = pid == 100 ? 1 : 100;
    e.uid = e.euid = 1000;
    e.procStartNs = start;
    e.comm = comm;
    e.syscall = syscall;
    e.tsNs = e.lastTsNs = kBoot + ms * kMs;
    e.ret = ret;
    return e;
}

inline Event io(Event e, const char *path, int fd, uint64_t bytes, uint64_t count = 1)
{
    e.path = path;
    e.fd = fd;
    e.bytes = bytes;
    e.count = count;
    if (count > 1)
        e.lastTsNs = e.tsNs + 3 * kMs;
    return e;
}

inline Event sock(Event e, const char *raddr, uint16_t rport, uint16_t lport, uint64_t bytes = 0)
{
    e.laddr = "10.0.0.99";
    e.lport = lport;
    e.raddr = raddr;
    e.rport = rport;
    e.fd = 5;
    e.bytes = bytes;
    return e;
}

inline ProcessInfo process(uint32_t pid, uint64_t start, const char *comm, const char *exe)
{
    ProcessInfo p;
    p.pid = pid;
    p.startNs = start;
    p.ppid = pid == 100 ? 1 : 100;
    p.uid = 1000;
    p.comm = comm;
    p.exe = exe;
    p.argv = {comm};
    return p;
}

inline std::vector<CaptureBatch> batches()
{
    std::vector<CaptureBatch> out(3);
    CaptureBatch &b1 = out[0];
    b1.processes = {process(100, kShellStart, "bash", "/usr/bin/bash"),
                    process(200, kCurlStart, "curl", "/usr/bin/curl"),
                    process(300, kPyStartA, "python3", "/usr/bin/python3")};
    uint64_t ms = 0;
    for (int i = 0; i < 20; ++i) { // the shell echoes and reads its terminal
        b1.events.push_back(io(event(100, kShellStart, "bash", "read", ms += 10, 1), "/dev/pts/0", 0, 1));
        b1.events.push_back(io(event(100, kShellStart, "bash", "write", ms += 10, 10), "/dev/pts/0", 1, 10));
    }
    Event open = io(event(300, kPyStartA, "python3", "openat", ms += 5, 3), "/tmp/out.log", 3, 0);
    open.flags = 01 | 0100; // O_WRONLY|O_CREAT
    b1.events.push_back(open);
    for (int i = 0; i < 29; ++i)
        b1.events.push_back(io(event(300, kPyStartA, "python3", "write", ms += 5, 100), "/tmp/out.log", 3, 100));
    // A coalesced run: 5 writes, 500 bytes, one event.
    b1.events.push_back(io(event(300, kPyStartA, "python3", "write", ms += 5, 100), "/tmp/out.log", 3, 500, 5));
    Event hosts = io(event(300, kPyStartA, "python3", "openat", ms += 5, 4), "/etc/hosts", 4, 0);
    hosts.flags = 02000000; // O_RDONLY|O_CLOEXEC: read, not written
    b1.events.push_back(hosts);
    b1.events.push_back(io(event(300, kPyStartA, "python3", "read", ms += 5, 200), "/etc/hosts", 4, 200));
    for (int i = 0; i < 3; ++i)
        b1.events.push_back(io(event(300, kPyStartA, "python3", "openat", ms += 5, -2), "/etc/missing.conf", -1, 0));
    Event rename = event(300, kPyStartA, "python3", "rename", ms += 5, 0);
    rename.path = "/tmp/out.log";
    rename.path2 = "/tmp/final.log";
    b1.events.push_back(rename);

    CaptureBatch &b2 = out[1];
    b2.events.push_back(sock(event(200, kCurlStart, "curl", "connect", ms += 20, 0), "10.0.0.1", 443, 40000));
    for (int i = 0; i < 5; ++i) {
        b2.events.push_back(sock(event(200, kCurlStart, "curl", "sendto", ms += 20, 200), "10.0.0.1", 443, 40000, 200));
        b2.events.push_back(sock(event(200, kCurlStart, "curl", "recvfrom", ms += 20, 1000), "10.0.0.1", 443, 40000, 1000));
    }
    b2.events.push_back(sock(event(200, kCurlStart, "curl", "connect", ms += 20, -111), "10.0.0.1", 443, 40001));
    b2.events.push_back(sock(event(200, kCurlStart, "curl", "connect", ms += 20, 0), "192.168.1.5", 80, 40002));
    b2.events.push_back(sock(event(200, kCurlStart, "curl", "sendto", ms += 20, 50), "192.168.1.5", 80, 40002, 50));
    b2.losses.push_back({kBoot + (ms + 1) * kMs, kBoot + (ms + 2) * kMs, 0, 17, "kernel-ringbuf"});

    CaptureBatch &b3 = out[2];
    b3.processes = {process(300, kPyStartB, "python3", "/usr/bin/python3")};
    ms = 5000;
    Event app = io(event(300, kPyStartB, "python3", "openat", ms += 100, 3), "/var/log/app.log", 3, 0);
    app.flags = 01 | 02000; // O_WRONLY|O_APPEND
    b3.events.push_back(app);
    for (int i = 0; i < 10; ++i)
        b3.events.push_back(io(event(300, kPyStartB, "python3", "write", ms += 100, 1000), "/var/log/app.log", 3, 1000));
    b3.events.push_back(io(event(300, kPyStartB, "python3", "ftruncate", ms += 100, 0), "/tmp/trunc", 5, 0));
    for (int i = 0; i < 2; ++i)
        b3.events.push_back(io(event(100, kShellStart, "bash", "openat", ms += 100, -2), "/etc/missing.conf", -1, 0));
    b3.events.push_back(event(100, kShellStart, "bash", "write", ms += 100, -9)); // EBADF, no file
    b3.events.push_back(io(event(100, kShellStart, "bash", "write", 8500, 64), "pipe:[4242]", 7, 64)); // not a file
    Event copy = io(event(100, kShellStart, "bash", "copy_file_range", 8600, 150), "/etc/services", 3, 150);
    copy.path2 = "/tmp/services.copy"; // the sink: 150 bytes written in the kernel
    b3.events.push_back(copy);
    b3.events.push_back(io(event(100, kShellStart, "bash", "write", 9000, 0), "/tmp/x \"quoted\" \\ path", 6, 0));
    return out;
}

// Total events of batches().
inline int64_t eventCount()
{
    int64_t n = 0;
    for (const CaptureBatch &b : batches())
        n += int64_t(b.events.size());
    return n;
}

inline SessionMeta meta()
{
    return testSessionMeta("lab-host", "00000000-0000-0000-0000-000000000002", kBootToEpochNs, kBoot);
}

// Writes the first `batchCount` batches to a new file at path; finished unless `finish`
// is false (then the returned writer keeps it recording). Error text or empty.
inline QString writeSession(const QString &path, size_t batchCount = 3, bool finish = true,
                            std::unique_ptr<SessionWriter> *keep = nullptr)
{
    auto writer = SessionWriter::create(path.toStdString(), meta());
    if (!writer)
        return QString::fromStdString(writer.error());
    std::vector<CaptureBatch> all = batches();
    for (size_t i = 0; i < batchCount && i < all.size(); ++i) {
        if (auto done = writer.value()->append(all[i]); !done)
            return QString::fromStdString(done.error());
    }
    if (finish) {
        if (auto done = writer.value()->finish(kBoot + 10'000 * kMs); !done)
            return QString::fromStdString(done.error());
    } else if (keep) {
        *keep = std::move(writer.value());
    }
    return {};
}

} // namespace stats
} // namespace provscope::test
