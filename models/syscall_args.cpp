#include "syscall_args.h"

#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string_view>

namespace provscope {
namespace {

struct Name {
    uint64_t value;
    const char *name;
};

// Names of the bits set in value, in table order, joined by '|'; leftover bits in hex.
std::string bitNames(uint64_t value, std::initializer_list<Name> table, const char *zero = "0")
{
    std::string out;
    for (const Name &n : table) {
        if (n.value && (value & n.value) == n.value) {
            if (!out.empty())
                out += '|';
            out += n.name;
            value &= ~n.value;
        }
    }
    if (value) {
        char hex[24];
        std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(value));
        if (!out.empty())
            out += '|';
        out += hex;
    }
    return out.empty() ? std::string(zero) : out;
}

std::string valueName(uint64_t value, std::initializer_list<Name> table)
{
    for (const Name &n : table)
        if (n.value == value)
            return n.name;
    return std::to_string(value);
}

std::string hexText(uint64_t value)
{
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
    return buf;
}

std::string num(uint64_t value) { return std::to_string(value); }
std::string snum(uint64_t value) { return std::to_string(static_cast<int64_t>(value)); }
std::string fdText(int32_t fd) { return fd >= 0 ? std::to_string(fd) : std::string("?"); }

// "a b c" without empty parts.
std::string join(std::initializer_list<std::string> parts)
{
    std::string out;
    for (const std::string &p : parts) {
        if (p.empty())
            continue;
        if (!out.empty())
            out += ' ';
        out += p;
    }
    return out;
}

std::string kv(const char *key, const std::string &value) { return std::string(key) + '=' + value; }

constexpr uint32_t kOCreat = 0100, kOTmpfile = 020200000;

std::string atFlagsText(uint32_t flags)
{
    return bitNames(flags, {{0x100, "AT_SYMLINK_NOFOLLOW"}, {0x200, "AT_REMOVEDIR"},
                            {0x400, "AT_SYMLINK_FOLLOW"}, {0x800, "AT_NO_AUTOMOUNT"},
                            {0x1000, "AT_EMPTY_PATH"}});
}

std::string ipcFlagsText(uint32_t flags)
{
    std::string names = bitNames(flags & ~0777u, {{01000, "IPC_CREAT"}, {02000, "IPC_EXCL"},
                                                  {04000, "IPC_NOWAIT"}}, "");
    const std::string mode = modeText(flags & 0777u);
    return names.empty() ? mode : names + '|' + mode;
}

std::string ipcKeyText(uint64_t key)
{
    return static_cast<int64_t>(key) == 0 ? std::string("IPC_PRIVATE") : hexText(uint32_t(key));
}

std::string ipcCommandName(uint64_t cmd)
{
    return valueName(cmd, {{0, "IPC_RMID"}, {1, "IPC_SET"}, {2, "IPC_STAT"}, {3, "IPC_INFO"},
                           {11, "SHM_LOCK"}, {12, "SHM_UNLOCK"}, {13, "SHM_STAT"}, {14, "SHM_INFO"}});
}

std::string ptraceRequestName(uint64_t request)
{
    return valueName(request, {{0, "PTRACE_TRACEME"}, {1, "PTRACE_PEEKTEXT"}, {2, "PTRACE_PEEKDATA"},
                               {3, "PTRACE_PEEKUSER"}, {4, "PTRACE_POKETEXT"}, {5, "PTRACE_POKEDATA"},
                               {6, "PTRACE_POKEUSER"}, {7, "PTRACE_CONT"}, {8, "PTRACE_KILL"},
                               {9, "PTRACE_SINGLESTEP"}, {12, "PTRACE_GETREGS"}, {13, "PTRACE_SETREGS"},
                               {16, "PTRACE_ATTACH"}, {17, "PTRACE_DETACH"}, {24, "PTRACE_SYSCALL"},
                               {0x4200, "PTRACE_SETOPTIONS"}, {0x4206, "PTRACE_SEIZE"},
                               {0x4207, "PTRACE_INTERRUPT"}});
}

std::string msgFlagsText(uint32_t flags)
{
    return bitNames(flags, {{0x1, "MSG_OOB"}, {0x2, "MSG_PEEK"}, {0x40, "MSG_DONTWAIT"},
                            {0x100, "MSG_WAITALL"}, {0x4000, "MSG_NOSIGNAL"}, {0x10000, "MSG_WAITFORONE"},
                            {0x40000000, "MSG_CMSG_CLOEXEC"}});
}

std::string signalTarget(const char *what, uint64_t pid, uint64_t signal)
{
    return std::string(what) + ' ' + snum(pid) + ' ' + signalName(signal);
}

} // namespace

std::string errnoName(int64_t ret)
{
    if (ret >= 0 || ret < -4095)
        return {};
    if (const char *name = strerrorname_np(static_cast<int>(-ret)))
        return name;
    return "errno " + std::to_string(-ret);
}

// The O_* flags beyond the access mode; empty when none.
static std::string statusFlagsText(uint32_t flags)
{
    flags &= ~3u;
    std::string out;
    if ((flags & kOTmpfile) == kOTmpfile) {
        out = "O_TMPFILE";
        flags &= ~kOTmpfile;
    }
    const std::string rest = bitNames(flags, {{0100, "O_CREAT"}, {0200, "O_EXCL"}, {0400, "O_NOCTTY"},
                                              {01000, "O_TRUNC"}, {02000, "O_APPEND"}, {04000, "O_NONBLOCK"},
                                              {04010000, "O_SYNC"}, {010000, "O_DSYNC"}, {020000, "O_ASYNC"},
                                              {040000, "O_DIRECT"}, {0100000, "O_LARGEFILE"},
                                              {0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"},
                                              {01000000, "O_NOATIME"}, {02000000, "O_CLOEXEC"},
                                              {010000000, "O_PATH"}}, "");
    return out.empty() ? rest : rest.empty() ? out : out + '|' + rest;
}

std::string openFlagsText(uint32_t flags)
{
    static constexpr const char *kAccess[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
    const std::string rest = statusFlagsText(flags);
    return rest.empty() ? kAccess[flags & 3] : std::string(kAccess[flags & 3]) + '|' + rest;
}

std::string modeText(uint32_t mode)
{
    char perm[16];
    std::snprintf(perm, sizeof perm, (mode & 07777) ? "0%o" : "0", mode & 07777);
    const uint32_t type = mode & 0170000;
    if (!type)
        return perm;
    return valueName(type, {{0140000, "S_IFSOCK"}, {0120000, "S_IFLNK"}, {0100000, "S_IFREG"},
                            {0060000, "S_IFBLK"}, {0040000, "S_IFDIR"}, {0020000, "S_IFCHR"},
                            {0010000, "S_IFIFO"}}) + '|' + perm;
}

std::string protText(uint64_t prot)
{
    return bitNames(prot, {{1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"}, {0x10, "PROT_SEM"},
                           {0x01000000, "PROT_GROWSDOWN"}, {0x02000000, "PROT_GROWSUP"}}, "PROT_NONE");
}

std::string mapFlagsText(uint32_t flags)
{
    std::string type = valueName(flags & 3, {{1, "MAP_SHARED"}, {2, "MAP_PRIVATE"}, {3, "MAP_SHARED_VALIDATE"}});
    const std::string rest = bitNames(flags & ~3u, {{0x10, "MAP_FIXED"}, {0x20, "MAP_ANONYMOUS"},
                                                    {0x100, "MAP_GROWSDOWN"}, {0x800, "MAP_DENYWRITE"},
                                                    {0x1000, "MAP_EXECUTABLE"}, {0x2000, "MAP_LOCKED"},
                                                    {0x4000, "MAP_NORESERVE"}, {0x8000, "MAP_POPULATE"},
                                                    {0x10000, "MAP_NONBLOCK"}, {0x20000, "MAP_STACK"},
                                                    {0x40000, "MAP_HUGETLB"}, {0x80000, "MAP_SYNC"},
                                                    {0x100000, "MAP_FIXED_NOREPLACE"}}, "");
    return rest.empty() ? type : type + '|' + rest;
}

std::string signalName(uint64_t signal)
{
    if (signal == 0)
        return "0";
    if (signal < 65) {
        if (const char *abbrev = sigabbrev_np(static_cast<int>(signal)))
            return std::string("SIG") + abbrev;
        if (signal >= 34)
            return "SIGRTMIN+" + std::to_string(signal - 34);
    }
    return std::to_string(signal);
}

std::string fcntlCommandName(uint64_t cmd)
{
    return valueName(cmd, {{0, "F_DUPFD"}, {1, "F_GETFD"}, {2, "F_SETFD"}, {3, "F_GETFL"}, {4, "F_SETFL"},
                           {5, "F_GETLK"}, {6, "F_SETLK"}, {7, "F_SETLKW"}, {8, "F_SETOWN"}, {9, "F_GETOWN"},
                           {10, "F_SETSIG"}, {11, "F_GETSIG"}, {36, "F_OFD_GETLK"}, {37, "F_OFD_SETLK"},
                           {38, "F_OFD_SETLKW"}, {1024, "F_SETLEASE"}, {1025, "F_GETLEASE"},
                           {1026, "F_NOTIFY"}, {1030, "F_DUPFD_CLOEXEC"}, {1031, "F_SETPIPE_SZ"},
                           {1032, "F_GETPIPE_SZ"}, {1033, "F_ADD_SEALS"}, {1034, "F_GET_SEALS"}});
}

std::string socketDomainName(uint64_t domain)
{
    return valueName(domain, {{0, "AF_UNSPEC"}, {1, "AF_UNIX"}, {2, "AF_INET"}, {10, "AF_INET6"},
                              {16, "AF_NETLINK"}, {17, "AF_PACKET"}, {38, "AF_ALG"}, {40, "AF_VSOCK"},
                              {44, "AF_XDP"}});
}

std::string socketTypeText(uint32_t type)
{
    std::string out = valueName(type & 0xf, {{1, "SOCK_STREAM"}, {2, "SOCK_DGRAM"}, {3, "SOCK_RAW"},
                                             {4, "SOCK_RDM"}, {5, "SOCK_SEQPACKET"}, {6, "SOCK_DCCP"},
                                             {10, "SOCK_PACKET"}});
    const std::string rest = bitNames(type & ~0xfu, {{04000, "SOCK_NONBLOCK"}, {02000000, "SOCK_CLOEXEC"}}, "");
    return rest.empty() ? out : out + '|' + rest;
}

std::string cloneFlagsText(uint64_t flags)
{
    const uint64_t signal = flags & 0xff;
    std::string out = bitNames(flags & ~0xffull,
                               {{0x100, "CLONE_VM"}, {0x200, "CLONE_FS"}, {0x400, "CLONE_FILES"},
                                {0x800, "CLONE_SIGHAND"}, {0x1000, "CLONE_PIDFD"}, {0x2000, "CLONE_PTRACE"},
                                {0x4000, "CLONE_VFORK"}, {0x8000, "CLONE_PARENT"}, {0x10000, "CLONE_THREAD"},
                                {0x20000, "CLONE_NEWNS"}, {0x40000, "CLONE_SYSVSEM"}, {0x80000, "CLONE_SETTLS"},
                                {0x100000, "CLONE_PARENT_SETTID"}, {0x200000, "CLONE_CHILD_CLEARTID"},
                                {0x800000, "CLONE_UNTRACED"}, {0x1000000, "CLONE_CHILD_SETTID"},
                                {0x2000000, "CLONE_NEWCGROUP"}, {0x4000000, "CLONE_NEWUTS"},
                                {0x8000000, "CLONE_NEWIPC"}, {0x10000000, "CLONE_NEWUSER"},
                                {0x20000000, "CLONE_NEWPID"}, {0x40000000, "CLONE_NEWNET"},
                                {0x80000000, "CLONE_IO"}}, "");
    if (signal)
        out += (out.empty() ? "" : "|") + signalName(signal);
    return out.empty() ? std::string("0") : out;
}

std::string idText(uint64_t id)
{
    return uint32_t(id) == 0xffffffffu ? std::string("-1") : std::to_string(uint32_t(id));
}

std::string describeArguments(const Event &e)
{
    const std::string_view s = e.syscall;
    const auto mode = [&] { return kv("mode", modeText(e.mode)); };
    if (s == "open" || s == "openat" || s == "openat2" || s == "creat" || s == "mq_open") {
        const bool creates = (e.flags & kOCreat) || (e.flags & kOTmpfile) == kOTmpfile;
        return join({kv("flags", openFlagsText(e.flags)), creates ? mode() : std::string()});
    }
    if (s == "accept4")
        return e.flags ? kv("flags", bitNames(e.flags, {{04000, "SOCK_NONBLOCK"}, {02000000, "SOCK_CLOEXEC"}})) : std::string();
    if (s == "unlinkat" || s == "execveat" || s == "linkat" || s == "fchownat")
        return join({s == "fchownat" ? join({kv("uid", idText(e.aux1)), kv("gid", idText(e.aux2))}) : std::string(),
                     e.flags ? kv("flags", atFlagsText(e.flags)) : std::string()});
    if (s == "renameat2")
        return e.flags ? kv("flags", bitNames(e.flags, {{1, "RENAME_NOREPLACE"}, {2, "RENAME_EXCHANGE"},
                                                        {4, "RENAME_WHITEOUT"}}))
                       : std::string();
    if (s == "clone")
        return kv("flags", cloneFlagsText(e.flags));
    if (s == "dup" || s == "dup2" || s == "dup3")
        return join({fdText(e.fd) + " → " + fdText(e.fd2), statusFlagsText(e.flags)});
    if (s == "fcntl") {
        std::string out = kv("cmd", fcntlCommandName(e.aux1));
        switch (e.aux1) {
        case 0: case 1030: return join({out, kv("arg", num(e.aux2)), e.fd2 >= 0 ? "→ " + fdText(e.fd2) : std::string()});
        case 2: return join({out, e.aux2 & 1 ? "FD_CLOEXEC" : "0"});
        case 4: return join({out, kv("flags", statusFlagsText(e.flags).empty() ? std::string("0")
                                                                              : statusFlagsText(e.flags))});
        case 1 : case 3: return out;
        default: return join({out, kv("arg", hexText(e.aux2))});
        }
    }
    if (s == "close_range") {
        const std::string last = uint32_t(e.aux2) == 0xffffffffu ? std::string("max") : num(uint32_t(e.aux2));
        return join({"fds " + num(e.aux1) + ".." + last,
                     e.flags ? kv("flags", bitNames(e.flags, {{2, "CLOSE_RANGE_UNSHARE"}, {4, "CLOSE_RANGE_CLOEXEC"}}))
                             : std::string()});
    }
    if (s == "pipe" || s == "pipe2")
        return join({e.fd >= 0 ? "fds " + fdText(e.fd) + ", " + fdText(e.fd2) : std::string(),
                     e.flags ? kv("flags", statusFlagsText(e.flags)) : std::string()});
    if (s == "socketpair")
        return join({socketDomainName(e.aux1), socketTypeText(e.flags),
                     e.fd >= 0 ? "fds " + fdText(e.fd) + ", " + fdText(e.fd2) : std::string(),
                     e.aux2 ? "peer socket:[" + num(e.aux2) + "]" : std::string()});
    if (s == "socket")
        return join({socketDomainName(e.aux1), socketTypeText(e.flags), e.aux2 ? kv("protocol", num(e.aux2)) : std::string()});
    if (s == "truncate" || s == "ftruncate")
        return kv("length", snum(e.aux1));
    if (s == "chmod" || s == "fchmod" || s == "fchmodat" || s == "mkdir" || s == "mkdirat")
        return mode();
    if (s == "mknod" || s == "mknodat") {
        const uint32_t dev = uint32_t(e.aux1);
        const bool device = (e.mode & 0170000) == 0020000 || (e.mode & 0170000) == 0060000;
        return join({mode(), device ? "dev=" + num((dev >> 8) & 0xfff) + ":" + num((dev & 0xff) | ((dev >> 12) & 0xfff00))
                                    : std::string()});
    }
    if (s == "chown" || s == "fchown" || s == "lchown")
        return join({kv("uid", idText(e.aux1)), kv("gid", idText(e.aux2))});
    if (s == "memfd_create")
        return e.flags ? kv("flags", bitNames(e.flags, {{1, "MFD_CLOEXEC"}, {2, "MFD_ALLOW_SEALING"},
                                                        {4, "MFD_HUGETLB"}, {8, "MFD_NOEXEC_SEAL"}, {0x10, "MFD_EXEC"}}))
                       : std::string();
    if (s == "mmap")
        return join({kv("prot", protText(e.aux1)), kv("flags", mapFlagsText(e.flags)), kv("length", num(e.aux2))});
    if (s == "mprotect")
        return join({kv("prot", protText(e.aux1)), kv("addr", hexText(e.aux2))});
    if (s == "ptrace")
        return join({kv("request", ptraceRequestName(e.aux1)), kv("pid", snum(e.aux2))});
    if (s == "process_vm_readv" || s == "process_vm_writev")
        return kv("pid", snum(e.aux2));
    if (s == "kill")
        return signalTarget("pid", e.aux2, e.aux1);
    if (s == "tkill")
        return signalTarget("tid", e.aux2, e.aux1);
    if (s == "tgkill")
        return "pid " + std::to_string(int32_t(e.flags)) + " " + signalTarget("tid", e.aux2, e.aux1);
    if (s == "setuid" || s == "setfsuid")
        return kv(s == "setuid" ? "uid" : "fsuid", idText(e.aux1));
    if (s == "setgid" || s == "setfsgid")
        return kv(s == "setgid" ? "gid" : "fsgid", idText(e.aux1));
    if (s == "setreuid" || s == "setregid") {
        const bool user = s == "setreuid";
        return join({kv(user ? "ruid" : "rgid", idText(e.aux1)), kv(user ? "euid" : "egid", idText(e.aux2))});
    }
    if (s == "setresuid" || s == "setresgid") {
        const bool user = s == "setresuid";
        return join({kv(user ? "ruid" : "rgid", idText(e.aux1)), kv(user ? "euid" : "egid", idText(e.aux2)),
                     kv(user ? "suid" : "sgid", idText(e.flags))});
    }
    if (s == "init_module")
        return kv("length", num(e.aux1));
    if (s == "finit_module")
        return e.flags ? kv("flags", bitNames(e.flags, {{1, "MODULE_INIT_IGNORE_MODVERSIONS"},
                                                        {2, "MODULE_INIT_IGNORE_VERMAGIC"}, {4, "MODULE_INIT_COMPRESSED_FILE"}}))
                       : std::string();
    if (s == "preadv" || s == "pwritev" || s == "preadv2" || s == "pwritev2")
        return join({kv("offset", snum(e.aux1)),
                     e.flags ? kv("flags", bitNames(e.flags, {{1, "RWF_HIPRI"}, {2, "RWF_DSYNC"}, {4, "RWF_SYNC"},
                                                              {8, "RWF_NOWAIT"}, {0x10, "RWF_APPEND"}}))
                             : std::string()});
    if (s == "sendmmsg" || s == "recvmmsg")
        return join({kv("vlen", num(e.aux1)), e.flags ? kv("flags", msgFlagsText(e.flags)) : std::string()});
    if (s == "sendfile" || s == "splice" || s == "copy_file_range")
        return join({fdText(e.fd) + " → " + fdText(e.fd2),
                     e.flags && s == "splice" ? kv("flags", bitNames(e.flags, {{1, "SPLICE_F_MOVE"}, {2, "SPLICE_F_NONBLOCK"},
                                                                                 {4, "SPLICE_F_MORE"}, {8, "SPLICE_F_GIFT"}}))
                                              : std::string()});
    if (s == "shmget")
        return join({kv("key", ipcKeyText(e.aux1)), kv("size", num(e.aux2)), kv("flags", ipcFlagsText(e.flags))});
    if (s == "shmat")
        return join({kv("id", num(e.aux1)), e.flags ? kv("flags", bitNames(e.flags, {{010000, "SHM_RDONLY"}, {020000, "SHM_RND"},
                                                                                    {040000, "SHM_REMAP"}, {0100000, "SHM_EXEC"}}))
                                                    : std::string()});
    if (s == "shmdt")
        return kv("addr", hexText(e.aux2));
    if (s == "shmctl")
        return join({kv("id", num(e.aux1)), kv("cmd", ipcCommandName(e.aux2))});
    if (s == "msgget")
        return join({kv("key", ipcKeyText(e.aux1)), kv("flags", ipcFlagsText(e.flags))});
    if (s == "msgsnd" || s == "msgrcv")
        return join({kv("id", num(e.aux1)), kv("size", num(e.aux2)),
                     e.flags ? kv("flags", bitNames(e.flags, {{04000, "IPC_NOWAIT"}, {010000, "MSG_NOERROR"},
                                                              {020000, "MSG_EXCEPT"}, {040000, "MSG_COPY"}}))
                             : std::string()});
    if (s == "mq_timedsend")
        return kv("priority", num(e.aux1));
    return {};
}

} // namespace provscope
