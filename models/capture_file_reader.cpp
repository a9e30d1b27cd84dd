#include "capture_file_reader.h"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace provscope {
namespace {

constexpr uint64_t kFramesPerBatch = 4096;

// The format a file's first four bytes announce; empty when neither.
std::string formatFromMagic(const uint8_t m[4])
{
    const uint32_t be = uint32_t(m[0]) << 24 | uint32_t(m[1]) << 16 | uint32_t(m[2]) << 8 | m[3];
    switch (be) {
    case 0xa1b2c3d4: case 0xd4c3b2a1: // microseconds
    case 0xa1b23c4d: case 0x4d3cb2a1: // nanoseconds
    case 0xa1b2cd34: case 0x34cdb2a1: // Kuznetzov's modified pcap
        return "pcap";
    case 0x0a0d0d0a: // pcapng section header block (same bytes in either byte order)
        return "pcapng";
    default:
        return {};
    }
}

struct PcapCloser {
    void operator()(pcap_t *p) const { pcap_close(p); }
};

Result<void> deliver(FlowAggregator &aggregator, const FlowSink &sink, int64_t nowEpochNs, bool atEnd)
{
    std::vector<Flow> flows;
    std::vector<DnsRecord> dns;
    if (atEnd)
        aggregator.finish(flows, dns);
    else
        aggregator.collect(nowEpochNs, flows, dns);
    if (flows.empty() && dns.empty())
        return {};
    return sink(std::move(flows), std::move(dns));
}

} // namespace

Result<CaptureFileSummary> readCaptureFile(const std::string &path, FlowAggregator &aggregator, const FlowSink &sink)
{
    FILE *file = std::fopen(path.c_str(), "rb");
    if (!file)
        return makeError("cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode)) {
        std::fclose(file);
        return makeError(path + " is not a pcap or pcapng capture file: not a regular file");
    }
    uint8_t magic[4] = {};
    const size_t magicBytes = std::fread(magic, 1, sizeof magic, file);
    std::rewind(file);

    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t *raw = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!raw) {
        std::fclose(file); // libpcap leaves the stream to us when it fails
        const std::string reason = errbuf[0] ? errbuf : "libpcap could not read its header";
        if (magicBytes < sizeof magic || formatFromMagic(magic).empty())
            return makeError(path + " is not a pcap or pcapng capture file: " + reason);
        return makeError("cannot read " + path + ": " + reason);
    }
    std::unique_ptr<pcap_t, PcapCloser> pcap(raw);

    CaptureFileSummary summary;
    summary.format = formatFromMagic(magic);
    summary.linkType = pcap_datalink(raw);
    const std::string interfaceName; // libpcap does not expose pcapng interface names
    FILE *stream = pcap_file(raw);
    long nextOffset = stream ? std::ftell(stream) : -1; // where the next record starts

    pcap_pkthdr *header = nullptr;
    const u_char *data = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(raw, &header, &data)) == 1) {
        const int64_t epochNs = int64_t(header->ts.tv_sec) * 1'000'000'000 + int64_t(header->ts.tv_usec);
        aggregator.addFrame(summary.linkType, epochNs, data, header->caplen, header->len, interfaceName);
        if (summary.frames++ == 0)
            summary.firstEpochNs = epochNs;
        summary.lastEpochNs = epochNs;
        if (stream)
            nextOffset = std::ftell(stream);
        if (summary.frames % kFramesPerBatch == 0) {
            if (Result<void> sent = deliver(aggregator, sink, epochNs, false); !sent)
                return makeError(sent.error());
        }
    }
    if (rc != PCAP_ERROR_BREAK) {
        // A record cut short or corrupt: keep what was read and say where it stopped.
        summary.complete = false;
        summary.stoppedReason = "stopped after packet " + std::to_string(summary.frames) + " at byte "
            + std::to_string(nextOffset) + " of " + std::to_string(st.st_size) + ": " + pcap_geterr(raw);
    }
    if (Result<void> sent = deliver(aggregator, sink, summary.lastEpochNs, true); !sent)
        return makeError(sent.error());
    return summary;
}

} // namespace provscope
