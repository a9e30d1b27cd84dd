/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Data movement beyond read/write: vectored and positioned I/O, batched
 * messages, in-kernel copies (sendfile, splice, copy_file_range). */
#ifndef PS_SYSCALLS_IO_BPF_H
#define PS_SYSCALLS_IO_BPF_H

#define PS_UIO_MAXIOV 1024

struct mmsg_sum {
	__u64 vec;
	__u64 bytes;
};

/* One struct mmsghdr's msg_len per call (a bpf_loop body). */
static long mmsg_step(__u32 index, void *data)
{
	struct mmsg_sum *c = data;
	unsigned int len = 0;
	__u64 at = c->vec + (__u64)index * sizeof(struct mmsghdr) + offsetof(struct mmsghdr, msg_len);

	if (bpf_probe_read_user(&len, sizeof(len), (const void *)at))
		return 1;
	c->bytes += len;
	return 0;
}

static __always_inline __u32 put_io_args(struct scratch *s, struct ps_syscall_record *r,
					 struct task_struct *task, struct pt_regs *regs,
					 __u32 kind, long ret, __u32 pos)
{
	long di = regs->di, si = regs->si, dx = regs->dx, r10 = regs->r10, r9 = regs->r9;
	long in = di, out = -1;
	__u64 ino;
	__u32 dev;

	switch (kind) {
	case PS_SC_PREADV: case PS_SC_PWRITEV: case PS_SC_PREADV2: case PS_SC_PWRITEV2:
		r->fd = (int)di;
		r->aux[0] = (__u64)r10; /* offset (pos_l) */
		if (kind == PS_SC_PREADV2 || kind == PS_SC_PWRITEV2)
			r->flags = (__u32)r9;
		if (ret > 0)
			r->bytes = ret;
		break;
	case PS_SC_SENDMMSG: case PS_SC_RECVMMSG:
		r->fd = (int)di;
		r->aux[0] = (__u32)dx; /* vlen */
		r->flags = (__u32)r10;
		if (ret > 0) {
			/* each message's msg_len, set by the kernel: cheap in a bpf_loop */
			struct mmsg_sum c = {.vec = (__u64)si};

			bpf_loop(ret < PS_UIO_MAXIOV ? ret : PS_UIO_MAXIOV, mmsg_step, &c, 0);
			r->bytes = c.bytes;
		}
		break;
	case PS_SC_SENDFILE: /* (out_fd, in_fd, offset, count) */
		in = si;
		out = di;
		break;
	case PS_SC_SPLICE: case PS_SC_COPY_FILE_RANGE: /* (in, off_in, out, off_out, len, flags) */
		out = dx;
		r->flags = (__u32)r9;
		break;
	}
	if (out >= 0) {
		r->fd = (int)in;
		r->fd2 = (int)out;
		if (ret > 0)
			r->bytes = ret;
		pos = put_fd_slot(s, r, pos, PS_STR_PATH, task, in);
		/* the record's identity is str[0]'s: keep it over the output's */
		ino = r->ino;
		dev = r->dev;
		pos = put_fd_slot(s, r, pos, PS_STR_PATH2, task, out);
		r->ino = ino;
		r->dev = dev;
		return pos;
	}
	pos = put_fd_slot(s, r, pos, PS_STR_PATH, task, in);
	return put_empties(s, pos, 2);
}

#endif /* PS_SYSCALLS_IO_BPF_H */
