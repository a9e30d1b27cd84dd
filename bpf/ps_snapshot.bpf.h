/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The start-up snapshot: BPF iterators over the processes and the open fds
 * that exist when a capture starts, so their identities (pid, start_boottime)
 * equal the ones live events carry (/proc start times are 10 ms ticks).
 *
 * Records are written into the iterator's seq file with bpf_seq_write (user
 * space reads the iterator fd to EOF: nothing competes with live events for
 * the ring buffer and nothing is dropped) and decoded like ring-buffer
 * records (capture/startup_snapshot.cpp):
 *   ps_snap_task  PS_REC_TASK_SNAPSHOT: struct ps_exec_record (kind 0) with
 *                 the exe path (mm->exe_file) and argv (arg_start..arg_end,
 *                 read with bpf_copy_from_user_task: a sleepable iterator)
 *   ps_snap_fd    PS_REC_FD_SNAPSHOT: struct ps_syscall_record (kind
 *                 PS_SC_SNAPSHOT_FD, fd, ret 0) naming the object as fd-based
 *                 events do (file path, pipe:[ino], socket addresses)
 * Kernel threads, the helper itself and processes outside the traced tree
 * are skipped; fds also follow the exe/cgroup exclusions and path prefixes.
 */
#ifndef PS_SNAPSHOT_BPF_H
#define PS_SNAPSHOT_BPF_H

#define PF_KTHREAD 0x00200000

/* argv of the task being snapshot (the iterator may sleep: not the shared scratch) */
struct snap_argv {
	__u8 buf[PS_ARGV_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct snap_argv);
} snap_argv_map SEC(".maps");

/* A length the verifier can bound: 1 .. max. */
static __always_inline __u32 clamp_len(__u32 len, __u32 max)
{
	if (len > max)
		return max;
	return len ? len : 1;
}

static __always_inline bool snapshot_skips(struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (BPF_CORE_READ(task, flags) & PF_KTHREAD)
		return true;
	return is_excluded(tgid) || !tree_allows(tgid);
}

static __always_inline void snap_task_write(struct seq_file *seq, struct task_struct *task, struct snap_argv *av,
					    unsigned long n);

SEC("iter.s/task")
int ps_snap_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct snap_argv *av;
	unsigned long arg_start, arg_end, n = 0;
	__u32 zero = 0;

	if (!task || task->pid != task->tgid || snapshot_skips(task))
		return 0;
	av = bpf_map_lookup_elem(&snap_argv_map, &zero);
	if (!av)
		return 0;

	/* argv first: the copy may sleep; the path buffer is used right after it */
	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	n = arg_end > arg_start ? arg_end - arg_start : 0;
	if (n > PS_ARGV_MAX - 1)
		n = PS_ARGV_MAX - 1;
	n &= PS_ARGV_MAX - 1;
	if (n && bpf_copy_from_user_task(av->buf, n, (const void *)arg_start, task, 0))
		n = 0;
	if (n && av->buf[(n - 1) & (PS_ARGV_MAX - 1)] == 0)
		n--;
	av->buf[n & (PS_ARGV_MAX - 1)] = 0;

	/* from here on the shared per-CPU path buffer is in use: no preemption
	 * (a syscall program on this CPU would reuse it; kfuncs since 6.10) */
	if (bpf_preempt_disable)
		bpf_preempt_disable();
	snap_task_write(seq, task, av, n);
	if (bpf_preempt_enable)
		bpf_preempt_enable();
	return 0;
}

static __always_inline void snap_task_write(struct seq_file *seq, struct task_struct *task, struct snap_argv *av,
					    unsigned long n)
{
	struct ps_exec_record r = {};
	struct pathbuf *pb;
	struct file *exe;
	__u32 zero = 0;
	int off = PS_PATH_MAX - 1;
	__u32 exe_len = 0;

	r.hdr.type = PS_REC_TASK_SNAPSHOT;
	r.hdr.ts_ns = bpf_ktime_get_boot_ns();
	fill_task(&r.task, task);
	r.kind = 0;
	r.old_pid = r.task.pid;
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe) {
		r.ino = BPF_CORE_READ(exe, f_inode, i_ino);
		r.dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
		off = walk_path(BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt), &r.path_flags);
		exe_len = PS_PATH_MAX - 1 - off;
	}
	pb = get_pathbuf();
	if (!pb)
		return;
	r.exe_len = exe_len;
	r.argv_len = n;
	r.hdr.size = sizeof(r) + exe_len + 1 + n + 1;
	bpf_seq_write(seq, &r, sizeof(r));
	if (exe_len)
		bpf_seq_write(seq, &pb->buf[off & HALF_MASK], clamp_len(exe_len + 1, PS_PATH_MAX));
	else
		bpf_seq_write(seq, &zero, 1);
	bpf_seq_write(seq, av->buf, clamp_len(n + 1, PS_ARGV_MAX));
}

static __always_inline void snap_fd(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct ps_syscall_record r = {};
	struct file_desc d;
	struct pathbuf *pb;
	__u32 zero = 0;
	int off = PS_PATH_MAX - 1;
	__u32 len = 0;

	if (!task || !file || snapshot_skips(task))
		return;
	if ((filter_exe || filter_cgroup) && process_excluded(task))
		return;
	describe_file(&d, file);
	r.hdr.type = PS_REC_FD_SNAPSHOT;
	r.hdr.ts_ns = bpf_ktime_get_boot_ns();
	r.last_ts_ns = r.hdr.ts_ns;
	fill_task(&r.task, task);
	r.count = 1;
	r.kind = PS_SC_SNAPSHOT_FD;
	r.fd = ctx->fd;
	r.fd2 = -1;
	r.flags = BPF_CORE_READ(file, f_flags);
	switch (d.type) {
	case FD_SOCKET:
		r.path_flags |= PS_PATH_IS_SOCKET;
		r.family = d.family;
		r.lport = d.lport;
		r.rport = d.rport;
		__builtin_memcpy(r.laddr, d.laddr, 16);
		__builtin_memcpy(r.raddr, d.raddr, 16);
		break;
	case FD_PIPE:
		r.path_flags |= PS_PATH_IS_PIPE;
		off = pipe_name(d.ino);
		len = PS_PATH_MAX - 1 - off;
		break;
	case FD_FILE:
		r.ino = d.ino;
		r.dev = d.dev;
		off = walk_path((struct dentry *)d.dentry, (struct vfsmount *)d.mnt, &r.path_flags);
		len = PS_PATH_MAX - 1 - off;
		if (!filter_pathbuf_allows(off))
			return;
		break;
	}
	pb = get_pathbuf();
	if (!pb)
		return;
	r.str_len[0] = len;
	r.hdr.size = sizeof(r) + len + 1 + 3;
	bpf_seq_write(seq, &r, sizeof(r));
	if (len)
		bpf_seq_write(seq, &pb->buf[off & HALF_MASK], clamp_len(len + 1, PS_PATH_MAX));
	else
		bpf_seq_write(seq, &zero, 1);
	bpf_seq_write(seq, &zero, 3); /* the three empty strings */
}

SEC("iter/task_file")
int ps_snap_fd(struct bpf_iter__task_file *ctx)
{
	/* the per-CPU path buffer is in use throughout: no preemption */
	if (bpf_preempt_disable)
		bpf_preempt_disable();
	snap_fd(ctx);
	if (bpf_preempt_enable)
		bpf_preempt_enable();
	return 0;
}

#endif /* PS_SNAPSHOT_BPF_H */
