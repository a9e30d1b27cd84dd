// provscope-mixed-workload: processes, pipes, files and sockets in a fixed
// mix, for tests/bench/completeness.sh (run under strace -f -c inside a capture).
// Usage: provscope-mixed-workload SCRATCH_DIR [ROUNDS]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void files(const std::string &dir, int round)
{
    const std::string a = dir + "/f" + std::to_string(round);
    const std::string b = a + ".renamed";
    int fd = open(a.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    for (int i = 0; i < 4; ++i)
        (void)!write(fd, "0123456789abcdef", 16);
    fchmod(fd, 0600);
    int d = dup(fd);
    close(d);
    close(fd);
    rename(a.c_str(), b.c_str());
    fd = open(b.c_str(), O_RDONLY | O_CLOEXEC);
    char buf[32];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
    mkdir((a + ".d").c_str(), 0700);
    rmdir((a + ".d").c_str());
    symlink("target", (a + ".lnk").c_str());
    unlink((a + ".lnk").c_str());
    unlink(b.c_str());
}

void pipes()
{
    int p[2];
    if (pipe(p) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        for (int i = 0; i < 8; ++i)
            (void)!write(p[1], "pipe-data", 9);
        _exit(0);
    }
    close(p[1]);
    char buf[64];
    while (read(p[0], buf, sizeof buf) > 0) {
    }
    close(p[0]);
    waitpid(pid, nullptr, 0);
}

void sockets()
{
    const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(server, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || listen(server, 4) != 0
        || getsockname(server, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
        return;
    const int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    connect(client, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    const int conn = accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
    for (int i = 0; i < 4; ++i)
        sendto(client, "hello", 5, 0, nullptr, 0);
    char buf[32];
    int got = 0;
    while (got < 20) {
        const ssize_t n = recvfrom(conn, buf, sizeof buf, 0, nullptr, nullptr);
        if (n <= 0)
            break;
        got += int(n);
    }
    close(conn);
    close(client);
    close(server);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
        (void)!write(sv[0], "x", 1);
        (void)!read(sv[1], buf, 1);
        close(sv[0]);
        close(sv[1]);
    }
}

void processes()
{
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/true", "true", nullptr);
        _exit(127);
    }
    waitpid(pid, nullptr, 0);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: provscope-mixed-workload SCRATCH_DIR [ROUNDS]\n");
        return 2;
    }
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
    for (int round = 0; round < rounds; ++round) {
        files(argv[1], round);
        pipes();
        sockets();
        processes();
    }
    return 0;
}
