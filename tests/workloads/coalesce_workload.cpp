// Activity for tst_coalescing: runs of 1-byte reads and 3-byte writes with known
// counts, so the test can check that coalesced records add up exactly.
//   provscope-coalesce-workload interleave N M OUTFILE  N reads of /dev/zero alternating
//                                                       with M writes to OUTFILE, then close
//   provscope-coalesce-workload split K OUTFILE         K reads, an open+close of /dev/null,
//                                                       K more reads, then close
//   provscope-coalesce-workload linger K                K reads, "ready" on stdout, then 3 s
//                                                       without a syscall of interest
//   provscope-coalesce-workload hold N M OUTFILE        like interleave, but says "ready" and
//                                                       sleeps 30 s with both fds open
//   provscope-coalesce-workload cycles K                waits for a byte on stdin, then K times:
//                                                       3 reads of /dev/zero, an open and a close
//                                                       of /dev/null; then _exit (5K + 1 syscalls)
// Prints one JSON line: {"pid":..,"in_fd":..,"out_fd":..} (before sleeping, if it sleeps).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace {

int fail(const char *what)
{
    std::fprintf(stderr, "provscope-coalesce-workload: %s: %s\n", what, std::strerror(errno));
    return 1;
}

void report(int in, int out)
{
    char line[128];
    const int n = std::snprintf(line, sizeof(line), "{\"pid\":%d,\"in_fd\":%d,\"out_fd\":%d}\n", int(getpid()), in, out);
    // one write(2) on stdout: a write run of its own on another fd
    if (write(STDOUT_FILENO, line, size_t(n)) != n)
        std::exit(1);
}

void pause(int seconds)
{
    timespec ts{seconds, 0};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

bool readOne(int fd)
{
    char c;
    return read(fd, &c, 1) == 1;
}

bool interleave(int in, int out, long reads, long writes)
{
    const char three[3] = {'a', 'b', 'c'};
    for (long i = 0; i < reads || i < writes; ++i) {
        if (i < reads && !readOne(in))
            return false;
        if (i < writes && write(out, three, 3) != 3)
            return false;
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    const std::string mode = argc > 1 ? argv[1] : "";
    const int in = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return fail("/dev/zero");
    if ((mode == "interleave" || mode == "hold") && argc == 5) {
        const int out = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (out < 0)
            return fail(argv[4]);
        if (!interleave(in, out, std::atol(argv[2]), std::atol(argv[3])))
            return fail("I/O");
        if (mode == "hold") {
            report(in, out);
            pause(30);
        }
        close(in);
        close(out);
        report(in, out);
        return 0;
    }
    if (mode == "split" && argc == 4) {
        const long k = std::atol(argv[2]);
        for (long i = 0; i < k; ++i)
            if (!readOne(in))
                return fail("read");
        const int other = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (other < 0)
            return fail("/dev/null");
        close(other);
        for (long i = 0; i < k; ++i)
            if (!readOne(in))
                return fail("read");
        close(in);
        report(in, -1);
        return 0;
    }
    if (mode == "cycles" && argc == 3) {
        const long k = std::atol(argv[2]);
        char go;
        if (read(STDIN_FILENO, &go, 1) != 1)
            return fail("stdin");
        for (long i = 0; i < k; ++i) {
            if (!readOne(in) || !readOne(in) || !readOne(in))
                _exit(3);
            const int other = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (other < 0)
                _exit(4);
            close(other);
        }
        _exit(0);
    }
    if (mode == "linger" && argc == 3) {
        const long k = std::atol(argv[2]);
        for (long i = 0; i < k; ++i)
            if (!readOne(in))
                return fail("read");
        report(in, -1);
        pause(3);
        return 0;
    }
    std::fprintf(stderr, "usage: provscope-coalesce-workload interleave|hold N M OUTFILE | split K OUTFILE | linger K | cycles K\n");
    return 2;
}
