// File churn for tests/bench/overhead.sh: N times create, write, rename, read and
// unlink a small file in DIR. Syscalls only (no exec), so a run times the capture
// of file activity, not process start-up.
//   provscope-file-churn DIR [N=400]
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: provscope-file-churn DIR [N]\n");
        return 2;
    }
    const std::string dir = argv[1];
    const long n = argc > 2 ? std::atol(argv[2]) : 400;
    char data[4096];
    std::memset(data, 'x', sizeof(data));
    for (long i = 0; i < n; ++i) {
        const std::string a = dir + "/churn-" + std::to_string(i) + ".tmp";
        const std::string b = dir + "/churn-" + std::to_string(i) + ".txt";
        int fd = open(a.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, sizeof(data)) != ssize_t(sizeof(data)) || close(fd) != 0
            || rename(a.c_str(), b.c_str()) != 0)
            break;
        fd = open(b.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, data, sizeof(data)) != ssize_t(sizeof(data)) || close(fd) != 0
            || unlink(b.c_str()) != 0)
            break;
        if (i == n - 1)
            return 0;
    }
    std::fprintf(stderr, "provscope-file-churn: %s\n", std::strerror(errno));
    return 1;
}
