#pragma once
// What a click on a flow chart picked: the flows it stands for. The Flows tab filters
// its table with matches() and hands eventFilter() to the event table.
#include "flow.h"

#include <cstdint>
#include <string>
#include <vector>

namespace provscope {

struct FlowSelection {
    enum class Kind {
        All,         // no restriction
        Protocol,    // text: "tcp" / "udp"
        Source,      // text: address (src)
        Destination, // text: address (dst)
        Port,        // number: dport
        Domain,      // text: dns_name
        TimeRange,   // [minNs, maxNs): flows active in it (boot ns)
        Duration,    // [minNs, maxNs): lastNs - firstNs
        TcpFlag,     // number: one flag bit
        HourOfDay,   // number: weekday * 24 + hour (local time of firstNs), see flow_statistics
        Flow,        // number: one flow key
    };
    Kind kind = Kind::All;
    std::string text;
    uint64_t number = 0;
    int64_t minNs = 0, maxNs = 0;
    std::string label; // what the user sees: "destination 10.0.0.5", "domain example.com"

    bool matches(const Flow &flow, int64_t bootToEpochNs) const;
};

// A display-filter expression (filter language) for the events on the flows' sockets:
// both orientations of each 5-tuple. Empty when flows is empty. At most maxFlows flows
// are spelled out one by one; beyond that the expression names their addresses.
std::string eventFilterForFlows(const std::vector<Flow> &flows, size_t maxFlows = 64);
// The same, each spelled-out flow's events limited to its time as attribution sees
// it: evt.time (epoch ns) within [firstNs - 1 s, lastNs + 1 s] + bootToEpochNs, so a
// 5-tuple used again later does not bring that connection's events.
std::string eventFilterForFlows(const std::vector<Flow> &flows, size_t maxFlows, int64_t bootToEpochNs);

} // namespace provscope
