/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-syscall arguments and resolved objects of a ps_syscall_record. */
#ifndef PS_SYSCALLS_BPF_H
#define PS_SYSCALLS_BPF_H

#include "ps_syscalls_fd.bpf.h"
#include "ps_syscalls_fs.bpf.h"
#include "ps_syscalls_io.bpf.h"
#include "ps_syscalls_proc.bpf.h"
#include "ps_syscalls_ipc.bpf.h"

/*
 * Calls not worth a record, dropped before anything is built: anonymous
 * non-executable mmaps and mprotects that do not add PROT_EXEC (every
 * process makes dozens; they carry no provenance).
 */
static __always_inline bool syscall_is_noise(__u32 kind, struct pt_regs *regs)
{
	return (kind == PS_SC_MMAP || kind == PS_SC_MPROTECT) && proc_call_is_noise(kind, regs);
}

/*
 * The caller's address buffer size, read at recvfrom/recvmsg entry. At exit the kernel
 * has written back the address's FULL length, which may exceed the buffer (it copied a
 * truncated address: an IPv6 sender into a sockaddr_in), so the exit reads at most
 * min(buffer, returned) bytes. Keyed by thread; `where` is the addrlen pointer (recvfrom)
 * or the msghdr (recvmsg) the size came from, so a stale entry is never used. LRU: an
 * entry whose exit took another path ages out.
 */
struct recv_len {
	__u64 where;
	__s32 len;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct recv_len);
} recv_len_map SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int ps_recv_len_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct recv_len v = {};

	if (!ctx->args[4] || !ctx->args[5])
		return 0;
	if (bpf_probe_read_user(&v.len, sizeof(v.len), (const void *)ctx->args[5]))
		return 0;
	v.where = ctx->args[5];
	bpf_map_update_elem(&recv_len_map, &id, &v, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int ps_recv_len_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct user_msghdr msg = {};
	struct recv_len v = {};

	if (!ctx->args[1] || bpf_probe_read_user(&msg, sizeof(msg), (const void *)ctx->args[1]) || !msg.msg_name)
		return 0;
	v.where = ctx->args[1];
	v.len = msg.msg_namelen;
	bpf_map_update_elem(&recv_len_map, &id, &v, BPF_ANY);
	return 0;
}

/* min(the caller's buffer as seen at entry, the length returned); without the entry's
 * view (not attached yet, or no syscall tracepoints) at most a sockaddr_in6. */
static __always_inline int recv_len_cap(__u64 where, int returned)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct recv_len *v = bpf_map_lookup_elem(&recv_len_map, &id);
	int cap = sizeof(struct sockaddr_in6);

	if (v) {
		if (v->where == where && v->len < cap)
			cap = v->len;
		bpf_map_delete_elem(&recv_len_map, &id);
	}
	return returned < cap ? returned : cap;
}

/*
 * recvfrom(fd, buf, len, flags, src_addr r8, addrlen r9) and recvmsg(fd, msg si, flags)
 * at exit: the source address the kernel copied out (its length read back, capped by
 * the buffer's size at entry) goes into the record being built in the scratch buffer.
 * A global function: the verifier checks it once, not on every path through
 * put_syscall_args' switch.
 */
__noinline int ps_recv_source(__u32 kind, long ret, long si, long r8, long r9)
{
	struct scratch *s = get_scratch();
	struct ps_syscall_record *r;
	const void *name = NULL;
	__u64 where;
	int len = 0;

	if (!s)
		return 0;
	r = (struct ps_syscall_record *)s->rec;
	if ((kind != PS_SC_RECVFROM && kind != PS_SC_RECVMSG) || ret < 0 || r->rport != 0 || !addr_is_zero(r->raddr))
		return 0; /* not a receive, or a connected socket: its peer is known */
	if (kind == PS_SC_RECVFROM) {
		if (!r8 || !r9 || bpf_probe_read_user(&len, sizeof(len), (const void *)r9))
			return 0;
		name = (const void *)r8;
		where = (__u64)r9;
	} else {
		struct user_msghdr msg = {};

		if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)si))
			return 0;
		name = msg.msg_name;
		len = msg.msg_namelen;
		where = (__u64)si;
	}
	read_sockaddr(r->raddr, &r->rport, name, recv_len_cap(where, len));
	return 0;
}

/*
 * The arguments and objects of one syscall, after the fixed part of the record
 * is filled in. Arguments are re-read from the saved user registers (x86_64:
 * di, si, dx, r10, r8, r9), user memory at exit (the kernel faulted it in).
 * Returns the record size: every case writes all PS_MAX_STRINGS strings.
 */
static __always_inline __u32 put_syscall_args(struct scratch *s, struct ps_syscall_record *r,
					      struct task_struct *task, struct pt_regs *regs,
					      __u32 kind, long ret)
{
	__u32 pos = sizeof(*r);
	long di = regs->di, si = regs->si, dx = regs->dx, r10 = regs->r10, r8 = regs->r8, r9 = regs->r9;

	switch (kind) {
	case PS_SC_CHDIR: case PS_SC_FCHDIR: case PS_SC_DUP: case PS_SC_DUP2: case PS_SC_DUP3:
	case PS_SC_FCNTL: case PS_SC_CLOSE_RANGE: case PS_SC_PIPE: case PS_SC_PIPE2:
	case PS_SC_SOCKETPAIR: case PS_SC_SOCKET: case PS_SC_MEMFD_CREATE:
		return put_fd_args(s, r, task, regs, kind, ret, pos);
	case PS_SC_TRUNCATE: case PS_SC_FTRUNCATE: case PS_SC_CHMOD: case PS_SC_FCHMOD:
	case PS_SC_FCHMODAT: case PS_SC_CHOWN: case PS_SC_FCHOWN: case PS_SC_FCHOWNAT:
	case PS_SC_LCHOWN: case PS_SC_LINK: case PS_SC_LINKAT: case PS_SC_SYMLINK:
	case PS_SC_SYMLINKAT: case PS_SC_MKDIR: case PS_SC_MKDIRAT: case PS_SC_RMDIR:
	case PS_SC_MKNOD: case PS_SC_MKNODAT:
		return put_fs_args(s, r, task, regs, kind, ret, pos);
	case PS_SC_PREADV: case PS_SC_PWRITEV: case PS_SC_PREADV2: case PS_SC_PWRITEV2:
	case PS_SC_SENDMMSG: case PS_SC_RECVMMSG: case PS_SC_SENDFILE: case PS_SC_SPLICE:
	case PS_SC_COPY_FILE_RANGE:
		return put_io_args(s, r, task, regs, kind, ret, pos);
	case PS_SC_MMAP: case PS_SC_MPROTECT:
	case PS_SC_PTRACE: case PS_SC_PROCESS_VM_READV: case PS_SC_PROCESS_VM_WRITEV:
	case PS_SC_KILL: case PS_SC_TGKILL: case PS_SC_TKILL: case PS_SC_SETUID: case PS_SC_SETGID:
	case PS_SC_SETREUID: case PS_SC_SETREGID: case PS_SC_SETRESUID: case PS_SC_SETRESGID:
	case PS_SC_SETFSUID: case PS_SC_SETFSGID: case PS_SC_INIT_MODULE: case PS_SC_FINIT_MODULE:
		return put_proc_args(s, r, task, regs, kind, ret, pos);
	case PS_SC_SHMGET: case PS_SC_SHMAT: case PS_SC_SHMDT: case PS_SC_SHMCTL:
	case PS_SC_MSGGET: case PS_SC_MSGSND: case PS_SC_MSGRCV: case PS_SC_MQ_OPEN:
	case PS_SC_MQ_TIMEDSEND: case PS_SC_MQ_TIMEDRECEIVE: case PS_SC_MQ_UNLINK:
		return put_ipc_args(s, r, task, regs, kind, ret, pos);
	case PS_SC_READ: case PS_SC_WRITE: case PS_SC_PREAD64: case PS_SC_PWRITE64:
	case PS_SC_READV: case PS_SC_WRITEV: case PS_SC_RECVFROM: case PS_SC_RECVMSG:
	case PS_SC_SENDTO: case PS_SC_SENDMSG: case PS_SC_LISTEN: case PS_SC_CONNECT:
	case PS_SC_BIND:
		r->fd = (int)di;
		if (ret > 0 && kind != PS_SC_LISTEN && kind != PS_SC_CONNECT && kind != PS_SC_BIND)
			r->bytes = ret;
		r->str_len[0] = put_file(r, pos, current_file((int)di));
		pos += r->str_len[0] + 1;
		if (kind == PS_SC_CONNECT && r->rport == 0 && addr_is_zero(r->raddr))
			read_sockaddr(r->raddr, &r->rport, (const void *)si, dx);
		else if (kind == PS_SC_SENDTO && r->rport == 0 && addr_is_zero(r->raddr))
			read_sockaddr(r->raddr, &r->rport, (const void *)r8, r9);
		else if (kind == PS_SC_BIND && r->lport == 0)
			read_sockaddr(r->laddr, &r->lport, (const void *)si, dx);
		else if (kind == PS_SC_SENDMSG && r->rport == 0 && addr_is_zero(r->raddr)) {
			struct user_msghdr msg = {};

			if (!bpf_probe_read_user(&msg, sizeof(msg), (const void *)si))
				read_sockaddr(r->raddr, &r->rport, msg.msg_name, msg.msg_namelen);
		}
		/* recvfrom/recvmsg on an unconnected socket (a UDP server): the sender,
		 * so the event carries the flow's full 5-tuple (no branch here: each
		 * one multiplies the verifier's paths through this switch) */
		ps_recv_source(kind, ret, si, r8, r9);
		if (r->family == 0 && (r->path_flags & PS_PATH_IS_SOCKET)) {
			/* not an inet socket we could read: keep what the caller passed */
		}
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		break;
	case PS_SC_ACCEPT: case PS_SC_ACCEPT4:
		r->fd = ret >= 0 ? (int)ret : (int)di;
		if (kind == PS_SC_ACCEPT4)
			r->flags = (__u32)r10;
		r->str_len[0] = put_file(r, pos, current_file(r->fd));
		pos += r->str_len[0] + 1;
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		break;
	case PS_SC_CLOSE:
		/* the fd is gone by now: user space names it (capture/fd_table_tracker) */
		r->fd = (int)di;
		pos = put_empties(s, pos, 4);
		break;
	case PS_SC_OPEN: case PS_SC_OPENAT: case PS_SC_OPENAT2: case PS_SC_CREAT: {
		long dirfd = AT_FDCWD;
		const void *uptr = (const void *)di;

		if (kind == PS_SC_OPEN) {
			r->flags = (__u32)si;
			r->mode = (__u32)dx;
		} else if (kind == PS_SC_CREAT) {
			r->flags = 0x241; /* O_CREAT | O_WRONLY | O_TRUNC */
			r->mode = (__u32)si;
		} else {
			dirfd = di;
			uptr = (const void *)si;
			if (kind == PS_SC_OPENAT) {
				r->flags = (__u32)dx;
				r->mode = (__u32)r10;
			} else {
				struct open_how how = {};

				bpf_probe_read_user(&how, sizeof(how), (const void *)dx);
				r->flags = (__u32)how.flags;
				r->mode = (__u32)how.mode;
			}
		}
		if (ret >= 0) {
			r->fd = (int)ret;
			r->str_len[0] = put_file(r, pos, current_file(ret));
			pos += r->str_len[0] + 1;
			pos = put_empty(s, pos);
		} else {
			pos = put_path_arg(s, r, pos, PS_STR_PATH, dirfd, uptr);
		}
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		break;
	}
	case PS_SC_UNLINK:
		pos = put_path_arg(s, r, pos, PS_STR_PATH, AT_FDCWD, (const void *)di);
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		break;
	case PS_SC_UNLINKAT:
		r->flags = (__u32)dx;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, di, (const void *)si);
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		break;
	case PS_SC_RENAME:
		pos = put_path_arg(s, r, pos, PS_STR_PATH, AT_FDCWD, (const void *)di);
		pos = put_path_arg(s, r, pos, PS_STR_PATH2, AT_FDCWD, (const void *)si);
		break;
	case PS_SC_RENAMEAT: case PS_SC_RENAMEAT2:
		if (kind == PS_SC_RENAMEAT2)
			r->flags = (__u32)r8;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, di, (const void *)si);
		pos = put_path_arg(s, r, pos, PS_STR_PATH2, dx, (const void *)r10);
		break;
	case PS_SC_EXECVE:
		pos = put_path_arg(s, r, pos, PS_STR_PATH, AT_FDCWD, (const void *)di);
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		break;
	case PS_SC_EXECVEAT:
		r->flags = (__u32)r8;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, di, (const void *)si);
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		break;
	case PS_SC_CLONE:
		r->flags = (__u32)di;
		/* fallthrough */
	default: /* fork, vfork, clone3 */
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		break;
	}
	return pos;
}

#endif /* PS_SYSCALLS_BPF_H */
