#include "cpr_reduction.h"

#include <algorithm>

namespace provscope {

namespace {

// The latest te among a node's edges (in or out) whose merged interval starts
// before the current time. Edges starting exactly at the current time cannot
// block (see the header), so they wait in atNowTe until time moves on. Times
// only grow, so each node is brought up to date lazily.
struct LatestEnd {
    uint64_t nowNs = 0;
    uint64_t beforeTe = 0; // max te of edges with ts < nowNs (0: none can block)
    uint64_t atNowTe = 0;  // max te of edges with ts == nowNs

    void advance(uint64_t now)
    {
        if (now > nowNs) {
            beforeTe = std::max(beforeTe, atNowTe);
            atNowTe = 0;
            nowNs = now;
        }
    }
    // An edge spanning [tsNs, teNs], tsNs <= now.
    void add(uint64_t now, uint64_t tsNs, uint64_t teNs)
    {
        advance(now);
        if (tsNs < nowNs)
            beforeTe = std::max(beforeTe, teNs);
        else
            atNowTe = std::max(atNowTe, teNs);
    }
    // Is there an edge with ts < now and te > afterNs?
    bool endsAfter(uint64_t now, uint64_t afterNs)
    {
        advance(now);
        return beforeTe > afterNs;
    }
};

// (from, to, type) -> index of its last kept edge: open addressing over one
// array, since a node-based map costs an allocation per distinct edge. Grows
// by doubling at half load.
class LastKeptTable {
public:
    static constexpr uint32_t npos = static_cast<uint32_t>(-1);
    LastKeptTable() { m_slots.assign(1024, Slot{}); m_mask = 1023; }
    // The slot of key, empty (index == npos) when the key is new; valid until the next find().
    uint32_t &find(uint64_t key)
    {
        if ((m_used + 1) * 2 > m_slots.size())
            grow();
        for (size_t i = hash(key) & m_mask;; i = (i + 1) & m_mask) {
            Slot &slot = m_slots[i];
            if (slot.index == npos) {
                slot.key = key;
                ++m_used; // counted when claimed: the caller always fills it
                return slot.index;
            }
            if (slot.key == key)
                return slot.index;
        }
    }

private:
    struct Slot {
        uint64_t key = 0;
        uint32_t index = npos;
    };
    static size_t hash(uint64_t h)
    {
        h ^= h >> 31;
        h *= 0xbf58476d1ce4e5b9ULL; // splitmix64 finaliser: node ids are small and dense
        h ^= h >> 29;
        return static_cast<size_t>(h);
    }
    void grow()
    {
        std::vector<Slot> old(m_slots.size() * 2);
        old.swap(m_slots);
        m_mask = m_slots.size() - 1;
        for (const Slot &slot : old) {
            if (slot.index == npos)
                continue;
            size_t i = hash(slot.key) & m_mask;
            while (m_slots[i].index != npos)
                i = (i + 1) & m_mask;
            m_slots[i] = slot;
        }
    }
    std::vector<Slot> m_slots;
    size_t m_mask = 0;
    size_t m_used = 0;
};

} // namespace

struct CprReducer::Impl {
    using Interval = std::pair<uint64_t, uint64_t>;
    size_t nodes = 0;
    std::vector<LatestEnd> inEnds, outEnds;
    LastKeptTable lastKept;
    std::vector<Interval> kept;
};

CprReducer::CprReducer(int nodeCount) : m_impl(new Impl)
{
    m_impl->nodes = static_cast<size_t>(std::max(nodeCount, 0));
    m_impl->inEnds.resize(m_impl->nodes);
    m_impl->outEnds.resize(m_impl->nodes);
}

CprReducer::~CprReducer() { delete m_impl; }

size_t CprReducer::keptCount() const { return m_impl->kept.size(); }
uint64_t CprReducer::keptTs(size_t kept) const { return m_impl->kept[kept].first; }
uint64_t CprReducer::keptTe(size_t kept) const { return m_impl->kept[kept].second; }

std::vector<std::pair<uint64_t, uint64_t>> CprReducer::takeKept()
{
    std::vector<std::pair<uint64_t, uint64_t>> kept = std::move(m_impl->kept);
    const size_t nodes = m_impl->nodes;
    delete m_impl;
    m_impl = new Impl;
    m_impl->nodes = nodes;
    m_impl->inEnds.resize(nodes);
    m_impl->outEnds.resize(nodes);
    return kept;
}

size_t CprReducer::add(int from, int to, EdgeType type, uint64_t tsNs, uint64_t teNs, bool followed)
{
    Impl &d = *m_impl;
    teNs = std::max(teNs, tsNs);
    const uint64_t now = tsNs;
    if (from < 0 || to < 0 || static_cast<size_t>(from) >= d.nodes || static_cast<size_t>(to) >= d.nodes
        || from >= (1 << 28) || to >= (1 << 28)) {
        d.kept.push_back({tsNs, teNs}); // passed through unmerged, blocks nothing
        return d.kept.size() - 1;
    }
    LatestEnd &intoSource = d.inEnds[static_cast<size_t>(from)];
    LatestEnd &outOfTarget = d.outEnds[static_cast<size_t>(to)];
    // Keys pack into 64 bits: 28 bits per node (268M nodes), 8 for the type.
    uint32_t &last = d.lastKept.find((static_cast<uint64_t>(from) << 36) | (static_cast<uint64_t>(to) << 8)
                                     | static_cast<uint64_t>(type));
    if (last != LastKeptTable::npos) {
        Impl::Interval &kept = d.kept[last];
        const bool blocked = kept.second < now
                             && (intoSource.endsAfter(now, kept.second) || outOfTarget.endsAfter(now, kept.second));
        if (!blocked) {
            kept.second = std::max(kept.second, teNs);
            if (followed) {
                d.outEnds[static_cast<size_t>(from)].add(now, kept.first, kept.second);
                d.inEnds[static_cast<size_t>(to)].add(now, kept.first, kept.second);
            }
            return last;
        }
    }
    last = static_cast<uint32_t>(d.kept.size());
    if (followed) {
        d.outEnds[static_cast<size_t>(from)].add(now, tsNs, teNs);
        d.inEnds[static_cast<size_t>(to)].add(now, tsNs, teNs);
    }
    d.kept.push_back({tsNs, teNs});
    return d.kept.size() - 1;
}

CprResult reduceCausalityPreserving(int nodeCount, std::vector<GraphEdge> edges, bool flowsOnly)
{
    CprResult result;
    result.edgesIn = edges.size();
    if (edges.empty())
        return result;

    const bool sorted = std::is_sorted(edges.begin(), edges.end(),
                                       [](const GraphEdge &a, const GraphEdge &b) { return a.tsNs < b.tsNs; });
    if (!sorted)
        std::stable_sort(edges.begin(), edges.end(),
                         [](const GraphEdge &a, const GraphEdge &b) { return a.tsNs < b.tsNs; });

    CprReducer reducer(nodeCount);
    std::vector<GraphEdge> &out = result.edges;
    out.reserve(edges.size());
    for (GraphEdge &e : edges) {
        e.teNs = std::max(e.teNs, e.tsNs);
        const size_t into = reducer.add(e.from, e.to, e.type, e.tsNs, e.teNs, !flowsOnly || isFlowEdge(e.type));
        if (into == out.size()) {
            out.push_back(std::move(e));
            continue;
        }
        GraphEdge &kept = out[into];
        kept.teNs = reducer.keptTe(into);
        kept.count += e.count;
        kept.bytes += e.bytes;
        kept.eventIds.insert(kept.eventIds.end(), e.eventIds.begin(), e.eventIds.end());
    }
    out.shrink_to_fit();
    return result;
}

} // namespace provscope
