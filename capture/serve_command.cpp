#include "serve_command.h"

#include "capture_server.h"
#include "kernel_capture_source.h"

#include <iostream>
#include <unistd.h>

namespace provscope {

int runServeCommand(const ServeOptions &options, const std::atomic<bool> &stopRequested)
{
    CaptureServerOptions server;
    server.inheritedFd = options.inheritedFd;
    if (options.inheritedFd < 0)
        server.socketPath = options.socketPath.empty() ? kDefaultServeSocket : options.socketPath;
    server.allowedUid = options.allowedUid.value_or(0);
    if (!server.socketPath.empty())
        std::cerr << "provscope-capture: serving on " << server.socketPath << "\n";
    KernelCaptureOptions kernel = options.kernel;
    kernel.excludeTgid = uint32_t(getpid());
    const auto served = runCaptureServer(server, kernelCaptureSourceFactory(kernel, options.pcap), stopRequested);
    if (!served) {
        std::cerr << "provscope-capture: " << served.error() << "\n";
        return 1;
    }
    return 0;
}

} // namespace provscope
