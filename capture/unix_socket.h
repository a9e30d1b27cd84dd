#pragma once
// Small Unix-socket helpers for the capture server: a safe listening socket in a
// root-owned directory, peer credentials, and sends that never raise SIGPIPE.
#include "result.h"

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace provscope {

struct PeerCredentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

// Creates the parent directory root-owned 0755 if missing (only the last component),
// refuses a parent that is a symlink, not a directory, not root-owned or writable by
// others; replaces a stale socket file (refuses if a server still answers there or the
// path is not a socket); binds with mode 0600, chowns the socket to `owner` and listens.
// Returns the listening fd (non-blocking, CLOEXEC).
Result<int> listenOnUnixSocket(const std::string &path, uid_t owner);

// SO_PEERCRED of a connected Unix socket.
Result<PeerCredentials> peerCredentials(int fd);

Result<void> setNonBlocking(int fd);

// Sends everything (MSG_NOSIGNAL), waiting while the peer's buffer is full; gives up
// when the peer is gone, or 2 s after stopRequested while the peer does not read.
Result<void> sendAll(int fd, const uint8_t *data, size_t size, const std::atomic<bool> &stopRequested);

} // namespace provscope
