#pragma once
// The flow aggregator tests' shared frame: an epoch time, two hosts, and a Run that feeds
// frames to a FlowAggregator and keeps what it hands out; a whole TCP connection.
#include "flow.h"
#include "flow_aggregator.h"
#include "packet_builders.h"

#include <pcap/dlt.h>

#include <utility>

namespace test {

inline constexpr int64_t kSec = 1'000'000'000;
inline constexpr int64_t kT0 = 1'700'000'000 * kSec; // an epoch time
inline const char *const kClient = "10.0.0.5";
inline const char *const kServer = "10.0.0.9";

using provscope::DnsRecord;
using provscope::Flow;
using provscope::FlowAggregator;
using provscope::FlowAggregatorOptions;
using provscope::kTcpAck;
using provscope::kTcpFin;
using provscope::kTcpPsh;
using provscope::kTcpRst;
using provscope::kTcpSyn;

struct Run {
    explicit Run(FlowAggregatorOptions o = {}) : aggregator(o) {}
    FlowAggregator aggregator;
    std::vector<Flow> flows;
    std::vector<DnsRecord> dns;

    void add(int64_t epochNs, const Bytes &frame, uint32_t wire = 0, uint32_t captured = 0, int linkType = DLT_EN10MB)
    {
        aggregator.addFrame(linkType, epochNs, frame.data(), captured ? captured : uint32_t(frame.size()),
                            wire ? wire : uint32_t(frame.size()), "eth0");
    }
    void collect(int64_t nowEpochNs) { aggregator.collect(nowEpochNs, flows, dns); }
    void finish() { aggregator.finish(flows, dns); }
};

// A client's connection: SYN, SYN-ACK, ACK, data both ways, FIN, FIN-ACK, ACK.
// Returns the frame sizes sent by the client (out) and the server (in).
inline std::pair<uint64_t, uint64_t> tcpConversation(Run &run, int64_t t, uint16_t sport, bool rstInsteadOfFin = false)
{
    uint64_t out = 0, in = 0;
    const uint32_t isn = uint32_t(t / 1000); // each connection its own initial sequence number
    auto c = [&](uint8_t flags, size_t payload) {
        const Bytes f = tcpFrame(kClient, sport, kServer, 80, flags, payload, isn);
        run.add(t += 1000, f);
        out += f.size();
    };
    auto s = [&](uint8_t flags, size_t payload) {
        const Bytes f = tcpFrame(kServer, 80, kClient, sport, flags, payload);
        run.add(t += 1000, f);
        in += f.size();
    };
    c(kTcpSyn, 0);
    s(kTcpSyn | kTcpAck, 0);
    c(kTcpAck, 0);
    c(kTcpPsh | kTcpAck, 100);
    s(kTcpPsh | kTcpAck, 1000);
    if (rstInsteadOfFin) {
        c(kTcpRst, 0);
    } else {
        c(kTcpFin | kTcpAck, 0);
        s(kTcpFin | kTcpAck, 0);
        c(kTcpAck, 0); // the last ACK comes after both FINs: same flow
    }
    return {out, in};
}

} // namespace test
