/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * In-kernel coalescing of I/O per (thread, fd, direction).
 *
 * Each thread keeps, in task storage (a cheap per-task lookup, freed with the
 * task; a hash map costs twice as much on a storm), one pending run per
 * direction: reads (read, pread64, readv, preadv, preadv2, recvfrom, recvmsg)
 * and writes (write, pwrite64, writev, pwritev, pwritev2, sendto, sendmsg). So
 * dd's alternating read(0)/write(1) becomes two records. A successful call of
 * the same kind on the same fd and the same open file joins the run (count,
 * bytes, time); anything else in that direction flushes the run first. A run
 * is flushed:
 *   - at sys_exit of any other recorded syscall of the thread, before its
 *     record (a run whose fd that syscall closed, e.g. close or dup2 onto it,
 *     is emitted with an empty object that user space names from its fd
 *     table: the file may be freed by then),
 *   - when the thread exits (sched_process_exit) or execs,
 *   - by user space's timer: the ps_flush_io iterator (iter/task) emits the
 *     part of each run not emitted yet once it is older than flush_before_ns,
 *     and everything at stop.
 *
 * The object is described once, when the run opens (struct file_desc: socket
 * addresses, pipe inode, or the file's dentry and mount), and its path walked
 * at flush. Keeping only the identity keeps the per-thread value small (no
 * 4 KiB path per thread); the walk at flush is sound because every flush but
 * the timer's runs while the thread still holds the fd, and the timer's reads
 * through probe reads (a file closed under the run by another thread can at
 * worst be named by its old path). The struct file pointer is compared on every
 * call, so an fd closed and reopened by another thread starts a new run.
 *
 * The hot path (a call joining its run) takes no lock and no precise clock:
 * only the owning thread writes the run, with plain stores. The timer
 * iterator, racing with it from another CPU, never changes the run: under the
 * bpf_spin_lock (which orders it against the owner's open and flush) it emits
 * count - done_count calls and bytes - done_bytes bytes and advances the
 * done_* marks. The parts then add up to exactly the calls and bytes made,
 * whatever the race. Time: the first call of a run reads the precise boot
 * clock (~20 ns here); later calls only jiffies (the coarse clock is not
 * allowed in tracing programs). A part's last timestamp is first_ts + (ticks
 * elapsed + 1) * tick, clamped to the flush time: never earlier than the real
 * last call, so a merged edge can add a dependency but never lose one
 * (DESIGN.md, interval semantics); a part after a timer flush starts at it.
 *
 * The record of a part is a ps_syscall_record with hdr.ts_ns = first call,
 * last_ts_ns, count, bytes, ret = bytes (the sum of the calls' return values),
 * aux[0]/flags of the run's first call, and PS_PATH_COALESCED when count > 1.
 * A run of one call is the same record the raw path makes.
 */
#ifndef PS_COALESCE_BPF_H
#define PS_COALESCE_BPF_H

/* Set by user space before load: 1 records every syscall on its own (--raw). */
const volatile __u32 coalesce_off = 0;

/* Set by user space before running ps_flush_io: parts that began before this
 * boot time are flushed (~0 at stop: all of them). */
__u64 flush_before_ns = 0;

/* The tick, to bound times known only in jiffies (10 ms, HZ=100, the longest
 * common tick, when the kernel config cannot be read). */
extern int CONFIG_HZ __kconfig __weak;

static __always_inline __u64 tick_ns(void)
{
	return CONFIG_HZ > 0 ? 1000000000ULL / CONFIG_HZ : 10000000ULL;
}

enum { IO_READ = 0, IO_WRITE = 1, IO_NONE = 2 };

struct io_run {
	__u64 file;         /* struct file * identity when the run opened */
	__u64 first_ts;     /* boot clock at the first call */
	__u64 first_jiffies; /* jiffies at the first call */
	__u64 last_jiffies;  /* jiffies at the latest call */
	__u64 count;        /* calls in the run; 0: none pending */
	__u64 bytes;
	__u64 aux0;         /* first call's aux[0] (offset of positioned I/O) */
	__u32 kind;
	__s32 fd;
	__u32 flags;        /* first call's flags (preadv2/pwritev2) */
	__u32 pad;
	/* under the lock: what the timer iterator emitted of the run so far */
	__u64 done_count;
	__u64 done_bytes;
	__u64 done_ts;
	struct file_desc desc;
};

struct io_state {
	struct bpf_spin_lock lock;
	__u32 pad;
	struct io_run run[2]; /* IO_READ, IO_WRITE */
	__u64 opened;         /* the file of this thread's last recorded open (owner only) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct io_state);
} io_state_map SEC(".maps");

/* A part of a run to emit, copied out under the lock (no helper may be called
 * while it is held). Per CPU: the programs are not preempted, as for the
 * scratch buffer. */
struct io_part {
	__u64 count;   /* 0: nothing to emit */
	__u64 bytes;
	__u64 first_ts;
	__u64 last_ts;
	struct io_run run;
};

struct io_taken {
	struct io_part part[2];
	struct file_desc desc;   /* a new run's object, described outside the lock */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct io_taken);
} io_taken_map SEC(".maps");

static __always_inline struct io_taken *get_io_taken(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&io_taken_map, &zero);
}

static __always_inline void count_lost_calls(__u64 calls)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += calls;
}

static __always_inline int io_direction(__u32 kind)
{
	switch (kind) {
	case PS_SC_READ: case PS_SC_PREAD64: case PS_SC_READV: case PS_SC_PREADV:
	case PS_SC_PREADV2: case PS_SC_RECVFROM: case PS_SC_RECVMSG:
		return IO_READ;
	case PS_SC_WRITE: case PS_SC_PWRITE64: case PS_SC_WRITEV: case PS_SC_PWRITEV:
	case PS_SC_PWRITEV2: case PS_SC_SENDTO: case PS_SC_SENDMSG:
		return IO_WRITE;
	}
	return IO_NONE;
}

/*
 * Under the lock: copies what of run is not emitted yet into part (count 0 when
 * nothing). whole: the run ends (owner flush); else the timer marks it done.
 */
static __always_inline void take_part(struct io_run *run, struct io_part *part, __u64 now,
				      __u64 before, bool whole)
{
	__u64 start;

	/* One snapshot: the owner may be adding a call right now without the lock,
	 * so every figure (and the done marks) must come from the same read. */
	part->run = *run;
	part->count = 0;
	if (!part->run.count || part->run.count <= part->run.done_count)
		return;
	start = part->run.done_count ? part->run.done_ts : part->run.first_ts;
	if (start >= before)
		return;
	part->count = part->run.count - part->run.done_count;
	part->bytes = part->run.bytes - part->run.done_bytes;
	part->first_ts = start;
	if (whole) {
		run->count = 0;
	} else {
		run->done_count = part->run.count;
		run->done_bytes = part->run.bytes;
		run->done_ts = now;
	}
}

/* The record of a part of a run of task: the current thread (cheaper to describe)
 * or, from the timer iterator, another one. */
static __noinline int emit_part(struct task_struct *task, struct io_part *part, __u64 now, bool current)
{
	struct scratch *s = get_scratch();
	struct ps_syscall_record *r;
	__u64 last;
	__u32 pos;

	if (!s || !task || !part->count)
		return 0;
	if (part->run.count == 1) {
		last = part->run.first_ts;
	} else {
		last = part->run.first_ts + (part->run.last_jiffies - part->run.first_jiffies + 1) * tick_ns();
		if (last > now)
			last = now;
		if (last < part->first_ts)
			last = part->first_ts;
	}
	r = (struct ps_syscall_record *)s->rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->hdr.type = PS_REC_SYSCALL;
	r->hdr.ts_ns = part->first_ts;
	r->last_ts_ns = last;
	if (current)
		fill_current_task(&r->task);
	else
		fill_task(&r->task, task);
	r->ret = part->bytes;
	r->count = part->count;
	r->bytes = part->bytes;
	r->kind = part->run.kind;
	r->fd = part->run.fd;
	r->fd2 = -1;
	r->flags = part->run.flags;
	r->aux[0] = part->run.aux0;
	if (part->count > 1)
		r->path_flags |= PS_PATH_COALESCED;
	pos = sizeof(*r);
	r->str_len[0] = put_desc(r, pos, &part->run.desc);
	pos += r->str_len[0] + 1;
	pos = put_empty(s, pos);
	pos = put_empty(s, pos);
	pos = put_empty(s, pos);
	r->hdr.size = pos & SCRATCH_MASK;
	if (!filter_record_allows(s))
		return 0; /* an excluded path prefix (capture.conf) */
	if (bpf_ringbuf_output(&events, s->rec, pos & SCRATCH_MASK, wakeup_flag()))
		count_lost_calls(part->count); /* the loss counts syscalls, as delivered records do */
	return 0;
}

/*
 * A run flushed by its own thread after its fd was closed or replaced (close,
 * dup2 onto it, close_range, close-on-exec: the flush now runs at sys_exit):
 * the file, maybe its dentry, is gone, so the record leaves the object empty
 * and user space names it from its fd table (capture/fd_table_tracker).
 * Pipes and sockets are described by value and keep their names.
 */
static __always_inline void forget_closed(struct io_state *st, struct io_part *part)
{
	if (!part->count || (part->run.desc.type != FD_FILE && part->run.desc.type != FD_MQUEUE))
		return;
	if (part->run.file == st->opened || (__u64)current_file(part->run.fd) != part->run.file)
		part->run.desc.type = FD_NONE;
}

/*
 * The file the thread just opened (its open record named it): a run on it is
 * emitted without walking its path again, user space names it from its fd
 * table. The churn of fresh files (open, write, close) saves one walk in two.
 */
__noinline int ps_note_open(long fd)
{
	struct io_state *st;

	if (coalesce_off)
		return 0;
	st = bpf_task_storage_get(&io_state_map, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (st)
		st->opened = (__u64)current_file(fd);
	return 0;
}

/* Emits both parts, oldest first. */
static __always_inline void emit_parts(struct task_struct *task, struct io_taken *t, __u64 now, bool current)
{
	int write_first = t->part[1].count &&
			  (!t->part[0].count || t->part[1].first_ts < t->part[0].first_ts);

	if (write_first)
		emit_part(task, &t->part[1], now, current);
	if (t->part[0].count)
		emit_part(task, &t->part[0], now, current);
	if (!write_first && t->part[1].count)
		emit_part(task, &t->part[1], now, current);
}

/*
 * Flushes the runs of task: whole (the thread itself, at another syscall, exec
 * or exit), or the parts that began before `before` (the timer iterator).
 */
static __always_inline void flush_task_runs(struct task_struct *task, __u64 before, bool whole)
{
	struct io_state *st;
	struct io_taken *t;
	__u64 now;

	if (coalesce_off || !task)
		return;
	st = bpf_task_storage_get(&io_state_map, task, 0, 0);
	if (!st || (!st->run[0].count && !st->run[1].count))
		return;
	t = get_io_taken();
	if (!t)
		return;
	now = bpf_ktime_get_boot_ns();
	bpf_spin_lock(&st->lock);
	take_part(&st->run[0], &t->part[0], now, before, whole);
	take_part(&st->run[1], &t->part[1], now, before, whole);
	bpf_spin_unlock(&st->lock);
	if (whole) {
		forget_closed(st, &t->part[0]);
		forget_closed(st, &t->part[1]);
	}
	emit_parts(task, t, now, whole); /* whole: the thread itself */
}

/* At sys_exit, before anything else: any recorded syscall but coalesced I/O
 * flushes the thread's runs, before its own record. */
__noinline int ps_flush_current(void)
{
	flush_task_runs(bpf_get_current_task_btf(), ~0ULL, true);
	return 0;
}

static __always_inline void coalesce_before(__u32 kind)
{
	if (coalesce_off || io_direction(kind) != IO_NONE)
		return;
	ps_flush_current(); /* a global function: verified once, not inline */
}

/* Whether this call may join a run: successful, and for sendto/sendmsg without
 * an explicit destination (a connected socket). */
static __always_inline bool io_mergeable(__u32 kind, struct pt_regs *regs, long ret)
{
	if (ret < 0)
		return false;
	if (kind == PS_SC_SENDTO)
		return regs->r8 == 0;
	if (kind == PS_SC_SENDMSG) {
		void *name = NULL;
		struct user_msghdr *msg = (struct user_msghdr *)regs->si;

		if (bpf_probe_read_user(&name, sizeof(name), &msg->msg_name))
			return false;
		return name == NULL;
	}
	return true;
}

/* A new run's object may be coalesced: not an unconnected inet socket (its
 * peers can change from call to call). */
static __always_inline bool desc_mergeable(struct file_desc *d)
{
	if (d->type != FD_SOCKET)
		return d->type != FD_NONE;
	if (d->family == PS_AF_INET || d->family == PS_AF_INET6)
		return d->rport != 0;
	return true;
}

/* True when the syscall was merged into the thread's pending I/O record (nothing
 * to emit now). Other calls in the same direction flush its run first. */
static __always_inline bool coalesce_io(__u32 kind, struct pt_regs *regs, long ret)
{
	struct task_struct *task;
	struct io_state *st;
	struct io_taken *t;
	struct io_run *run;
	__u64 file, now, aux0 = 0;
	__u32 flags = 0;
	int dir = io_direction(kind);
	int fd = (int)regs->di;
	bool ok;

	if (coalesce_off || dir == IO_NONE)
		return false;
	task = bpf_get_current_task_btf();
	ok = io_mergeable(kind, regs, ret);
	st = bpf_task_storage_get(&io_state_map, task, 0, ok ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!st)
		return false;
	file = ok ? (__u64)current_file(fd) : 0;
	run = &st->run[dir & 1];
	if (run->count && file && run->file == file && run->fd == fd && run->kind == kind) {
		/* the hot path: only this thread writes the run */
		run->last_jiffies = bpf_jiffies64();
		run->bytes += ret;
		run->count++;
		return true;
	}

	t = get_io_taken();
	if (!t)
		return false;
	now = bpf_ktime_get_boot_ns();
	if (run->count) {
		bpf_spin_lock(&st->lock);
		take_part(run, &t->part[0], now, ~0ULL, true);
		bpf_spin_unlock(&st->lock);
		emit_part(task, &t->part[0], now, true);
	}
	if (!file)
		return false;

	/* open a new run with this call */
	describe_file(&t->desc, (struct file *)file);
	if (!desc_mergeable(&t->desc))
		return false;
	if (kind == PS_SC_PREAD64 || kind == PS_SC_PWRITE64 || kind == PS_SC_PREADV ||
	    kind == PS_SC_PWRITEV || kind == PS_SC_PREADV2 || kind == PS_SC_PWRITEV2)
		aux0 = regs->r10; /* the offset */
	if (kind == PS_SC_PREADV2 || kind == PS_SC_PWRITEV2)
		flags = (__u32)regs->r9;
	t->part[1].run.first_jiffies = bpf_jiffies64();

	bpf_spin_lock(&st->lock);
	run = &st->run[dir & 1];
	run->file = file;
	run->first_ts = now;
	run->first_jiffies = t->part[1].run.first_jiffies;
	run->last_jiffies = run->first_jiffies;
	run->count = 1;
	run->bytes = ret;
	run->kind = kind;
	run->fd = fd;
	run->aux0 = aux0;
	run->flags = flags;
	run->done_count = 0;
	run->done_bytes = 0;
	run->done_ts = 0;
	run->desc = t->desc;
	bpf_spin_unlock(&st->lock);
	return true;
}

/* An iterator runs preemptible (only migration is disabled) on a preemptible
 * kernel: a syscall program preempting it on the same CPU would reuse the
 * per-CPU buffers. These kfuncs exist since 6.10 (weak: absent before). */
extern void bpf_preempt_disable(void) __ksym __weak;
extern void bpf_preempt_enable(void) __ksym __weak;

/* Timer and stop flush: user space runs this iterator over all tasks. */
SEC("iter/task")
int ps_flush_io(struct bpf_iter__task *ctx)
{
	if (bpf_preempt_disable)
		bpf_preempt_disable();
	flush_task_runs(ctx->task, flush_before_ns, false);
	if (bpf_preempt_enable)
		bpf_preempt_enable();
	return 0;
}

#endif /* PS_COALESCE_BPF_H */
