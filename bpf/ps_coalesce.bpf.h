/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* In-kernel coalescing of I/O per (thread, fd, direction). */
#ifndef PS_COALESCE_BPF_H
#define PS_COALESCE_BPF_H

/* True when the syscall was merged into the thread's pending I/O record (nothing
 * to emit now). Any other syscall of the thread flushes what is pending first. */
static __always_inline bool coalesce_io(__u32 kind, struct pt_regs *regs, long ret)
{
	return false;
}

#endif /* PS_COALESCE_BPF_H */
