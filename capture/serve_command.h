#pragma once
// `provscope-capture --serve`: stream live eBPF captures to the workstation.
#include "kernel_capture.h"
#include "pcap_capture.h"

#include <atomic>
#include <optional>
#include <string>
#include <sys/types.h>

namespace provscope {

struct ServeOptions {
    std::string socketPath;          // default /run/provscope/provscope.sock
    int inheritedFd = -1;            // a socketpair end handed over by the workstation
    std::optional<uid_t> allowedUid; // besides root, who may connect
    KernelCaptureOptions kernel;     // raw, ring buffer size... (excludeTgid: set here)
    std::optional<PcapCaptureOptions> pcap = PcapCaptureOptions{}; // nullopt: --no-pcap
};

// Serves until the client leaves or stopRequested is set; returns the exit status.
int runServeCommand(const ServeOptions &options, const std::atomic<bool> &stopRequested);

} // namespace provscope
