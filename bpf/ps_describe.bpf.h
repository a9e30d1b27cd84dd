/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Describing objects into a record: files, pipes, sockets, path arguments. */
#ifndef PS_DESCRIBE_BPF_H
#define PS_DESCRIBE_BPF_H

/* What an fd refers to, read while the fd is open. */
enum { FD_NONE = 0, FD_FILE, FD_PIPE, FD_SOCKET, FD_MQUEUE };

#define MQUEUE_MAGIC 0x19800202

struct file_desc {
	__u64 dentry;
	__u64 mnt;
	__u64 ino;        /* files, pipes, sockets */
	__u32 type;
	__u16 family;
	__u16 lport;
	__u16 rport;
	__u16 pad;
	__u32 dev;        /* files: the file system's kernel dev_t */
	__u8 laddr[16];
	__u8 raddr[16];
};

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
	struct inode *inode;
	struct super_block *sb;
	__u32 mode;
	__u64 magic;

	__builtin_memset(d, 0, sizeof(*d));
	if (!f)
		return;
	inode = BPF_CORE_READ(f, f_inode);
	sb = BPF_CORE_READ(inode, i_sb);
	mode = BPF_CORE_READ(inode, i_mode);
	magic = BPF_CORE_READ(sb, s_magic);
	d->ino = BPF_CORE_READ(inode, i_ino);
	if ((mode & S_IFMT) == S_IFSOCK && magic == SOCKFS_MAGIC) {
		d->type = FD_SOCKET;
		describe_socket(d, f);
	} else if (magic == PIPEFS_MAGIC) {
		d->type = FD_PIPE;
	} else {
		/* the file's identity: a rename keeps it, a new file at the path does not */
		d->type = magic == MQUEUE_MAGIC ? FD_MQUEUE : FD_FILE;
		d->dev = BPF_CORE_READ(sb, s_dev);
		d->dentry = (__u64)BPF_CORE_READ(f, f_path.dentry);
		d->mnt = (__u64)BPF_CORE_READ(f, f_path.mnt);
	}
}

#define MQUEUE_DIR "/dev/mqueue"
#define MQUEUE_DIR_LEN 11

/* Puts "/dev/mqueue" before the path that starts at off in the path buffer. */
static __always_inline int prepend_mqueue_dir(int off)
{
	const char dir[MQUEUE_DIR_LEN + 1] = MQUEUE_DIR;
	struct pathbuf *pb = get_pathbuf();
	int i;

	if (!pb || off < MQUEUE_DIR_LEN)
		return off;
	for (i = MQUEUE_DIR_LEN - 1; i >= 0; i--)
		pb->buf[--off & HALF_MASK] = dir[i];
	return off;
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
		if (d->family == PS_AF_INET || d->family == PS_AF_INET6)
			break;
		/* unix and other sockets have no address to show: name the inode */
		return copy_path(s, pos, socket_name(d->ino));
	case FD_PIPE:
		r->path_flags |= PS_PATH_IS_PIPE;
		return copy_path(s, pos, pipe_name(d->ino));
	case FD_FILE:
		r->ino = d->ino;
		r->dev = d->dev;
		off = walk_path((struct dentry *)d->dentry, (struct vfsmount *)d->mnt, &r->path_flags);
		return copy_path(s, pos, off);
	case FD_MQUEUE:
		r->ino = d->ino;
		r->dev = d->dev;
		/* the queue lives on the ipc namespace's internal mount: name it
		 * where mqueuefs is conventionally mounted */
		off = walk_path((struct dentry *)d->dentry, (struct vfsmount *)d->mnt, &r->path_flags);
		return copy_path(s, pos, prepend_mqueue_dir(off));
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
		struct file *f = current_file((int)dirfd);

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

/* The object of fd into slot (and an empty base slot after it). */
static __always_inline __u32 put_fd_slot(struct scratch *s, struct ps_syscall_record *r, __u32 pos,
					 int slot, struct task_struct *task, long fd)
{
	__u32 len = put_file(r, pos, current_file(fd));

	r->str_len[slot & 3] = len;
	pos += len + 1;
	return put_empty(s, pos);
}

/* A string argument kept exactly as passed (symlink targets, names), no base. */
static __always_inline __u32 put_raw_slot(struct scratch *s, struct ps_syscall_record *r, __u32 pos,
					  int slot, const void *uptr)
{
	__u32 len = put_user_str(s, pos, uptr);

	r->str_len[slot & 3] = len;
	pos += len + 1;
	return put_empty(s, pos);
}

/* "/dev/mqueue/" + a queue name as the syscall gets it (libc strips the
 * leading '/') into slot, no base. */
static __always_inline __u32 put_mqueue_slot(struct scratch *s, struct ps_syscall_record *r, __u32 pos,
					     int slot, const void *uptr)
{
	const char dir[MQUEUE_DIR_LEN + 2] = MQUEUE_DIR "/";
	__u32 len;
	int i;

	for (i = 0; i < MQUEUE_DIR_LEN + 1; i++)
		s->rec[(pos + i) & POS_MASK] = dir[i];
	len = put_user_str(s, pos + MQUEUE_DIR_LEN + 1, uptr);
	len = len ? len + MQUEUE_DIR_LEN + 1 : 0;
	s->rec[(pos + len) & POS_MASK] = 0;
	r->str_len[slot & 3] = len;
	pos += len + 1;
	return put_empty(s, pos);
}

/* Empty strings for the slots a syscall does not use. */
static __always_inline __u32 put_empties(struct scratch *s, __u32 pos, int n)
{
	int i;

	for (i = 0; i < PS_MAX_STRINGS; i++)
		if (i < n)
			pos = put_empty(s, pos);
	return pos;
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
#endif /* PS_DESCRIBE_BPF_H */
