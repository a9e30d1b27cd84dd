/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* File-system metadata: truncate, chmod, chown, link, symlink, mkdir, rmdir, mknod. */
#ifndef PS_SYSCALLS_FS_BPF_H
#define PS_SYSCALLS_FS_BPF_H

static __always_inline __u32 put_fs_args(struct scratch *s, struct ps_syscall_record *r,
					 struct task_struct *task, struct pt_regs *regs,
					 __u32 kind, long ret, __u32 pos)
{
	long di = regs->di, si = regs->si, dx = regs->dx, r10 = regs->r10, r8 = regs->r8;

	switch (kind) {
	case PS_SC_TRUNCATE:
		r->aux[0] = (__u64)si;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, AT_FDCWD, (const void *)di);
		break;
	case PS_SC_FTRUNCATE:
		r->fd = (int)di;
		r->aux[0] = (__u64)si;
		pos = put_fd_slot(s, r, pos, PS_STR_PATH, task, di);
		break;
	case PS_SC_CHMOD:
		r->mode = (__u32)si;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, AT_FDCWD, (const void *)di);
		break;
	case PS_SC_FCHMOD:
		r->fd = (int)di;
		r->mode = (__u32)si;
		pos = put_fd_slot(s, r, pos, PS_STR_PATH, task, di);
		break;
	case PS_SC_FCHMODAT:
		r->mode = (__u32)dx;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, di, (const void *)si);
		break;
	case PS_SC_CHOWN: case PS_SC_LCHOWN:
		r->aux[0] = (__u32)si;
		r->aux[1] = (__u32)dx;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, AT_FDCWD, (const void *)di);
		break;
	case PS_SC_FCHOWN:
		r->fd = (int)di;
		r->aux[0] = (__u32)si;
		r->aux[1] = (__u32)dx;
		pos = put_fd_slot(s, r, pos, PS_STR_PATH, task, di);
		break;
	case PS_SC_FCHOWNAT:
		r->aux[0] = (__u32)dx;
		r->aux[1] = (__u32)r10;
		r->flags = (__u32)r8;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, di, (const void *)si);
		break;
	case PS_SC_LINK:
		pos = put_path_arg(s, r, pos, PS_STR_PATH, AT_FDCWD, (const void *)di);
		return put_path_arg(s, r, pos, PS_STR_PATH2, AT_FDCWD, (const void *)si);
	case PS_SC_LINKAT:
		r->flags = (__u32)r8;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, di, (const void *)si);
		return put_path_arg(s, r, pos, PS_STR_PATH2, dx, (const void *)r10);
	case PS_SC_SYMLINK:
		/* the target is text stored in the link, relative to the link: never resolved */
		pos = put_raw_slot(s, r, pos, PS_STR_PATH, (const void *)di);
		return put_path_arg(s, r, pos, PS_STR_PATH2, AT_FDCWD, (const void *)si);
	case PS_SC_SYMLINKAT:
		pos = put_raw_slot(s, r, pos, PS_STR_PATH, (const void *)di);
		return put_path_arg(s, r, pos, PS_STR_PATH2, si, (const void *)dx);
	case PS_SC_MKDIR:
		r->mode = (__u32)si;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, AT_FDCWD, (const void *)di);
		break;
	case PS_SC_MKDIRAT:
		r->mode = (__u32)dx;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, di, (const void *)si);
		break;
	case PS_SC_RMDIR:
		pos = put_path_arg(s, r, pos, PS_STR_PATH, AT_FDCWD, (const void *)di);
		break;
	case PS_SC_MKNOD:
		r->mode = (__u32)si;
		r->aux[0] = (__u32)dx;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, AT_FDCWD, (const void *)di);
		break;
	case PS_SC_MKNODAT:
		r->mode = (__u32)dx;
		r->aux[0] = (__u32)r10;
		pos = put_path_arg(s, r, pos, PS_STR_PATH, di, (const void *)si);
		break;
	default:
		pos = put_empties(s, pos, 2);
		break;
	}
	return put_empties(s, pos, 2);
}

#endif /* PS_SYSCALLS_FS_BPF_H */
