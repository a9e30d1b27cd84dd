#pragma once
// What a capture source hands on in one go: a batch of records in arrival order.
#include "event.h"
#include "flow.h"

#include <iterator>
#include <utility>
#include <vector>

namespace provscope {

struct CaptureBatch {
    std::vector<ProcessInfo> processes; // new or updated processes (fork, exec, exit)
    std::vector<Event> events;
    std::vector<LossRecord> losses;    // eBPF, queue and pcap drops ("pcap:IFACE")
    std::vector<Flow> flows;           // ended flows and periodic snapshots of open ones
    std::vector<DnsRecord> dnsRecords;

    bool empty() const
    {
        return processes.empty() && events.empty() && losses.empty() && flows.empty() && dnsRecords.empty();
    }

    // Moves other's records after this batch's (arrival order kept); other is left empty.
    void append(CaptureBatch &&other)
    {
        auto move = [](auto &to, auto &from) {
            if (to.empty())
                to = std::move(from);
            else
                to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
            from.clear();
        };
        move(processes, other.processes);
        move(events, other.events);
        move(losses, other.losses);
        move(flows, other.flows);
        move(dnsRecords, other.dnsRecords);
    }
};

// Running totals a capture reports (status bar, `info`, closing stats).
struct CaptureStats {
    uint64_t eventsReceived = 0;   // records decoded from the ring buffer
    uint64_t eventsLost = 0;       // kernel reserve failures + user-space drops
    uint64_t bytesReceived = 0;    // ring-buffer bytes consumed
};

} // namespace provscope
