/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Constants, the ring buffer, per-CPU scratch space, loss counting, self-exclusion. */
#ifndef PS_COMMON_BPF_H
#define PS_COMMON_BPF_H

#define SCRATCH_SIZE 32768
#define SCRATCH_MASK (SCRATCH_SIZE - 1)
/* Strings start below POS_MASK + 1, so a 4 KiB string always fits. */
#define POS_MASK 16383
#define HALF_MASK (PS_PATH_MAX - 1)
#define MAX_PATH_DEPTH 64

#define AT_FDCWD -100
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534F434B
#define PS_AF_UNIX 1
#define PS_AF_INET 2
#define PS_AF_INET6 10

/* Set by user space before load: the helper's own tgid is never traced, nor the
 * workstation it streams to (its tgid from SO_PEERCRED), which would otherwise
 * record itself writing the session. 0: none. */
const volatile __u32 exclude_tgid = 0;
const volatile __u32 exclude_client_tgid = 0;

static __always_inline bool is_excluded(__u32 tgid)
{
	return tgid == exclude_tgid || (exclude_client_tgid && tgid == exclude_client_tgid);
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24); /* resized by user space before load */
} events SEC(".maps");

struct scratch {
	__u8 rec[SCRATCH_SIZE];
};

/* A path is assembled backwards ending at PS_PATH_MAX - 1; the second half
 * only exists so the verifier can see every masked write stays in bounds. */
struct pathbuf {
	__u8 buf[2 * PS_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pathbuf);
} path_map SEC(".maps");

/* Ring-buffer output failures, per CPU; user space turns deltas into losses. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += 1;
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_map, &zero);
}

static __always_inline struct pathbuf *get_pathbuf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&path_map, &zero);
}

/*
 * Wake the reader only once a batch has piled up: a wakeup per record costs
 * more than the record. The reader polls with a timeout, so a lone record
 * waits at most that long.
 */
#define WAKEUP_BYTES (256 * 1024)

static __always_inline __u64 wakeup_flag(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP
									       : BPF_RB_NO_WAKEUP;
}

static __always_inline void emit(struct scratch *s, __u32 size)
{
	if (bpf_ringbuf_output(&events, s->rec, size & SCRATCH_MASK, wakeup_flag()))
		count_lost();
}
#endif /* PS_COMMON_BPF_H */
