#include "flow_statistics.h"

#include <algorithm>
#include <cstddef>
#include <ctime>
#include <map>
#include <unordered_map>

namespace provscope {
namespace {

constexpr int64_t kSecond = 1'000'000'000LL;
constexpr int64_t kMaxBuckets = 120;

// Floor division (times before the epoch or boot stay in the right bucket).
int64_t floorDiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

// Local time's offset from UTC at an epoch time, in ns (0 when unknown).
int64_t utcOffsetNs(int64_t epochNs)
{
    const time_t t = time_t(floorDiv(epochNs, kSecond));
    struct tm local {};
    if (!localtime_r(&t, &local))
        return 0;
    return int64_t(local.tm_gmtoff) * kSecond;
}

bool byBytes(const FlowRank &a, const FlowRank &b)
{
    if (a.bytes != b.bytes)
        return a.bytes > b.bytes;
    if (a.flows != b.flows)
        return a.flows > b.flows;
    return a.key < b.key;
}

bool byFlows(const FlowRank &a, const FlowRank &b)
{
    if (a.flows != b.flows)
        return a.flows > b.flows;
    if (a.bytes != b.bytes)
        return a.bytes > b.bytes;
    return a.number != b.number ? a.number < b.number : a.key < b.key;
}

// Tallies flows under a key; keyOf returns false to skip a flow.
template <class KeyOf>
std::vector<FlowRank> rank(const std::vector<Flow> &flows, KeyOf keyOf)
{
    std::unordered_map<std::string, FlowRank> tally;
    for (const Flow &f : flows) {
        FlowRank item;
        if (!keyOf(f, item))
            continue;
        FlowRank &r = tally[item.key];
        r.key = item.key;
        r.number = item.number;
        r.flows += 1;
        r.bytes += f.bytes();
        r.packets += f.packets();
    }
    std::vector<FlowRank> out;
    out.reserve(tally.size());
    for (auto &[key, r] : tally)
        out.push_back(std::move(r));
    return out;
}

std::vector<FlowRank> firstN(std::vector<FlowRank> items, size_t n, bool (*less)(const FlowRank &, const FlowRank &))
{
    std::sort(items.begin(), items.end(), less);
    if (items.size() > n)
        items.resize(n);
    return items;
}

std::vector<FlowRank> ports(const std::vector<Flow> &flows)
{
    return rank(flows, [](const Flow &f, FlowRank &r) {
        r.key = std::to_string(f.dport);
        r.number = f.dport;
        return true;
    });
}

} // namespace

int64_t trafficBucketNs(int64_t rangeNs)
{
    constexpr int64_t kDay = 86400;
    static const int64_t steps[] = {1,    2,    5,     10,    15,    30,    60,       120,      300,      600,
                                    900,  1800, 3600,  7200,  10800, 21600, 43200,    kDay,     7 * kDay, 30 * kDay,
                                    90 * kDay, 365 * kDay};
    for (int64_t s : steps) {
        if (rangeNs <= s * kSecond * kMaxBuckets)
            return s * kSecond;
    }
    // Past 120 years: whole days, still at most 120 buckets.
    const int64_t day = kDay * kSecond;
    return (rangeNs / kMaxBuckets + day - 1) / day * day;
}

TrafficSeries trafficOverTime(const std::vector<Flow> &flows, int64_t bootToEpochNs, int64_t rangeStartNs,
                              int64_t rangeEndNs)
{
    TrafficSeries series;
    if (rangeEndNs <= rangeStartNs) {
        if (flows.empty())
            return series;
        rangeStartNs = flows.front().firstNs;
        rangeEndNs = flows.front().lastNs;
        for (const Flow &f : flows) {
            rangeStartNs = std::min(rangeStartNs, f.firstNs);
            rangeEndNs = std::max(rangeEndNs, f.lastNs);
        }
        rangeEndNs += 1; // the last packet is inside [start, end)
    }
    const int64_t width = trafficBucketNs(rangeEndNs - rangeStartNs);
    // Align on whole widths of local time (a 1 h bucket starts on the hour locally).
    const int64_t offset = utcOffsetNs(rangeStartNs + bootToEpochNs);
    const int64_t shift = bootToEpochNs + offset; // boot ns -> local "epoch" ns
    // Weeks start on Monday (1970-01-05; the epoch was a Thursday).
    const int64_t phase = width == 7 * 86400 * kSecond ? 4 * 86400 * kSecond : 0;
    const int64_t first = floorDiv(rangeStartNs + shift - phase, width) * width + phase - shift;
    const int64_t count = std::max<int64_t>(1, floorDiv(rangeEndNs - 1 - first, width) + 1);
    series.bucketNs = width;
    series.buckets.resize(size_t(count));
    for (int64_t i = 0; i < count; ++i) {
        series.buckets[size_t(i)].startNs = first + i * width;
        series.buckets[size_t(i)].endNs = first + (i + 1) * width;
    }
    const int64_t last = first + count * width;
    for (const Flow &f : flows) {
        const int64_t lo = std::max(f.firstNs, first);
        const int64_t hi = std::min(f.lastNs, last - 1);
        if (hi < lo)
            continue; // outside the range
        const double duration = double(f.lastNs - f.firstNs);
        const int64_t b0 = floorDiv(lo - first, width), b1 = floorDiv(hi - first, width);
        for (int64_t b = b0; b <= b1; ++b) {
            TrafficBucket &bucket = series.buckets[size_t(b)];
            bucket.flows += 1;
            double share = 1.0;
            if (duration > 0) {
                const int64_t s = std::max(f.firstNs, bucket.startNs);
                const int64_t e = std::min(f.lastNs, bucket.endNs);
                share = double(std::max<int64_t>(0, e - s)) / duration;
            }
            bucket.bytes += share * double(f.bytes());
            bucket.packets += share * double(f.packets());
        }
    }
    return series;
}

std::vector<FlowRank> protocolDistribution(const std::vector<Flow> &flows)
{
    return firstN(rank(flows, [](const Flow &f, FlowRank &r) {
                      r.key = flowProtocolName(f.proto);
                      r.number = f.proto;
                      return true;
                  }),
                  SIZE_MAX, byBytes);
}

std::vector<FlowRank> topSources(const std::vector<Flow> &flows, size_t n)
{
    return firstN(rank(flows, [](const Flow &f, FlowRank &r) {
                      r.key = f.src;
                      return true;
                  }),
                  n, byBytes);
}

std::vector<FlowRank> topDestinations(const std::vector<Flow> &flows, size_t n)
{
    return firstN(rank(flows, [](const Flow &f, FlowRank &r) {
                      r.key = f.dst;
                      return true;
                  }),
                  n, byBytes);
}

std::vector<FlowRank> topDomains(const std::vector<Flow> &flows, size_t n)
{
    return firstN(rank(flows, [](const Flow &f, FlowRank &r) {
                      r.key = f.dnsName;
                      return !f.dnsName.empty();
                  }),
                  n, byBytes);
}

static bool portByBytes(const FlowRank &a, const FlowRank &b)
{
    if (a.bytes != b.bytes)
        return a.bytes > b.bytes;
    if (a.flows != b.flows)
        return a.flows > b.flows;
    return a.number < b.number;
}

std::vector<FlowRank> topPortsByFlows(const std::vector<Flow> &flows, size_t n)
{
    return firstN(ports(flows), n, byFlows);
}

std::vector<FlowRank> topPortsByBytes(const std::vector<Flow> &flows, size_t n)
{
    return firstN(ports(flows), n, portByBytes);
}

std::vector<DurationBin> durationHistogram(const std::vector<Flow> &flows)
{
    static const char *labels[] = {"< 1 ms", "1–10 ms", "10–100 ms", "0.1–1 s",
                                   "1–10 s", "10–100 s", "100 s–17 min", "≥ 17 min"};
    std::vector<DurationBin> bins(8);
    int64_t edge = 1'000'000; // 1 ms
    for (size_t i = 0; i < bins.size(); ++i) {
        bins[i].label = labels[i];
        bins[i].minNs = i == 0 ? 0 : edge / 10;
        bins[i].maxNs = i + 1 == bins.size() ? std::numeric_limits<int64_t>::max() : edge;
        edge *= 10;
    }
    for (const Flow &f : flows) {
        const int64_t d = std::max<int64_t>(0, f.lastNs - f.firstNs);
        for (DurationBin &bin : bins) {
            if (d >= bin.minNs && d < bin.maxNs) {
                bin.flows += 1;
                bin.bytes += f.bytes();
                break;
            }
        }
    }
    return bins;
}

std::vector<FlowPoint> bytesVsPackets(const std::vector<Flow> &flows, size_t maxPoints)
{
    std::vector<FlowPoint> points;
    points.reserve(flows.size());
    for (const Flow &f : flows)
        points.push_back({f.key, f.proto, f.packets(), f.bytes()});
    if (points.size() > maxPoints) {
        std::nth_element(points.begin(), points.begin() + std::ptrdiff_t(maxPoints), points.end(),
                         [](const FlowPoint &a, const FlowPoint &b) {
                             return a.bytes != b.bytes ? a.bytes > b.bytes : a.key < b.key;
                         });
        points.resize(maxPoints);
    }
    return points;
}

std::vector<TcpFlagCount> tcpFlagDistribution(const std::vector<Flow> &flows)
{
    std::vector<TcpFlagCount> out;
    for (int i = 0; i < 8; ++i) {
        const uint8_t bit = uint8_t(1u << i);
        out.push_back({bit, tcpFlagName(bit), 0});
    }
    for (const Flow &f : flows) {
        if (f.proto != kProtoTcp)
            continue;
        for (TcpFlagCount &c : out)
            c.flows += (f.tcpFlags & c.bit) ? 1 : 0;
    }
    return out;
}

int hourOfWeekCell(int64_t epochNs)
{
    const time_t t = time_t(floorDiv(epochNs, kSecond));
    struct tm local {};
    if (!localtime_r(&t, &local))
        return -1;
    const int weekday = (local.tm_wday + 6) % 7; // tm: 0 = Sunday; here 0 = Monday
    return weekday * 24 + local.tm_hour;
}

HourOfWeekMatrix hourOfWeek(const std::vector<Flow> &flows, int64_t bootToEpochNs)
{
    HourOfWeekMatrix m;
    for (const Flow &f : flows) {
        const int cell = hourOfWeekCell(f.firstNs + bootToEpochNs);
        if (cell < 0)
            continue;
        m.bytes[size_t(cell / 24)][size_t(cell % 24)] += f.bytes();
        m.flows[size_t(cell / 24)][size_t(cell % 24)] += 1;
    }
    return m;
}

FlowStatistics computeFlowStatistics(const std::vector<Flow> &flows, int64_t bootToEpochNs, int64_t rangeStartNs,
                                     int64_t rangeEndNs, const FlowStatisticsOptions &options)
{
    FlowStatistics s;
    s.flowCount = flows.size();
    for (const Flow &f : flows) {
        s.bytes += f.bytes();
        s.packets += f.packets();
    }
    s.protocols = protocolDistribution(flows);
    s.traffic = trafficOverTime(flows, bootToEpochNs, rangeStartNs, rangeEndNs);
    s.sources = topSources(flows, options.topN);
    s.destinations = topDestinations(flows, options.topN);
    const auto byPort = ports(flows); // one pass for both port charts
    s.portsByFlows = firstN(byPort, options.topN, byFlows);
    s.portsByBytes = firstN(byPort, options.topN, portByBytes);
    s.domains = topDomains(flows, options.topN);
    s.durations = durationHistogram(flows);
    s.points = bytesVsPackets(flows, options.maxPoints);
    s.tcpFlags = tcpFlagDistribution(flows);
    s.heatmap = hourOfWeek(flows, bootToEpochNs);
    return s;
}

FlowRangeView flowsInRange(const std::vector<Flow> &flows, int64_t bootToEpochNs, int64_t fromNs, int64_t toNs,
                           const FlowStatisticsOptions &options)
{
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    FlowRangeView view;
    int64_t first = kMax, last = kMin;
    for (size_t i = 0; i < flows.size(); ++i) {
        const Flow &flow = flows[i];
        if (flow.firstNs >= toNs || flow.lastNs < fromNs)
            continue;
        view.indexes.push_back(uint32_t(i));
        view.flows.push_back(flow);
        first = std::min(first, flow.firstNs);
        last = std::max(last, flow.lastNs);
    }
    view.startNs = fromNs != kMin ? fromNs : (first == kMax ? 0 : first);
    view.endNs = toNs != kMax ? toNs : (last == kMin ? view.startNs : last + 1);
    view.statistics = computeFlowStatistics(view.flows, bootToEpochNs, view.startNs, view.endNs, options);
    return view;
}

} // namespace provscope
