#pragma once
// Arguments of a syscall event decoded for people (strace conventions):
// open flags as names, modes in octal, protections, signals, errno names.
//
// This header is the reference for what the generic Event fields hold per
// syscall (bpf/ps_syscalls*.bpf.h fills them). Unlisted fields are unused
// (fd/fd2 -1, numbers 0, strings empty). "ids" are u32, 0xffffffff = -1 =
// "unchanged". Negative pids are stored sign-extended in aux2.
//
//   open, openat, openat2, creat  fd = new fd; flags = O_* as passed; mode
//   accept4                       flags = SOCK_*;    unlinkat: flags = AT_REMOVEDIR
//   renameat2                     flags = RENAME_*;  execveat: flags = AT_*
//   clone                         flags = CLONE_* | exit signal
//   chdir                         path = the new cwd (failure: the argument)
//   fchdir                        fd, path = its directory
//   dup                           fd = old fd, fd2 = new fd, path = object
//   dup2, dup3                    fd = old fd, fd2 = new fd, flags = O_CLOEXEC (dup3)
//   fcntl                         fd, aux1 = command (F_*), aux2 = argument,
//                                 fd2 = new fd (F_DUPFD, F_DUPFD_CLOEXEC),
//                                 flags = new status flags (F_SETFL)
//   close_range                   aux1 = first fd, aux2 = last fd, flags = CLOSE_RANGE_*
//   pipe, pipe2                   fd = read end, fd2 = write end, path = "pipe:[ino]"
//                                 (both ends are that one object), flags = O_*
//   socketpair                    fd, fd2 = the two ends, path/path2 = "socket:[ino]"
//                                 of each, aux1 = domain, flags = type (SOCK_*),
//                                 aux2 = inode of fd's peer as the kernel links it
//   socket                        fd = new fd, aux1 = domain, flags = type, aux2 = protocol
//   truncate, ftruncate           path or fd, aux1 = length
//   chmod, fchmod, fchmodat       path or fd, mode
//   chown, fchown, lchown,        path or fd, aux1 = uid, aux2 = gid,
//   fchownat                      flags = AT_* (fchownat)
//   link, linkat                  path = existing file, path2 = new name, flags = AT_*
//   symlink, symlinkat            path = target text as passed (never resolved),
//                                 path2 = the link created
//   mkdir, mkdirat, rmdir         path, mode
//   mknod, mknodat                path, mode (S_IF* | permissions), aux1 = device
//   memfd_create                  fd = new fd, path = "memfd:NAME", flags = MFD_*
//   mmap                          only file-backed or executable mappings:
//                                 fd, path = file, aux1 = prot (PROT_*),
//                                 aux2 = length, flags = MAP_*, ret = address
//   mprotect                      only when the new prot has PROT_EXEC:
//                                 aux1 = prot, aux2 = address, path = mapped file
//   ptrace                        aux1 = request (PTRACE_*), aux2 = target pid
//   process_vm_readv/writev       aux2 = target pid, bytes = ret
//   kill, tkill                   aux1 = signal, aux2 = target pid (tkill: tid)
//   tgkill                        aux1 = signal, aux2 = target tid, flags = tgid
//   setuid, setgid,               aux1 = the id requested
//   setfsuid, setfsgid            (ret = the previous fs id)
//   setreuid, setregid            aux1 = real, aux2 = effective
//   setresuid, setresgid          aux1 = real, aux2 = effective, flags = saved
//   init_module                   aux1 = image length
//   finit_module                  fd, path = module file, flags = MODULE_INIT_*
//   preadv, pwritev (2)           fd, path, aux1 = offset, flags = RWF_* (v2), bytes
//   sendmmsg, recvmmsg            fd, object, aux1 = vlen, flags = MSG_*,
//                                 ret = messages, bytes = sum of their msg_len
//   sendfile, splice,             fd = source, path = its object, fd2 = sink,
//   copy_file_range               path2 = its object, bytes = ret, flags (splice/cfr)
//   shmget                        aux1 = key, aux2 = size, flags = IPC_* | mode, ret = id
//   shmat                         aux1 = id, flags = SHM_*, ret = address
//   shmdt                         aux2 = address
//   shmctl                        aux1 = id, aux2 = command (IPC_*)
//   msgget                        aux1 = key, flags = IPC_* | mode, ret = id
//   msgsnd                        aux1 = id, aux2 = size, flags, bytes
//   msgrcv                        aux1 = id, aux2 = size asked, flags, bytes = ret
//   mq_open                       fd = new fd, path = "/dev/mqueue/NAME", flags = O_*, mode
//   mq_unlink                     path = "/dev/mqueue/NAME"
//   mq_timedsend                  fd, path, aux1 = priority, bytes
//   mq_timedreceive               fd, path, bytes = ret
#include "event.h"

#include <cstdint>
#include <string>

namespace provscope {

// The decoded arguments of an event, e.g. "flags=O_WRONLY|O_CREAT|O_CLOEXEC mode=0644",
// "pid 123 SIGKILL", "prot=PROT_READ|PROT_EXEC flags=MAP_PRIVATE length=4096".
// Empty when the syscall has nothing beyond its object and result.
std::string describeArguments(const Event &event);

// "ENOENT" for ret == -2; empty for ret >= 0 or beyond the errno range.
std::string errnoName(int64_t ret);

std::string openFlagsText(uint32_t flags);   // "O_RDONLY|O_CLOEXEC"
std::string modeText(uint32_t mode);         // "0644"; with a file type: "S_IFIFO|0600"
std::string protText(uint64_t prot);         // "PROT_READ|PROT_EXEC", "PROT_NONE"
std::string mapFlagsText(uint32_t flags);    // "MAP_PRIVATE|MAP_FIXED"
std::string signalName(uint64_t signal);     // "SIGKILL"; "0" for the null signal
std::string fcntlCommandName(uint64_t cmd);  // "F_DUPFD_CLOEXEC"
std::string socketDomainName(uint64_t domain); // "AF_INET"
std::string socketTypeText(uint32_t type);   // "SOCK_STREAM|SOCK_CLOEXEC"
std::string cloneFlagsText(uint64_t flags);  // "CLONE_VM|CLONE_FS|SIGCHLD"
std::string idText(uint64_t id);             // "1000"; "-1" for "unchanged"

} // namespace provscope
