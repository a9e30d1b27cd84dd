#include "kernel_capture.h"

#include "capture_filters.h"
#include "io_flusher.h"
#include "record_decoder.h"
#include "session_clock.h"
#include "startup_snapshot.h"
#include "syscall_names.h"

#include <linux/types.h>
#include "provscope_events.h"
#include "provscope.skel.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
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
    CaptureFilters filters;
    std::string snapshotSummary; // JSON value: counts, or why the snapshot failed
    provscope_bpf *skel = nullptr;
    std::vector<bpf_link *> links;
    ring_buffer *rb = nullptr;
    RecordDecoder decoder;
    IoFlusher ioFlusher;
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
        ioFlusher.detach();
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
    d.skel->rodata->coalesce_off = options.raw ? 1 : 0;
    auto filters = resolveCaptureFilters(options.config);
    if (!filters)
        return makeError(filters.error());
    d.filters = std::move(filters).value();
    d.filters.tree = options.processTree;
    if (options.processTree && options.treeRootPid)
        d.filters.treeRoots.push_back(options.treeRootPid);
    configureFilters(d.skel, d.filters);
    d.options.ringBufferBytes = ringBufferSize(options.config.ringBufferBytes.value_or(options.ringBufferBytes));
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

    if (auto populated = populateFilterMaps(d.skel, d.filters); !populated)
        return makeError(populated.error());
    if (options.processTree && options.treeRootPid) {
        // the root before attach, its descendants (after attach: none is missed) below
        const __u32 root = options.treeRootPid;
        const __u64 zero = 0;
        if (kill(pid_t(root), 0) != 0 && errno == ESRCH)
            return makeError("--pid " + std::to_string(root) + ": no such process");
        bpf_map__update_elem(d.skel->maps.traced_tgids, &root, sizeof(root), &zero, sizeof(zero), BPF_ANY);
    }

    bpf_program *prog = nullptr;
    bpf_object__for_each_program(prog, d.skel->obj) {
        if (bpf_program__expected_attach_type(prog) == BPF_TRACE_ITER)
            continue; // iterators are run on demand by their owners
        bpf_link *link = bpf_program__attach(prog);
        // The recvfrom/recvmsg buffer sizes at entry need syscall tracepoints; without
        // them the exit caps an address at a sockaddr_in6 (ps_syscalls.bpf.h).
        if (!link && std::string(bpf_program__name(prog)).rfind("ps_recv_len_", 0) == 0)
            continue;
        if (!link) {
            const int err = errno;
            return makeError("attaching eBPF program '" + std::string(bpf_program__name(prog))
                             + "' failed: " + strerror(err));
        }
        d.links.push_back(link);
    }

    if (auto attached = d.ioFlusher.attach(d.skel->progs.ps_flush_io,
                                           reinterpret_cast<volatile uint64_t *>(&d.skel->bss->flush_before_ns),
                                           options.raw ? 0 : options.flushIntervalMs);
        !attached)
        return makeError(attached.error());

    if (options.processTree && options.treeRootPid) {
        if (auto traced = provscope::traceProcessTree(d.skel, options.treeRootPid); !traced)
            return makeError(traced.error());
    }
    if (options.startupSnapshot) {
        // Failing to snapshot is not fatal (live capture still works); it is said and stored.
        if (auto snap = runStartupSnapshot(d.skel, d.decoder, d.batch); snap) {
            d.snapshotSummary = "{\"processes\":" + std::to_string(snap->processes)
                                + ",\"fds\":" + std::to_string(snap->fds) + '}';
        } else {
            std::fprintf(stderr, "provscope-capture: warning: no start-up snapshot: %s\n", snap.error().c_str());
            d.snapshotSummary = "{\"error\":\"snapshot failed\"}";
        }
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
    if (auto flushed = d.ioFlusher.tick(bootTimeNowNs()); !flushed)
        return makeError(flushed.error());
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
    // Flush pending coalesced I/O, detach so nothing new arrives, flush what
    // was merged meanwhile, then drain what is in flight.
    Result<void> flushed = d.ioFlusher.flushAll();
    for (bpf_link *link : d.links)
        bpf_link__destroy(link);
    d.links.clear();
    usleep(10000); // a program already running when detached finishes its merge
    if (flushed)
        flushed = d.ioFlusher.flushAll();
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
    if (!flushed)
        return makeError(flushed.error());
    return {};
}

std::string KernelCapture::configJson() const
{
    std::ostringstream out;
    out << "{\"source\":\"ebpf\",\"syscalls\":[";
    bool first = true;
    const std::vector<uint32_t> &disabled = m_impl->filters.config.disabledKinds;
    for (uint32_t kind = 1; kind < syscallKindCount(); ++kind) {
        if (kind == PS_SC_SNAPSHOT_FD || std::find(disabled.begin(), disabled.end(), kind) != disabled.end())
            continue; // not a syscall; not recorded by configuration
        if (kind == PS_SC_EXIT_GROUP)
            continue; // exit_group never returns: process exit is reported as "exit"
        out << (first ? "" : ",") << '"' << syscallName(kind) << '"';
        first = false;
    }
    out << "],\"exclude_tgid\":" << m_impl->options.excludeTgid
        << ",\"exclude_client_tgid\":" << m_impl->options.excludeClientTgid
        << ",\"ring_buffer_bytes\":" << m_impl->options.ringBufferBytes
        << ",\"coalesce_io\":" << (m_impl->options.raw ? "false" : "true")
        << ",\"flush_interval_ms\":" << m_impl->options.flushIntervalMs
        << ',' << captureFiltersJson(m_impl->filters)
        << ",\"startup_snapshot\":" << (m_impl->snapshotSummary.empty() ? "null" : m_impl->snapshotSummary) << '}';
    return out.str();
}

Result<void> KernelCapture::traceProcessTree(uint32_t pid)
{
    Impl &d = *m_impl;
    if (!d.options.processTree)
        return makeError("the capture is not restricted to process trees");
    if (!d.skel || d.stopped)
        return makeError("the kernel capture is stopped");
    auto traced = provscope::traceProcessTree(d.skel, pid);
    if (!traced)
        return makeError(traced.error());
    d.filters.treeRoots.push_back(pid);
    return {};
}

CaptureStats KernelCapture::stats() const { return m_impl->stats; }

} // namespace provscope
