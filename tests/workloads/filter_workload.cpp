// provscope-filter-workload [--wait] ACTION...: known activity for the filter
// tests (tst_capture_filters). With --wait it first reads a line from stdin
// (so a capture can start on its pid). Actions, in order:
//   open:PATH   open PATH read-only, read a byte, close (a failed open is fine)
//   chdir:DIR   change the working directory (relative opens resolve there)
//   net         listen on 127.0.0.1, connect to it, accept, close all
//   fork        fork: the child does the remaining actions, the parent waits
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

int net()
{
    const int l = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (l < 0 || bind(l, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || listen(l, 1) != 0
        || getsockname(l, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
        return 1;
    const int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0)
        return 1;
    const int a = accept(l, nullptr, nullptr);
    if (a < 0)
        return 1;
    close(a);
    close(c);
    close(l);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    int i = 1;
    if (i < argc && std::strcmp(argv[i], "--wait") == 0) {
        char line[16];
        if (read(0, line, sizeof line) < 0)
            return 1;
        ++i;
    }
    for (; i < argc; ++i) {
        const std::string action = argv[i];
        if (action.rfind("open:", 0) == 0) {
            const int fd = open(action.c_str() + 5, O_RDONLY);
            if (fd >= 0) {
                char c;
                (void)!read(fd, &c, 1);
                close(fd);
            }
        } else if (action.rfind("chdir:", 0) == 0) {
            if (chdir(action.c_str() + 6) != 0)
                return 1;
        } else if (action == "net") {
            if (net() != 0)
                return 1;
        } else if (action == "fork") {
            const pid_t child = fork();
            if (child < 0)
                return 1;
            if (child > 0) {
                int status = 0;
                waitpid(child, &status, 0);
                return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
            }
        } else {
            std::fprintf(stderr, "unknown action %s\n", action.c_str());
            return 2;
        }
    }
    return 0;
}
