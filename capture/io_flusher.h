#pragma once
// Flushes the kernel's pending coalesced I/O runs (bpf/ps_coalesce.bpf.h) by
// running its iter/task program: on a timer, runs that began more than the
// interval ago; at stop, all of them. The records arrive on the ring buffer.
#include "result.h"

#include <cstdint>

struct bpf_link;
struct bpf_program;

namespace provscope {

class IoFlusher {
public:
    IoFlusher() = default;
    ~IoFlusher();
    IoFlusher(const IoFlusher &) = delete;
    IoFlusher &operator=(const IoFlusher &) = delete;

    // iter: the loaded ps_flush_io program; flushBeforeNs: its global threshold
    // (in the skeleton's mmapped .bss). intervalMs 0 disables the timer.
    Result<void> attach(bpf_program *iter, volatile uint64_t *flushBeforeNs, uint32_t intervalMs);
    // Call on every poll: runs the iterator every half interval, so a run is
    // flushed at most 1.5 intervals after it began.
    Result<void> tick(uint64_t nowBootNs);
    // Everything pending, whatever its age (at stop).
    Result<void> flushAll();
    void detach();
    uint64_t iterations() const { return m_iterations; }

private:
    Result<void> run(uint64_t beforeBootNs);

    bpf_link *m_link = nullptr;
    volatile uint64_t *m_before = nullptr;
    uint64_t m_intervalNs = 0;
    uint64_t m_lastRunNs = 0;
    uint64_t m_iterations = 0;
};

} // namespace provscope
