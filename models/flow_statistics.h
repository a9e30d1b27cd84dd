#pragma once
// What the Flows tab's charts show, computed from flows alone (no widgets, no
// session): protocol shares, traffic over time, top talkers, ports, durations,
// bytes vs packets, TCP flags, the hour-of-week heatmap and top domains.
//
// Conventions every chart and FlowSelection share:
// - Times are boot ns like Flow's; bootToEpochNs turns them into wall-clock time.
// - Traffic over time spreads a flow's bytes and packets evenly over
//   [firstNs, lastNs] (a flow that lasts 10 minutes adds to every bucket it covers,
//   as a rate graph would show it); a flow with no duration counts whole in the
//   bucket of its first packet. Bucket values are therefore fractional.
// - The hour-of-week cell of a flow is the LOCAL time of its first packet:
//   cell = weekday * 24 + hour, weekday 0 = Monday .. 6 = Sunday.
#include "flow.h"
#include "flow_text.h"

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace provscope {

// flowProtocolName(), tcpFlagName(): flow_text.h

// One bar of a ranking: an address, a port, a domain or a protocol.
struct FlowRank {
    std::string key;     // address, domain, protocol name, or the port as text
    uint64_t number = 0; // the port for port rankings
    uint64_t flows = 0;
    uint64_t bytes = 0;
    uint64_t packets = 0;
};

struct TrafficBucket {
    int64_t startNs = 0, endNs = 0; // boot ns, [start, end)
    double bytes = 0, packets = 0;  // spread as described above
    uint64_t flows = 0;             // flows active in the bucket
};

struct TrafficSeries {
    int64_t bucketNs = 0; // 0 when there is no range
    std::vector<TrafficBucket> buckets;
};

struct DurationBin {
    int64_t minNs = 0, maxNs = 0; // [min, max); the last bin's max is INT64_MAX
    std::string label;            // "1–10 ms", "< 1 ms", "≥ 17 min"
    uint64_t flows = 0;
    uint64_t bytes = 0;
};

struct FlowPoint {
    uint64_t key = 0;
    uint8_t proto = 0;
    uint64_t packets = 0, bytes = 0;
};

struct TcpFlagCount {
    uint8_t bit = 0;
    std::string name; // "SYN", "ACK", ...
    uint64_t flows = 0; // TCP flows with the flag seen at least once
};

struct HourOfWeekMatrix {
    std::array<std::array<uint64_t, 24>, 7> bytes{};
    std::array<std::array<uint64_t, 24>, 7> flows{};
};

// Bucket width for a range: the smallest nice step (1 s, 2 s, 5 s, 10 s, 15 s, 30 s,
// 1 min .. 30 min, 1 h, 2 h, 3 h, 6 h, 12 h, 1 day, 1 week, 30 days, 90 days,
// 365 days) giving at most 120 buckets; past 120 years whole days that still do.
int64_t trafficBucketNs(int64_t rangeNs);

// Buckets over [rangeStartNs, rangeEndNs) aligned to whole bucket widths of local
// time (weeks start on Monday); an empty range (end <= start) takes the flows' own span.
TrafficSeries trafficOverTime(const std::vector<Flow> &flows, int64_t bootToEpochNs, int64_t rangeStartNs,
                              int64_t rangeEndNs);

// By bytes then flows (descending), then key.
std::vector<FlowRank> protocolDistribution(const std::vector<Flow> &flows);
std::vector<FlowRank> topSources(const std::vector<Flow> &flows, size_t n);
std::vector<FlowRank> topDestinations(const std::vector<Flow> &flows, size_t n);
std::vector<FlowRank> topDomains(const std::vector<Flow> &flows, size_t n); // flows with a dnsName
// Destination ports: by flow count (then bytes), and by bytes (then flows).
std::vector<FlowRank> topPortsByFlows(const std::vector<Flow> &flows, size_t n);
std::vector<FlowRank> topPortsByBytes(const std::vector<Flow> &flows, size_t n);

// Decade bins: < 1 ms, 1–10 ms, 10–100 ms, 100 ms–1 s, 1–10 s, 10–100 s,
// 100 s–17 min, ≥ 17 min (1000 s; always all eight bins, possibly empty).
std::vector<DurationBin> durationHistogram(const std::vector<Flow> &flows);

// One point per flow; beyond maxPoints only the flows with the most bytes.
std::vector<FlowPoint> bytesVsPackets(const std::vector<Flow> &flows, size_t maxPoints);

// FIN, SYN, RST, PSH, ACK, URG, ECE, CWR (header bit order), over TCP flows.
std::vector<TcpFlagCount> tcpFlagDistribution(const std::vector<Flow> &flows);

// Local-time cell (weekday * 24 + hour) of an epoch time; -1 if it cannot be converted.
int hourOfWeekCell(int64_t epochNs);
HourOfWeekMatrix hourOfWeek(const std::vector<Flow> &flows, int64_t bootToEpochNs);

// Everything at once, as the charts panel shows it.
struct FlowStatistics {
    size_t flowCount = 0;
    uint64_t bytes = 0, packets = 0;
    std::vector<FlowRank> protocols;
    TrafficSeries traffic;
    std::vector<FlowRank> sources, destinations, portsByFlows, portsByBytes, domains;
    std::vector<DurationBin> durations;
    std::vector<FlowPoint> points;
    std::vector<TcpFlagCount> tcpFlags;
    HourOfWeekMatrix heatmap;
};

struct FlowStatisticsOptions {
    size_t topN = 10;
    size_t maxPoints = 2000;
};

FlowStatistics computeFlowStatistics(const std::vector<Flow> &flows, int64_t bootToEpochNs, int64_t rangeStartNs,
                                     int64_t rangeEndNs, const FlowStatisticsOptions &options = {});

// The flows active in a time range and their statistics, as the Flows tab charts them
// (computed off the GUI thread with the read).
struct FlowRangeView {
    std::vector<uint32_t> indexes; // into the flows given, in their order
    std::vector<Flow> flows;       // copies of those flows, for the charts
    int64_t startNs = 0, endNs = 0; // the charts' range, boot ns
    FlowStatistics statistics;
};
// [fromNs, toNs) in boot ns (INT64_MIN / INT64_MAX: open); a flow is in it when it is
// active in it. An open end takes the flows' own first / last packet.
FlowRangeView flowsInRange(const std::vector<Flow> &flows, int64_t bootToEpochNs, int64_t fromNs, int64_t toNs,
                           const FlowStatisticsOptions &options = {});

} // namespace provscope
