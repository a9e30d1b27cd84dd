// provscope-snapshot-workload FILE: a process that exists before a capture
// starts. It opens FILE, a pipe and a TCP listener on 127.0.0.1, prints
// {"pid":..,"file_fd":..,"pipe_read_fd":..,"pipe_write_fd":..,"pipe_ino":..,
//  "listen_fd":..,"port":..} on one line, and waits for a line on stdin; then
// it writes one byte to the file (a live event of the same process) and exits.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: provscope-snapshot-workload FILE\n");
        return 2;
    }
    const int fileFd = open(argv[1], O_RDWR | O_CREAT | O_APPEND, 0600);
    int pipeFds[2];
    if (fileFd < 0 || pipe(pipeFds) != 0)
        return 1;
    const int listenFd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listenFd < 0 || bind(listenFd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0
        || listen(listenFd, 4) != 0 || getsockname(listenFd, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
        return 1;
    struct stat st {};
    fstat(pipeFds[0], &st);
    std::printf("{\"pid\":%d,\"file_fd\":%d,\"pipe_read_fd\":%d,\"pipe_write_fd\":%d,\"pipe_ino\":%llu,"
                "\"listen_fd\":%d,\"port\":%d}\n",
                int(getpid()), fileFd, pipeFds[0], pipeFds[1], (unsigned long long)st.st_ino, listenFd,
                int(ntohs(addr.sin_port)));
    std::fflush(stdout);
    char line[16];
    if (read(0, line, sizeof line) < 0)
        return 1;
    if (write(fileFd, "x", 1) != 1)
        return 1;
    return 0;
}
