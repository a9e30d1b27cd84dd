#pragma once
// The user-space records that flow capture -> wire -> store -> views.
// Timestamps are boot-time ns (the eBPF clock); SessionMeta::bootToEpochNs
// turns them into epoch ns for everything a user sees.
#include <cstdint>
#include <string>
#include <vector>

namespace provscope {

// One system call (or, later, a coalesced run of them) by one thread.
struct Event {
    int64_t id = 0;          // dense, 1-based, assigned by the session store
    uint64_t tsNs = 0;
    uint64_t lastTsNs = 0;   // == tsNs for a single syscall
    uint32_t pid = 0;        // tgid
    uint32_t tid = 0;
    uint32_t ppid = 0;
    uint32_t uid = 0;
    uint32_t euid = 0;
    uint32_t gid = 0;
    uint32_t nsPid = 0;      // pid as seen in the process's own pid namespace
    uint64_t cgroupId = 0;
    uint64_t procStartNs = 0; // process identity: (boot id, pid, procStartNs)
    std::string comm;
    std::string syscall;     // name, e.g. "openat"
    int64_t ret = 0;         // return value, negative errno on failure
    int32_t fd = -1;         // fd acted on or returned, -1 when none
    int32_t fd2 = -1;        // dup's new fd, pipe/socketpair's other end, -1 when none
    std::string path;        // absolute path of the file touched (exec: the image)
    std::string path2;       // rename: the new name
    bool pathTruncated = false;
    std::string laddr, raddr; // numeric addresses of a socket, empty when none
    uint16_t lport = 0, rport = 0;
    uint32_t flags = 0;      // open/accept4/rename flags as passed
    uint32_t mode = 0;       // open/creat/chmod mode
    uint64_t aux1 = 0;       // per-syscall arguments (signal, target pid, prot, ids...):
    uint64_t aux2 = 0;       //   models/syscall_args.h says what each kind keeps here
    uint64_t count = 1;      // syscalls this event stands for
    uint64_t bytes = 0;      // bytes transferred
    std::vector<std::string> argv; // exec only
    // Identity of path's file when the kernel read it from an open file (fd-based
    // events, opens, exec's image): stat()'s st_dev encoding and st_ino; 0 when
    // unknown (path arguments, pipes, sockets). Sessions keep it in file_ids, not
    // per event: events read back from a session have 0 here.
    uint64_t dev = 0, ino = 0;

    bool hasSocket() const { return !laddr.empty() || !raddr.empty(); }
};

// A process instance, known from fork/exec/exit records (or a later snapshot).
struct ProcessInfo {
    uint32_t pid = 0;
    uint64_t startNs = 0;    // start_boottime of the group leader
    uint32_t ppid = 0;
    uint64_t parentStartNs = 0; // 0 when unknown
    uint32_t uid = 0;
    uint32_t mntNs = 0;      // mount namespace inode number (0: unknown)
    uint32_t pidNs = 0;      // pid namespace inode number (0: unknown)
    uint32_t nsPid = 0;      // pid inside its own pid namespace
    uint64_t cgroupId = 0;
    std::string comm;
    std::string exe;
    std::vector<std::string> argv;
    uint64_t exitTsNs = 0;   // 0 while running / unknown
    int32_t exitCode = 0;
};

// Events that were lost: a gap the investigator can see.
struct LossRecord {
    uint64_t firstTsNs = 0;
    uint64_t lastTsNs = 0;
    int32_t cpu = -1;        // -1 when not per CPU
    uint64_t count = 0;
    std::string source;      // "kernel-ringbuf", "user-queue", ...
};

// What the session knows about where and how it was recorded.
struct SessionMeta {
    std::string formatVersion;   // "1.0"
    std::string toolVersion;
    std::string host;
    std::string kernel;
    std::string bootId;
    int64_t bootToEpochNs = 0;   // epoch ns = boot ns + this
    uint64_t captureStartNs = 0; // boot ns
    uint64_t captureEndNs = 0;   // boot ns, 0 while recording
    std::string captureConfig;   // JSON object: enabled syscalls, filters, ...
};

} // namespace provscope
