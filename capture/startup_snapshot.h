#pragma once
// The start-up snapshot: runs the iterators of bpf/ps_snapshot.bpf.h once,
// right after attach, so every process and open fd that predates the capture
// is known with the identity its live events will carry.
#include "capture_batch.h"
#include "result.h"

#include <cstdint>

struct provscope_bpf;

namespace provscope {

class RecordDecoder;

struct SnapshotCounts {
    uint64_t processes = 0;
    uint64_t fds = 0;
};

// Appends a ProcessInfo per pre-existing process and a "snapshot_fd" Event per
// open fd to batch (decoded by decoder, which then knows these processes).
Result<SnapshotCounts> runStartupSnapshot(provscope_bpf *skel, RecordDecoder &decoder, CaptureBatch &batch);

} // namespace provscope
