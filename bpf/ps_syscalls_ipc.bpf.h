/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* System V shared memory and messages, POSIX message queues. */
#ifndef PS_SYSCALLS_IPC_BPF_H
#define PS_SYSCALLS_IPC_BPF_H

static __always_inline __u32 put_ipc_args(struct scratch *s, struct ps_syscall_record *r,
					  struct task_struct *task, struct pt_regs *regs,
					  __u32 kind, long ret, __u32 pos)
{
	long di = regs->di, si = regs->si, dx = regs->dx, r10 = regs->r10, r8 = regs->r8;

	switch (kind) {
	case PS_SC_SHMGET: /* (key, size, shmflg); ret = id */
		r->aux[0] = (__u64)(__s64)(int)di;
		r->aux[1] = (__u64)si;
		r->flags = (__u32)dx;
		r->mode = (__u32)dx & 0777;
		break;
	case PS_SC_SHMAT: /* (id, addr, shmflg); ret = address */
		r->aux[0] = (__u32)di;
		r->flags = (__u32)dx;
		break;
	case PS_SC_SHMDT: /* (addr) */
		r->aux[1] = (__u64)di;
		break;
	case PS_SC_SHMCTL: case PS_SC_MSGGET: /* (id, cmd, buf) / (key, msgflg) */
		r->aux[0] = kind == PS_SC_MSGGET ? (__u64)(__s64)(int)di : (__u32)di;
		if (kind == PS_SC_SHMCTL) {
			r->aux[1] = (__u32)si;
		} else {
			r->flags = (__u32)si;
			r->mode = (__u32)si & 0777;
		}
		break;
	case PS_SC_MSGSND: /* (id, msgp, size, msgflg) */
		r->aux[0] = (__u32)di;
		r->aux[1] = (__u64)dx;
		r->flags = (__u32)r10;
		if (ret == 0)
			r->bytes = dx;
		break;
	case PS_SC_MSGRCV: /* (id, msgp, size, msgtyp, msgflg); ret = bytes */
		r->aux[0] = (__u32)di;
		r->aux[1] = (__u64)dx;
		r->flags = (__u32)r8;
		if (ret > 0)
			r->bytes = ret;
		break;
	case PS_SC_MQ_OPEN: /* (name, oflag, mode, attr); ret = fd */
		r->flags = (__u32)si;
		r->mode = (__u32)dx;
		if (ret >= 0) {
			r->fd = (int)ret;
			pos = put_fd_slot(s, r, pos, PS_STR_PATH, task, ret);
		} else {
			pos = put_mqueue_slot(s, r, pos, PS_STR_PATH, (const void *)di);
		}
		return put_empties(s, pos, 2);
	case PS_SC_MQ_UNLINK:
		pos = put_mqueue_slot(s, r, pos, PS_STR_PATH, (const void *)di);
		return put_empties(s, pos, 2);
	case PS_SC_MQ_TIMEDSEND: /* (fd, msg, length, prio, timeout) */
		r->fd = (int)di;
		r->aux[0] = (__u32)r10;
		if (ret == 0)
			r->bytes = dx;
		pos = put_fd_slot(s, r, pos, PS_STR_PATH, task, di);
		return put_empties(s, pos, 2);
	case PS_SC_MQ_TIMEDRECEIVE: /* (fd, msg, length, prio*, timeout); ret = bytes */
		r->fd = (int)di;
		if (ret > 0)
			r->bytes = ret;
		pos = put_fd_slot(s, r, pos, PS_STR_PATH, task, di);
		return put_empties(s, pos, 2);
	}
	return put_empties(s, pos, 4);
}

#endif /* PS_SYSCALLS_IPC_BPF_H */
