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
// array, since a node-based map costs an allocation per distinct edge.
class LastKeptTable {
public:
    explicit LastKeptTable(size_t keys)
    {
        size_t capacity = 16;
        while (capacity < keys * 2)
            capacity *= 2;
        m_slots.assign(capacity, Slot{});
        m_mask = capacity - 1;
    }
    // The slot of key, empty (index == npos) when the key is new.
    size_t &find(uint64_t key)
    {
        uint64_t h = key;
        h ^= h >> 31;
        h *= 0xbf58476d1ce4e5b9ULL; // splitmix64 finaliser: node ids are small and dense
        h ^= h >> 29;
        for (size_t i = static_cast<size_t>(h) & m_mask;; i = (i + 1) & m_mask) {
            Slot &slot = m_slots[i];
            if (slot.index == npos) {
                slot.key = key;
                return slot.index;
            }
            if (slot.key == key)
                return slot.index;
        }
    }
    static constexpr size_t npos = static_cast<size_t>(-1);

private:
    struct Slot {
        uint64_t key = 0;
        size_t index = npos;
    };
    std::vector<Slot> m_slots;
    size_t m_mask = 0;
};

} // namespace

CprResult reduceCausalityPreserving(int nodeCount, std::vector<GraphEdge> edges)
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

    const size_t nodes = static_cast<size_t>(std::max(nodeCount, 0));
    std::vector<LatestEnd> inEnds(nodes), outEnds(nodes);
    // Keys pack into 64 bits: 28 bits per node (268M nodes), 8 for the type.
    LastKeptTable lastKept(edges.size());
    std::vector<GraphEdge> &out = result.edges;
    out.reserve(edges.size());

    for (GraphEdge &e : edges) {
        e.teNs = std::max(e.teNs, e.tsNs);
        const uint64_t now = e.tsNs;
        if (e.from < 0 || e.to < 0 || static_cast<size_t>(e.from) >= nodes || static_cast<size_t>(e.to) >= nodes
            || e.from >= (1 << 28) || e.to >= (1 << 28)) {
            out.push_back(std::move(e));
            continue;
        }
        LatestEnd &intoSource = inEnds[static_cast<size_t>(e.from)];
        LatestEnd &outOfTarget = outEnds[static_cast<size_t>(e.to)];

        size_t &last = lastKept.find((static_cast<uint64_t>(e.from) << 36) | (static_cast<uint64_t>(e.to) << 8)
                                     | static_cast<uint64_t>(e.type));
        if (last != LastKeptTable::npos) {
            GraphEdge &kept = out[last];
            const bool blocked = kept.teNs < now
                                 && (intoSource.endsAfter(now, kept.teNs) || outOfTarget.endsAfter(now, kept.teNs));
            if (!blocked) {
                kept.teNs = std::max(kept.teNs, e.teNs);
                kept.count += e.count;
                kept.bytes += e.bytes;
                kept.eventIds.insert(kept.eventIds.end(), e.eventIds.begin(), e.eventIds.end());
                outEnds[static_cast<size_t>(e.from)].add(now, kept.tsNs, kept.teNs);
                inEnds[static_cast<size_t>(e.to)].add(now, kept.tsNs, kept.teNs);
                continue;
            }
        }
        last = out.size();
        outEnds[static_cast<size_t>(e.from)].add(now, e.tsNs, e.teNs);
        inEnds[static_cast<size_t>(e.to)].add(now, e.tsNs, e.teNs);
        out.push_back(std::move(e));
    }
    return result;
}

} // namespace provscope
