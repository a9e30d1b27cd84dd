/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Who did it: identity fields of a task (struct ps_task). */
#ifndef PS_TASK_BPF_H
#define PS_TASK_BPF_H

/* Namespaces, the pid inside the process's own pid namespace and the cgroup:
 * what tells container activity apart. Read through CO-RE from any task. */
static __always_inline void fill_task_namespaces(struct ps_task *t, struct task_struct *task)
{
	struct pid *leader_pid = BPF_CORE_READ(task, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(leader_pid, level);
	struct upid upid = {};

	bpf_probe_read_kernel(&upid, sizeof(upid), &leader_pid->numbers[level & 31]);
	t->ns_pid = upid.nr;
	t->pid_ns = BPF_CORE_READ(upid.ns, ns.inum);
	t->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	t->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

static __always_inline void fill_task(struct ps_task *t, struct task_struct *task)
{
	t->pid = BPF_CORE_READ(task, tgid);
	t->tid = BPF_CORE_READ(task, pid);
	t->ppid = BPF_CORE_READ(task, real_parent, tgid);
	t->uid = BPF_CORE_READ(task, cred, uid.val);
	t->euid = BPF_CORE_READ(task, cred, euid.val);
	t->gid = BPF_CORE_READ(task, cred, gid.val);
	t->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	bpf_probe_read_kernel_str(t->comm, sizeof(t->comm), &task->comm);
	fill_task_namespaces(t, task);
}

/* The same for the current task through its trusted BTF pointer: plain loads where it can. */
static __always_inline void fill_current_task(struct ps_task *t)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *cred = task->cred;
	struct pid *leader_pid;
	unsigned int level;
	struct upid upid = {};

	t->pid = task->tgid;
	t->tid = task->pid;
	t->ppid = task->real_parent->tgid;
	t->uid = cred->uid.val;
	t->euid = cred->euid.val;
	t->gid = cred->gid.val;
	t->start_ns = task->group_leader->start_boottime;
	bpf_get_current_comm(t->comm, sizeof(t->comm));
	leader_pid = task->group_leader->thread_pid;
	level = leader_pid->level;
	bpf_probe_read_kernel(&upid, sizeof(upid), &leader_pid->numbers[level & 31]);
	t->ns_pid = upid.nr;
	t->pid_ns = BPF_CORE_READ(upid.ns, ns.inum);
	t->mnt_ns = task->nsproxy->mnt_ns->ns.inum;
	t->cgroup_id = bpf_get_current_cgroup_id();
}

#endif /* PS_TASK_BPF_H */
