#include "record_decoder.h"

#include "path_resolution.h"
#include "snapshot_decoder.h"
#include "syscall_names.h"

#include <linux/types.h>
#include "provscope_events.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>
#include <unistd.h>

namespace provscope {

// The layouts user space relies on; the eBPF side uses the same header.
static_assert(sizeof(ps_header) == 16, "ps_header layout changed");
static_assert(sizeof(ps_task) == 72, "ps_task layout changed");
static_assert(sizeof(ps_syscall_record) == 224, "ps_syscall_record layout changed");
static_assert(sizeof(ps_exec_record) == 120, "ps_exec_record layout changed");
static_assert(sizeof(ps_fork_record) == 112, "ps_fork_record layout changed");
static_assert(sizeof(ps_exit_record) == 96, "ps_exit_record layout changed");
static_assert(offsetof(ps_syscall_record, laddr) % 4 == 0, "addresses must be 4-aligned");

namespace {

std::string_view commOf(const ps_task &task)
{
    return std::string_view(task.comm, strnlen(task.comm, sizeof(task.comm)));
}

// Who did it, as every event carries it.
void fillIdentity(Event &ev, const ps_task &task)
{
    ev.pid = task.pid;
    ev.tid = task.tid;
    ev.ppid = task.ppid;
    ev.uid = task.uid;
    ev.euid = task.euid;
    ev.gid = task.gid;
    ev.nsPid = task.ns_pid;
    ev.cgroupId = task.cgroup_id;
    ev.procStartNs = task.start_ns;
    ev.comm = commOf(task);
}

// The namespaces a process lives in (containers are told apart by them).
void fillNamespaces(ProcessInfo &info, const ps_task &task)
{
    info.mntNs = task.mnt_ns;
    info.pidNs = task.pid_ns;
    info.nsPid = task.ns_pid;
    info.cgroupId = task.cgroup_id;
}

// Numeric text of an address; empty for the unspecified address with port 0
// (an unconnected or unbound side).
std::string addressText(uint16_t family, const __u8 *addr, uint16_t port)
{
    static constexpr __u8 zero[16] = {};
    char text[INET6_ADDRSTRLEN] = {};
    if (family == AF_INET) {
        if (port == 0 && std::memcmp(addr, zero, 4) == 0)
            return {};
        if (!inet_ntop(AF_INET, addr, text, sizeof(text)))
            return {};
    } else if (family == AF_INET6) {
        if (port == 0 && std::memcmp(addr, zero, 16) == 0)
            return {};
        if (!inet_ntop(AF_INET6, addr, text, sizeof(text)))
            return {};
    } else {
        return {};
    }
    return text;
}

void splitArgv(std::string_view argv, std::vector<std::string> &out)
{
    out.clear();
    if (argv.empty())
        return;
    size_t pos = 0;
    while (pos <= argv.size()) {
        size_t end = argv.find('\0', pos);
        if (end == std::string_view::npos)
            end = argv.size();
        out.emplace_back(argv.substr(pos, end - pos));
        pos = end + 1;
    }
}

// The kernel's dev_t (i_sb->s_dev: major << 20 | minor) in the encoding stat()
// reports as st_dev (glibc makedev), so a file seen in a capture can be compared
// with the file on disk. 0 stays 0: no identity.
uint64_t userDev(uint32_t kernelDev)
{
    return kernelDev ? uint64_t(makedev(kernelDev >> 20, kernelDev & 0xfffff)) : 0;
}

std::string readLink(const std::string &path)
{
    char buf[4096];
    ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
    return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace

RecordDecoder::RecordDecoder(std::string procRoot) : m_procRoot(std::move(procRoot)) {}

Result<void> RecordDecoder::malformed(std::string why)
{
    ++m_malformed;
    return makeError(std::move(why));
}

Result<void> RecordDecoder::decode(const void *data, size_t size, CaptureBatch &batch)
{
    if (size < sizeof(ps_header))
        return malformed("record shorter than its header");
    ps_header hdr;
    std::memcpy(&hdr, data, sizeof(hdr));
    if (hdr.size > size || hdr.size < sizeof(ps_header))
        return malformed("record size field " + std::to_string(hdr.size) + " does not match "
                         + std::to_string(size) + " bytes received");
    const auto *bytes = static_cast<const unsigned char *>(data);
    switch (hdr.type) {
    case PS_REC_SYSCALL: return decodeSyscall(bytes, hdr.size, batch);
    case PS_REC_EXEC: return decodeExec(bytes, hdr.size, batch);
    case PS_REC_FORK: return decodeFork(bytes, hdr.size, batch);
    case PS_REC_EXIT: return decodeExit(bytes, hdr.size, batch);
    case PS_REC_FD_SNAPSHOT: return decodeSyscall(bytes, hdr.size, batch); // kind PS_SC_SNAPSHOT_FD
    case PS_REC_TASK_SNAPSHOT: {
        auto info = decodeTaskSnapshot(bytes, hdr.size, m_procRoot);
        if (!info)
            return malformed(info.error());
        m_known.insert(Key{info->pid, info->startNs});
        batch.processes.push_back(std::move(info).value());
        return {};
    }
    default: return malformed("unknown record type " + std::to_string(hdr.type));
    }
}

void RecordDecoder::notePreexisting(const void *taskPtr, CaptureBatch &batch)
{
    const auto &task = *static_cast<const ps_task *>(taskPtr);
    Key key{task.pid, task.start_ns};
    if (key == m_lastKey)
        return;
    m_lastKey = key;
    if (!m_known.insert(key).second)
        return;
    ProcessInfo info;
    info.pid = task.pid;
    info.startNs = task.start_ns;
    info.ppid = task.ppid;
    info.uid = task.uid;
    fillNamespaces(info, task);
    info.comm = commOf(task);
    const std::string dir = m_procRoot + "/" + std::to_string(task.pid);
    info.exe = readLink(dir + "/exe");
    std::string cmdline = readFile(dir + "/cmdline");
    if (!cmdline.empty() && cmdline.back() == '\0')
        cmdline.pop_back();
    splitArgv(cmdline, info.argv);
    batch.processes.push_back(std::move(info));
}

Result<void> RecordDecoder::decodeSyscall(const unsigned char *data, size_t size, CaptureBatch &batch)
{
    if (size < sizeof(ps_syscall_record))
        return malformed("syscall record too short");
    ps_syscall_record rec;
    std::memcpy(&rec, data, sizeof(rec));

    std::string_view strings[PS_MAX_STRINGS];
    size_t pos = sizeof(rec);
    for (int i = 0; i < PS_MAX_STRINGS; ++i) {
        const size_t len = rec.str_len[i];
        if (pos + len >= size)
            return malformed("syscall record string " + std::to_string(i) + " runs past the record");
        strings[i] = std::string_view(reinterpret_cast<const char *>(data + pos), len);
        pos += len + 1;
    }

    notePreexisting(&rec.task, batch);

    Event &ev = batch.events.emplace_back();
    ev.tsNs = rec.hdr.ts_ns;
    ev.lastTsNs = rec.last_ts_ns ? rec.last_ts_ns : rec.hdr.ts_ns;
    fillIdentity(ev, rec.task);
    ev.syscall = syscallName(rec.kind);
    ev.ret = rec.ret;
    ev.fd = rec.fd;
    ev.fd2 = rec.fd2;
    ev.aux1 = rec.aux[0];
    ev.aux2 = rec.aux[1];
    ev.flags = rec.flags;
    ev.mode = rec.mode;
    ev.count = rec.count ? rec.count : 1;
    ev.bytes = rec.bytes;
    ev.pathTruncated = (rec.path_flags & PS_PATH_TRUNCATED) != 0;
    if (rec.ino) {
        ev.dev = userDev(rec.dev);
        ev.ino = rec.ino;
    }
    if (rec.kind == PS_SC_SYMLINK || rec.kind == PS_SC_SYMLINKAT)
        ev.path = strings[PS_STR_PATH]; // the link's target text: relative to the link, never resolved
    else if (!strings[PS_STR_PATH].empty())
        ev.path = resolvePathArgument(strings[PS_STR_PATH], strings[PS_STR_PATH_BASE]);
    if (!strings[PS_STR_PATH2].empty())
        ev.path2 = resolvePathArgument(strings[PS_STR_PATH2], strings[PS_STR_PATH2_BASE]);
    if (rec.family == AF_INET || rec.family == AF_INET6) {
        ev.laddr = addressText(rec.family, rec.laddr, rec.lport);
        ev.raddr = addressText(rec.family, rec.raddr, rec.rport);
        ev.lport = rec.lport;
        ev.rport = rec.rport;
    }
    m_fds.onSyscall(rec.kind, ev);
    return {};
}

Result<void> RecordDecoder::decodeExec(const unsigned char *data, size_t size, CaptureBatch &batch)
{
    if (size < sizeof(ps_exec_record))
        return malformed("exec record too short");
    ps_exec_record rec;
    std::memcpy(&rec, data, sizeof(rec));
    const size_t need = sizeof(rec) + size_t(rec.exe_len) + 1 + size_t(rec.argv_len) + 1;
    if (need > size)
        return malformed("exec record strings run past the record");
    const char *exe = reinterpret_cast<const char *>(data + sizeof(rec));
    std::string_view argv(exe + rec.exe_len + 1, rec.argv_len);

    Event &ev = batch.events.emplace_back();
    ev.tsNs = ev.lastTsNs = rec.hdr.ts_ns;
    fillIdentity(ev, rec.task);
    ev.syscall = syscallName(rec.kind);
    ev.ret = 0;
    ev.path.assign(exe, rec.exe_len);
    ev.pathTruncated = (rec.path_flags & PS_PATH_TRUNCATED) != 0;
    if (rec.ino) {
        ev.dev = userDev(rec.dev);
        ev.ino = rec.ino;
    }
    splitArgv(argv, ev.argv);

    ProcessInfo info;
    info.pid = rec.task.pid;
    info.startNs = rec.task.start_ns;
    info.ppid = rec.task.ppid;
    info.uid = rec.task.uid;
    fillNamespaces(info, rec.task);
    info.comm = ev.comm;
    info.exe = ev.path;
    info.argv = ev.argv;
    batch.processes.push_back(std::move(info));
    m_known.insert(Key{rec.task.pid, rec.task.start_ns});
    m_fds.onExec(rec.task.pid, rec.task.start_ns);
    return {};
}

Result<void> RecordDecoder::decodeFork(const unsigned char *data, size_t size, CaptureBatch &batch)
{
    if (size < sizeof(ps_fork_record))
        return malformed("fork record too short");
    ps_fork_record rec;
    std::memcpy(&rec, data, sizeof(rec));
    notePreexisting(&rec.task, batch);
    if (rec.is_thread)
        return {}; // a new thread of a known process: nothing new to tell
    m_fds.onFork(rec.task.pid, rec.task.start_ns, rec.child_pid, rec.child_start_ns);
    ProcessInfo info;
    info.pid = rec.child_pid;
    info.startNs = rec.child_start_ns;
    info.ppid = rec.task.pid;
    info.parentStartNs = rec.task.start_ns;
    info.uid = rec.task.uid;
    info.comm = commOf(rec.task); // the child inherits it until it execs
    batch.processes.push_back(std::move(info));
    m_known.insert(Key{rec.child_pid, rec.child_start_ns});
    return {};
}

Result<void> RecordDecoder::decodeExit(const unsigned char *data, size_t size, CaptureBatch &batch)
{
    if (size < sizeof(ps_exit_record))
        return malformed("exit record too short");
    ps_exit_record rec;
    std::memcpy(&rec, data, sizeof(rec));
    notePreexisting(&rec.task, batch);

    Event &ev = batch.events.emplace_back();
    ev.tsNs = ev.lastTsNs = rec.hdr.ts_ns;
    fillIdentity(ev, rec.task);
    ev.syscall = syscallName(PS_SC_EXIT);
    ev.ret = rec.exit_code; // wait status: exit code << 8 | terminating signal

    ProcessInfo info;
    info.pid = rec.task.pid;
    info.startNs = rec.task.start_ns;
    info.ppid = rec.task.ppid;
    info.uid = rec.task.uid;
    fillNamespaces(info, rec.task);
    info.comm = ev.comm;
    info.exitTsNs = rec.hdr.ts_ns;
    info.exitCode = rec.exit_code;
    batch.processes.push_back(std::move(info));

    const Key key{rec.task.pid, rec.task.start_ns};
    m_known.erase(key);
    m_fds.onExit(rec.task.pid, rec.task.start_ns);
    if (m_lastKey == key)
        m_lastKey = Key{0, 0};
    return {};
}

} // namespace provscope
