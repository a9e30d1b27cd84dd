#include "helper_launcher.h"

#include "privilege_drop.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vector>

namespace provscope {

namespace {

std::string errnoText() { return std::strerror(errno); }

std::string userNameOf(uid_t uid)
{
    passwd pw{};
    passwd *found = nullptr;
    char buf[16384];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
        return found->pw_name;
    return "uid " + std::to_string(uid);
}

std::string shellQuote(const std::string &s)
{
    if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789/._-+") == std::string::npos)
        return s;
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// fork+exec argv with `keepFd` inherited (all our other fds are CLOEXEC or closed by
// the helper). Only async-signal-safe calls in the child: the GUI may have threads.
Result<pid_t> spawn(const std::vector<std::string> &args, int keepFd)
{
    std::vector<char *> argv;
    for (const auto &a : args)
        argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0)
        return makeError("fork failed: " + errnoText());
    if (pid == 0) {
        if (keepFd >= 0) {
            const int flags = fcntl(keepFd, F_GETFD);
            if (flags < 0 || fcntl(keepFd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
                _exit(126);
        }
        execv(argv[0], argv.data());
        _exit(127);
    }
    return pid;
}

// A socketpair; our end is CLOEXEC, the helper's end is made inheritable in the child.
Result<HelperConnection> spawnOverSocketpair(const std::string &captureBinary, uid_t allowUid,
                                             const char *description)
{
    if (access(captureBinary.c_str(), X_OK) != 0)
        return makeError("capture helper " + captureBinary + " is not executable: " + errnoText());
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return makeError("socketpair failed: " + errnoText());
    std::vector<std::string> args = {captureBinary, "--serve", "--fd", std::to_string(fds[1])};
    if (allowUid != 0) {
        args.push_back("--allow-uid");
        args.push_back(std::to_string(allowUid));
    }
    auto pid = spawn(args, fds[1]);
    ::close(fds[1]);
    if (!pid) {
        ::close(fds[0]);
        return makeError(pid.error());
    }
    return HelperConnection{fds[0], pid.value(), description};
}

int64_t monotonicMs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Connects to a served helper socket; the server must be root (SO_PEERCRED), since
// anyone could otherwise pretend to be the helper.
Result<int> connectServed(const std::string &path)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return makeError("socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return makeError("socket: " + errnoText());
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        const std::string why = errnoText();
        ::close(fd);
        return makeError("cannot connect to " + path + ": " + why);
    }
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != 0) {
        ::close(fd);
        return makeError("the process serving " + path + " is not root; not trusting it");
    }
    return fd;
}

bool pkexecUsable()
{
    const bool graphical = (std::getenv("DISPLAY") && *std::getenv("DISPLAY")) ||
                           (std::getenv("WAYLAND_DISPLAY") && *std::getenv("WAYLAND_DISPLAY"));
    return graphical && access("/usr/bin/pkexec", X_OK) == 0;
}

} // namespace

std::string defaultCaptureBinary()
{
    char buf[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return "provscope-capture";
    std::string self(buf, size_t(n));
    const auto slash = self.rfind('/');
    return (slash == std::string::npos ? std::string(".") : self.substr(0, slash)) + "/provscope-capture";
}

std::string manualHelperCommand(const std::string &captureBinary, uid_t uid)
{
    return "sudo " + shellQuote(captureBinary) + " --serve --allow-uid " + std::to_string(uid);
}

HelperLaunch prepareHelperBeforeQt(const std::string &captureBinary)
{
    HelperLaunch launch;
    launch.captureBinary = captureBinary;
    if (geteuid() != 0) {
        launch.mode = HelperMode::Unprivileged;
        launch.userName = userNameOf(getuid());
        launch.statusText = "Running as " + launch.userName +
                            "; a capture helper is requested on Capture\u2192Start";
        return launch;
    }
    const auto user = sudoTargetUser();
    if (!user) {
        launch.mode = HelperMode::PlainRoot;
        launch.userName = "root";
        launch.statusText = "Running as root (no invoking user)";
        return launch;
    }
    launch.mode = HelperMode::SudoStarted;
    launch.userName = user->name;
    // Start the helper first, while we are still root; then drop for good.
    auto helper = spawnOverSocketpair(captureBinary, user->uid, "helper started through sudo");
    if (helper) {
        launch.fd = helper->fd;
        launch.helperPid = helper->helperPid;
    }
    auto dropped = dropPrivilegesTo(*user);
    if (!dropped) {
        launch.error = "could not drop root privileges to " + user->name + ": " + dropped.error();
        return launch;
    }
    if (!helper) {
        // The GUI still runs (as the user); Capture->Start will explain what to do.
        launch.mode = HelperMode::Unprivileged;
        launch.statusText = "GUI runs as " + user->name + "; starting the helper through " + user->via +
                            " failed: " + helper.error();
        return launch;
    }
    launch.statusText = "Helper started through " + user->via + "; GUI runs as " + user->name;
    return launch;
}

Result<HelperConnection> startHelperAsRoot(const std::string &captureBinary)
{
    if (geteuid() != 0)
        return makeError("starting the capture helper directly needs root");
    return spawnOverSocketpair(captureBinary, 0, "helper started as root");
}

Result<HelperConnection> connectUnprivileged(const std::string &captureBinary, int timeoutMs)
{
    auto served = connectServed(kHelperSocketPath);
    if (served)
        return HelperConnection{served.value(), -1, std::string("connected to the helper at ") + kHelperSocketPath};

    const uid_t uid = getuid();
    const std::string manual =
        "No capture helper is running. Start one in a terminal with\n  " +
        manualHelperCommand(captureBinary, uid) + "\nand then choose Capture\u2192Start again.";
    if (!pkexecUsable())
        return makeError(manual);

    auto pid = spawn({"/usr/bin/pkexec", captureBinary, "--serve", "--socket", kHelperSocketPath,
                      "--allow-uid", std::to_string(uid)},
                     -1);
    if (!pid)
        return makeError(pid.error() + "\n" + manual);
    // pkexec shows the polkit dialog; the helper then creates the socket.
    const int64_t deadline = monotonicMs() + timeoutMs;
    while (monotonicMs() < deadline) {
        auto fd = connectServed(kHelperSocketPath);
        if (fd)
            return HelperConnection{fd.value(), pid.value(), "helper started through pkexec"};
        int status = 0;
        if (waitpid(pid.value(), &status, WNOHANG) == pid.value()) {
            const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            const char *why = code == 126 ? "authorization was refused or dismissed"
                              : code == 127 ? "pkexec could not authorize (no polkit agent?)"
                                            : "the helper exited";
            return makeError(std::string("pkexec: ") + why + " (exit " + std::to_string(code) + ").\n" + manual);
        }
        poll(nullptr, 0, 100);
    }
    return makeError("timed out waiting for the helper started through pkexec.\n" + manual);
}

Result<HelperConnection> acquireHelperConnection(HelperLaunch &launch, int timeoutMs)
{
    switch (launch.mode) {
    case HelperMode::SudoStarted: {
        // The sudo-started helper serves our socketpair for the GUI's whole life: each
        // capture gets a duplicate, so closing a CaptureClient does not end the helper.
        int status = 0;
        const bool helperGone = launch.helperPid > 0 && waitpid(launch.helperPid, &status, WNOHANG) == launch.helperPid;
        if (launch.fd >= 0 && !helperGone) {
            const int dup = fcntl(launch.fd, F_DUPFD_CLOEXEC, 3);
            if (dup < 0)
                return makeError("cannot duplicate the helper connection: " + errnoText());
            return HelperConnection{dup, launch.helperPid, "helper started through sudo"};
        }
        if (launch.fd >= 0)
            ::close(launch.fd);
        launch.fd = -1;
        launch.helperPid = -1;
        // From now on like any unprivileged GUI (callers run that path off the GUI thread).
        launch.mode = HelperMode::Unprivileged;
        launch.statusText = "The helper started through sudo has exited; GUI runs as " + launch.userName;
        return makeError("the capture helper started through sudo has exited; choose Capture\u2192Start "
                         "again to start another one");
    }
    case HelperMode::PlainRoot:
        return startHelperAsRoot(launch.captureBinary);
    case HelperMode::Unprivileged:
        break;
    }
    return connectUnprivileged(launch.captureBinary, timeoutMs);
}

} // namespace provscope
