/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* fd -> struct file, and the bounded dentry/mount walk that names it. */
#ifndef PS_PATH_BPF_H
#define PS_PATH_BPF_H

/* The current task's struct file for fd (NULL if none). Every caller runs in
 * the task that owns the fd: plain BTF loads, one probe read for the slot. */
static __always_inline struct file *current_file(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *f = NULL;

	if (fd < 0 || !fdt || (unsigned long)fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
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

/* "<prefix>[ino]" (pipe:[ino], socket:[ino]) into the path buffer, built backwards;
 * returns the start offset. prefix includes the '[' (plen bytes, no NUL). */
static __always_inline int inode_name(const char *prefix, int plen, __u64 ino)
{
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
	for (i = plen - 1; i >= 0; i--)
		pb->buf[--off & HALF_MASK] = prefix[i];
	return off;
}

static __always_inline int pipe_name(__u64 ino)
{
	return inode_name("pipe:[", 6, ino);
}

static __always_inline int socket_name(__u64 ino)
{
	return inode_name("socket:[", 8, ino);
}
#endif /* PS_PATH_BPF_H */
