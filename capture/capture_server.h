#pragma once
// `provscope-capture --serve`: serves one GUI client at a time over a Unix stream
// socket (a path in root-owned /run/provscope/, or an inherited socketpair fd),
// speaking the wire protocol (models/wire_protocol.h).
#include "capture_source.h"
#include "result.h"

#include <sys/types.h>

#include <atomic>
#include <string>

namespace provscope {

constexpr const char *kDefaultServeDir = "/run/provscope";
constexpr const char *kDefaultServeSocket = "/run/provscope/provscope.sock";

struct CaptureServerOptions {
    std::string socketPath;     // listen here (parent dir must be /run/provscope-like: created
                                // root-owned 0755 if missing, never through a symlink)
    int inheritedFd = -1;       // or: serve exactly one already-connected socket (--fd N)
    uid_t allowedUid = 0;       // besides root, the only uid allowed to connect
    int flushIntervalMs = 100;  // batches are sent at least this often
    int statsIntervalMs = 1000; // Stats are sent this often while capturing
};

// Serves until the client disconnects (capture stopped cleanly), stopRequested becomes
// true (SIGINT/SIGTERM in main), or a fatal error. With socketPath the socket file is
// chowned to allowedUid, mode 0600, and unlinked on return. A client with another uid
// gets an Error frame "uid N is not allowed" and is closed (the server keeps listening).
// Malformed client frames are logged to stderr with the reason; the connection is closed
// and the server returns. Returns an error for setup failures (socket, permissions, ...)
// and for capture failures (the client also receives them as Error frames).
Result<void> runCaptureServer(const CaptureServerOptions &options, const SourceFactory &makeSource,
                              const std::atomic<bool> &stopRequested);

} // namespace provscope
