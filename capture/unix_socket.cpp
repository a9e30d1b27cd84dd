#include "unix_socket.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace provscope {

namespace {

std::string errnoText() { return std::strerror(errno); }

Result<void> checkServeDirectory(const std::string &dir)
{
    struct stat st{};
    if (lstat(dir.c_str(), &st) != 0) {
        if (errno != ENOENT)
            return makeError("cannot inspect " + dir + ": " + errnoText());
        const mode_t old = umask(022);
        const int made = mkdir(dir.c_str(), 0755);
        umask(old);
        if (made != 0 && errno != EEXIST)
            return makeError("cannot create " + dir + ": " + errnoText());
        if (lstat(dir.c_str(), &st) != 0)
            return makeError("cannot inspect " + dir + ": " + errnoText());
    }
    if (S_ISLNK(st.st_mode))
        return makeError(dir + " is a symlink; refusing to serve there");
    if (!S_ISDIR(st.st_mode))
        return makeError(dir + " is not a directory");
    if (st.st_uid != 0)
        return makeError(dir + " is owned by uid " + std::to_string(st.st_uid) + ", not root");
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return makeError(dir + " is writable by group or others; refusing to serve there");
    return {};
}

sockaddr_un addressOf(const std::string &path)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    return addr;
}

} // namespace

Result<void> setNonBlocking(int fd)
{
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return makeError("fcntl(O_NONBLOCK) failed: " + errnoText());
    return {};
}

Result<int> listenOnUnixSocket(const std::string &path, uid_t owner)
{
    sockaddr_un addr{};
    if (path.empty() || path.front() != '/' || path.size() >= sizeof addr.sun_path)
        return makeError("socket path must be absolute and shorter than " +
                         std::to_string(sizeof addr.sun_path) + " bytes: " + path);
    const std::string dir = path.substr(0, path.rfind('/'));
    if (!dir.empty()) {
        auto ok = checkServeDirectory(dir);
        if (!ok)
            return makeError(ok.error());
    }
    addr = addressOf(path);

    struct stat st{};
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return makeError(path + " exists and is not a socket; refusing to replace it");
        const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const bool alive = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
        if (probe >= 0)
            ::close(probe);
        if (alive)
            return makeError("another capture helper already serves at " + path);
        if (unlink(path.c_str()) != 0)
            return makeError("cannot remove stale socket " + path + ": " + errnoText());
    }

    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return makeError("socket: " + errnoText());
    // Created 0600 from the start: no window in which others could connect.
    const mode_t old = umask(0177);
    const int bound = bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    umask(old);
    if (bound != 0) {
        const std::string why = errnoText();
        ::close(fd);
        return makeError("cannot bind " + path + ": " + why);
    }
    if (lchown(path.c_str(), owner, static_cast<gid_t>(-1)) != 0 || listen(fd, 4) != 0) {
        const std::string why = errnoText();
        ::close(fd);
        unlink(path.c_str());
        return makeError("cannot set up " + path + ": " + why);
    }
    return fd;
}

Result<PeerCredentials> peerCredentials(int fd)
{
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return makeError("SO_PEERCRED failed: " + errnoText());
    return PeerCredentials{cred.pid, cred.uid, cred.gid};
}

Result<void> sendAll(int fd, const uint8_t *data, size_t size, const std::atomic<bool> &stopRequested)
{
    int waitsAfterStop = 0;
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            size -= size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // After a stop request, give a slow client 2 s to take the final data.
            if (stopRequested.load() && ++waitsAfterStop > 20)
                return makeError("stop requested while the client was not reading");
            pollfd p{fd, POLLOUT, 0};
            poll(&p, 1, 100);
            continue;
        }
        return makeError(errno == EPIPE || errno == ECONNRESET ? std::string("client disconnected")
                                                               : "send failed: " + errnoText());
    }
    return {};
}

} // namespace provscope
