#pragma once
// What the socket server needs from a capture: the KernelCapture poll/stop/stats API
// behind an interface, so tests can drive the server without BPF.
#include "capture_batch.h"
#include "result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace provscope {

class CaptureSource {
public:
    using BatchHandler = std::function<void(CaptureBatch &&batch)>;

    virtual ~CaptureSource() = default;
    // Waits up to timeoutMs for records and hands what is available to the handler.
    virtual Result<void> poll(int timeoutMs, const BatchHandler &handler) = 0;
    // Drains what is left and stops; the source is not polled afterwards.
    virtual Result<void> stop(const BatchHandler &handler) = 0;
    virtual CaptureStats stats() const = 0;
    // The capture configuration as a JSON object (stored in the session's meta).
    virtual std::string configJson() const = 0;
    // Called once the session's meta exists, before the first poll: times the source
    // makes from wall-clock time (libpcap's) become boot ns with the meta's offset.
    virtual Result<void> begin(int64_t bootToEpochNs)
    {
        (void)bootToEpochNs;
        return {};
    }
};

// Called by the server when a client sends Start: creates and starts a capture.
// clientTgid is the connected client's process (from SO_PEERCRED, 0 if unknown):
// the workstation is not recorded writing its own session.
using SourceFactory = std::function<Result<std::unique_ptr<CaptureSource>>(uint32_t clientTgid)>;

} // namespace provscope
