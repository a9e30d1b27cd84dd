#include "flow_attribution.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace provscope {
namespace {

// Events of one process on one 5-tuple closer than this extend one range: no more than
// the attribution window, so a range's distance to a flow stays that of its closest event
// within the window (a process quiet for 50 s between two events has no range over the gap).
constexpr int64_t kMergeGapNs = kAttributionWindowNs;

using Address = std::array<uint8_t, 16>;

// Numeric IPv4 ("1.2.3.4", stored as ::ffff:1.2.3.4) or IPv6 (a "%scope" suffix ignored).
bool parseAddress(const std::string &text, Address &out)
{
    out.fill(0);
    if (text.find(':') == std::string::npos) {
        in_addr v4{};
        if (inet_pton(AF_INET, text.c_str(), &v4) != 1)
            return false;
        out[10] = out[11] = 0xff;
        std::memcpy(&out[12], &v4, 4);
        return true;
    }
    in6_addr v6{};
    const size_t scope = text.find('%');
    const int parsed = scope == std::string::npos ? inet_pton(AF_INET6, text.c_str(), &v6)
                                                  : inet_pton(AF_INET6, text.substr(0, scope).c_str(), &v6);
    if (parsed != 1)
        return false;
    std::memcpy(out.data(), &v6, 16);
    return true;
}

// :: or 0.0.0.0 (bound to any address, or no peer).
bool isWildcard(const Address &a)
{
    static const Address any{}, anyV4{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
    return a == any || a == anyV4;
}

// 127.0.0.0/8, ::1 (IPv4 as ::ffff:a.b.c.d).
bool isLoopback(const Address &a)
{
    static const Address v6Loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const bool v4 = std::all_of(a.begin(), a.begin() + 10, [](uint8_t b) { return b == 0; }) && a[10] == 0xff &&
                    a[11] == 0xff;
    return a == v6Loopback || (v4 && a[12] == 127);
}

bool isInet(const std::string &address)
{
    return !address.empty() && address[0] != '/' && address[0] != '@';
}

TupleKey key(const Address *local, uint16_t localPort, const Address *remote, uint16_t remotePort)
{
    TupleKey k;
    if (local)
        k.local = *local;
    else
        k.kind |= TupleKey::kWildcardLocal;
    k.localPort = localPort;
    if (remote) {
        k.remote = *remote;
        k.remotePort = remotePort;
    } else {
        k.kind |= TupleKey::kNoPeer;
    }
    return k;
}

} // namespace

size_t TupleKeyHash::operator()(const TupleKey &k) const
{
    // FNV-1a over the key's bytes.
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](uint8_t byte) {
        h ^= byte;
        h *= 1099511628211ull;
    };
    for (uint8_t b : k.local)
        mix(b);
    for (uint8_t b : k.remote)
        mix(b);
    mix(uint8_t(k.localPort));
    mix(uint8_t(k.localPort >> 8));
    mix(uint8_t(k.remotePort));
    mix(uint8_t(k.remotePort >> 8));
    mix(k.kind);
    return size_t(h);
}

std::string FlowAttributor::canonicalAddress(const std::string &address)
{
    static const std::string mapped = "::ffff:";
    if (address.size() > mapped.size() && address.compare(0, mapped.size(), mapped) == 0 &&
        address.find('.') != std::string::npos)
        return address.substr(mapped.size());
    return address;
}

void FlowAttributor::addEvent(const Event &e)
{
    if (!e.lport || (!isInet(e.laddr) && !isInet(e.raddr)))
        return;
    if (!e.laddr.empty() && !isInet(e.laddr))
        return;
    Address local{}, remote{};
    if (!e.laddr.empty() && !parseAddress(e.laddr, local))
        return;
    const bool anyLocal = e.laddr.empty() || isWildcard(local);
    if (!anyLocal)
        m_localAddresses.insert(local);
    // A socket that does not name its peer (unconnected UDP): keyed by its local side only.
    bool peerless = e.rport == 0 || e.raddr.empty();
    if (!peerless) {
        if (!parseAddress(e.raddr, remote))
            return;
        peerless = isWildcard(remote);
    }
    const TupleKey k = key(anyLocal ? nullptr : &local, e.lport, peerless ? nullptr : &remote, e.rport);
    const int64_t first = int64_t(e.tsNs);
    const int64_t last = std::max(first, int64_t(e.lastTsNs));
    ++m_eventsAdded;
    m_latestNs = std::max(m_latestNs, last);
    m_touched.insert(k);
    std::vector<Range> &ranges = m_byTuple[k];
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

const FlowAttributor::Range *FlowAttributor::best(const TupleKey *keys, size_t count, int64_t firstNs,
                                                  int64_t lastNs) const
{
    for (size_t i = 0; i < count; ++i) {
        auto it = m_byTuple.find(keys[i]);
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

std::vector<TupleKey> FlowAttributor::lookupKeys(const Flow &flow)
{
    Address src{}, dst{};
    if (!parseAddress(flow.src, src) || !parseAddress(flow.dst, dst))
        return {};
    return {
        // The initiator's socket: connected (exact), or sending from a wildcard address.
        key(&src, flow.sport, &dst, flow.dport),
        key(nullptr, flow.sport, &dst, flow.dport),
        // The responder's: connected, on a wildcard address, or without a peer (UDP).
        key(&dst, flow.dport, &src, flow.sport),
        key(nullptr, flow.dport, &src, flow.sport),
        key(&dst, flow.dport, nullptr, 0),
        key(nullptr, flow.dport, nullptr, 0),
    };
}

TupleKeySet FlowAttributor::takeTouchedKeys()
{
    TupleKeySet touched;
    touched.swap(m_touched);
    return touched;
}

bool FlowAttributor::attribute(Flow &flow) const
{
    if (m_byTuple.empty() || (flow.pid && flow.peerPid))
        return false;
    const std::vector<TupleKey> keys = lookupKeys(flow);
    if (keys.empty())
        return false;
    bool changed = false;
    if (!flow.pid) {
        if (const Range *r = best(keys.data(), 2, flow.firstNs, flow.lastNs)) {
            flow.pid = r->pid;
            flow.procStartNs = r->startNs;
            changed = true;
        }
    }
    if (!flow.peerPid) {
        // A socket seen without its peer or on a wildcard address is the responder only
        // where that is plausible: a socket without a peer only for UDP (a TCP flow always
        // has a connected socket on each end: a listening socket's bind is not the flow's),
        // a wildcard address only when dst is this host's (loopback, or some socket's local
        // address). Events carry no protocol, so a peer-less UDP socket and a TCP listener
        // on the same port look alike: that is why the flow's protocol decides. A fully
        // named 5-tuple still matches across protocols (nothing in an event tells them apart).
        const bool dstLocal = isLoopback(keys[2].local) || m_localAddresses.count(keys[2].local);
        const bool udp = flow.proto == kProtoUdp;
        TupleKey responder[4];
        size_t count = 0;
        responder[count++] = keys[2];
        if (dstLocal)
            responder[count++] = keys[3];
        if (udp)
            responder[count++] = keys[4];
        if (udp && dstLocal)
            responder[count++] = keys[5];
        const Range *r = best(responder, count, flow.firstNs, flow.lastNs);
        // The same socket cannot be both ends (a flow to itself is the initiator's).
        const bool toItself = keys[0].local == keys[0].remote && flow.sport == flow.dport;
        if (r && !(toItself && r->pid == flow.pid && r->startNs == flow.procStartNs)) {
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

size_t AddressHash::operator()(const std::array<uint8_t, 16> &a) const
{
    uint64_t h = 1469598103934665603ull;
    for (uint8_t b : a) {
        h ^= b;
        h *= 1099511628211ull;
    }
    return size_t(h);
}

} // namespace provscope
