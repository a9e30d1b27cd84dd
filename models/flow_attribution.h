#pragma once
// Joins network flows (libpcap) to the processes that made them (eBPF socket events).
// Exact 5-tuple only, never a guess: the initiator is a process whose socket event had
// laddr:lport = src:sport and raddr:rport = dst:dport; the responder (the other end,
// when local) one with laddr:lport = dst:dport and raddr:rport = src:sport. A socket
// that does not name its peer (an unconnected UDP server) matches the responder by its
// local address and port, or by a wildcard address (0.0.0.0, ::) and the port. The
// event's time range must overlap the flow's [firstNs - 1 s, lastNs + 1 s]; of several
// candidates the closest in time wins (ties: the one whose events began first).
//
// Events are kept compactly: per 5-tuple, one time range per process, extended while
// its events keep coming. Not thread-safe.
#include "event.h"
#include "flow.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace provscope {

inline constexpr int64_t kAttributionWindowNs = 1'000'000'000;

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

    // The 5-tuple keys attribute() looks up for flow (initiator's, then responder's).
    static std::vector<std::string> lookupKeys(const Flow &flow);
    // The keys events were added under since the last call: only flows with one of
    // them among their lookupKeys() can be attributed anew (the writer's re-tries).
    std::unordered_set<std::string> takeTouchedKeys();

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
    struct Match {
        const Range *range = nullptr;
        int64_t distance = 0;
    };
    static std::string tupleKey(const std::string &laddr, uint16_t lport, const std::string &raddr,
                                uint16_t rport);
    // The best range of the first tier (list of tuple keys) that has any candidate.
    const Range *best(const std::vector<std::string> &tiers, int64_t firstNs, int64_t lastNs) const;

    static std::vector<std::string> initiatorKeys(const std::string &src, uint16_t sport, const std::string &dst,
                                                  uint16_t dport);
    static std::vector<std::string> responderKeys(const std::string &src, uint16_t sport, const std::string &dst,
                                                  uint16_t dport);

    std::unordered_map<std::string, std::vector<Range>> m_byTuple;
    std::unordered_set<std::string> m_touched;
    size_t m_ranges = 0;
    uint64_t m_eventsAdded = 0;
    int64_t m_latestNs = 0;
};

} // namespace provscope
