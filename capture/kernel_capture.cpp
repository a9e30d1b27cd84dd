#include "kernel_capture.h"

#include "record_decoder.h"
#include "session_clock.h"
#include "syscall_names.h"

#include <linux/types.h>
#include "provscope_events.h"
#include "provscope.skel.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <sstream>
#include <unistd.h>
#include <vector>

namespace provscope {

namespace {

// Hand the handler a batch once it holds this many events, so a storm does
// not pile up one huge vector between polls.
constexpr size_t kFlushEvents = 8192;

// libbpf's messages: warnings go to stderr; the latest ones are kept so a
// load failure can name the program the verifier rejected.
std::mutex g_logMutex;
std::string g_lastLibbpfWarnings;

int libbpfPrint(enum libbpf_print_level level, const char *format, va_list args)
{
    if (level != LIBBPF_WARN)
        return 0;
    char line[1024];
    va_list copy;
    va_copy(copy, args);
    vsnprintf(line, sizeof(line), format, copy);
    va_end(copy);
    std::fputs(line, stderr);
    std::lock_guard<std::mutex> lock(g_logMutex);
    if (std::strstr(line, "prog '") || std::strstr(line, "map '")) {
        g_lastLibbpfWarnings += line;
        if (g_lastLibbpfWarnings.size() > 4096)
            g_lastLibbpfWarnings.erase(0, g_lastLibbpfWarnings.size() - 4096);
    }
    return 0;
}

std::string takeLibbpfWarnings()
{
    std::lock_guard<std::mutex> lock(g_logMutex);
    std::string out;
    out.swap(g_lastLibbpfWarnings);
    while (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

// The first program named in libbpf's warnings ("prog 'ps_sys_exit': ...").
std::string failingProgram(const std::string &warnings)
{
    const auto start = warnings.find("prog '");
    if (start == std::string::npos)
        return {};
    const auto end = warnings.find('\'', start + 6);
    return end == std::string::npos ? std::string() : warnings.substr(start + 6, end - start - 6);
}

uint32_t ringBufferSize(uint32_t requested)
{
    const uint32_t page = uint32_t(sysconf(_SC_PAGESIZE));
    uint32_t size = page;
    while (size < requested && size < (1u << 30))
        size <<= 1;
    return size;
}

} // namespace

struct KernelCapture::Impl {
    KernelCaptureOptions options;
    provscope_bpf *skel = nullptr;
    std::vector<bpf_link *> links;
    ring_buffer *rb = nullptr;
    RecordDecoder decoder;
    CaptureBatch batch;
    const BatchHandler *handler = nullptr;
    CaptureStats stats;
    int cpus = 0;
    std::vector<uint64_t> lostSeen;   // per CPU, as last read
    std::vector<uint64_t> lostValues; // scratch for the per-CPU lookup
    uint64_t lastPollNs = 0;
    bool stopped = false;

    ~Impl() { close(); }

    void close()
    {
        if (rb)
            ring_buffer__free(rb);
        rb = nullptr;
        for (bpf_link *link : links)
            bpf_link__destroy(link);
        links.clear();
        if (skel)
            provscope_bpf__destroy(skel);
        skel = nullptr;
    }

    static int onRecord(void *ctx, void *data, size_t size)
    {
        auto *self = static_cast<Impl *>(ctx);
        self->stats.bytesReceived += size;
        if (self->decoder.decode(data, size, self->batch).ok())
            ++self->stats.eventsReceived;
        if (self->batch.events.size() >= kFlushEvents)
            self->flush();
        return 0;
    }

    void flush()
    {
        if (batch.empty())
            return;
        if (handler)
            (*handler)(std::move(batch));
        batch = CaptureBatch();
        batch.events.reserve(kFlushEvents);
    }

    // Turns growth of the kernel's per-CPU loss counters into LossRecords
    // covering the time since the previous check.
    void checkLosses()
    {
        const uint64_t now = bootTimeNowNs();
        const __u32 key = 0;
        if (bpf_map__lookup_elem(skel->maps.lost, &key, sizeof(key), lostValues.data(),
                                 lostValues.size() * sizeof(uint64_t), 0) == 0) {
            for (int cpu = 0; cpu < cpus; ++cpu) {
                const uint64_t value = lostValues[size_t(cpu)];
                if (value > lostSeen[size_t(cpu)]) {
                    LossRecord loss;
                    loss.firstTsNs = lastPollNs;
                    loss.lastTsNs = now;
                    loss.cpu = cpu;
                    loss.count = value - lostSeen[size_t(cpu)];
                    loss.source = "kernel-ringbuf";
                    stats.eventsLost += loss.count;
                    batch.losses.push_back(std::move(loss));
                    lostSeen[size_t(cpu)] = value;
                }
            }
        }
        lastPollNs = now;
    }
};

KernelCapture::KernelCapture() : m_impl(std::make_unique<Impl>()) {}

KernelCapture::~KernelCapture() = default;

Result<std::unique_ptr<KernelCapture>> KernelCapture::start(const KernelCaptureOptions &options)
{
    if (geteuid() != 0)
        return makeError("loading the eBPF programs needs root: run provscope-capture as root "
                         "(sudo or pkexec)");
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
        return makeError("this kernel has no BTF (/sys/kernel/btf/vmlinux is missing); provscope "
                         "needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");

    libbpf_set_print(libbpfPrint);
    takeLibbpfWarnings();

    std::unique_ptr<KernelCapture> capture(new KernelCapture());
    Impl &d = *capture->m_impl;
    d.options = options;
    d.cpus = libbpf_num_possible_cpus();
    if (d.cpus <= 0)
        return makeError("cannot tell the number of possible CPUs: " + std::string(strerror(-d.cpus)));
    d.lostSeen.assign(size_t(d.cpus), 0);
    d.lostValues.assign(size_t(d.cpus), 0);

    d.skel = provscope_bpf__open();
    if (!d.skel)
        return makeError("opening the eBPF object failed: " + std::string(strerror(errno)));
    d.skel->rodata->exclude_tgid = options.excludeTgid;
    d.skel->rodata->exclude_client_tgid = options.excludeClientTgid;
    d.options.ringBufferBytes = ringBufferSize(options.ringBufferBytes);
    if (int err = bpf_map__set_max_entries(d.skel->maps.events, d.options.ringBufferBytes))
        return makeError("sizing the ring buffer failed: " + std::string(strerror(-err)));

    if (int err = provscope_bpf__load(d.skel)) {
        const std::string warnings = takeLibbpfWarnings();
        const std::string prog = failingProgram(warnings);
        std::string message = "loading the eBPF programs failed (" + std::string(strerror(-err)) + ")";
        if (!prog.empty())
            message += ": the kernel rejected program '" + prog + "'";
        if (err == -EPERM)
            message += "; missing privileges (CAP_BPF/CAP_PERFMON or root)";
        return makeError(message);
    }

    bpf_program *prog = nullptr;
    bpf_object__for_each_program(prog, d.skel->obj) {
        bpf_link *link = bpf_program__attach(prog);
        if (!link) {
            const int err = errno;
            return makeError("attaching eBPF program '" + std::string(bpf_program__name(prog))
                             + "' failed: " + strerror(err));
        }
        d.links.push_back(link);
    }

    d.rb = ring_buffer__new(bpf_map__fd(d.skel->maps.events), &Impl::onRecord, &d, nullptr);
    if (!d.rb)
        return makeError("opening the ring buffer failed: " + std::string(strerror(errno)));
    d.batch.events.reserve(kFlushEvents);
    d.lastPollNs = bootTimeNowNs();
    return capture;
}

Result<void> KernelCapture::poll(int timeoutMs, const BatchHandler &handler)
{
    Impl &d = *m_impl;
    if (d.stopped || !d.rb)
        return makeError("the kernel capture is stopped");
    d.handler = &handler;
    int n = ring_buffer__poll(d.rb, timeoutMs);
    // The kernel side skips wakeups until a batch piles up (see emit() in
    // provscope.bpf.c), so after the wait take whatever is there.
    if (n >= 0 || n == -EINTR) {
        const int more = ring_buffer__consume(d.rb);
        n = more < 0 ? more : n;
    }
    d.checkLosses();
    d.flush();
    d.handler = nullptr;
    if (n < 0 && n != -EINTR)
        return makeError("reading the ring buffer failed: " + std::string(strerror(-n)));
    return {};
}

Result<void> KernelCapture::stop(const BatchHandler &handler)
{
    Impl &d = *m_impl;
    if (d.stopped)
        return {};
    // Detach first so nothing new arrives, then drain what is in flight.
    for (bpf_link *link : d.links)
        bpf_link__destroy(link);
    d.links.clear();
    d.handler = &handler;
    int n = 0;
    if (d.rb)
        n = ring_buffer__consume(d.rb);
    d.checkLosses();
    d.flush();
    d.handler = nullptr;
    d.stopped = true;
    d.close();
    if (n < 0)
        return makeError("draining the ring buffer failed: " + std::string(strerror(-n)));
    return {};
}

std::string KernelCapture::configJson() const
{
    std::ostringstream out;
    out << "{\"source\":\"ebpf\",\"syscalls\":[";
    bool first = true;
    for (uint32_t kind = 1; kind < syscallKindCount(); ++kind) {
        if (kind == PS_SC_EXIT_GROUP)
            continue; // exit_group never returns: process exit is reported as "exit"
        out << (first ? "" : ",") << '"' << syscallName(kind) << '"';
        first = false;
    }
    out << "],\"exclude_tgid\":" << m_impl->options.excludeTgid
        << ",\"exclude_client_tgid\":" << m_impl->options.excludeClientTgid
        << ",\"ring_buffer_bytes\":" << m_impl->options.ringBufferBytes << '}';
    return out.str();
}

CaptureStats KernelCapture::stats() const { return m_impl->stats; }

} // namespace provscope
