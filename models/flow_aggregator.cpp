// FlowAggregator: one hash table of bidirectional 5-tuples (the key puts the smaller
// address:port first), an intrusive list of the open flows in order of their last packet
// (idle flows are at its head, the ones a flush must re-send at its tail), FIFOs of
// ended flows waiting out closeLinger and TIME_WAIT. Every step is O(1) per packet or per flow handed
// out, so an import of millions of packets never scans the table. A small side table
// counts fragmented datagrams once, when complete (see packet_decoder.h).
#include "flow_aggregator.h"

#include "dns_label_map.h"
#include "dns_message.h"
#include "packet_decoder.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace provscope {
namespace {

struct FlowKey {
    uint8_t a[16];
    uint8_t b[16];
    uint16_t portA, portB;
    uint8_t proto, family;
    uint8_t pad[2];

    bool operator==(const FlowKey &o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
};
static_assert(sizeof(FlowKey) == 40);

// Fragments of one IP datagram (RFC 791: addresses, protocol, id; IPv6: addresses, id).
struct FragmentKey {
    uint8_t src[16];
    uint8_t dst[16];
    uint32_t id;
    uint8_t family, proto;
    uint8_t pad[2];

    bool operator==(const FragmentKey &o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
};
static_assert(sizeof(FragmentKey) == 40);

struct FragmentState {
    int64_t firstEpoch = 0;
    std::vector<std::pair<uint32_t, uint32_t>> covered; // payload ranges seen, sorted, merged
    int64_t total = -1;    // known once the last fragment (no MF) is seen
    bool haveFirst = false;
    uint8_t proto = 0, tcpFlags = 0;
    uint16_t sport = 0, dport = 0;
};
constexpr int64_t kFragmentTimeoutNs = 30'000'000'000; // Linux ipfrag_time
constexpr size_t kMaxFragmentedDatagrams = 65536;
constexpr size_t kMaxFragmentGaps = 64; // more holes than any honest datagram: dropped

// Adds [begin, end) to the sorted, merged ranges (a duplicate fragment adds nothing).
void cover(std::vector<std::pair<uint32_t, uint32_t>> &ranges, uint32_t begin, uint32_t end)
{
    if (begin >= end)
        return;
    auto it = std::lower_bound(ranges.begin(), ranges.end(), std::make_pair(begin, begin));
    if (it != ranges.begin() && std::prev(it)->second >= begin)
        --it;
    auto last = it;
    while (last != ranges.end() && last->first <= end) {
        begin = std::min(begin, last->first);
        end = std::max(end, last->second);
        ++last;
    }
    it = ranges.erase(it, last);
    ranges.insert(it, {begin, end});
}

struct Key40Hash {
    template <class K>
    size_t operator()(const K &k) const
    {
        static_assert(sizeof(K) == 40);
        uint64_t w[5];
        std::memcpy(w, &k, sizeof w);
        uint64_t h = 0x9e3779b97f4a7c15ull;
        for (uint64_t x : w) {
            h ^= x;
            h *= 0xff51afd7ed558ccdull;
            h ^= h >> 32;
        }
        return size_t(h);
    }
};

struct Entry {
    uint64_t id = 0;
    int64_t firstEpoch = 0, lastEpoch = 0, endEpoch = 0;
    uint64_t packets[2] = {}, bytes[2] = {}; // [0]: initiator -> responder
    uint8_t tcpFlags = 0;
    uint8_t finMask = 0;       // bit d: direction d sent a FIN
    bool initiatorIsA = true;
    bool ended = false;
    bool dirty = false;        // changed since it was last handed out
    bool inSynList = false;
    bool handedOut = false;    // ended, handed out, unchanged since
    bool haveSynSeq = false;
    uint32_t synSeq = 0;       // its first SYN's sequence number (a retransmission repeats it)
    uint16_t interfaceIndex = 0;
    Entry *prev = nullptr, *next = nullptr; // open-flow list, oldest activity first
    Entry *synPrev = nullptr, *synNext = nullptr; // open TCP flows that only sent SYNs, likewise
    const FlowKey *key = nullptr;
};

struct EndedRef {
    FlowKey key;
    uint64_t id;
    int64_t deadline; // handed out after endEpoch + closeLinger, forgotten after + kTimeWait
};
// An ended TCP flow's key is kept this long (like TIME_WAIT): a late FIN or ACK (a
// retransmission after the linger) still counts in it and the flow is handed out again
// (the same key: the store keeps the last version); a SYN with a new sequence number starts
// a new flow at once. At most maxOpenFlows ended keys are kept.
constexpr int64_t kTimeWaitNs = 60'000'000'000;

// A TCP flow that only sent SYNs, unanswered (a scan, a flood), ends after this: past
// Linux's longest SYN retry gap (32 s, tcp_syn_retries 6), so a patient connect stays one flow.
constexpr int64_t kSynOnlyTimeoutNs = 40'000'000'000;
// Flows ended by inactivity or eviction: who initiated them, so a connection that goes
// on without a SYN keeps its direction.
constexpr size_t kRememberedOrientations = 65536;


} // namespace

struct FlowAggregator::Impl {
    FlowAggregatorOptions options;
    FlowAggregatorStats stats;
    uint64_t nextId = 1;
    std::unordered_map<FlowKey, Entry, Key40Hash> table;
    std::unordered_map<FragmentKey, FragmentState, Key40Hash> fragments;
    int64_t nextFragmentExpiry = std::numeric_limits<int64_t>::min();
    Entry *head = nullptr, *tail = nullptr;
    std::deque<EndedRef> endedQueue;    // ended flows to hand out once closeLinger is over
    std::deque<EndedRef> timeWaitQueue; // ended flows to forget after kTimeWait
    Entry *synHead = nullptr, *synTail = nullptr;
    size_t openCount = 0; // entries in the open-flow list
    std::unordered_map<FlowKey, bool, Key40Hash> orientation; // key -> initiatorIsA
    std::deque<FlowKey> orientationOrder;
    std::vector<Flow> pending;        // ended flows replaced by a new one in addFrame
    std::vector<DnsRecord> dns;
    DnsLabelMap labels; // address -> names answered for it
    std::vector<std::string> interfaces{std::string()};
    uint16_t lastInterface = 0;
    int64_t nextFlushEpoch = std::numeric_limits<int64_t>::min();
    DecodedPacket packet;

    void unlink(Entry &e)
    {
        (e.prev ? e.prev->next : head) = e.next;
        (e.next ? e.next->prev : tail) = e.prev;
        e.prev = e.next = nullptr;
        --openCount;
    }
    void append(Entry &e)
    {
        e.prev = tail;
        e.next = nullptr;
        (tail ? tail->next : head) = &e;
        tail = &e;
        ++openCount;
    }
    bool linked(const Entry &e) const { return e.prev || e.next || head == &e; }
    void synUnlink(Entry &e)
    {
        if (!e.inSynList)
            return;
        (e.synPrev ? e.synPrev->synNext : synHead) = e.synNext;
        (e.synNext ? e.synNext->synPrev : synTail) = e.synPrev;
        e.synPrev = e.synNext = nullptr;
        e.inSynList = false;
    }
    void synAppend(Entry &e)
    {
        e.synPrev = synTail;
        e.synNext = nullptr;
        (synTail ? synTail->synNext : synHead) = &e;
        synTail = &e;
        e.inSynList = true;
    }

    uint16_t interfaceIndex(const std::string &name)
    {
        if (interfaces[lastInterface] == name)
            return lastInterface;
        auto it = std::find(interfaces.begin(), interfaces.end(), name);
        if (it == interfaces.end() && interfaces.size() < std::numeric_limits<uint16_t>::max())
            it = interfaces.insert(interfaces.end(), name);
        lastInterface = it == interfaces.end() ? 0 : uint16_t(it - interfaces.begin());
        return lastInterface;
    }

    Flow materialize(const Entry &e, bool ended) const
    {
        const FlowKey &k = *e.key;
        Flow f;
        f.key = e.id;
        f.proto = k.proto;
        f.src = addressText(k.family, e.initiatorIsA ? k.a : k.b);
        f.dst = addressText(k.family, e.initiatorIsA ? k.b : k.a);
        f.sport = e.initiatorIsA ? k.portA : k.portB;
        f.dport = e.initiatorIsA ? k.portB : k.portA;
        f.packetsOut = e.packets[0];
        f.bytesOut = e.bytes[0];
        f.packetsIn = e.packets[1];
        f.bytesIn = e.bytes[1];
        f.tcpFlags = e.tcpFlags;
        f.firstNs = e.firstEpoch - options.bootToEpochNs;
        f.lastNs = e.lastEpoch - options.bootToEpochNs;
        f.ended = ended;
        f.interfaceName = interfaces[e.interfaceIndex];
        // The answer before the flow began (a CDN address changes names often); else one during it.
        f.dnsName = labels.label(f.dst, e.firstEpoch, e.lastEpoch);
        return f;
    }

    void rememberOrientation(const Entry &e)
    {
        auto [it, inserted] = orientation.insert_or_assign(*e.key, e.initiatorIsA);
        if (!inserted)
            return;
        orientationOrder.push_back(it->first);
        if (orientationOrder.size() > kRememberedOrientations) {
            orientation.erase(orientationOrder.front());
            orientationOrder.pop_front();
        }
    }

    // Who opened a flow whose first packet we see: the SYN's sender; the SYN-ACK's receiver
    // (the SYN was missed); a key that timed out before: as then; TCP caught mid-stream: the
    // side without the well-known (< 1024), else without the lower, port; UDP: the sender.
    bool initiatorIsA(const FlowKey &key, bool senderIsA, const DecodedPacket &p)
    {
        const bool tcp = p.proto == kProtoTcp;
        if (tcp && (p.tcpFlags & kTcpSyn))
            return (p.tcpFlags & kTcpAck) ? !senderIsA : senderIsA;
        if (auto it = orientation.find(key); it != orientation.end())
            return it->second;
        if (!tcp || p.sport == p.dport)
            return senderIsA;
        const bool senderWellKnown = p.sport < 1024, receiverWellKnown = p.dport < 1024;
        const bool senderIsServer = senderWellKnown != receiverWellKnown ? senderWellKnown : p.sport < p.dport;
        return senderIsServer ? !senderIsA : senderIsA;
    }

    void start(Entry &e, const FlowKey &key, bool senderIsA, const DecodedPacket &p, int64_t epochNs, uint16_t iface)
    {
        e = Entry{};
        e.id = nextId++;
        e.firstEpoch = e.lastEpoch = epochNs;
        e.initiatorIsA = initiatorIsA(key, senderIsA, p);
        e.interfaceIndex = iface;
        e.key = &key; // the table node's own key
        if (p.proto == kProtoTcp && (p.tcpFlags & (kTcpSyn | kTcpAck)) == kTcpSyn) {
            e.haveSynSeq = true;
            e.synSeq = p.tcpSeq;
        }
    }

    // Ends an open flow now (idle, unanswered SYNs, evicted): handed out, then forgotten.
    void dropOpen(Entry &e, std::vector<Flow> &out, bool remember)
    {
        out.push_back(materialize(e, true));
        if (remember)
            rememberOrientation(e);
        synUnlink(e);
        unlink(e);
        table.erase(table.find(*e.key)); // by iterator: the key lives in the node
    }

    static bool onlySyns(const Entry &e) { return e.packets[1] == 0 && !(e.tcpFlags & ~(kTcpSyn | 0xc0)); } // ECE/CWR may ride on a SYN

    void endFlow(Entry &e, int64_t epochNs)
    {
        e.ended = true;
        e.endEpoch = epochNs;
        synUnlink(e);
        if (linked(e))
            unlink(e);
        endedQueue.push_back({*e.key, e.id, epochNs + options.closeLingerNs});
        timeWaitQueue.push_back({*e.key, e.id, epochNs + std::max(kTimeWaitNs, options.closeLingerNs)});
    }

    void countPacket(const DecodedPacket &p, int64_t epochNs, uint32_t wireLength, const std::string &interfaceName)
    {
        FlowKey key;
        std::memset(&key, 0, sizeof key);
        const size_t addressLength = p.family == 6 ? 16 : 4;
        const int order = std::memcmp(p.src, p.dst, addressLength);
        const bool senderIsA = order < 0 || (order == 0 && p.sport <= p.dport);
        std::memcpy(key.a, senderIsA ? p.src : p.dst, addressLength);
        std::memcpy(key.b, senderIsA ? p.dst : p.src, addressLength);
        key.portA = senderIsA ? p.sport : p.dport;
        key.portB = senderIsA ? p.dport : p.sport;
        key.proto = p.proto;
        key.family = p.family;

        auto [it, inserted] = table.try_emplace(key);
        Entry &e = it->second;
        if (!inserted) {
            // A SYN with a new sequence number after a FIN or RST: the port is reused.
            const bool newSyn = p.proto == kProtoTcp && (p.tcpFlags & (kTcpSyn | kTcpAck)) == kTcpSyn
                && (e.ended || e.finMask) && !(e.haveSynSeq && p.tcpSeq == e.synSeq);
            const bool restart = newSyn
                || (e.ended ? epochNs > e.endEpoch + std::max(kTimeWaitNs, options.closeLingerNs)
                            : epochNs - e.lastEpoch > options.inactivityTimeoutNs);
            if (restart) {
                // The old flow is complete (its stale queue entries are skipped by id).
                if (!e.handedOut)
                    pending.push_back(materialize(e, true));
                synUnlink(e);
                if (linked(e)) {
                    rememberOrientation(e); // an inactivity timeout: the connection may go on
                    unlink(e);
                }
                inserted = true;
            }
        }
        if (inserted) {
            start(e, it->first, senderIsA, p, epochNs, interfaceIndex(interfaceName));
            if (options.maxOpenFlows && openCount >= options.maxOpenFlows && head) {
                ++stats.evictedFlows; // the least recently active one makes room
                dropOpen(*head, pending, true);
            }
        }
        const int d = senderIsA == e.initiatorIsA ? 0 : 1;
        ++e.packets[d];
        e.bytes[d] += wireLength;
        e.tcpFlags |= p.tcpFlags;
        e.firstEpoch = std::min(e.firstEpoch, epochNs);
        e.lastEpoch = std::max(e.lastEpoch, epochNs);
        if (e.ended) { // a late ACK or retransmission
            if (e.handedOut) { // hand it out again, its counts changed
                e.handedOut = false;
                endedQueue.push_back({*e.key, e.id, epochNs + options.closeLingerNs});
            }
            return;
        }
        if (p.proto == kProtoTcp) {
            if (p.tcpFlags & kTcpFin)
                e.finMask |= uint8_t(1 << d);
            if ((p.tcpFlags & kTcpRst) || e.finMask == 3) {
                endFlow(e, epochNs);
                return;
            }
        }
        e.dirty = true;
        if (e.next || !linked(e)) { // move to the tail: the most recently active
            if (linked(e))
                unlink(e);
            append(e);
        }
        if (p.proto == kProtoTcp) {
            synUnlink(e);
            if (onlySyns(e))
                synAppend(e);
        }
    }

    // A fragment (at offset 0 it carries the ports). True when it completes its datagram:
    // then p holds the datagram's ports and flags and counts as one packet, as tshark's
    // reassembly counts it (this frame's length and time).
    bool reassemble(DecodedPacket &p, int64_t epochNs)
    {
        FragmentKey key;
        std::memset(&key, 0, sizeof key);
        const size_t addressLength = p.family == 6 ? 16 : 4;
        std::memcpy(key.src, p.src, addressLength);
        std::memcpy(key.dst, p.dst, addressLength);
        key.id = p.fragmentId;
        key.family = p.family;
        key.proto = p.family == 4 ? p.proto : 0; // an IPv6 later fragment does not say
        auto it = fragments.find(key);
        if (it == fragments.end()) {
            if (fragments.size() >= kMaxFragmentedDatagrams)
                return false; // a fragment flood: these datagrams are not counted
            it = fragments.emplace(key, FragmentState{}).first;
            it->second.firstEpoch = epochNs;
        }
        FragmentState &st = it->second;
        cover(st.covered, p.fragmentOffset, p.fragmentOffset + p.fragmentLength);
        if (st.covered.size() > kMaxFragmentGaps) {
            fragments.erase(it);
            return false;
        }
        if (!p.moreFragments)
            st.total = int64_t(p.fragmentOffset) + p.fragmentLength;
        if (p.kind == DecodedPacket::Kind::Flow) {
            st.haveFirst = true;
            st.proto = p.proto;
            st.tcpFlags = p.tcpFlags;
            st.sport = p.sport;
            st.dport = p.dport;
        }
        // Complete once one range covers the whole payload (duplicates do not complete it).
        if (!st.haveFirst || st.total < 0 || st.covered.size() != 1 || st.covered[0].first != 0
            || int64_t(st.covered[0].second) < st.total)
            return false;
        p.proto = st.proto;
        p.tcpFlags = st.tcpFlags;
        p.sport = st.sport;
        p.dport = st.dport;
        fragments.erase(it);
        return true;
    }

    void expireFragments(int64_t nowEpochNs)
    {
        if (fragments.empty() || nowEpochNs < nextFragmentExpiry)
            return;
        for (auto it = fragments.begin(); it != fragments.end();)
            it = nowEpochNs - it->second.firstEpoch > kFragmentTimeoutNs ? fragments.erase(it) : std::next(it);
        nextFragmentExpiry = nowEpochNs + kFragmentTimeoutNs / 10;
    }

    void parseDns(const DecodedPacket &p, const uint8_t *payload, uint32_t length, int64_t epochNs)
    {
        if (length < 3 || !(payload[2] & 0x80))
            return; // a query (or nothing): only answers tell names
        Result<DnsMessage> message = parseDnsResponse(payload, length);
        if (!message) {
            ++stats.malformedDns;
            return;
        }
        ++stats.dnsResponses;
        const std::string server = p.srcText();
        // All names first: the loop below moves the answers' names out.
        std::vector<std::string> queryNames = message->queryNames();
        for (size_t i = 0; i < message->answers.size(); ++i) {
            DnsAnswer &a = message->answers[i];
            DnsRecord r;
            r.tsNs = epochNs - options.bootToEpochNs;
            r.queryName = std::move(queryNames[i]);
            r.name = std::move(a.name);
            r.type = a.type;
            r.value = std::move(a.value);
            r.ttl = a.ttl;
            r.server = server;
            if (r.type != kDnsTypeCname && !r.queryName.empty())
                labels.add(r.value, r.queryName, epochNs);
            dns.push_back(std::move(r));
        }
    }
};

FlowAggregator::FlowAggregator(FlowAggregatorOptions options) : m_impl(std::make_unique<Impl>())
{
    m_impl->options = options;
    m_impl->nextId = options.firstKey;
    m_impl->table.reserve(1 << 16);
}

FlowAggregator::~FlowAggregator() = default;

void FlowAggregator::addFrame(int linkType, int64_t epochNs, const uint8_t *data, uint32_t capturedLength,
                              uint32_t wireLength, const std::string &interfaceName)
{
    Impl &m = *m_impl;
    ++m.stats.frames;
    if (m.nextFlushEpoch == std::numeric_limits<int64_t>::min())
        m.nextFlushEpoch = epochNs + m.options.flushIntervalNs;
    DecodedPacket &p = m.packet;
    switch (decodePacket(linkType, data, capturedLength, p)) {
    case DecodedPacket::Kind::Malformed:
        ++m.stats.malformedFrames;
        if (m.stats.firstMalformed.empty())
            m.stats.firstMalformed = "frame " + std::to_string(m.stats.frames) + ": " + p.reason;
        return;
    case DecodedPacket::Kind::Other:
        ++m.stats.otherFrames;
        return;
    case DecodedPacket::Kind::Fragment:
    case DecodedPacket::Kind::Flow:
        break;
    }
    // DNS before reassembly: a first fragment's answers count (as far as they were captured).
    if (p.kind == DecodedPacket::Kind::Flow && (p.sport == 53 || p.dport == 53)) {
        if (p.proto == kProtoUdp)
            m.parseDns(p, p.payload, p.payloadLength, epochNs);
        // DNS over TCP: a segment that holds one whole length-prefixed message (most
        // answers); a message spread over segments is not reassembled.
        else if (p.payloadLength >= 2 && uint32_t(p.payload[0] << 8 | p.payload[1]) + 2 == p.payloadWireLength)
            m.parseDns(p, p.payload + 2, p.payloadLength - 2, epochNs);
    }
    if (p.fragment && !m.reassemble(p, epochNs)) {
        ++m.stats.otherFrames; // a fragment of a datagram not complete yet: in no flow (as in tshark)
        return;
    }
    ++m.stats.flowPackets;
    m.countPacket(p, epochNs, std::max(wireLength, capturedLength), interfaceName);
}

void FlowAggregator::collect(int64_t nowEpochNs, std::vector<Flow> &flows, std::vector<DnsRecord> &dnsRecords)
{
    Impl &m = *m_impl;
    for (Flow &f : m.pending)
        flows.push_back(std::move(f));
    m.pending.clear();
    // Ended flows whose linger is over.
    while (!m.endedQueue.empty() && m.endedQueue.front().deadline < nowEpochNs) {
        const EndedRef ref = m.endedQueue.front();
        m.endedQueue.pop_front();
        auto it = m.table.find(ref.key);
        if (it == m.table.end() || it->second.id != ref.id || !it->second.ended || it->second.handedOut)
            continue; // replaced by a newer flow on the same 5-tuple, or handed out already
        flows.push_back(m.materialize(it->second, true));
        it->second.handedOut = true;
    }
    // Ended flows past their TIME_WAIT (or too many of them): forgotten.
    const size_t maxTimeWait = m.options.maxOpenFlows ? m.options.maxOpenFlows : std::numeric_limits<size_t>::max();
    while (!m.timeWaitQueue.empty() && (m.timeWaitQueue.front().deadline < nowEpochNs || m.timeWaitQueue.size() > maxTimeWait)) {
        const EndedRef ref = m.timeWaitQueue.front();
        m.timeWaitQueue.pop_front();
        auto it = m.table.find(ref.key);
        if (it == m.table.end() || it->second.id != ref.id || !it->second.ended)
            continue;
        if (!it->second.handedOut)
            flows.push_back(m.materialize(it->second, true));
        m.table.erase(it);
    }
    // Idle flows: the list is ordered by last activity, so they are at its head.
    while (m.head && nowEpochNs - m.head->lastEpoch > m.options.inactivityTimeoutNs)
        m.dropOpen(*m.head, flows, true);
    // Unanswered SYNs: their own list, in order of the last SYN.
    while (m.synHead && nowEpochNs - m.synHead->lastEpoch > kSynOnlyTimeoutNs)
        m.dropOpen(*m.synHead, flows, false);
    // Periodic flush: the flows changed since the last one form the list's tail.
    if (m.options.flushIntervalNs > 0 && nowEpochNs >= m.nextFlushEpoch) {
        for (Entry *e = m.tail; e && e->dirty; e = e->prev) {
            flows.push_back(m.materialize(*e, false));
            e->dirty = false;
        }
        m.nextFlushEpoch = nowEpochNs + m.options.flushIntervalNs;
    }
    m.expireFragments(nowEpochNs);
    for (DnsRecord &r : m.dns)
        dnsRecords.push_back(std::move(r));
    m.dns.clear();
}

void FlowAggregator::finish(std::vector<Flow> &flows, std::vector<DnsRecord> &dnsRecords)
{
    Impl &m = *m_impl;
    for (Flow &f : m.pending)
        flows.push_back(std::move(f));
    m.pending.clear();
    const size_t first = flows.size();
    for (const auto &[key, e] : m.table)
        if (!e.handedOut)
            flows.push_back(m.materialize(e, e.ended));
    std::sort(flows.begin() + ptrdiff_t(first), flows.end(), [](const Flow &x, const Flow &y) { return x.key < y.key; });
    m.table.clear();
    m.endedQueue.clear();
    m.timeWaitQueue.clear();
    m.synHead = m.synTail = nullptr;
    m.fragments.clear();
    m.head = m.tail = nullptr;
    m.openCount = 0;
    for (DnsRecord &r : m.dns)
        dnsRecords.push_back(std::move(r));
    m.dns.clear();
}

const FlowAggregatorStats &FlowAggregator::stats() const { return m_impl->stats; }

// Flows not ended yet (ended ones waiting out closeLinger or TIME_WAIT are not counted).
size_t FlowAggregator::openFlows() const { return m_impl->openCount; }

} // namespace provscope
