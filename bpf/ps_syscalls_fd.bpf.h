/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The fd table: dup*, fcntl, close_range, pipes, socketpairs, sockets, memfd, chdir. */
#ifndef PS_SYSCALLS_FD_BPF_H
#define PS_SYSCALLS_FD_BPF_H

#define PS_F_DUPFD 0
#define PS_F_SETFL 4
#define PS_F_DUPFD_CLOEXEC 1030

/* The inode of a unix socket's connected peer (socketpair: the other end), 0 if none. */
static __always_inline __u64 unix_peer_ino(struct file *f)
{
	struct socket *sock;
	struct sock *sk, *peer;

	if (!f)
		return 0;
	sock = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != PS_AF_UNIX)
		return 0;
	peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
	if (!peer)
		return 0;
	return BPF_CORE_READ(peer, sk_socket, file, f_inode, i_ino);
}

/* The two fds a pipe or socketpair returned, read from user memory at exit. */
static __always_inline int read_fd_pair(const void *uptr, int *a, int *b)
{
	int fds[2] = {-1, -1};

	if (bpf_probe_read_user(fds, sizeof(fds), uptr))
		return -1;
	*a = fds[0];
	*b = fds[1];
	return 0;
}

static __always_inline __u32 put_fd_args(struct scratch *s, struct ps_syscall_record *r,
					 struct task_struct *task, struct pt_regs *regs,
					 __u32 kind, long ret, __u32 pos)
{
	long di = regs->di, si = regs->si, dx = regs->dx, r10 = regs->r10;
	long obj = -1;
	int a = -1, b = -1;

	switch (kind) {
	case PS_SC_CHDIR:
		if (ret == 0) {
			/* the new cwd, canonical: the relative argument's base is gone by now */
			struct dentry *d = BPF_CORE_READ(task, fs, pwd.dentry);
			struct vfsmount *m = BPF_CORE_READ(task, fs, pwd.mnt);
			__u32 len = copy_path(s, pos, walk_path(d, m, &r->path_flags));

			r->str_len[0] = len;
			pos = put_empty(s, pos + len + 1);
		} else {
			pos = put_path_arg(s, r, pos, PS_STR_PATH, AT_FDCWD, (const void *)di);
		}
		return put_empties(s, pos, 2);
	case PS_SC_FCHDIR:
		r->fd = (int)di;
		obj = di;
		break;
	case PS_SC_DUP:
		r->fd = (int)di;
		if (ret >= 0)
			r->fd2 = (int)ret;
		obj = di;
		break;
	case PS_SC_DUP2: case PS_SC_DUP3:
		r->fd = (int)di;
		r->fd2 = (int)si;
		if (kind == PS_SC_DUP3)
			r->flags = (__u32)dx;
		obj = di;
		break;
	case PS_SC_FCNTL:
		r->fd = (int)di;
		r->aux[0] = (__u32)si;
		r->aux[1] = (__u64)dx;
		if ((si == PS_F_DUPFD || si == PS_F_DUPFD_CLOEXEC) && ret >= 0)
			r->fd2 = (int)ret;
		else if (si == PS_F_SETFL)
			r->flags = (__u32)dx;
		obj = di;
		break;
	case PS_SC_CLOSE_RANGE:
		r->aux[0] = (__u32)di;
		r->aux[1] = (__u32)si;
		r->flags = (__u32)dx;
		break;
	case PS_SC_PIPE: case PS_SC_PIPE2:
		if (kind == PS_SC_PIPE2)
			r->flags = (__u32)si;
		if (ret == 0 && !read_fd_pair((const void *)di, &a, &b)) {
			/* both ends are the one pipe inode: the object links them */
			r->fd = a;
			r->fd2 = b;
			obj = a;
		}
		break;
	case PS_SC_SOCKETPAIR:
		r->aux[0] = (__u32)di;
		r->flags = (__u32)si;
		if (ret == 0 && !read_fd_pair((const void *)r10, &a, &b)) {
			struct file *fa = current_file(a);
			__u32 len;

			r->fd = a;
			r->fd2 = b;
			/* the kernel's own link: the peer of the first end */
			r->aux[1] = unix_peer_ino(fa);
			len = put_file(r, pos, fa);
			r->str_len[0] = len;
			pos = put_empty(s, pos + len + 1);
			return put_fd_slot(s, r, pos, PS_STR_PATH2, task, b);
		}
		break;
	case PS_SC_SOCKET:
		r->aux[0] = (__u32)di;
		r->flags = (__u32)si;
		r->aux[1] = (__u32)dx;
		if (ret >= 0) {
			r->fd = (int)ret;
			obj = ret;
		}
		break;
	case PS_SC_MEMFD_CREATE:
		r->flags = (__u32)si;
		if (ret >= 0) {
			r->fd = (int)ret;
			obj = ret; /* its dentry is "memfd:NAME" */
		} else {
			return put_empties(s, put_raw_slot(s, r, pos, PS_STR_PATH, (const void *)di), 2);
		}
		break;
	}
	if (obj >= 0)
		pos = put_fd_slot(s, r, pos, PS_STR_PATH, task, obj);
	else
		pos = put_empties(s, pos, 2);
	return put_empties(s, pos, 2);
}

#endif /* PS_SYSCALLS_FD_BPF_H */
