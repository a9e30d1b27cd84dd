#include "flow_attribution.h"

#include <algorithm>

namespace provscope {
namespace {

// Events of one process on one 5-tuple closer than this extend one range.
constexpr int64_t kMergeGapNs = 60'000'000'000;
// A wildcard local address (bound to any): the same key for IPv4 and IPv6.
const std::string kWildcard = "*";

bool isWildcard(const std::string &address)
{
    return address == "0.0.0.0" || address == "::" || address == "::ffff:0.0.0.0";
}

bool isInet(const std::string &address)
{
    return !address.empty() && address[0] != '/' && address[0] != '@';
}

} // namespace

std::string FlowAttributor::canonicalAddress(const std::string &address)
{
    static const std::string mapped = "::ffff:";
    if (address.size() > mapped.size() && address.compare(0, mapped.size(), mapped) == 0 &&
        address.find('.') != std::string::npos)
        return address.substr(mapped.size());
    return address;
}

std::string FlowAttributor::tupleKey(const std::string &laddr, uint16_t lport, const std::string &raddr,
                                     uint16_t rport)
{
    std::string key = laddr;
    key += '|';
    key += std::to_string(lport);
    key += '|';
    key += raddr;
    key += '|';
    key += std::to_string(rport);
    return key;
}

void FlowAttributor::addEvent(const Event &e)
{
    if (!e.lport || (!isInet(e.laddr) && !isInet(e.raddr)))
        return;
    if (!e.laddr.empty() && !isInet(e.laddr))
        return;
    const std::string laddr = isWildcard(e.laddr) || e.laddr.empty() ? kWildcard : canonicalAddress(e.laddr);
    // A socket that does not name its peer (unconnected UDP): keyed by its local side only.
    const bool peerless = e.rport == 0 || e.raddr.empty() || isWildcard(e.raddr);
    const std::string key =
        peerless ? tupleKey(laddr, e.lport, "", 0) : tupleKey(laddr, e.lport, canonicalAddress(e.raddr), e.rport);
    const int64_t first = int64_t(e.tsNs);
    const int64_t last = std::max(first, int64_t(e.lastTsNs));
    ++m_eventsAdded;
    m_latestNs = std::max(m_latestNs, last);
    m_touched.insert(key);
    std::vector<Range> &ranges = m_byTuple[key];
    for (Range &r : ranges) {
        if (r.pid == e.pid && r.startNs == e.procStartNs && first <= r.lastNs + kMergeGapNs &&
            last >= r.firstNs - kMergeGapNs) {
            r.firstNs = std::min(r.firstNs, first);
            r.lastNs = std::max(r.lastNs, last);
            return;
        }
    }
    ranges.push_back({e.pid, e.procStartNs, first, last});
    ++m_ranges;
}

const FlowAttributor::Range *FlowAttributor::best(const std::vector<std::string> &tiers, int64_t firstNs,
                                                  int64_t lastNs) const
{
    for (const std::string &key : tiers) {
        auto it = m_byTuple.find(key);
        if (it == m_byTuple.end())
            continue;
        const Range *chosen = nullptr;
        int64_t chosenDistance = 0;
        for (const Range &r : it->second) {
            // 0 when the ranges overlap, else the gap between them.
            const int64_t distance = std::max<int64_t>({0, r.firstNs - lastNs, firstNs - r.lastNs});
            if (distance > kAttributionWindowNs)
                continue;
            if (!chosen || distance < chosenDistance ||
                (distance == chosenDistance && r.firstNs < chosen->firstNs)) {
                chosen = &r;
                chosenDistance = distance;
            }
        }
        if (chosen)
            return chosen;
    }
    return nullptr;
}

std::vector<std::string> FlowAttributor::initiatorKeys(const std::string &src, uint16_t sport, const std::string &dst,
                                                      uint16_t dport)
{
    // The initiator's socket: connected (exact), or sending from a wildcard address.
    return {tupleKey(src, sport, dst, dport), tupleKey(kWildcard, sport, dst, dport)};
}

std::vector<std::string> FlowAttributor::responderKeys(const std::string &src, uint16_t sport, const std::string &dst,
                                                      uint16_t dport)
{
    return {tupleKey(dst, dport, src, sport), tupleKey(kWildcard, dport, src, sport), tupleKey(dst, dport, "", 0),
            tupleKey(kWildcard, dport, "", 0)};
}

std::vector<std::string> FlowAttributor::lookupKeys(const Flow &flow)
{
    const std::string src = canonicalAddress(flow.src), dst = canonicalAddress(flow.dst);
    std::vector<std::string> keys = initiatorKeys(src, flow.sport, dst, flow.dport);
    for (std::string &key : responderKeys(src, flow.sport, dst, flow.dport))
        keys.push_back(std::move(key));
    return keys;
}

std::unordered_set<std::string> FlowAttributor::takeTouchedKeys()
{
    std::unordered_set<std::string> touched;
    touched.swap(m_touched);
    return touched;
}

bool FlowAttributor::attribute(Flow &flow) const
{
    if (m_byTuple.empty() || (flow.pid && flow.peerPid))
        return false;
    const std::string src = canonicalAddress(flow.src), dst = canonicalAddress(flow.dst);
    bool changed = false;
    if (!flow.pid) {
        const Range *r = best(initiatorKeys(src, flow.sport, dst, flow.dport), flow.firstNs, flow.lastNs);
        if (r) {
            flow.pid = r->pid;
            flow.procStartNs = r->startNs;
            changed = true;
        }
    }
    if (!flow.peerPid) {
        const Range *r = best(responderKeys(src, flow.sport, dst, flow.dport), flow.firstNs, flow.lastNs);
        // The same socket cannot be both ends (a flow to itself is the initiator's).
        if (r && !(r->pid == flow.pid && r->startNs == flow.procStartNs && src == dst && flow.sport == flow.dport)) {
            flow.peerPid = r->pid;
            flow.peerStartNs = r->startNs;
            changed = true;
        }
    }
    return changed;
}

void FlowAttributor::prune(int64_t olderThanNs)
{
    for (auto it = m_byTuple.begin(); it != m_byTuple.end();) {
        std::vector<Range> &ranges = it->second;
        const size_t before = ranges.size();
        ranges.erase(std::remove_if(ranges.begin(), ranges.end(),
                                    [olderThanNs](const Range &r) { return r.lastNs < olderThanNs; }),
                     ranges.end());
        m_ranges -= before - ranges.size();
        it = ranges.empty() ? m_byTuple.erase(it) : std::next(it);
    }
}

} // namespace provscope
