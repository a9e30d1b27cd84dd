/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* x86_64 syscall numbers and their mapping to enum ps_syscall_kind. */
#ifndef PS_SYSCALL_TABLE_BPF_H
#define PS_SYSCALL_TABLE_BPF_H

/* x86_64 syscall numbers */
#define NR_read 0
#define NR_write 1
#define NR_open 2
#define NR_close 3
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_readv 19
#define NR_writev 20
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_bind 49
#define NR_listen 50
#define NR_clone 56
#define NR_fork 57
#define NR_vfork 58
#define NR_execve 59
#define NR_rename 82
#define NR_creat 85
#define NR_unlink 87
#define NR_openat 257
#define NR_unlinkat 263
#define NR_renameat 264
#define NR_accept4 288
#define NR_renameat2 316
#define NR_execveat 322
#define NR_clone3 435
#define NR_openat2 437
#define NR_chdir 80
#define NR_fchdir 81
#define NR_dup 32
#define NR_dup2 33
#define NR_dup3 292
#define NR_fcntl 72
#define NR_close_range 436
#define NR_pipe 22
#define NR_pipe2 293
#define NR_socketpair 53
#define NR_socket 41
#define NR_truncate 76
#define NR_ftruncate 77
#define NR_chmod 90
#define NR_fchmod 91
#define NR_fchmodat 268
#define NR_chown 92
#define NR_fchown 93
#define NR_fchownat 260
#define NR_lchown 94
#define NR_link 86
#define NR_linkat 265
#define NR_symlink 88
#define NR_symlinkat 266
#define NR_mkdir 83
#define NR_mkdirat 258
#define NR_rmdir 84
#define NR_mknod 133
#define NR_mknodat 259
#define NR_memfd_create 319
#define NR_mmap 9
#define NR_mprotect 10
#define NR_ptrace 101
#define NR_process_vm_readv 310
#define NR_process_vm_writev 311
#define NR_kill 62
#define NR_tgkill 234
#define NR_tkill 200
#define NR_setuid 105
#define NR_setgid 106
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setresuid 117
#define NR_setresgid 119
#define NR_setfsuid 122
#define NR_setfsgid 123
#define NR_init_module 175
#define NR_finit_module 313
#define NR_preadv 295
#define NR_pwritev 296
#define NR_preadv2 327
#define NR_pwritev2 328
#define NR_sendmmsg 307
#define NR_recvmmsg 299
#define NR_sendfile 40
#define NR_splice 275
#define NR_copy_file_range 326
#define NR_shmget 29
#define NR_shmat 30
#define NR_shmdt 67
#define NR_shmctl 31
#define NR_msgget 68
#define NR_msgsnd 69
#define NR_msgrcv 70
#define NR_mq_open 240
#define NR_mq_timedsend 242
#define NR_mq_timedreceive 243
#define NR_mq_unlink 241

static __always_inline __u32 syscall_kind(long nr)
{
	switch (nr) {
	case NR_read: return PS_SC_READ;
	case NR_write: return PS_SC_WRITE;
	case NR_open: return PS_SC_OPEN;
	case NR_close: return PS_SC_CLOSE;
	case NR_pread64: return PS_SC_PREAD64;
	case NR_pwrite64: return PS_SC_PWRITE64;
	case NR_readv: return PS_SC_READV;
	case NR_writev: return PS_SC_WRITEV;
	case NR_connect: return PS_SC_CONNECT;
	case NR_accept: return PS_SC_ACCEPT;
	case NR_sendto: return PS_SC_SENDTO;
	case NR_recvfrom: return PS_SC_RECVFROM;
	case NR_sendmsg: return PS_SC_SENDMSG;
	case NR_recvmsg: return PS_SC_RECVMSG;
	case NR_bind: return PS_SC_BIND;
	case NR_listen: return PS_SC_LISTEN;
	case NR_clone: return PS_SC_CLONE;
	case NR_fork: return PS_SC_FORK;
	case NR_vfork: return PS_SC_VFORK;
	case NR_execve: return PS_SC_EXECVE;
	case NR_rename: return PS_SC_RENAME;
	case NR_creat: return PS_SC_CREAT;
	case NR_unlink: return PS_SC_UNLINK;
	case NR_openat: return PS_SC_OPENAT;
	case NR_unlinkat: return PS_SC_UNLINKAT;
	case NR_renameat: return PS_SC_RENAMEAT;
	case NR_accept4: return PS_SC_ACCEPT4;
	case NR_renameat2: return PS_SC_RENAMEAT2;
	case NR_execveat: return PS_SC_EXECVEAT;
	case NR_clone3: return PS_SC_CLONE3;
	case NR_openat2: return PS_SC_OPENAT2;
	case NR_chdir: return PS_SC_CHDIR;
	case NR_fchdir: return PS_SC_FCHDIR;
	case NR_dup: return PS_SC_DUP;
	case NR_dup2: return PS_SC_DUP2;
	case NR_dup3: return PS_SC_DUP3;
	case NR_fcntl: return PS_SC_FCNTL;
	case NR_close_range: return PS_SC_CLOSE_RANGE;
	case NR_pipe: return PS_SC_PIPE;
	case NR_pipe2: return PS_SC_PIPE2;
	case NR_socketpair: return PS_SC_SOCKETPAIR;
	case NR_socket: return PS_SC_SOCKET;
	case NR_truncate: return PS_SC_TRUNCATE;
	case NR_ftruncate: return PS_SC_FTRUNCATE;
	case NR_chmod: return PS_SC_CHMOD;
	case NR_fchmod: return PS_SC_FCHMOD;
	case NR_fchmodat: return PS_SC_FCHMODAT;
	case NR_chown: return PS_SC_CHOWN;
	case NR_fchown: return PS_SC_FCHOWN;
	case NR_fchownat: return PS_SC_FCHOWNAT;
	case NR_lchown: return PS_SC_LCHOWN;
	case NR_link: return PS_SC_LINK;
	case NR_linkat: return PS_SC_LINKAT;
	case NR_symlink: return PS_SC_SYMLINK;
	case NR_symlinkat: return PS_SC_SYMLINKAT;
	case NR_mkdir: return PS_SC_MKDIR;
	case NR_mkdirat: return PS_SC_MKDIRAT;
	case NR_rmdir: return PS_SC_RMDIR;
	case NR_mknod: return PS_SC_MKNOD;
	case NR_mknodat: return PS_SC_MKNODAT;
	case NR_memfd_create: return PS_SC_MEMFD_CREATE;
	case NR_mmap: return PS_SC_MMAP;
	case NR_mprotect: return PS_SC_MPROTECT;
	case NR_ptrace: return PS_SC_PTRACE;
	case NR_process_vm_readv: return PS_SC_PROCESS_VM_READV;
	case NR_process_vm_writev: return PS_SC_PROCESS_VM_WRITEV;
	case NR_kill: return PS_SC_KILL;
	case NR_tgkill: return PS_SC_TGKILL;
	case NR_tkill: return PS_SC_TKILL;
	case NR_setuid: return PS_SC_SETUID;
	case NR_setgid: return PS_SC_SETGID;
	case NR_setreuid: return PS_SC_SETREUID;
	case NR_setregid: return PS_SC_SETREGID;
	case NR_setresuid: return PS_SC_SETRESUID;
	case NR_setresgid: return PS_SC_SETRESGID;
	case NR_setfsuid: return PS_SC_SETFSUID;
	case NR_setfsgid: return PS_SC_SETFSGID;
	case NR_init_module: return PS_SC_INIT_MODULE;
	case NR_finit_module: return PS_SC_FINIT_MODULE;
	case NR_preadv: return PS_SC_PREADV;
	case NR_pwritev: return PS_SC_PWRITEV;
	case NR_preadv2: return PS_SC_PREADV2;
	case NR_pwritev2: return PS_SC_PWRITEV2;
	case NR_sendmmsg: return PS_SC_SENDMMSG;
	case NR_recvmmsg: return PS_SC_RECVMMSG;
	case NR_sendfile: return PS_SC_SENDFILE;
	case NR_splice: return PS_SC_SPLICE;
	case NR_copy_file_range: return PS_SC_COPY_FILE_RANGE;
	case NR_shmget: return PS_SC_SHMGET;
	case NR_shmat: return PS_SC_SHMAT;
	case NR_shmdt: return PS_SC_SHMDT;
	case NR_shmctl: return PS_SC_SHMCTL;
	case NR_msgget: return PS_SC_MSGGET;
	case NR_msgsnd: return PS_SC_MSGSND;
	case NR_msgrcv: return PS_SC_MSGRCV;
	case NR_mq_open: return PS_SC_MQ_OPEN;
	case NR_mq_timedsend: return PS_SC_MQ_TIMEDSEND;
	case NR_mq_timedreceive: return PS_SC_MQ_TIMEDRECEIVE;
	case NR_mq_unlink: return PS_SC_MQ_UNLINK;
	}
	return PS_SC_UNKNOWN;
}
#endif /* PS_SYSCALL_TABLE_BPF_H */
