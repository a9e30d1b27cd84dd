#pragma once
// Turns captured frames into bidirectional 5-tuple flows and passive DNS records.
// One implementation for the live capture (provscope-capture) and for imported
// capture files (provscope-cli import), so both give the same flows for the same packets.
//
// A TCP flow ends on RST or once both sides sent FIN; it is handed out closeLinger later.
// Packets of the same 5-tuple within 60 s of the end (the last ACK, retransmissions, like
// TCP's TIME_WAIT) still count in it and hand it out again under the same key; a SYN with
// a new sequence number starts a new flow. A SYN nobody answers ends after 40 s, any flow
// after inactivityTimeout without a packet (a connection going on afterwards keeps its
// initiator). Every flushInterval the open flows that changed are also handed out
// (ended = false) so live views update; the store keeps the last version of each key.
#include "flow.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace provscope {

struct FlowAggregatorOptions {
    int64_t inactivityTimeoutNs = 300'000'000'000;  // --flow-timeout
    int64_t flushIntervalNs = 60'000'000'000;       // --flow-flush
    int64_t closeLingerNs = 2'000'000'000;
    int64_t bootToEpochNs = 0;  // flows and DNS records get boot-clock times: epoch - this
    uint64_t firstKey = 1;      // keys are firstKey, firstKey + 1, ... (--into: after the session's)
    // Open flows kept at most (a SYN flood): past it the least recently active one is
    // handed out ended (stats().evictedFlows). 0: no limit.
    size_t maxOpenFlows = 1'000'000;
};

struct FlowAggregatorStats {
    uint64_t frames = 0;          // every frame offered
    uint64_t flowPackets = 0;     // TCP or UDP over IPv4/IPv6: counted in a flow
    uint64_t otherFrames = 0;     // ARP, ICMP, other link types...: not a flow packet
    uint64_t malformedFrames = 0; // cut short or inconsistent headers (first one: firstMalformed)
    uint64_t dnsResponses = 0;
    uint64_t malformedDns = 0;
    uint64_t evictedFlows = 0;    // ended early: more than maxOpenFlows were open
    std::string firstMalformed;   // "frame 17: IPv4 header length 4 < 20", empty when none
};

class FlowAggregator {
public:
    explicit FlowAggregator(FlowAggregatorOptions options = {});
    ~FlowAggregator();
    FlowAggregator(const FlowAggregator &) = delete;
    FlowAggregator &operator=(const FlowAggregator &) = delete;

    // One frame as libpcap hands it over: linkType is the DLT_* of its interface or file
    // (EN10MB, LINUX_SLL, LINUX_SLL2, RAW, NULL/LOOP, IPV4, IPV6); epochNs its timestamp;
    // wireLength the frame's original length (what bytes count), capturedLength what the
    // snap length kept. Never throws, never reads past capturedLength.
    void addFrame(int linkType, int64_t epochNs, const uint8_t *data, uint32_t capturedLength,
                  uint32_t wireLength, const std::string &interfaceName);
    // Appends the flows that ended or went idle by nowEpochNs, snapshots of the open ones
    // when a flush is due, and the DNS records parsed since the last call.
    void collect(int64_t nowEpochNs, std::vector<Flow> &flows, std::vector<DnsRecord> &dnsRecords);
    // End of the capture or file: every flow left (open ones with ended = false) and DNS.
    void finish(std::vector<Flow> &flows, std::vector<DnsRecord> &dnsRecords);

    const FlowAggregatorStats &stats() const;
    size_t openFlows() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace provscope
