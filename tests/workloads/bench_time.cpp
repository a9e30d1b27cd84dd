// Times one command for tests/bench/overhead.sh with microsecond resolution
// (bash's `time` stops at milliseconds, too coarse for a 10 ms file churn).
//   provscope-bench-time COMMAND [ARGS...]
// Prints "WALL CPU" in seconds: elapsed, and user+system time of the command and
// everything it waited for. Exit status: the command's.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

static double seconds(const timeval &tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; }

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: provscope-bench-time COMMAND [ARGS...]\n");
        return 2;
    }
    timespec start{}, end{};
    clock_gettime(CLOCK_MONOTONIC, &start);
    const pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        std::perror(argv[1]);
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    if (pid < 0 || wait4(pid, &status, 0, &usage) != pid)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &end);
    const double wall = double(end.tv_sec - start.tv_sec) + double(end.tv_nsec - start.tv_nsec) / 1e9;
    // wait4's rusage covers the child and the descendants it waited for
    std::printf("%.6f %.6f\n", wall, seconds(usage.ru_utime) + seconds(usage.ru_stime));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
