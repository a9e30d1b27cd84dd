/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one header shared by the eBPF programs and user space: record layouts
 * on the ring buffer. Only vmlinux.h-compatible types (__u32, __u64, ...):
 * BPF code includes vmlinux.h before it, user space includes <linux/types.h>.
 * Every struct has explicit padding; capture/ static_asserts the sizes.
 */
#ifndef PROVSCOPE_EVENTS_H
#define PROVSCOPE_EVENTS_H

#define PS_COMM_LEN 16
#define PS_PATH_MAX 4096   /* one resolved path or raw argument */
#define PS_ARGV_MAX 4096   /* NUL-separated argv of an exec */
#define PS_MAX_STRINGS 4
#define PS_DATA_MAX (PS_MAX_STRINGS * PS_PATH_MAX)

/* Record types (ps_header.type). */
enum ps_record_type {
	PS_REC_SYSCALL = 1, /* struct ps_syscall_record + strings */
	PS_REC_EXEC = 2,    /* struct ps_exec_record + exe path + argv */
	PS_REC_FORK = 3,    /* struct ps_fork_record */
	PS_REC_EXIT = 4,    /* struct ps_exit_record */
	PS_REC_TASK_SNAPSHOT = 5, /* struct ps_exec_record (kind 0): a process alive at start */
	PS_REC_FD_SNAPSHOT = 6,   /* struct ps_syscall_record (kind 0): an fd open at start */
};

/*
 * Our own syscall numbering: stable across architectures and releases.
 * Append only; models/syscall_names.cpp maps these to names.
 */
enum ps_syscall_kind {
	PS_SC_UNKNOWN = 0,
	PS_SC_EXECVE, PS_SC_EXECVEAT, PS_SC_CLONE, PS_SC_CLONE3, PS_SC_FORK,
	PS_SC_VFORK, PS_SC_EXIT, PS_SC_OPEN, PS_SC_OPENAT, PS_SC_OPENAT2,
	PS_SC_CREAT, PS_SC_CLOSE, PS_SC_READ, PS_SC_WRITE, PS_SC_PREAD64,
	PS_SC_PWRITE64, PS_SC_READV, PS_SC_WRITEV, PS_SC_UNLINK, PS_SC_UNLINKAT,
	PS_SC_RENAME, PS_SC_RENAMEAT, PS_SC_RENAMEAT2, PS_SC_CONNECT, PS_SC_ACCEPT,
	PS_SC_ACCEPT4, PS_SC_BIND, PS_SC_LISTEN, PS_SC_SENDTO, PS_SC_RECVFROM,
	PS_SC_SENDMSG, PS_SC_RECVMSG, PS_SC_EXIT_GROUP,
	/* issue 3 coverage */
	PS_SC_CHDIR, PS_SC_FCHDIR, PS_SC_DUP, PS_SC_DUP2, PS_SC_DUP3, PS_SC_FCNTL,
	PS_SC_CLOSE_RANGE, PS_SC_PIPE, PS_SC_PIPE2, PS_SC_SOCKETPAIR, PS_SC_SOCKET,
	PS_SC_TRUNCATE, PS_SC_FTRUNCATE, PS_SC_CHMOD, PS_SC_FCHMOD, PS_SC_FCHMODAT,
	PS_SC_CHOWN, PS_SC_FCHOWN, PS_SC_FCHOWNAT, PS_SC_LCHOWN, PS_SC_LINK,
	PS_SC_LINKAT, PS_SC_SYMLINK, PS_SC_SYMLINKAT, PS_SC_MKDIR, PS_SC_MKDIRAT,
	PS_SC_RMDIR, PS_SC_MKNOD, PS_SC_MKNODAT, PS_SC_MEMFD_CREATE, PS_SC_MMAP,
	PS_SC_MPROTECT, PS_SC_PTRACE, PS_SC_PROCESS_VM_READV,
	PS_SC_PROCESS_VM_WRITEV, PS_SC_KILL, PS_SC_TGKILL, PS_SC_TKILL,
	PS_SC_SETUID, PS_SC_SETGID, PS_SC_SETREUID, PS_SC_SETREGID, PS_SC_SETRESUID,
	PS_SC_SETRESGID, PS_SC_SETFSUID, PS_SC_SETFSGID, PS_SC_INIT_MODULE,
	PS_SC_FINIT_MODULE, PS_SC_PREADV, PS_SC_PWRITEV, PS_SC_PREADV2,
	PS_SC_PWRITEV2, PS_SC_SENDMMSG, PS_SC_RECVMMSG, PS_SC_SENDFILE,
	PS_SC_SPLICE, PS_SC_COPY_FILE_RANGE, PS_SC_SHMGET, PS_SC_SHMAT, PS_SC_SHMDT,
	PS_SC_SHMCTL, PS_SC_MSGGET, PS_SC_MSGSND, PS_SC_MSGRCV, PS_SC_MQ_OPEN,
	PS_SC_MQ_TIMEDSEND, PS_SC_MQ_TIMEDRECEIVE, PS_SC_MQ_UNLINK,
	PS_SC_SNAPSHOT_FD, /* not a syscall: an fd open when the capture started */
	PS_SC_KIND_COUNT
};

/*
 * Meaning of the (up to four) strings that follow a syscall record:
 *   str[0] path of the object: the canonical path of the fd's file, or the
 *          first path argument as the process passed it
 *   str[1] when str[0] is a relative argument: the directory it is relative
 *          to (dirfd's file or the cwd), resolved in the kernel
 *   str[2] second path argument (rename's new name), as passed
 *   str[3] base directory of str[2] when it is relative
 * Empty strings have length 0. Lengths exclude the terminating NUL; every
 * string in the data area is NUL-terminated and starts right after the
 * previous one.
 */
enum ps_string_slot { PS_STR_PATH = 0, PS_STR_PATH_BASE = 1, PS_STR_PATH2 = 2, PS_STR_PATH2_BASE = 3 };

/* ps_syscall_record.path_flags bits */
#define PS_PATH_TRUNCATED (1u << 0)  /* a dentry walk hit its depth limit */
#define PS_PATH_IS_SOCKET (1u << 1)  /* the fd is a socket; see address fields */
#define PS_PATH_IS_PIPE   (1u << 2)  /* the fd is a pipe (str[0] is pipe:[ino]) */
#define PS_PATH_COALESCED (1u << 3)  /* count > 1 may stand for interleaved calls */

struct ps_header {
	__u32 type;  /* enum ps_record_type */
	__u32 size;  /* whole record, header and strings included */
	__u64 ts_ns; /* bpf_ktime_get_boot_ns() */
};

/* Who did it: the calling thread and its process identity. */
struct ps_task {
	__u32 pid;        /* tgid */
	__u32 tid;
	__u32 ppid;       /* real parent's tgid */
	__u32 uid;
	__u64 start_ns;   /* group leader's start_boottime: identity with boot id */
	char comm[PS_COMM_LEN];
	__u32 euid;
	__u32 gid;
	__u32 ns_pid;     /* tgid as seen in the process's own pid namespace */
	__u32 mnt_ns;     /* mount namespace inode number */
	__u32 pid_ns;     /* pid namespace inode number */
	__u32 pad0;
	__u64 cgroup_id;  /* cgroup v2 id (bpf_get_current_cgroup_id semantics) */
};

struct ps_syscall_record {
	struct ps_header hdr;
	struct ps_task task;
	__s64 ret;        /* return value, negative errno on failure */
	__u64 count;      /* syscalls this record stands for (1 unless coalesced) */
	__u64 bytes;      /* bytes transferred (I/O), summed when coalesced */
	__u64 last_ts_ns; /* == hdr.ts_ns unless coalesced */
	__u32 kind;       /* enum ps_syscall_kind */
	__s32 fd;         /* the fd acted on, or the new fd; -1 if none */
	__u32 flags;      /* open flags, accept4 flags, rename flags */
	__u32 mode;       /* open/creat mode */
	__u32 path_flags; /* PS_PATH_* */
	__u16 family;     /* AF_INET / AF_INET6 / AF_UNIX, 0 when no socket */
	__u16 lport;      /* host byte order */
	__u16 rport;      /* host byte order */
	__u16 str_len[PS_MAX_STRINGS];
	__u16 pad0;
	__u8 laddr[16];   /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
	__s32 fd2;        /* second fd: dup's new fd, pipe/socketpair's other end; -1 if none */
	__u64 aux[2];     /* per-syscall arguments (signal, target pid, prot, uids, ...):
	                   * models/syscall_args.cpp documents each kind's meaning */
	__u64 ino;        /* identity of str[0]'s file when it came from a struct file */
	__u32 dev;        /*   (f_inode->i_ino, i_sb->s_dev: kernel dev_t, major << 20 | minor); */
	__u32 pad1;       /*   0 for path arguments, pipes and sockets */
	/* followed by the strings, see enum ps_string_slot */
};

struct ps_exec_record {
	struct ps_header hdr;
	struct ps_task task;  /* after the exec: new comm */
	__u32 kind;           /* PS_SC_EXECVE or PS_SC_EXECVEAT */
	__u32 old_pid;        /* tid that called exec (a thread may exec) */
	__u32 path_flags;
	__u16 exe_len;        /* bytes of the exe path, without NUL */
	__u16 argv_len;       /* bytes of argv, NUL separated, without final NUL */
	__u64 ino;            /* the image's inode and file system (kernel dev_t), 0 if unknown */
	__u32 dev;
	__u32 pad0;
	/* followed by exe path NUL, then argv */
};

struct ps_fork_record {
	struct ps_header hdr;
	struct ps_task task;      /* the parent thread */
	__u32 child_pid;          /* child's tgid */
	__u32 child_tid;
	__u64 child_start_ns;     /* child's group leader start_boottime */
	__u32 is_thread;          /* CLONE_THREAD: same process, new thread */
	__u32 pad0;
};

struct ps_exit_record {
	struct ps_header hdr;
	struct ps_task task;
	__s32 exit_code;          /* task->exit_code: status << 8 | signal */
	__u32 pad0;
};

#endif /* PROVSCOPE_EVENTS_H */
