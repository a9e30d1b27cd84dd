#pragma once
// The flow aggregator tests' shared frame: an epoch time, two hosts, and a Run that feeds
// frames to a FlowAggregator and keeps what it hands out.
#include "flow_aggregator.h"
#include "packet_builders.h"

#include <pcap/dlt.h>

namespace test {

inline constexpr int64_t kSec = 1'000'000'000;
inline constexpr int64_t kT0 = 1'700'000'000 * kSec; // an epoch time
inline const char *const kClient = "10.0.0.5";
inline const char *const kServer = "10.0.0.9";

using provscope::DnsRecord;
using provscope::Flow;
using provscope::FlowAggregator;
using provscope::FlowAggregatorOptions;

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

} // namespace test
