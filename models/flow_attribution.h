#pragma once
// Joins network flows (libpcap) to the processes that made them (eBPF socket events).
// Exact 5-tuple only, never a guess: the initiator is a process whose socket event had
// laddr:lport = src:sport and raddr:rport = dst:dport; the responder (the other end,
// when local) one with laddr:lport = dst:dport and raddr:rport = src:sport. A socket
// that does not name its peer (an unconnected UDP server) matches the responder by its
// local address and port (UDP flows only), or by a wildcard address (0.0.0.0, ::) and the
// port (only when dst is local: loopback or some event's local address). The
// event's time range must overlap the flow's [firstNs - 1 s, lastNs + 1 s]; of several
// candidates the closest in time wins (ties: the one whose events began first).
//
// Events are kept compactly: per 5-tuple, one time range per process, extended while
// its events keep coming less than the window apart. Not thread-safe.
#include "event.h"
#include "flow.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace provscope {

inline constexpr int64_t kAttributionWindowNs = 1'000'000'000;

// One side of a 5-tuple as a fixed-size key (no allocation): addresses as 16 bytes
// (IPv4 as ::ffff:a.b.c.d, so a dual-stack socket's view equals the wire's), ports, and
// whether the local address is a wildcard (0.0.0.0, ::) or the peer unknown.
struct TupleKey {
    std::array<uint8_t, 16> local{}, remote{};
    uint16_t localPort = 0, remotePort = 0;
    uint8_t kind = 0; // kWildcardLocal | kNoPeer

    static constexpr uint8_t kWildcardLocal = 1, kNoPeer = 2;
    bool operator==(const TupleKey &) const = default;
};

struct TupleKeyHash {
    size_t operator()(const TupleKey &key) const;
};

using TupleKeySet = std::unordered_set<TupleKey, TupleKeyHash>;

struct AddressHash {
    size_t operator()(const std::array<uint8_t, 16> &address) const;
};

class FlowAttributor {
public:
    // Any event; only one with an IPv4/IPv6 socket side and a port is kept.
    void addEvent(const Event &event);
    // Fills what is still 0 of flow's pid/procStartNs and peerPid/peerStartNs from
    // the events seen so far. True when it set something.
    bool attribute(Flow &flow) const;
    // Forgets the ranges whose last event is older than olderThanNs (memory bound of
    // a long recording: flows are flushed well within that horizon).
    void prune(int64_t olderThanNs);

    // The 5-tuple keys attribute() looks up for flow (initiator's two, then the
    // responder's four); empty when its addresses are not numeric IPv4/IPv6.
    static std::vector<TupleKey> lookupKeys(const Flow &flow);
    // The keys events were added under since the last call: only flows with one of
    // them among their lookupKeys() can be attributed anew (the writer's re-tries).
    TupleKeySet takeTouchedKeys();

    size_t ranges() const { return m_ranges; }
    uint64_t eventsAdded() const { return m_eventsAdded; }
    int64_t latestEventNs() const { return m_latestNs; }

    // "::ffff:1.2.3.4" (a dual-stack socket's view of IPv4) -> "1.2.3.4"; else unchanged.
    static std::string canonicalAddress(const std::string &address);

private:
    struct Range {
        uint32_t pid = 0;
        uint64_t startNs = 0;
        int64_t firstNs = 0, lastNs = 0;
    };
    // The best range of the first key (in order) that has any candidate.
    const Range *best(const TupleKey *keys, size_t count, int64_t firstNs, int64_t lastNs) const;

    std::unordered_map<TupleKey, std::vector<Range>, TupleKeyHash> m_byTuple;
    TupleKeySet m_touched;
    // Every non-wildcard local address of an event: this host's addresses.
    std::unordered_set<std::array<uint8_t, 16>, AddressHash> m_localAddresses;
    size_t m_ranges = 0;
    uint64_t m_eventsAdded = 0;
    int64_t m_latestNs = 0;
};

} // namespace provscope
