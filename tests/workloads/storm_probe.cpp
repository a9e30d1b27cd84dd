// provscope-storm-probe: measures the kernel capture on a syscall storm (not a test).
// Runs `dd if=/dev/zero of=/dev/null bs=1 count=N` untraced, then under
// KernelCapture, and prints how many of dd's reads/writes arrived, the losses
// and the throughput as one JSON line. Needs root. Usage: provscope-storm-probe [N]
#include "kernel_capture.h"
#include "session_clock.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

using namespace provscope;

namespace {

pid_t startDd(long count)
{
    const pid_t pid = fork();
    if (pid == 0) {
        const std::string countArg = "count=" + std::to_string(count);
        execlp("dd", "dd", "if=/dev/zero", "of=/dev/null", "bs=1", countArg.c_str(), "status=none",
               static_cast<char *>(nullptr));
        _exit(127);
    }
    return pid;
}

double seconds(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

} // namespace

// --trace CMD ARGS...: prints the command's events (debugging aid).
int traceCommand(char **argv)
{
    KernelCaptureOptions options;
    options.excludeTgid = uint32_t(getpid());
    auto started = KernelCapture::start(options);
    if (!started.ok()) {
        std::fprintf(stderr, "provscope-storm-probe: %s\n", started.error().c_str());
        return 1;
    }
    auto &capture = started.value();
    std::set<uint32_t> pids;
    auto handler = [&](CaptureBatch &&batch) {
        for (const ProcessInfo &p : batch.processes)
            if (pids.count(p.ppid))
                pids.insert(p.pid);
        for (const Event &ev : batch.events) {
            if (!pids.count(ev.pid))
                continue;
            std::printf("%u/%u %-15s %-10s ret=%lld fd=%d path=%s path2=%s %s:%u -> %s:%u bytes=%llu",
                        ev.pid, ev.tid, ev.comm.c_str(), ev.syscall.c_str(), (long long)ev.ret, ev.fd,
                        ev.path.c_str(), ev.path2.c_str(), ev.laddr.c_str(), ev.lport, ev.raddr.c_str(),
                        ev.rport, (unsigned long long)ev.bytes);
            for (const std::string &a : ev.argv)
                std::printf(" [%s]", a.c_str());
            std::printf("\n");
        }
    };
    const pid_t child = fork();
    if (child == 0) {
        usleep(100000);
        execvp(argv[0], argv);
        _exit(127);
    }
    pids.insert(uint32_t(child));
    int status = 0;
    while (waitpid(child, &status, WNOHANG) != child)
        (void)capture->poll(50, handler);
    (void)capture->poll(50, handler);
    (void)capture->stop(handler);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && std::string(argv[1]) == "--trace")
        return traceCommand(argv + 2);
    const long count = argc > 1 ? std::atol(argv[1]) : 200000;

    auto t0 = std::chrono::steady_clock::now();
    pid_t dd = startDd(count);
    waitpid(dd, nullptr, 0);
    const double untraced = seconds(t0);

    KernelCaptureOptions options;
    options.excludeTgid = uint32_t(getpid());
    auto started = KernelCapture::start(options);
    if (!started.ok()) {
        std::fprintf(stderr, "provscope-storm-probe: %s\n", started.error().c_str());
        return 1;
    }
    auto &capture = started.value();

    uint64_t reads = 0, writes = 0, all = 0, lost = 0, maxBatch = 0;
    uint32_t ddPid = 0;
    auto handler = [&](CaptureBatch &&batch) {
        all += batch.events.size();
        maxBatch = std::max<uint64_t>(maxBatch, batch.events.size());
        for (const Event &ev : batch.events) {
            if (ev.pid != ddPid)
                continue;
            if (ev.syscall == "read")
                reads += ev.count;
            else if (ev.syscall == "write")
                writes += ev.count;
        }
        for (const LossRecord &loss : batch.losses)
            lost += loss.count;
    };

    t0 = std::chrono::steady_clock::now();
    dd = startDd(count);
    ddPid = uint32_t(dd);
    double traced = 0;
    int status = 0;
    for (;;) {
        if (!capture->poll(100, handler).ok())
            break;
        if (traced == 0 && waitpid(dd, &status, WNOHANG) == dd)
            traced = seconds(t0);
        if (traced != 0)
            break;
    }
    for (int i = 0; i < 3; ++i)
        (void)capture->poll(20, handler);
    (void)capture->stop(handler);
    const double total = seconds(t0);
    const CaptureStats stats = capture->stats();

    std::printf("{\"count\":%ld,\"dd_reads\":%llu,\"dd_writes\":%llu,\"events_total\":%llu,"
                "\"lost\":%llu,\"untraced_s\":%.3f,\"traced_s\":%.3f,\"overhead\":%.2f,"
                "\"capture_s\":%.3f,\"events_per_s\":%.0f,\"ringbuf_bytes\":%llu,"
                "\"bytes_per_record\":%.1f,\"max_batch\":%llu}\n",
                count, (unsigned long long)reads, (unsigned long long)writes, (unsigned long long)all,
                (unsigned long long)lost, untraced, traced, traced / untraced, total,
                double(all) / total, (unsigned long long)stats.bytesReceived,
                stats.eventsReceived ? double(stats.bytesReceived) / double(stats.eventsReceived) : 0.0,
                (unsigned long long)maxBatch);
    return 0;
}
