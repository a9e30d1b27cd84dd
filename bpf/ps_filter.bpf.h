/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Capture filters applied in the kernel, configured by user space
 * (capture/capture_filters.cpp). The switches are read-only data set before
 * load, so a capture without a filter verifies the checks away and pays
 * nothing for them.
 *
 *  - process tree (--pid, command mode): only processes in traced_tgids,
 *    seeded by user space and extended at fork; removed at exit.
 *  - per-syscall enable table: ps_sc_off[kind] != 0 drops the kind.
 *  - exe exclusion: the task's mm->exe_file (sb dev, inode) in excluded_exes.
 *  - cgroup exclusion: the task's cgroup v2 id in excluded_cgroups.
 *  - path prefixes: file events whose path starts with one of ps_prefix_str[].
 *
 * exec, fork/clone, exit, connect and accept are never filtered (by the table,
 * the exclusions or the prefixes): only the tree restriction, which defines
 * what the capture is about, and the helper's self-exclusion drop them.
 */
#ifndef PS_FILTER_BPF_H
#define PS_FILTER_BPF_H

#define PS_FILTER_KINDS 256
#define PS_PREFIX_MAX 8
#define PS_PREFIX_LEN 128

const volatile __u32 filter_tree = 0;
const volatile __u32 filter_syscalls = 0;
const volatile __u32 filter_exe = 0;
const volatile __u32 filter_cgroup = 0;
const volatile __u32 filter_prefixes = 0; /* number of ps_prefix[] entries in use */
const volatile __u8 ps_sc_off[PS_FILTER_KINDS] = {};

/* plain arrays: the skeleton then needs no struct definition in user space */
const volatile __u32 ps_prefix_len[PS_PREFIX_MAX] = {};
const volatile __u8 ps_prefix_str[PS_PREFIX_MAX][PS_PREFIX_LEN] = {};

/* kernel dev_t (major << 20 | minor) and inode of an executable */
struct exe_key {
	__u64 dev;
	__u64 ino;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);   /* tgid */
	__type(value, __u64); /* start_boottime of the group leader */
} traced_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct exe_key);
	__type(value, __u8);
} excluded_exes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64); /* cgroup v2 id: inode of the cgroup directory */
	__type(value, __u8);
} excluded_cgroups SEC(".maps");

static __always_inline bool kind_never_filtered(__u32 kind)
{
	switch (kind) {
	case PS_SC_EXECVE: case PS_SC_EXECVEAT: case PS_SC_CLONE: case PS_SC_CLONE3:
	case PS_SC_FORK: case PS_SC_VFORK: case PS_SC_EXIT: case PS_SC_EXIT_GROUP:
	case PS_SC_CONNECT: case PS_SC_ACCEPT: case PS_SC_ACCEPT4:
		return true;
	}
	return false;
}

/* Whether the process (tgid) belongs to the traced tree (always, without --pid). */
static __always_inline bool tree_allows(__u32 tgid)
{
	if (!filter_tree)
		return true;
	return bpf_map_lookup_elem(&traced_tgids, &tgid) != NULL;
}

/* The traced tree grows at fork (a new process of a traced parent). */
static __always_inline void tree_note_fork(__u32 parent_tgid, __u32 child_tgid, __u64 child_start)
{
	if (!filter_tree || parent_tgid == child_tgid)
		return;
	if (bpf_map_lookup_elem(&traced_tgids, &parent_tgid))
		bpf_map_update_elem(&traced_tgids, &child_tgid, &child_start, BPF_ANY);
}

/* ... and shrinks when a process ends, so a reused pid is not traced by mistake. */
static __always_inline void tree_note_exit(__u32 tgid)
{
	if (filter_tree)
		bpf_map_delete_elem(&traced_tgids, &tgid);
}

/* Whether the process running task is excluded by its executable or its cgroup. */
static __always_inline bool process_excluded(struct task_struct *task)
{
	if (filter_exe) {
		struct inode *inode = BPF_CORE_READ(task, mm, exe_file, f_inode);
		struct exe_key key = {};

		if (inode) {
			key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
			key.ino = BPF_CORE_READ(inode, i_ino);
			if (bpf_map_lookup_elem(&excluded_exes, &key))
				return true;
		}
	}
	if (filter_cgroup) {
		__u64 id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);

		if (bpf_map_lookup_elem(&excluded_cgroups, &id))
			return true;
	}
	return false;
}

/* Whether the current thread's syscall of this kind is recorded. */
static __always_inline bool filter_allows(__u32 kind)
{
	struct task_struct *task;

	if (!filter_tree && !filter_syscalls && !filter_exe && !filter_cgroup)
		return true;
	if (!tree_allows(bpf_get_current_pid_tgid() >> 32))
		return false;
	if (kind_never_filtered(kind))
		return true;
	if (filter_syscalls && ps_sc_off[kind & (PS_FILTER_KINDS - 1)])
		return false;
	if (filter_exe || filter_cgroup) {
		task = (struct task_struct *)bpf_get_current_task();
		if (process_excluded(task))
			return false;
	}
	return true;
}

/*
 * Path prefixes. The path to test is laid out contiguously in the path buffer
 * (a relative argument joined as base + "/" + path), then compared with each
 * prefix eight bytes at a time. Only the first PS_PREFIX_LEN bytes matter; a
 * shorter path ends in its NUL, which no prefix byte matches.
 */
#define PREFIX_WORDS (PS_PREFIX_LEN / 8)

/* Whether the path at pb->buf[off] starts with one of the prefixes (a global
 * function: verified once, whatever the caller's state). */
__noinline int ps_prefix_match(__u32 off)
{
	struct pathbuf *pb = get_pathbuf();
	__u32 p, w, len;
	__u64 a, b, mask;

	if (!pb)
		return 0;
	off &= HALF_MASK;
	for (p = 0; p < PS_PREFIX_MAX; p++) {
		if (p >= filter_prefixes)
			break;
		len = ps_prefix_len[p];
		if (len == 0 || len > PS_PREFIX_LEN)
			continue;
		for (w = 0; w < PREFIX_WORDS; w++) {
			if (w * 8 >= len)
				return 1;
			__builtin_memcpy(&a, &pb->buf[(off + w * 8) & HALF_MASK], 8);
			b = *(const volatile __u64 *)&ps_prefix_str[p][w * 8];
			mask = len - w * 8 >= 8 ? ~0ULL : (1ULL << ((len - w * 8) * 8)) - 1;
			if ((a ^ b) & mask)
				break;
			if (w == PREFIX_WORDS - 1)
				return 1;
		}
	}
	return 0;
}

/* Copies the (joined) path of a record string into the path buffer at 0. */
static __always_inline void join_path(struct scratch *s, struct pathbuf *pb, __u32 path_off, __u32 base_off,
				      __u32 base_len, bool relative)
{
	__u32 n = 0;

	if (relative) {
		n = base_len > PS_PREFIX_LEN ? PS_PREFIX_LEN : base_len;
		if (n && s->rec[(base_off + n - 1) & POS_MASK] == '/')
			n--; /* a base of "/" joins without a doubled slash */
		if (n)
			bpf_probe_read_kernel(pb->buf, n & (2 * PS_PREFIX_LEN - 1), &s->rec[base_off & POS_MASK]);
		pb->buf[n & (2 * PS_PREFIX_LEN - 1)] = '/';
		n++;
	}
	bpf_probe_read_kernel(&pb->buf[n & (2 * PS_PREFIX_LEN - 1)], PS_PREFIX_LEN + 8, &s->rec[path_off & POS_MASK]);
}

/*
 * Whether the syscall record built in the scratch buffer may be emitted: file
 * events whose path (and second path, if any) lies under an excluded prefix
 * are dropped. Sockets and pipes always pass. A global function: verified
 * once, not along every path of the syscall switch before it.
 */
__noinline int ps_filter_record(void)
{
	struct scratch *s = get_scratch();
	struct pathbuf *pb = get_pathbuf();
	struct ps_syscall_record *r;
	__u32 len0, len1, len2, len3, off2;

	if (!s || !pb)
		return 1;
	r = (struct ps_syscall_record *)s->rec;
	if (kind_never_filtered(r->kind) || (r->path_flags & (PS_PATH_IS_SOCKET | PS_PATH_IS_PIPE)))
		return 1;
	len0 = r->str_len[0] & HALF_MASK;
	len1 = r->str_len[1] & HALF_MASK;
	len2 = r->str_len[2] & HALF_MASK;
	len3 = r->str_len[3] & HALF_MASK;
	if (!len0)
		return 1;
	join_path(s, pb, sizeof(*r), sizeof(*r) + len0 + 1, len1, s->rec[sizeof(*r)] != '/');
	if (!ps_prefix_match(0))
		return 1;
	if (!len2)
		return 0;
	/* rename, link: dropped only when both names are excluded */
	off2 = sizeof(*r) + len0 + 1 + len1 + 1;
	join_path(s, pb, off2, off2 + len2 + 1, len3, s->rec[off2 & POS_MASK] != '/');
	return !ps_prefix_match(0);
}

/* Call right before emit() of a syscall record built in the scratch buffer. */
static __always_inline bool filter_record_allows(struct scratch *s)
{
	if (!filter_prefixes || !s)
		return true;
	return ps_filter_record();
}

/* The same for a path assembled in the path buffer at off (fd snapshots). */
static __always_inline bool filter_pathbuf_allows(int off)
{
	if (!filter_prefixes)
		return true;
	return !ps_prefix_match(off);
}

#endif /* PS_FILTER_BPF_H */
