#pragma once
// Adapts KernelCapture (eBPF), with the network capture (libpcap) beside it, to the
// CaptureSource interface the server uses.
#include "capture_source.h"
#include "kernel_capture.h"
#include "pcap_capture.h"

#include <optional>

namespace provscope {

// A factory that starts a KernelCapture with these options each time a client sends Start,
// and a PcapCapture with pcap's unless it is nullopt (--no-pcap).
SourceFactory kernelCaptureSourceFactory(const KernelCaptureOptions &options,
                                         const std::optional<PcapCaptureOptions> &pcap = std::nullopt);

} // namespace provscope
