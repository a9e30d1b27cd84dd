/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Capture filters applied in the kernel (configuration from user space). */
#ifndef PS_FILTER_BPF_H
#define PS_FILTER_BPF_H

/* Whether the current thread's syscall of this kind is recorded. */
static __always_inline bool filter_allows(__u32 kind)
{
	return true;
}

#endif /* PS_FILTER_BPF_H */
