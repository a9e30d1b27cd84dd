#include "syscall_names.h"

#include <linux/types.h>
#include "provscope_events.h"

#include <iterator>

namespace provscope {
namespace {

constexpr std::string_view kNames[] = {
    "unknown", "execve", "execveat", "clone", "clone3", "fork",
    "vfork", "exit", "open", "openat", "openat2",
    "creat", "close", "read", "write", "pread64",
    "pwrite64", "readv", "writev", "unlink", "unlinkat",
    "rename", "renameat", "renameat2", "connect", "accept",
    "accept4", "bind", "listen", "sendto", "recvfrom",
    "sendmsg", "recvmsg", "exit_group",
    "chdir", "fchdir", "dup", "dup2", "dup3", "fcntl",
    "close_range", "pipe", "pipe2", "socketpair", "socket", "truncate",
    "ftruncate", "chmod", "fchmod", "fchmodat", "chown", "fchown",
    "fchownat", "lchown", "link", "linkat", "symlink", "symlinkat",
    "mkdir", "mkdirat", "rmdir", "mknod", "mknodat", "memfd_create",
    "mmap", "mprotect", "ptrace", "process_vm_readv", "process_vm_writev", "kill",
    "tgkill", "tkill", "setuid", "setgid", "setreuid", "setregid",
    "setresuid", "setresgid", "setfsuid", "setfsgid", "init_module", "finit_module",
    "preadv", "pwritev", "preadv2", "pwritev2", "sendmmsg", "recvmmsg",
    "sendfile", "splice", "copy_file_range", "shmget", "shmat", "shmdt",
    "shmctl", "msgget", "msgsnd", "msgrcv", "mq_open", "mq_timedsend",
    "mq_timedreceive", "mq_unlink",
    "snapshot_fd",
};
static_assert(std::size(kNames) == PS_SC_KIND_COUNT, "a syscall kind has no name");

} // namespace

std::string_view syscallName(uint32_t kind)
{
    return kind < std::size(kNames) ? kNames[kind] : kNames[PS_SC_UNKNOWN];
}

uint32_t syscallKind(std::string_view name)
{
    for (uint32_t kind = 1; kind < std::size(kNames); ++kind) {
        if (kNames[kind] == name)
            return kind;
    }
    return PS_SC_UNKNOWN;
}

uint32_t syscallKindCount() { return PS_SC_KIND_COUNT; }

} // namespace provscope
