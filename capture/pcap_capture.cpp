#include "pcap_capture.h"

#include "record_author.h" // epochNowNs

#include "event_json.h"
#include "flow_aggregator.h"
#include "pcapng_writer.h"
#include "session_clock.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>
#include <mutex>
#include <optional>
#include <poll.h>
#include <sstream>
#include <sys/eventfd.h>
#include <thread>
#include <unordered_map>
#include <unistd.h>

namespace provscope {
namespace {

constexpr int kDispatchChunk = 4096; // packets per pcap_dispatch call

std::string seconds(int64_t ns)
{
    std::ostringstream out;
    out << double(ns) / 1e9;
    return out.str();
}

} // namespace

std::string effectivePcapFilter(const std::string &base, const std::vector<FlowExclusion> &exclusions)
{
    std::string filter = base.empty() ? std::string() : "(" + base + ")";
    for (const FlowExclusion &exclusion : exclusions)
        filter += (filter.empty() ? "not " : " and not ") + exclusion.filterTerm();
    return filter;
}

std::string withPcapConfig(const std::string &kernelJson, const std::string &pcapJson)
{
    const auto close = kernelJson.rfind('}');
    if (close == std::string::npos)
        return "{\"pcap\":" + pcapJson + "}";
    const bool empty = kernelJson.find_first_not_of(" \t\n{", 0) == close;
    return kernelJson.substr(0, close) + (empty ? "" : ",") + "\"pcap\":" + pcapJson + kernelJson.substr(close);
}

std::string pcapDisabledConfigJson(const std::string &why)
{
    return "{\"enabled\":false,\"reason\":" + jsonString(why) + "}";
}

struct PcapCapture::Impl {
    struct Interface {
        OpenedInterface opened;   // handle: nullptr until start() (open() only validates)
        bool chosen = false;      // named by the user: must work
        uint32_t pcapngId = 0;
        uint64_t dropsSeen = 0;   // ps_drop + ps_ifdrop, as last read
        bool failed = false;      // pcap_dispatch failed: no longer read
    };

    PcapCaptureOptions options;
    std::string filter;
    std::vector<Interface> interfaces;
    std::vector<std::string> names;
    std::vector<SkippedInterface> skipped; // default interfaces left out, and why
    PcapOpenOptions openOptions;
    std::unique_ptr<PcapngWriter> pcapng;
    std::unique_ptr<FlowAggregator> aggregator;
    int wakeFd = -1;
    std::thread thread;
    std::atomic<bool> stopping{false};
    bool started = false, stopped = false;
    uint64_t lastStatsBootNs = 0;

    // Thread-local scratch of the capture thread.
    std::vector<Flow> flows;
    std::vector<DnsRecord> dns;
    std::vector<LossRecord> losses;
    Interface *current = nullptr; // the interface pcap_dispatch is reading

    // Shared with drain(): everything below is guarded by mutex.
    mutable std::mutex mutex;
    CaptureBatch queue;
    std::unordered_map<uint64_t, size_t> queuedFlows; // flow key -> its index in queue.flows
    std::optional<LossRecord> queueLoss;
    PcapCaptureStats stats;
    std::vector<std::string> problems; // reported by stop()

    ~Impl()
    {
        joinThread();
        for (Interface &i : interfaces) {
            if (i.opened.handle)
                pcap_close(i.opened.handle);
        }
        if (wakeFd >= 0)
            ::close(wakeFd);
    }

    // Asks the capture thread to end and waits for it (once; later calls do nothing).
    void joinThread()
    {
        if (!thread.joinable())
            return;
        stopping.store(true);
        wake();
        thread.join();
    }

    void wake() const
    {
        const uint64_t one = 1;
        if (wakeFd >= 0)
            (void)!::write(wakeFd, &one, sizeof one);
    }

    static void onPacket(u_char *user, const pcap_pkthdr *header, const u_char *data)
    {
        auto *self = reinterpret_cast<Impl *>(user);
        Interface &i = *self->current;
        const int64_t epochNs = int64_t(header->ts.tv_sec) * 1'000'000'000
                                + int64_t(header->ts.tv_usec) * (i.opened.nanoTimestamps ? 1 : 1000);
        self->aggregator->addFrame(i.opened.linkType, epochNs, data, header->caplen, header->len, i.opened.name);
        if (self->pcapng)
            self->pcapng->addPacket(i.pcapngId, epochNs, data, header->caplen, header->len);
    }

    // Reads what the interface has; false once it failed (gone, down).
    bool dispatch(Interface &i)
    {
        if (i.failed)
            return false;
        if (options.beforeDispatch)
            options.beforeDispatch();
        current = &i;
        for (int round = 0; round < 64; ++round) {
            const int n = pcap_dispatch(i.opened.handle, kDispatchChunk, &Impl::onPacket, reinterpret_cast<u_char *>(this));
            if (n < 0) {
                i.failed = true;
                const std::string why = "--interface " + i.opened.name + ": capture stopped: " + pcap_geterr(i.opened.handle);
                std::cerr << "provscope-capture: warning: " << why << "\n";
                // In the session too: from here on this interface's packets are not seen. How
                // many were missed is unknowable, so the record counts 0 and says when.
                LossRecord gone;
                gone.firstTsNs = gone.lastTsNs = bootTimeNowNs();
                gone.count = 0;
                gone.source = "pcap:" + i.opened.name + " gone";
                losses.push_back(std::move(gone));
                std::lock_guard lock(mutex);
                problems.push_back(why);
                return false;
            }
            std::lock_guard lock(mutex);
            stats.packets += uint64_t(n);
            if (n < kDispatchChunk)
                break;
        }
        return true;
    }

    // libpcap's drop counters grew: a loss record per interface for the time since the last look.
    void checkDrops()
    {
        const uint64_t now = bootTimeNowNs();
        for (Interface &i : interfaces) {
            pcap_stat st {};
            if (i.failed || pcap_stats(i.opened.handle, &st) != 0)
                continue;
            const uint64_t drops = uint64_t(st.ps_drop) + uint64_t(st.ps_ifdrop);
            if (drops > i.dropsSeen) {
                LossRecord loss;
                loss.firstTsNs = lastStatsBootNs;
                loss.lastTsNs = now;
                loss.count = drops - i.dropsSeen;
                loss.source = "pcap:" + i.opened.name;
                losses.push_back(std::move(loss));
                i.dropsSeen = drops;
            }
        }
        lastStatsBootNs = now;
    }

    // Moves the thread's flows, DNS records and losses into the queue; what does not
    // fit is counted, never dropped silently (final: the last hand-over, taken whole).
    // A newer version of a flow already queued replaces it in place (the store keeps the
    // last version of a key anyway): a full queue refuses only NEW flows and DNS records,
    // never the end of a flow it holds. The "pcap-queue" loss count is in records (flow
    // versions and DNS records refused), not packets.
    void handOver(bool final)
    {
        std::lock_guard lock(mutex);
        for (LossRecord &loss : losses)
            stats.dropped += loss.count;
        queue.losses.insert(queue.losses.end(), std::make_move_iterator(losses.begin()), std::make_move_iterator(losses.end()));
        losses.clear();
        size_t refused = 0;
        for (Flow &flow : flows) {
            const auto queued = queuedFlows.find(flow.key);
            if (queued == queuedFlows.end()
                && !final && queue.flows.size() + queue.dnsRecords.size() >= options.maxQueuedRecords) {
                ++refused;
                continue;
            }
            ++stats.flowRecords;
            stats.endedFlows += flow.ended ? 1 : 0;
            stats.flows += flow.ended || final ? 1 : 0;
            if (queued != queuedFlows.end()) {
                queue.flows[queued->second] = std::move(flow);
            } else {
                queuedFlows.emplace(flow.key, queue.flows.size());
                queue.flows.push_back(std::move(flow));
            }
        }
        for (DnsRecord &record : dns) {
            if (!final && queue.flows.size() + queue.dnsRecords.size() >= options.maxQueuedRecords) {
                ++refused;
                continue;
            }
            ++stats.dnsRecords;
            queue.dnsRecords.push_back(std::move(record));
        }
        flows.clear();
        dns.clear();
        if (refused) {
            const uint64_t now = bootTimeNowNs();
            if (!queueLoss) {
                queueLoss.emplace();
                queueLoss->firstTsNs = now;
                queueLoss->source = "pcap-queue";
            }
            queueLoss->lastTsNs = now;
            queueLoss->count += refused;
            stats.queueDropped += refused;
        }
        if (pcapng) { // the writer is this thread's
            stats.pcapngPackets = pcapng->packets();
            stats.pcapngPacketsNotWritten = pcapng->packetsNotWritten();
        }
    }

    void run()
    {
        std::vector<pollfd> fds;
        for (Interface &i : interfaces)
            fds.push_back({i.opened.selectableFd, POLLIN, 0});
        fds.push_back({wakeFd, POLLIN, 0});
        int64_t lastCollect = epochNowNs();
        int64_t lastFlush = lastCollect;
        while (!stopping.load()) {
            const int n = ::poll(fds.data(), fds.size(), options.collectIntervalMs);
            if (n < 0 && errno != EINTR) {
                std::lock_guard lock(mutex);
                problems.push_back(std::string("network capture: poll failed: ") + std::strerror(errno));
                break;
            }
            for (size_t k = 0; k < interfaces.size(); ++k) {
                if (fds[k].revents & (POLLIN | POLLERR | POLLHUP)) {
                    if (!dispatch(interfaces[k]))
                        fds[k].fd = -1; // poll ignores it from now on
                }
            }
            const int64_t now = epochNowNs();
            if (now - lastCollect >= int64_t(options.collectIntervalMs) * 1'000'000) {
                aggregator->collect(now, flows, dns);
                checkDrops();
                handOver(false);
                lastCollect = now;
            }
            if (pcapng && now - lastFlush >= 1'000'000'000) {
                pcapng->flush(); // the file grows during the capture
                lastFlush = now;
            }
        }
        // What arrived before stop() was asked for is still in the kernel buffers.
        for (Interface &i : interfaces)
            dispatch(i);
        checkDrops();
        aggregator->finish(flows, dns);
        handOver(true);
    }
};

PcapCapture::PcapCapture() : m_impl(std::make_unique<Impl>()) {}

PcapCapture::~PcapCapture() = default;

Result<std::unique_ptr<PcapCapture>> PcapCapture::open(const PcapCaptureOptions &options)
{
    std::unique_ptr<PcapCapture> capture(new PcapCapture);
    Impl &d = *capture->m_impl;
    d.options = options;
    if (options.snapLength < kMinSnapLength || options.snapLength > kMaxSnapLength)
        return makeError("--snaplen must be between " + std::to_string(kMinSnapLength) + " and "
                         + std::to_string(kMaxSnapLength) + " bytes");
    d.filter = effectivePcapFilter(options.bpfFilter, options.excludeFlows);
    std::vector<std::string> names = options.interfaces;
    const bool chosen = !names.empty();
    if (!chosen) {
        auto found = defaultCaptureInterfaces();
        if (!found)
            return makeError(found.error());
        names = std::move(found->names);
        d.skipped = std::move(found->skipped);
        for (const SkippedInterface &s : d.skipped)
            std::cerr << "provscope-capture: not capturing on " << s.name << ": " << s.reason << "\n";
    }
    PcapOpenOptions &openOptions = d.openOptions;
    openOptions.snapLength = options.snapLength;
    openOptions.bufferBytes = options.bufferBytes;
    openOptions.filter = d.filter;
    openOptions.filterOrigin = options.filterOrigin;
    openOptions.userFilter = options.bpfFilter;
    std::string filterError; // the first one: a filter no interface takes is the user's error
    for (const std::string &name : names) {
        if (std::find(d.names.begin(), d.names.end(), name) != d.names.end())
            continue; // named twice
        if (chosen && name == "any")
            return makeError("--interface any: libpcap's pseudo-device sees each packet on several "
                             "interfaces; name the interfaces (default: every interface that is up)");
        // Opened and closed again: the name, the filter on its link type and the
        // permissions are checked now; the capture itself starts in start(), so the
        // kernel buffers do not fill while the eBPF programs load.
        auto opened = openCaptureInterface(name, openOptions);
        if (!opened) {
            // An interface the user named must work. A default one that is gone, down, or
            // whose link type the filter does not fit (tun: no Ethernet header) is skipped.
            if (chosen)
                return makeError(opened.error());
            const bool filterProblem = opened.error().rfind("--interface", 0) != 0;
            if (filterProblem && filterError.empty())
                filterError = opened.error();
            std::cerr << "provscope-capture: warning: not capturing on " << name << ": " << opened.error() << "\n";
            d.skipped.push_back({name, opened.error()});
            continue;
        }
        pcap_close(opened->handle);
        opened->handle = nullptr;
        opened->selectableFd = -1;
        d.interfaces.push_back(Impl::Interface{*opened, chosen});
        d.names.push_back(name);
    }
    if (d.interfaces.empty() && !filterError.empty())
        return makeError(filterError);
    if (d.interfaces.empty())
        return makeError("no network interface could be opened (see --interface, or --no-pcap)");
    d.wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d.wakeFd < 0)
        return makeError(std::string("eventfd: ") + std::strerror(errno));
    return capture;
}

Result<void> PcapCapture::start(int64_t bootToEpochNs)
{
    Impl &d = *m_impl;
    if (d.started)
        return {};
    // Activate the interfaces open() checked. A default one that went away since is
    // skipped (and said); a named one is an error.
    std::vector<Impl::Interface> active;
    std::vector<std::string> activeNames;
    for (Impl::Interface &i : d.interfaces) {
        auto opened = openCaptureInterface(i.opened.name, d.openOptions);
        if (!opened) {
            if (i.chosen) {
                for (Impl::Interface &a : active)
                    pcap_close(a.opened.handle);
                return makeError(opened.error());
            }
            std::cerr << "provscope-capture: warning: not capturing on " << i.opened.name << ": " << opened.error() << "\n";
            std::lock_guard lock(d.mutex);
            d.problems.push_back(opened.error());
            continue;
        }
        Impl::Interface started = i;
        started.opened = *opened;
        active.push_back(started);
        activeNames.push_back(i.opened.name);
    }
    if (active.empty())
        return makeError("no network interface could be opened any more (see --interface, or --no-pcap)");
    d.interfaces = std::move(active);
    d.names = std::move(activeNames);
    if (!d.options.pcapngPath.empty()) {
        auto writer = PcapngWriter::create(d.options.pcapngPath, d.options.fileOwner);
        if (!writer) {
            for (Impl::Interface &i : d.interfaces) {
                pcap_close(i.opened.handle);
                i.opened.handle = nullptr;
            }
            return makeError(writer.error());
        }
        d.pcapng = std::move(writer).value();
        for (Impl::Interface &i : d.interfaces)
            i.pcapngId = d.pcapng->addInterface(i.opened.name, i.opened.linkType, d.options.snapLength);
    }
    FlowAggregatorOptions aggregation;
    aggregation.bootToEpochNs = bootToEpochNs;
    aggregation.inactivityTimeoutNs = d.options.flowTimeoutNs;
    aggregation.flushIntervalNs = d.options.flowFlushNs;
    d.aggregator = std::make_unique<FlowAggregator>(aggregation);
    d.lastStatsBootNs = bootTimeNowNs();
    d.started = true;
    d.thread = std::thread(&Impl::run, &d);
    return {};
}

void PcapCapture::drain(CaptureBatch &batch)
{
    Impl &d = *m_impl;
    std::lock_guard lock(d.mutex);
    batch.append(std::move(d.queue));
    d.queue = CaptureBatch{};
    d.queuedFlows.clear();
    if (d.queueLoss) {
        batch.losses.push_back(std::move(*d.queueLoss));
        d.queueLoss.reset();
    }
}

Result<void> PcapCapture::stop(CaptureBatch &batch)
{
    Impl &d = *m_impl;
    if (d.stopped)
        return {};
    d.stopped = true;
    d.joinThread();
    drain(batch);
    std::vector<std::string> problems;
    {
        std::lock_guard lock(d.mutex);
        problems = d.problems;
    }
    if (d.pcapng) {
        auto closed = d.pcapng->close();
        std::lock_guard lock(d.mutex);
        d.stats.pcapngPackets = d.pcapng->packets();
        d.stats.pcapngPacketsNotWritten = d.pcapng->packetsNotWritten();
        d.stats.pcapngIncomplete = !closed || d.pcapng->failed();
        if (!closed)
            problems.push_back(closed.error());
    }
    if (!problems.empty()) {
        std::string all;
        for (const std::string &p : problems)
            all += (all.empty() ? "" : "; ") + p;
        return makeError(all);
    }
    return {};
}

void PcapCapture::discard()
{
    Impl &d = *m_impl;
    if (d.stopped)
        return;
    d.stopped = true;
    d.joinThread();
    if (d.pcapng)
        d.pcapng->discard();
}

std::string PcapCapture::configJson() const
{
    const Impl &d = *m_impl;
    std::ostringstream out;
    out << "{\"enabled\":true,\"interfaces\":[";
    for (size_t k = 0; k < d.interfaces.size(); ++k) {
        const OpenedInterface &i = d.interfaces[k].opened;
        out << (k ? "," : "") << "{\"name\":" << jsonString(i.name) << ",\"link_type\":" << jsonString(linkTypeName(i.linkType))
            << ",\"timestamps\":\"" << (i.nanoTimestamps ? "ns" : "us") << '"'
            << (i.loopback ? ",\"loopback\":true" : "")
            << '}';
    }
    out << "],\"interfaces_chosen\":" << (d.options.interfaces.empty() ? "false" : "true");
    if (!d.skipped.empty()) {
        out << ",\"skipped_interfaces\":[";
        for (size_t k = 0; k < d.skipped.size(); ++k)
            out << (k ? "," : "") << "{\"name\":" << jsonString(d.skipped[k].name) << ",\"reason\":"
                << jsonString(d.skipped[k].reason) << '}';
        out << ']';
    }
    out
        << ",\"bpf_filter\":" << jsonString(d.options.bpfFilter) << ",\"effective_filter\":" << jsonString(d.filter)
        << ",\"exclude_flows\":[";
    for (size_t k = 0; k < d.options.excludeFlows.size(); ++k)
        out << (k ? "," : "") << jsonString(d.options.excludeFlows[k].text());
    out << "],\"snaplen\":" << d.options.snapLength << ",\"buffer_bytes\":" << d.options.bufferBytes
        << ",\"flow_timeout_s\":" << seconds(d.options.flowTimeoutNs) << ",\"flow_flush_s\":" << seconds(d.options.flowFlushNs)
        << ",\"pcapng\":" << (d.options.pcapngPath.empty() ? std::string("null") : jsonString(d.options.pcapngPath)) << '}';
    return out.str();
}

PcapCaptureStats PcapCapture::stats() const
{
    std::lock_guard lock(m_impl->mutex);
    return m_impl->stats;
}

const std::vector<std::string> &PcapCapture::interfaceNames() const { return m_impl->names; }

} // namespace provscope
