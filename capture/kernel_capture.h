#pragma once
// Loads the eBPF programs, attaches them and turns ring-buffer records into
// CaptureBatch records. One instance per capture; not thread-safe.
#include "capture_batch.h"
#include "capture_config.h"
#include "result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace provscope {

struct KernelCaptureOptions {
    uint32_t excludeTgid = 0;       // the helper itself (0: none); never by name
    uint32_t excludeClientTgid = 0; // the workstation it streams to (0: none)
    uint32_t ringBufferBytes = 64u << 20;
    bool raw = false;               // every syscall its own record (no I/O coalescing)
    uint32_t flushIntervalMs = 200; // pending coalesced I/O older than this is flushed
    CaptureConfig config;           // filters (capture.conf); its ring_buffer_size wins over ringBufferBytes
    bool processTree = false;       // record only traced process trees (--pid, command mode)
    uint32_t treeRootPid = 0;       // --pid: this process and its descendants (needs processTree)
    bool startupSnapshot = true;    // processes and fds that predate the capture
};

class KernelCapture {
public:
    using BatchHandler = std::function<void(CaptureBatch &&batch)>;

    ~KernelCapture();
    // Loads and attaches everything; fails with a message that says what is missing
    // (not root, no BTF, verifier rejection with the failing program's name).
    static Result<std::unique_ptr<KernelCapture>> start(const KernelCaptureOptions &options);

    // Waits up to timeoutMs for records, decodes everything available and hands it
    // (the kernel wakes the reader only for sizeable batches, so a lone record
    // is delivered at the latest when the wait ends: poll at least every ~100 ms)
    // to the handler in one or more batches. Also reports new per-CPU losses.
    Result<void> poll(int timeoutMs, const BatchHandler &handler);
    // Drains what is left in the ring buffer and reports final losses; then detaches.
    Result<void> stop(const BatchHandler &handler);

    // The capture configuration as a JSON object, for the session's meta.
    std::string configJson() const;
    // Adds a process and its descendants to the traced tree (processTree mode),
    // e.g. the command of `provscope-capture -o F -- CMD` before it runs.
    Result<void> traceProcessTree(uint32_t pid);
    CaptureStats stats() const;

private:
    KernelCapture();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace provscope
