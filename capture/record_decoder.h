#pragma once
// Turns the eBPF side's ring-buffer records (bpf/provscope_events.h) into
// Events, ProcessInfos and nothing else. Pure user space: testable without BPF.
#include "capture_batch.h"
#include "fd_table_tracker.h"
#include "result.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>

namespace provscope {

class RecordDecoder {
public:
    // procRoot: where /proc lives (tests may point elsewhere).
    explicit RecordDecoder(std::string procRoot = "/proc");

    // Decodes one record of `size` bytes and appends what it means to `batch`.
    // A malformed record appends nothing and returns an error saying why.
    Result<void> decode(const void *data, size_t size, CaptureBatch &batch);

    uint64_t malformedCount() const { return m_malformed; }

private:
    struct Key {
        uint32_t pid;
        uint64_t startNs;
        bool operator==(const Key &other) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key &k) const { return std::hash<uint64_t>()(k.startNs * 31 + k.pid); }
    };

    Result<void> decodeSyscall(const unsigned char *data, size_t size, CaptureBatch &batch);
    Result<void> decodeExec(const unsigned char *data, size_t size, CaptureBatch &batch);
    Result<void> decodeFork(const unsigned char *data, size_t size, CaptureBatch &batch);
    Result<void> decodeExit(const unsigned char *data, size_t size, CaptureBatch &batch);
    // A process first seen through one of its events (it predates the capture):
    // emit a ProcessInfo from the record's task plus /proc, once.
    void notePreexisting(const void *task, CaptureBatch &batch);
    Result<void> malformed(std::string why);

    std::string m_procRoot;
    std::unordered_set<Key, KeyHash> m_known;
    FdTableTracker m_fds; // names what a close closes
    uint64_t m_malformed = 0;
    Key m_lastKey{0, 0}; // fast path: consecutive events of one process
};

} // namespace provscope
