// Helpers for the activity patterns (activity_support.h).
#include "activity_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace activity {

namespace {

constexpr int kNoNamespace = 77; // unshare(CLONE_NEWNET) refused
constexpr int kNoLoopback = 78;  // the new namespace's lo did not come up

bool fillAddress(const std::string &addr, int port, sockaddr_in *out)
{
    *out = {};
    out->sin_family = AF_INET;
    out->sin_port = htons(static_cast<uint16_t>(port));
    return inet_pton(AF_INET, addr.c_str(), &out->sin_addr) == 1;
}

int boundPortOf(int fd)
{
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
        return -1;
    return ntohs(addr.sin_port);
}

bool loopbackUp()
{
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    bool up = ioctl(fd, SIOCGIFFLAGS, &request) == 0;
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    up = up && ioctl(fd, SIOCSIFFLAGS, &request) == 0;
    close(fd);
    return up;
}

} // namespace

bool makeDirs(const std::string &path, unsigned mode)
{
    for (size_t slash = path.find('/', 1); ; slash = path.find('/', slash + 1)) {
        const std::string part = path.substr(0, slash);
        if (mkdir(part.c_str(), mode) != 0 && errno != EEXIST)
            return false;
        if (slash == std::string::npos)
            return true;
    }
}

bool writeFile(const std::string &path, const std::string &data, bool append, unsigned mode)
{
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    const int fd = open(path.c_str(), flags, mode);
    if (fd < 0)
        return false;
    const bool ok = sendAll(fd, data);
    close(fd);
    return ok;
}

std::string readFile(const std::string &path, size_t limit)
{
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {};
    std::string data = recvAll(fd, limit);
    close(fd);
    return data;
}

void removeTree(const std::string &path)
{
    nftw(path.c_str(), [](const char *p, const struct stat *, int, FTW *) { return remove(p); }, 16,
         FTW_DEPTH | FTW_PHYS);
}

int startChild(const std::function<int()> &body)
{
    std::fflush(nullptr); // a child must not repeat the parent's buffered report lines
    const pid_t pid = fork();
    if (pid == 0)
        _exit(body());
    return pid;
}

int waitFor(int pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int runChild(const std::function<int()> &body, int *status)
{
    const int pid = startChild(body);
    if (pid < 0)
        return -1;
    const int result = waitFor(pid);
    if (status)
        *status = result;
    return pid;
}

int runProgram(const std::vector<std::string> &argv, const std::string &logPath)
{
    return runChild([&] {
        const int log = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (log >= 0) {
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
            close(log);
        }
        std::vector<char *> args;
        for (const std::string &arg : argv)
            args.push_back(const_cast<char *>(arg.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        return 127;
    });
}

int listenTcp(const std::string &addr, int port, int *boundPort)
{
    sockaddr_in address{};
    if (!fillAddress(addr, port, &address))
        return -1;
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || listen(fd, 16) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (boundPort)
        *boundPort = boundPortOf(fd);
    return fd;
}

int connectTcp(const std::string &addr, int port)
{
    sockaddr_in address{};
    if (!fillAddress(addr, port, &address))
        return -1;
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        const int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int acceptWithin(int server, int timeoutMs)
{
    pollfd waiting{server, POLLIN, 0};
    if (poll(&waiting, 1, timeoutMs) != 1)
        return -1;
    return accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
}

int bindUdp(const std::string &addr, int *boundPort)
{
    sockaddr_in address{};
    if (!fillAddress(addr, 0, &address))
        return -1;
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (boundPort)
        *boundPort = boundPortOf(fd);
    return fd;
}

bool sendAll(int fd, const std::string &data)
{
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

std::string recvAll(int fd, size_t limit)
{
    std::string data;
    char buffer[4096];
    while (data.size() < limit) {
        const ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        data.append(buffer, static_cast<size_t>(n));
    }
    return data;
}

int runInPrivateNetns(const std::function<int()> &body, std::string *why)
{
    int status = -1;
    const int pid = runChild([&] {
        if (unshare(CLONE_NEWNET) != 0)
            return kNoNamespace;
        if (!loopbackUp())
            return kNoLoopback;
        return body();
    }, &status);
    if (pid < 0) {
        *why = "fork failed";
        return -1;
    }
    if (status == kNoNamespace) {
        *why = geteuid() == 0 ? "unshare(CLONE_NEWNET) failed: no network namespaces here"
                              : "not root: no private network namespace";
        return -1;
    }
    if (status == kNoLoopback) {
        *why = "the private namespace's loopback did not come up";
        return -1;
    }
    return pid;
}

} // namespace activity
