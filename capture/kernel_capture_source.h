#pragma once
// Adapts KernelCapture (eBPF) to the CaptureSource interface the server uses.
#include "capture_source.h"
#include "kernel_capture.h"

namespace provscope {

// A factory that starts a KernelCapture with these options each time a client sends Start.
SourceFactory kernelCaptureSourceFactory(const KernelCaptureOptions &options);

} // namespace provscope
