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

// libpcap 1.10 does not hand out pcapng interface names: read them from the interface
// description blocks before the first packet block. One name for every interface (the
// usual single-interface file) names every frame; several names leave it empty, as
// libpcap does not say which interface a packet came from.
std::string pcapngInterfaceName(FILE *file)
{
    auto u16 = [](const uint8_t *p, bool le) { return le ? uint16_t(p[0] | p[1] << 8) : uint16_t(p[0] << 8 | p[1]); };
    auto u32 = [](const uint8_t *p, bool le) {
        return le ? uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24
                  : uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
    };
    std::string name;
    bool littleEndian = true;
    std::vector<uint8_t> body;
    for (int blocks = 0; blocks < 64; ++blocks) {
        uint8_t head[12];
        if (std::fread(head, 1, sizeof head, file) != sizeof head)
            break;
        if (blocks == 0) {
            littleEndian = u32(head + 8, true) == 0x1a2b3c4d;
            if (!littleEndian && u32(head + 8, false) != 0x1a2b3c4d)
                break;
        }
        const uint32_t type = u32(head, littleEndian);
        const uint32_t length = u32(head + 4, littleEndian);
        if (type == 2 || type == 3 || type == 6 || length < 12 || length > (1u << 20) || length % 4)
            break; // a packet block (the interfaces are known by then) or nonsense
        body.resize(length - 12 + 4);
        std::memcpy(body.data(), head + 8, 4);
        if (std::fread(body.data() + 4, 1, length - 12, file) != length - 12)
            break;
        if (type != 1 || body.size() < 8)
            continue;
        size_t at = 8; // linktype, reserved, snaplen
        while (at + 4 <= body.size() - 4) { // the trailing length is not an option
            const uint16_t code = u16(body.data() + at, littleEndian);
            const uint16_t size = u16(body.data() + at + 2, littleEndian);
            if (code == 0 || at + 4 + size > body.size())
                break;
            if (code == 2) {
                std::string ifName(reinterpret_cast<const char *>(body.data() + at + 4), size);
                ifName.resize(std::strlen(ifName.c_str())); // some writers count a NUL
                if (!name.empty() && name != ifName)
                    return {};
                name = ifName;
            }
            at += 4 + (size + 3u) / 4 * 4;
        }
    }
    return name;
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
    const std::string interfaceName = formatFromMagic(magic) == "pcapng" ? pcapngInterfaceName(file) : std::string();
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
    FILE *stream = pcap_file(raw);
    long nextOffset = stream ? std::ftell(stream) : -1; // where the next record starts

    pcap_pkthdr *header = nullptr;
    const u_char *data = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(raw, &header, &data)) == 1) {
        // A corrupt pcapng timestamp can exceed what int64 nanoseconds hold (year 2262):
        // that frame is skipped and named, the rest of the file still counts.
        int64_t epochNs = 0;
        if (__builtin_mul_overflow(int64_t(header->ts.tv_sec), int64_t(1'000'000'000), &epochNs)
            || __builtin_add_overflow(epochNs, int64_t(header->ts.tv_usec), &epochNs)) {
            if (summary.damagedFrames++ == 0)
                summary.firstDamaged = "frame " + std::to_string(summary.frames + summary.damagedFrames) + ": timestamp "
                    + std::to_string(int64_t(header->ts.tv_sec)) + " s out of range";
            if (stream)
                nextOffset = std::ftell(stream);
            continue;
        }
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
