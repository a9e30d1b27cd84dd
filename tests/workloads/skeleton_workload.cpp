// provscope-workload: a small, deterministic burst of the activity the live
// capture tests look for. Usage: provscope-workload SCRATCH_DIR
// Prints one JSON line with what it did, so a test can match exactly.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

[[noreturn]] void die(const char *what)
{
    std::fprintf(stderr, "provscope-workload: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

void writeAll(int fd, const char *text)
{
    const size_t len = std::strlen(text);
    if (write(fd, text, len) != ssize_t(len))
        die("write");
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: provscope-workload SCRATCH_DIR\n");
        return 2;
    }
    char dirBuf[PATH_MAX];
    if (!realpath(argv[1], dirBuf))
        die("realpath");
    const std::string dir = dirBuf;

    // 1. A file created relative to a directory fd.
    const int dirFd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dirFd < 0)
        die("open dir");
    int fd = openat(dirFd, "via_dirfd.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        die("openat");
    writeAll(fd, "written through a directory fd\n");
    close(fd);
    close(dirFd);

    // 2. A file written by absolute path, renamed, then unlinked relative to the cwd.
    const std::string written = dir + "/written.txt";
    const std::string renamed = dir + "/renamed.txt";
    fd = open(written.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        die("open");
    const char payload[] = "provscope payload 12345\n"; // 24 bytes
    writeAll(fd, payload);
    close(fd);
    if (rename(written.c_str(), renamed.c_str()) != 0)
        die("rename");
    if (chdir(dir.c_str()) != 0)
        die("chdir");
    if (unlink("renamed.txt") != 0)
        die("unlink");

    // 3. A child that execs a known binary.
    const pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        char *const childArgv[] = {const_cast<char *>("true"), const_cast<char *>("provscope-marker"), nullptr};
        execve("/bin/true", childArgv, environ);
        _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);

    // 4. TCP over loopback to a listener of our own.
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0)
        die("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0)
        die("bind");
    if (listen(listener, 4) != 0)
        die("listen");
    socklen_t len = sizeof(addr);
    if (getsockname(listener, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
        die("getsockname");
    const int port = ntohs(addr.sin_port);
    const int client = socket(AF_INET, SOCK_STREAM, 0);
    if (client < 0)
        die("socket");
    if (connect(client, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0)
        die("connect");
    const char ping[] = "ping";
    if (sendto(client, ping, 4, 0, nullptr, 0) != 4)
        die("sendto");
    const int server = accept(listener, nullptr, nullptr);
    if (server < 0)
        die("accept");
    char buf[8];
    if (recvfrom(server, buf, sizeof(buf), 0, nullptr, nullptr) != 4)
        die("recvfrom");
    close(server);
    close(client);
    close(listener);

    std::printf("{\"pid\":%d,\"child_pid\":%d,\"child_status\":%d,\"dir\":\"%s\","
                "\"dirfd_file\":\"%s/via_dirfd.txt\",\"written\":\"%s\",\"renamed\":\"%s\","
                "\"payload_bytes\":%zu,\"exec\":\"/bin/true\",\"port\":%d}\n",
                int(getpid()), int(child), status, dir.c_str(), dir.c_str(), written.c_str(),
                renamed.c_str(), sizeof(payload) - 1, port);
    return 0;
}
