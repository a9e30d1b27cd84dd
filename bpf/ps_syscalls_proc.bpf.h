/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Processes acting on memory, other processes and credentials: mmap, mprotect,
 * ptrace, process_vm_*, signals, set*id, kernel modules. */
#ifndef PS_SYSCALLS_PROC_BPF_H
#define PS_SYSCALLS_PROC_BPF_H

#define PS_PROT_EXEC 0x4
#define PS_MAP_ANONYMOUS 0x20

/* Returns 1 when the record is noise not worth a record: anonymous
 * non-executable mappings, protection changes that do not add PROT_EXEC. */
static __always_inline int proc_call_is_noise(__u32 kind, struct pt_regs *regs)
{
	if (kind == PS_SC_MMAP)
		return (regs->r10 & PS_MAP_ANONYMOUS) && !(regs->dx & PS_PROT_EXEC);
	if (kind == PS_SC_MPROTECT)
		return !(regs->dx & PS_PROT_EXEC);
	return 0;
}

struct vma_file {
	__u64 file;
};

static long vma_file_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_file *c = data;

	c->file = (__u64)vma->vm_file;
	return 0;
}

static __always_inline __u32 put_proc_args(struct scratch *s, struct ps_syscall_record *r,
					   struct task_struct *task, struct pt_regs *regs,
					   __u32 kind, long ret, __u32 pos)
{
	long di = regs->di, si = regs->si, dx = regs->dx, r10 = regs->r10, r8 = regs->r8;
	long obj = -1;

	switch (kind) {
	case PS_SC_MMAP: /* (addr, length, prot, flags, fd, offset); ret = address */
		r->aux[0] = (__u32)dx;
		r->aux[1] = (__u64)si;
		r->flags = (__u32)r10;
		if (!(r10 & PS_MAP_ANONYMOUS)) {
			r->fd = (int)r8;
			obj = r8;
		}
		break;
	case PS_SC_MPROTECT: { /* (addr, length, prot): the mapping's file, if any */
		struct vma_file c = {};
		__u32 len;

		r->aux[0] = (__u32)dx;
		r->aux[1] = (__u64)di;
		bpf_find_vma(bpf_get_current_task_btf(), (__u64)di, vma_file_cb, &c, 0);
		len = put_file(r, pos, (struct file *)c.file);
		r->str_len[0] = len;
		pos = put_empty(s, pos + len + 1);
		return put_empties(s, pos, 2);
	}
	case PS_SC_PTRACE: /* (request, pid, addr, data) */
		r->aux[0] = (__u64)di;
		r->aux[1] = (__u64)(__s64)(int)si;
		break;
	case PS_SC_PROCESS_VM_READV: case PS_SC_PROCESS_VM_WRITEV:
		r->aux[1] = (__u64)(__s64)(int)di;
		if (ret > 0)
			r->bytes = ret;
		break;
	case PS_SC_KILL: case PS_SC_TKILL: /* (pid, sig) */
		r->aux[0] = (__u32)si;
		r->aux[1] = (__u64)(__s64)(int)di;
		break;
	case PS_SC_TGKILL: /* (tgid, tid, sig) */
		r->aux[0] = (__u32)dx;
		r->aux[1] = (__u64)(__s64)(int)si;
		r->flags = (__u32)di;
		break;
	case PS_SC_SETUID: case PS_SC_SETGID: case PS_SC_SETFSUID: case PS_SC_SETFSGID:
		r->aux[0] = (__u32)di;
		break;
	case PS_SC_SETREUID: case PS_SC_SETREGID:
		r->aux[0] = (__u32)di;
		r->aux[1] = (__u32)si;
		break;
	case PS_SC_SETRESUID: case PS_SC_SETRESGID:
		r->aux[0] = (__u32)di;
		r->aux[1] = (__u32)si;
		r->flags = (__u32)dx;
		break;
	case PS_SC_INIT_MODULE: /* (image, length, params) */
		r->aux[0] = (__u64)si;
		break;
	case PS_SC_FINIT_MODULE: /* (fd, params, flags) */
		r->fd = (int)di;
		r->flags = (__u32)dx;
		obj = di;
		break;
	}
	if (obj >= 0)
		pos = put_fd_slot(s, r, pos, PS_STR_PATH, task, obj);
	else
		pos = put_empties(s, pos, 2);
	return put_empties(s, pos, 2);
}

#endif /* PS_SYSCALLS_PROC_BPF_H */
