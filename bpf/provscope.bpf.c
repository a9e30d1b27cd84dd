// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * provscope's kernel side: one tp_btf/sys_exit program dispatching on the
 * syscall number (arguments re-read from the saved user pt_regs; no sys_enter
 * program: being attached at all would cost every syscall of the machine, and
 * user space names what a close closed from its fd table), plus the
 * scheduler tracepoints for exec, fork and process exit. Records are built in
 * a per-CPU scratch buffer and copied to the ring buffer with their real size.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "provscope_events.h"
#include "ps_common.bpf.h"
#include "ps_syscall_table.bpf.h"
#include "ps_task.bpf.h"
#include "ps_path.bpf.h"
#include "ps_describe.bpf.h"
#include "ps_filter.bpf.h"
#include "ps_coalesce.bpf.h"
#include "ps_syscalls.bpf.h"
#include "ps_snapshot.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_exit")
int BPF_PROG(ps_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;
	__u32 kind = syscall_kind(nr);
	struct task_struct *task;
	struct ps_syscall_record *r;
	struct scratch *s;
	__u32 pos;

	if (kind == PS_SC_UNKNOWN)
		return 0;
	if (is_excluded(bpf_get_current_pid_tgid() >> 32))
		return 0;
	coalesce_before(kind);
	if (!filter_allows(kind))
		return 0;
	if (syscall_is_noise(kind, regs))
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

	if (coalesce_io(kind, regs, ret))
		return 0;

	/* the open's record names the file: a run on it need not walk it again
	 * (not with path prefixes, which may drop that record) */
	if (!filter_prefixes && ret >= 0 && (kind == PS_SC_OPEN || kind == PS_SC_OPENAT ||
					     kind == PS_SC_OPENAT2 || kind == PS_SC_CREAT))
		ps_note_open(ret); /* a global function: verified once */

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
	r->fd2 = -1;
	pos = put_syscall_args(s, r, task, regs, kind, ret);
	r->hdr.size = pos & SCRATCH_MASK;
	if (!filter_record_allows(s))
		return 0;
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

	if (is_excluded(BPF_CORE_READ(p, tgid)) || !tree_allows(BPF_CORE_READ(p, tgid)))
		return 0;
	flush_task_runs(p, ~0ULL, true);
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
	r->ino = BPF_CORE_READ(f, f_inode, i_ino);
	r->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
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
	tree_note_fork(tgid, BPF_CORE_READ(child, tgid), BPF_CORE_READ(child, group_leader, start_boottime));
	if (!tree_allows(tgid))
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
	flush_task_runs(p, ~0ULL, true); /* the thread's pending I/O, before it is gone */
	/* once per process: when its last thread exits (signal->live reached 0) */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	if (!tree_allows(BPF_CORE_READ(p, tgid)))
		return 0;
	tree_note_exit(BPF_CORE_READ(p, tgid));
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
