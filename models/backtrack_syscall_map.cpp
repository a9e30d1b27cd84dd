#include "backtrack_syscall_map.h"

#include <cstdio>
#include <iterator>

namespace provscope {
namespace {

using F = BacktrackFlow;

// x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl); BackTrack's SyscallID.
// "exit" is our process-exit record (sched_process_exit), named after exit(2).
constexpr BacktrackSyscall kTable[] = {
    {"execve", 59, "EXECVE", "EXECVE", F::ObjectToProcess},
    {"execveat", 322, "EXECVEAT", "EXECVEAT", F::ObjectToProcess},
    {"clone", 56, "CLONE", "CLONE", F::None}, // fork edges come from the process table
    {"clone3", 435, "CLONE3", "CLONE3", F::None},
    {"fork", 57, "FORK", "FORK", F::None},
    {"vfork", 58, "VFORK", "VFORK", F::None},
    {"exit", 60, "EXIT", "EXIT", F::None},
    {"exit_group", 231, "EXIT_GROUP", "EXIT_GROUP", F::None},
    {"open", 2, "OPEN_FILE", "OPEN", F::OpenByMode},
    {"openat", 257, "OPEN_FILE", "OPEN", F::OpenByMode},
    {"openat2", 437, "OPEN_FILE", "OPEN", F::OpenByMode},
    {"creat", 85, "CREAT", "CREAT", F::ProcessToObject},
    {"close", 3, "CLOSE", "CLOSE", F::None},
    {"read", 0, "READ", "READ", F::ObjectToProcess},
    {"write", 1, "WRITE", "WRITE", F::ProcessToObject},
    {"pread64", 17, "PREAD64", "PREAD64", F::ObjectToProcess},
    {"pwrite64", 18, "PWRITE64", "PWRITE64", F::ProcessToObject},
    {"readv", 19, "READV", "READV", F::ObjectToProcess},
    {"writev", 20, "WRITEV", "WRITEV", F::ProcessToObject},
    {"preadv", 295, "PREADV", "PREADV", F::ObjectToProcess},
    {"pwritev", 296, "PWRITEV", "PWRITEV", F::ProcessToObject},
    {"preadv2", 327, "PREADV2", "PREADV2", F::ObjectToProcess},
    {"pwritev2", 328, "PWRITEV2", "PWRITEV2", F::ProcessToObject},
    {"unlink", 87, "UNLINK", "UNLINK", F::ProcessToObject},
    {"unlinkat", 263, "UNLINKAT", "UNLINKAT", F::ProcessToObject},
    {"rename", 82, "RENAME", "RENAME", F::PathToPath2},
    {"renameat", 264, "RENAMEAT", "RENAMEAT", F::PathToPath2},
    {"renameat2", 316, "RENAMEAT2", "RENAMEAT2", F::PathToPath2},
    {"connect", 42, "CONNECT", "CONNECT", F::ProcessToObject},
    {"accept", 43, "ACCEPT", "ACCEPT", F::ObjectToProcess},
    {"accept4", 288, "ACCEPT4", "ACCEPT4", F::ObjectToProcess},
    {"bind", 49, "BIND", "BIND", F::ProcessToObject},
    {"listen", 50, "LISTEN", "LISTEN", F::None},
    {"sendto", 44, "SENDTO", "SENDTO", F::ProcessToObject},
    {"recvfrom", 45, "RECVFROM", "RECVFROM", F::ObjectToProcess},
    {"sendmsg", 46, "SENDMSG", "SENDMSG", F::ProcessToObject},
    {"recvmsg", 47, "RECVMSG", "RECVMSG", F::ObjectToProcess},
    {"sendmmsg", 307, "SENDMMSG", "SENDMMSG", F::ProcessToObject},
    {"recvmmsg", 299, "RECVMMSG", "RECVMMSG", F::ObjectToProcess},
    {"chdir", 80, "CHDIR", "CHDIR", F::None},
    {"fchdir", 81, "FCHDIR", "FCHDIR", F::None},
    {"dup", 32, "DUP", "DUP", F::None},
    {"dup2", 33, "DUP2", "DUP2", F::None},
    {"dup3", 292, "DUP3", "DUP3", F::None},
    {"fcntl", 72, "FCNTL", "FCNTL", F::None},
    {"close_range", 436, "CLOSE_RANGE", "CLOSE_RANGE", F::None},
    {"pipe", 22, "PIPE", "PIPE", F::None},
    {"pipe2", 293, "PIPE2", "PIPE2", F::None},
    {"socketpair", 53, "SOCKETPAIR", "SOCKETPAIR", F::None},
    {"socket", 41, "SOCKET", "SOCKET", F::None},
    {"truncate", 76, "TRUNCATE", "TRUNCATE", F::ProcessToObject},
    {"ftruncate", 77, "FTRUNCATE", "FTRUNCATE", F::ProcessToObject},
    {"chmod", 90, "CHMOD", "CHMOD", F::ProcessToObject},
    {"fchmod", 91, "FCHMOD", "FCHMOD", F::ProcessToObject},
    {"fchmodat", 268, "FCHMODAT", "FCHMODAT", F::ProcessToObject},
    {"chown", 92, "CHOWN", "CHOWN", F::ProcessToObject},
    {"fchown", 93, "FCHOWN", "FCHOWN", F::ProcessToObject},
    {"fchownat", 260, "FCHOWNAT", "FCHOWNAT", F::ProcessToObject},
    {"lchown", 94, "LCHOWN", "LCHOWN", F::ProcessToObject},
    {"link", 86, "LINK", "LINK", F::PathToPath2},
    {"linkat", 265, "LINKAT", "LINKAT", F::PathToPath2},
    {"symlink", 88, "SYMLINK", "SYMLINK", F::None},
    {"symlinkat", 266, "SYMLINKAT", "SYMLINKAT", F::None},
    {"mkdir", 83, "MKDIR", "MKDIR", F::ProcessToObject},
    {"mkdirat", 258, "MKDIRAT", "MKDIRAT", F::ProcessToObject},
    {"rmdir", 84, "RMDIR", "RMDIR", F::ProcessToObject},
    {"mknod", 133, "MKNOD", "MKNOD", F::ProcessToObject},
    {"mknodat", 259, "MKNODAT", "MKNODAT", F::ProcessToObject},
    {"memfd_create", 319, "MEMFD_CREATE", "MEMFD_CREATE", F::None},
    {"mmap", 9, "MMAP", "MMAP", F::ObjectToProcess}, // only file-backed maps name an object
    {"mprotect", 10, "MPROTECT", "MPROTECT", F::None},
    {"ptrace", 101, "PTRACE", "PTRACE", F::None},
    {"process_vm_readv", 310, "PROCESS_VM_READV", "PROCESS_VM_READV", F::None},
    {"process_vm_writev", 311, "PROCESS_VM_WRITEV", "PROCESS_VM_WRITEV", F::None},
    {"kill", 62, "KILL", "KILL", F::None},
    {"tgkill", 234, "TGKILL", "TGKILL", F::None},
    {"tkill", 200, "TKILL", "TKILL", F::None},
    {"setuid", 105, "SETUID", "SETUID", F::None},
    {"setgid", 106, "SETGID", "SETGID", F::None},
    {"setreuid", 113, "SETREUID", "SETREUID", F::None},
    {"setregid", 114, "SETREGID", "SETREGID", F::None},
    {"setresuid", 117, "SETRESUID", "SETRESUID", F::None},
    {"setresgid", 119, "SETRESGID", "SETRESGID", F::None},
    {"setfsuid", 122, "SETFSUID", "SETFSUID", F::None},
    {"setfsgid", 123, "SETFSGID", "SETFSGID", F::None},
    {"init_module", 175, "INIT_MODULE", "INIT_MODULE", F::None},
    {"finit_module", 313, "FINIT_MODULE", "FINIT_MODULE", F::None},
    {"sendfile", 40, "SENDFILE", "SENDFILE", F::None},
    {"splice", 275, "SPLICE", "SPLICE", F::None},
    {"copy_file_range", 326, "COPY_FILE_RANGE", "COPY_FILE_RANGE", F::None},
    {"shmget", 29, "SHMGET", "SHMGET", F::None},
    {"shmat", 30, "SHMAT", "SHMAT", F::None},
    {"shmdt", 67, "SHMDT", "SHMDT", F::None},
    {"shmctl", 31, "SHMCTL", "SHMCTL", F::None},
    {"msgget", 68, "MSGGET", "MSGGET", F::None},
    {"msgsnd", 69, "MSGSND", "MSGSND", F::None},
    {"msgrcv", 70, "MSGRCV", "MSGRCV", F::None},
    {"mq_open", 240, "MQ_OPEN", "MQ_OPEN", F::None},
    {"mq_timedsend", 242, "MQ_TIMEDSEND", "MQ_TIMEDSEND", F::ProcessToObject},
    {"mq_timedreceive", 243, "MQ_TIMEDRECEIVE", "MQ_TIMEDRECEIVE", F::ObjectToProcess},
    {"mq_unlink", 241, "MQ_UNLINK", "MQ_UNLINK", F::ProcessToObject},
    // Not a syscall: an fd that was already open when the capture started.
    {"snapshot_fd", -1, "SNAPSHOT_FD", "SNAPSHOT_FD", F::None},
};

struct FlagName {
    uint32_t bits;
    const char *name;
};

// Kernel (x86_64) values. Composite flags come first so their parts are not
// named twice: O_SYNC includes O_DSYNC, O_TMPFILE includes O_DIRECTORY.
constexpr FlagName kOpenFlags[] = {
    {04010000, "O_SYNC"},     {020200000, "O_TMPFILE"}, {0100, "O_CREAT"},
    {0200, "O_EXCL"},         {0400, "O_NOCTTY"},       {01000, "O_TRUNC"},
    {02000, "O_APPEND"},      {04000, "O_NONBLOCK"},    {010000, "O_DSYNC"},
    {020000, "O_ASYNC"},      {040000, "O_DIRECT"},     {0100000, "O_LARGEFILE"},
    {0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"},  {01000000, "O_NOATIME"},
    {02000000, "O_CLOEXEC"},  {010000000, "O_PATH"},
};

constexpr FlagName kRenameFlags[] = {
    {1, "RENAME_NOREPLACE"}, {2, "RENAME_EXCHANGE"}, {4, "RENAME_WHITEOUT"},
};

std::string flagNames(uint32_t flags, const FlagName *table, size_t size, std::string out)
{
    for (size_t i = 0; i < size; ++i) {
        if ((flags & table[i].bits) == table[i].bits) {
            out += table[i].name;
            out += ' ';
            flags &= ~table[i].bits;
        }
    }
    if (flags) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%x ", flags);
        out += hex;
    }
    return out;
}

} // namespace

const BacktrackSyscall *findBacktrackSyscall(std::string_view name)
{
    for (const BacktrackSyscall &entry : kTable) {
        if (entry.name == name)
            return &entry;
    }
    return nullptr;
}

std::string backtrackUpperName(std::string_view name)
{
    std::string upper(name);
    for (char &c : upper)
        c = (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
    return upper.empty() ? std::string("UNKNOWN") : upper;
}

const BacktrackSyscall *backtrackSyscallTable(size_t &count)
{
    count = std::size(kTable);
    return kTable;
}

std::string backtrackOpenFlags(uint32_t flags)
{
    static constexpr const char *kAccess[] = {"O_RDONLY ", "O_WRONLY ", "O_RDWR ", "0x3 "};
    return flagNames(flags & ~3u, kOpenFlags, std::size(kOpenFlags), kAccess[flags & 3u]);
}

std::string backtrackRenameFlags(uint32_t flags)
{
    return flagNames(flags, kRenameFlags, std::size(kRenameFlags), {});
}

} // namespace provscope
