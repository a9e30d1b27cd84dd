// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * provscope's kernel side: one tp_btf/sys_exit program dispatching on the
 * syscall number (arguments re-read from the saved user pt_regs), plus the
 * scheduler tracepoints for exec, fork and process exit. Records are built in
 * a per-CPU scratch buffer and copied to the ring buffer with their real size.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "provscope_events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SCRATCH_SIZE 32768
#define SCRATCH_MASK (SCRATCH_SIZE - 1)
/* Strings start below POS_MASK + 1, so a 4 KiB string always fits. */
#define POS_MASK 16383
#define HALF_MASK (PS_PATH_MAX - 1)
#define MAX_PATH_DEPTH 64

#define AT_FDCWD -100
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534F434B
#define PS_AF_UNIX 1
#define PS_AF_INET 2
#define PS_AF_INET6 10

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

/* Set by user space before load: the helper's own tgid is never traced, nor the
 * workstation it streams to (its tgid from SO_PEERCRED), which would otherwise
 * record itself writing the session. 0: none. */
const volatile __u32 exclude_tgid = 0;
const volatile __u32 exclude_client_tgid = 0;

static __always_inline bool is_excluded(__u32 tgid)
{
	return tgid == exclude_tgid || (exclude_client_tgid && tgid == exclude_client_tgid);
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24); /* resized by user space before load */
} events SEC(".maps");

struct scratch {
	__u8 rec[SCRATCH_SIZE];
};

/* A path is assembled backwards ending at PS_PATH_MAX - 1; the second half
 * only exists so the verifier can see every masked write stays in bounds. */
struct pathbuf {
	__u8 buf[2 * PS_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pathbuf);
} path_map SEC(".maps");

/* Ring-buffer output failures, per CPU; user space turns deltas into losses. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/*
 * What an fd refers to, read while the fd is open. close() needs it taken at
 * sys_enter: by sys_exit the fd is gone and (since 6.15) the file freed.
 */
enum { FD_NONE = 0, FD_FILE, FD_PIPE, FD_SOCKET };

struct file_desc {
	__u64 dentry;
	__u64 mnt;
	__u64 ino;
	__u32 type;
	__u16 family;
	__u16 lport;
	__u16 rport;
	__u16 pad[3];
	__u8 laddr[16];
	__u8 raddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct file_desc);
} close_file SEC(".maps");

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += 1;
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_map, &zero);
}

static __always_inline struct pathbuf *get_pathbuf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&path_map, &zero);
}

static __always_inline void fill_task(struct ps_task *t, struct task_struct *task)
{
	t->pid = BPF_CORE_READ(task, tgid);
	t->tid = BPF_CORE_READ(task, pid);
	t->ppid = BPF_CORE_READ(task, real_parent, tgid);
	t->uid = BPF_CORE_READ(task, cred, uid.val);
	t->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	bpf_probe_read_kernel_str(t->comm, sizeof(t->comm), &task->comm);
}

/* The same for the current task through its trusted BTF pointer: plain loads, no helper calls. */
static __always_inline void fill_current_task(struct ps_task *t)
{
	struct task_struct *task = bpf_get_current_task_btf();

	t->pid = task->tgid;
	t->tid = task->pid;
	t->ppid = task->real_parent->tgid;
	t->uid = task->cred->uid.val;
	t->start_ns = task->group_leader->start_boottime;
	bpf_get_current_comm(t->comm, sizeof(t->comm));
}

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
	}
	return PS_SC_UNKNOWN;
}

static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0)
		return NULL;
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return NULL;
	if ((unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/*
 * Writes the path of (dentry, vfsmnt) as the current task sees it (stopping
 * at its fs->root) backwards into the path buffer, ending with the NUL at
 * PS_PATH_MAX - 1. Returns the offset of the first character, with
 * WALK_TRUNCATED set when the depth limit or the buffer cut it short.
 * A global function: the verifier checks it once, not at every call site.
 */
#define WALK_TRUNCATED (1 << 16)

struct walk_ctx {
	__u64 dentry;
	__u64 vfsmnt;
	__u64 mnt;
	__u64 root_dentry;
	__u64 root_mnt;
	int off;
	int truncated;
	int done;
	int pad;
};

/* One path component per call (a bpf_loop body: verified once, not per iteration). */
static long walk_step(__u32 index, void *data)
{
	struct walk_ctx *c = data;
	struct pathbuf *pb = get_pathbuf();
	struct dentry *dentry = (struct dentry *)c->dentry;
	struct vfsmount *vfsmnt = (struct vfsmount *)c->vfsmnt;
	struct mount *mnt = (struct mount *)c->mnt;
	struct dentry *mnt_root, *parent;
	struct mount *mnt_parent;
	struct qstr name;
	int off = c->off & HALF_MASK;
	int len, noff;

	if (!pb || !dentry || (c->dentry == c->root_dentry && c->vfsmnt == c->root_mnt)) {
		c->done = 1;
		return 1;
	}
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == mnt_root || dentry == parent) {
		mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
		if (dentry == mnt_root && mnt != mnt_parent) {
			/* cross to the mount point in the parent mount */
			c->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
			c->mnt = (__u64)mnt_parent;
			c->vfsmnt = (__u64)__builtin_preserve_access_index(&mnt_parent->mnt);
			return 0;
		}
		c->done = 1;
		if (dentry != mnt_root && off == PS_PATH_MAX - 1) {
			/* a pseudo file (memfd:..., [eventfd]): just its name */
			bpf_core_read(&name, sizeof(name), &dentry->d_name);
			len = name.len & HALF_MASK;
			noff = off - len;
			if (noff < 0)
				return 1;
			bpf_probe_read_kernel(&pb->buf[noff & HALF_MASK], len & HALF_MASK, name.name);
			c->off = noff;
		}
		return 1;
	}
	bpf_core_read(&name, sizeof(name), &dentry->d_name);
	len = name.len & HALF_MASK;
	noff = off - len - 1;
	if (noff < 0) {
		c->truncated = 1;
		c->done = 1;
		return 1;
	}
	bpf_probe_read_kernel(&pb->buf[(noff + 1) & HALF_MASK], len & HALF_MASK, name.name);
	pb->buf[noff & HALF_MASK] = '/';
	c->off = noff;
	c->dentry = (__u64)parent;
	return 0;
}

/*
 * Writes the path of (dentry, vfsmnt) as the current task sees it (stopping
 * at its fs->root) backwards into the path buffer, ending with the NUL at
 * PS_PATH_MAX - 1. Returns the offset of the first character, with
 * WALK_TRUNCATED set when the depth limit or the buffer cut it short.
 * A global function: the verifier checks it once, not at every call site.
 */
__noinline int ps_walk_path(__u64 dentry_p, __u64 vfsmnt_p)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pathbuf *pb = get_pathbuf();
	struct walk_ctx c = {};
	int off;

	if (!pb)
		return PS_PATH_MAX - 1;
	pb->buf[PS_PATH_MAX - 1] = 0;
	c.dentry = dentry_p;
	c.vfsmnt = vfsmnt_p;
	c.mnt = (__u64)container_of((struct vfsmount *)vfsmnt_p, struct mount, mnt);
	c.root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry);
	c.root_mnt = (__u64)BPF_CORE_READ(task, fs, root.mnt);
	c.off = PS_PATH_MAX - 1;
	bpf_loop(MAX_PATH_DEPTH, walk_step, &c, 0);
	if (!c.done)
		c.truncated = 1;
	off = c.off & HALF_MASK;
	if (off == PS_PATH_MAX - 1) {
		off--;
		pb->buf[off & HALF_MASK] = '/';
	}
	return off | (c.truncated ? WALK_TRUNCATED : 0);
}

static __always_inline int walk_path(struct dentry *dentry, struct vfsmount *vfsmnt, __u32 *path_flags)
{
	int res = ps_walk_path((__u64)dentry, (__u64)vfsmnt);

	if (res & WALK_TRUNCATED)
		*path_flags |= PS_PATH_TRUNCATED;
	return res & HALF_MASK;
}

/* Copies the string pb[off .. PS_PATH_MAX-1] (with its NUL) to rec[pos]; returns its length. */
static __always_inline __u32 copy_path(struct scratch *s, __u32 pos, int off)
{
	struct pathbuf *pb = get_pathbuf();
	__u32 o = off & HALF_MASK;
	__u32 n = PS_PATH_MAX - o;

	if (!pb) {
		s->rec[pos & POS_MASK] = 0;
		return 0;
	}
	bpf_probe_read_kernel(&s->rec[pos & POS_MASK], n, &pb->buf[o]);
	return n - 1;
}

/* "pipe:[ino]" into the path buffer; returns the start offset. */
static __always_inline int pipe_name(__u64 ino)
{
	static const char prefix[] = "pipe:[";
	struct pathbuf *pb = get_pathbuf();
	int off = PS_PATH_MAX - 1;
	int i;

	if (!pb)
		return off;
	pb->buf[off] = 0;
	pb->buf[--off] = ']';
	for (i = 0; i < 20; i++) {
		pb->buf[--off & HALF_MASK] = '0' + ino % 10;
		ino /= 10;
		if (!ino)
			break;
	}
	for (i = sizeof(prefix) - 2; i >= 0; i--)
		pb->buf[--off & HALF_MASK] = prefix[i];
	return off;
}

static __always_inline void describe_socket(struct file_desc *d, struct file *f)
{
	struct socket *sock = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	__u16 family;

	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	d->family = family;
	if (family == PS_AF_INET) {
		__u32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(d->laddr, &l, 4);
		__builtin_memcpy(d->raddr, &r, 4);
	} else if (family == PS_AF_INET6) {
		bpf_core_read(d->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(d->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		return;
	}
	d->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	d->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

static __always_inline void describe_file(struct file_desc *d, struct file *f)
{
	__u32 mode;
	__u64 magic;

	__builtin_memset(d, 0, sizeof(*d));
	if (!f)
		return;
	mode = BPF_CORE_READ(f, f_inode, i_mode);
	magic = BPF_CORE_READ(f, f_inode, i_sb, s_magic);
	if ((mode & S_IFMT) == S_IFSOCK && magic == SOCKFS_MAGIC) {
		d->type = FD_SOCKET;
		describe_socket(d, f);
	} else if (magic == PIPEFS_MAGIC) {
		d->type = FD_PIPE;
		d->ino = BPF_CORE_READ(f, f_inode, i_ino);
	} else {
		d->type = FD_FILE;
		d->dentry = (__u64)BPF_CORE_READ(f, f_path.dentry);
		d->mnt = (__u64)BPF_CORE_READ(f, f_path.mnt);
	}
}

/*
 * The object of an fd-based event into the string slot at pos: a socket's
 * addresses, a pipe's name, or the file's canonical path. Returns the length.
 */
static __noinline __u32 put_desc(struct ps_syscall_record *r, __u32 pos, struct file_desc *d)
{
	struct scratch *s = get_scratch();
	int off;

	if (!s)
		return 0;
	switch (d->type) {
	case FD_SOCKET:
		r->path_flags |= PS_PATH_IS_SOCKET;
		r->family = d->family;
		r->lport = d->lport;
		r->rport = d->rport;
		__builtin_memcpy(r->laddr, d->laddr, 16);
		__builtin_memcpy(r->raddr, d->raddr, 16);
		break;
	case FD_PIPE:
		r->path_flags |= PS_PATH_IS_PIPE;
		return copy_path(s, pos, pipe_name(d->ino));
	case FD_FILE:
		off = walk_path((struct dentry *)d->dentry, (struct vfsmount *)d->mnt, &r->path_flags);
		return copy_path(s, pos, off);
	}
	s->rec[pos & POS_MASK] = 0;
	return 0;
}

static __always_inline __u32 put_file(struct ps_syscall_record *r, __u32 pos, struct file *f)
{
	struct file_desc d;

	describe_file(&d, f);
	return put_desc(r, pos, &d);
}

/* The directory a relative path argument is relative to: dirfd's file or the cwd. */
static __noinline __u32 put_base_dir(struct ps_syscall_record *r, __u32 pos, long dirfd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct scratch *s = get_scratch();
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	int off;

	if (!s)
		return 0;
	if ((int)dirfd == AT_FDCWD) {
		dentry = BPF_CORE_READ(task, fs, pwd.dentry);
		vfsmnt = BPF_CORE_READ(task, fs, pwd.mnt);
	} else {
		struct file *f = fd_file(task, (int)dirfd);

		if (!f) {
			s->rec[pos & POS_MASK] = 0;
			return 0;
		}
		dentry = BPF_CORE_READ(f, f_path.dentry);
		vfsmnt = BPF_CORE_READ(f, f_path.mnt);
	}
	off = walk_path(dentry, vfsmnt, &r->path_flags);
	return copy_path(s, pos, off);
}

/* A path argument as passed; returns its length (0 when unreadable). */
static __always_inline __u32 put_user_str(struct scratch *s, __u32 pos, const void *uptr)
{
	long n = bpf_probe_read_user_str(&s->rec[pos & POS_MASK], PS_PATH_MAX, uptr);

	if (n <= 0) {
		s->rec[pos & POS_MASK] = 0;
		return 0;
	}
	return n - 1;
}

/* Path argument (slot) and, when relative, its base directory (slot + 1). */
static __always_inline __u32 put_path_arg(struct scratch *s, struct ps_syscall_record *r, __u32 pos,
					  int slot, long dirfd, const void *uptr)
{
	__u32 len = put_user_str(s, pos, uptr);
	__u32 base = 0;

	r->str_len[slot & 3] = len;
	pos += len + 1;
	if (len > 0 && s->rec[(pos - len - 1) & POS_MASK] != '/')
		base = put_base_dir(r, pos, dirfd);
	else
		s->rec[pos & POS_MASK] = 0;
	r->str_len[(slot + 1) & 3] = base;
	return pos + base + 1;
}

static __always_inline __u32 put_empty(struct scratch *s, __u32 pos)
{
	s->rec[pos & POS_MASK] = 0;
	return pos + 1;
}

/* Socket address argument from user memory, for sockets without the address set yet. */
static __always_inline void read_sockaddr(__u8 *addr, __u16 *port, const void *uptr, long len)
{
	__u16 family = 0;

	if (!uptr || len < 8)
		return;
	if (bpf_probe_read_user(&family, sizeof(family), uptr))
		return;
	if (family == PS_AF_INET) {
		struct sockaddr_in sin = {};

		if (bpf_probe_read_user(&sin, sizeof(sin), uptr))
			return;
		__builtin_memcpy(addr, &sin.sin_addr.s_addr, 4);
		*port = bpf_ntohs(sin.sin_port);
	} else if (family == PS_AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6 = {};

		if (bpf_probe_read_user(&sin6, sizeof(sin6), uptr))
			return;
		__builtin_memcpy(addr, &sin6.sin6_addr, 16);
		*port = bpf_ntohs(sin6.sin6_port);
	}
}

static __always_inline int addr_is_zero(const __u8 *a)
{
	__u64 x, y;

	__builtin_memcpy(&x, a, 8);
	__builtin_memcpy(&y, a + 8, 8);
	return x == 0 && y == 0;
}

/*
 * Wake the reader only once a batch has piled up: a wakeup per record costs
 * more than the record. The reader polls with a timeout, so a lone record
 * waits at most that long.
 */
#define WAKEUP_BYTES (256 * 1024)

static __always_inline __u64 wakeup_flag(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP
									       : BPF_RB_NO_WAKEUP;
}

static __always_inline void emit(struct scratch *s, __u32 size)
{
	if (bpf_ringbuf_output(&events, s->rec, size & SCRATCH_MASK, wakeup_flag()))
		count_lost();
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ps_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct file_desc *d;

	if (id != NR_close)
		return 0;
	if (is_excluded(bpf_get_current_pid_tgid() >> 32))
		return 0;
	task = bpf_get_current_task_btf();
	d = bpf_task_storage_get(&close_file, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (d)
		describe_file(d, fd_file(task, (int)regs->di));
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ps_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;
	__u32 kind = syscall_kind(nr);
	struct task_struct *task;
	struct ps_syscall_record *r;
	struct scratch *s;
	__u32 pos;
	long di, si, dx, r10, r8, r9;

	if (kind == PS_SC_UNKNOWN)
		return 0;
	if (is_excluded(bpf_get_current_pid_tgid() >> 32))
		return 0;
	switch (kind) {
	case PS_SC_CLONE: case PS_SC_CLONE3: case PS_SC_FORK: case PS_SC_VFORK:
		if (ret == 0)
			return 0; /* the child's return: the parent reports it */
		break;
	case PS_SC_EXECVE: case PS_SC_EXECVEAT:
		if (ret >= 0)
			return 0; /* sched_process_exec reported it */
		break;
	}

	s = get_scratch();
	if (!s)
		return 0;
	r = (struct ps_syscall_record *)s->rec;
	__builtin_memset(r, 0, sizeof(*r));
	task = (struct task_struct *)bpf_get_current_task();
	r->hdr.type = PS_REC_SYSCALL;
	r->hdr.ts_ns = bpf_ktime_get_boot_ns();
	r->last_ts_ns = r->hdr.ts_ns;
	fill_current_task(&r->task);
	r->ret = ret;
	r->count = 1;
	r->kind = kind;
	r->fd = -1;

	di = regs->di;
	si = regs->si;
	dx = regs->dx;
	r10 = regs->r10;
	r8 = regs->r8;
	r9 = regs->r9;
	pos = sizeof(*r);

	switch (kind) {
	case PS_SC_READ: case PS_SC_WRITE: case PS_SC_PREAD64: case PS_SC_PWRITE64:
	case PS_SC_READV: case PS_SC_WRITEV: case PS_SC_RECVFROM: case PS_SC_RECVMSG:
	case PS_SC_SENDTO: case PS_SC_SENDMSG: case PS_SC_LISTEN: case PS_SC_CONNECT:
	case PS_SC_BIND:
		r->fd = (int)di;
		if (ret > 0 && kind != PS_SC_LISTEN && kind != PS_SC_CONNECT && kind != PS_SC_BIND)
			r->bytes = ret;
		r->str_len[0] = put_file(r, pos, fd_file(task, (int)di));
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
		r->str_len[0] = put_file(r, pos, fd_file(task, r->fd));
		pos += r->str_len[0] + 1;
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		break;
	case PS_SC_CLOSE: {
		struct file_desc *d = bpf_task_storage_get(&close_file, bpf_get_current_task_btf(), 0, 0);

		r->fd = (int)di;
		if (d) {
			r->str_len[0] = put_desc(r, pos, d);
			d->type = FD_NONE;
		} else {
			r->str_len[0] = put_file(r, pos, NULL);
		}
		pos += r->str_len[0] + 1;
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		pos = put_empty(s, pos);
		break;
	}
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
			r->str_len[0] = put_file(r, pos, fd_file(task, ret));
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
	r->hdr.size = pos & SCRATCH_MASK;
	emit(s, pos);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ps_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ps_exec_record *r;
	struct scratch *s;
	struct pt_regs *regs;
	struct file *f;
	unsigned long arg_start, arg_end, n;
	__u32 pos, len;
	int off;

	if (is_excluded(BPF_CORE_READ(p, tgid)))
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	r = (struct ps_exec_record *)s->rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->hdr.type = PS_REC_EXEC;
	r->hdr.ts_ns = bpf_ktime_get_boot_ns();
	fill_task(&r->task, p);
	regs = (struct pt_regs *)bpf_task_pt_regs(p);
	r->kind = BPF_CORE_READ(regs, orig_ax) == NR_execveat ? PS_SC_EXECVEAT : PS_SC_EXECVE;
	r->old_pid = old_pid;

	pos = sizeof(*r);
	f = BPF_CORE_READ(bprm, file);
	off = walk_path(BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt), &r->path_flags);
	len = copy_path(s, pos, off);
	r->exe_len = len;
	pos += len + 1;

	arg_start = BPF_CORE_READ(p, mm, arg_start);
	arg_end = BPF_CORE_READ(p, mm, arg_end);
	n = arg_end > arg_start ? arg_end - arg_start : 0;
	if (n > PS_ARGV_MAX - 1)
		n = PS_ARGV_MAX - 1;
	n &= PS_ARGV_MAX - 1;
	if (n && bpf_probe_read_user(&s->rec[pos & POS_MASK], n, (const void *)arg_start))
		n = 0;
	/* argv ends with a NUL; argv_len excludes it */
	if (n && s->rec[(pos + n - 1) & POS_MASK] == 0)
		n--;
	s->rec[(pos + n) & POS_MASK] = 0;
	r->argv_len = n;
	pos += n + 1;
	r->hdr.size = pos & SCRATCH_MASK;
	emit(s, pos);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ps_fork, struct task_struct *parent, struct task_struct *child)
{
	struct ps_fork_record *r;
	__u32 tgid = BPF_CORE_READ(parent, tgid);

	if (is_excluded(tgid))
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_lost();
		return 0;
	}
	r->hdr.type = PS_REC_FORK;
	r->hdr.size = sizeof(*r);
	r->hdr.ts_ns = bpf_ktime_get_boot_ns();
	fill_task(&r->task, parent);
	r->child_pid = BPF_CORE_READ(child, tgid);
	r->child_tid = BPF_CORE_READ(child, pid);
	r->child_start_ns = BPF_CORE_READ(child, group_leader, start_boottime);
	r->is_thread = r->child_pid == tgid;
	r->pad0 = 0;
	bpf_ringbuf_submit(r, wakeup_flag());
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ps_exit, struct task_struct *p)
{
	struct ps_exit_record *r;

	if (is_excluded(BPF_CORE_READ(p, tgid)))
		return 0;
	/* once per process: when its last thread exits (signal->live reached 0) */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_lost();
		return 0;
	}
	r->hdr.type = PS_REC_EXIT;
	r->hdr.size = sizeof(*r);
	r->hdr.ts_ns = bpf_ktime_get_boot_ns();
	fill_task(&r->task, p);
	r->exit_code = BPF_CORE_READ(p, exit_code);
	r->pad0 = 0;
	bpf_ringbuf_submit(r, wakeup_flag());
	return 0;
}
