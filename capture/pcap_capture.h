#pragma once
// The live network capture of provscope-capture: libpcap on the chosen interfaces,
// beside the eBPF capture. Its own thread reads the packets, turns them into flows and
// DNS records (FlowAggregator), writes them to --pcapng when asked, and turns libpcap's
// drop counts into "pcap:IFACE" loss records (count = packets). An interface that goes
// away during the capture leaves a "pcap:IFACE gone" loss record (count 0: what it would
// have seen is unknowable; the time says from when). The capture's main loop takes what
// it produced with drain() into the batches it hands on.
//
// Nothing is lost silently: the hand-over queue is bounded; a newer version of a queued
// flow replaces the queued one, and new flows or DNS records that do not fit are counted
// into a "pcap-queue" loss record (count = records refused, not packets).
#include "capture_batch.h"
#include "capture_config.h"
#include "pcap_interfaces.h"
#include "privilege_drop.h"
#include "result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace provscope {

struct PcapCaptureOptions {
    std::vector<std::string> interfaces;        // empty: every interface that is up
    std::string bpfFilter = kDefaultBpfFilter;
    std::string filterOrigin = "--bpf-filter";  // names the filter in errors
    std::vector<FlowExclusion> excludeFlows;    // appended as `and not (endpoint A:P)` (FlowExclusion::filterTerm)
    uint32_t snapLength = kDefaultSnapLength;
    int bufferBytes = 8 << 20;                  // kernel buffer per interface
    int64_t flowTimeoutNs = 300'000'000'000;    // --flow-timeout
    int64_t flowFlushNs = 60'000'000'000;       // --flow-flush
    std::string pcapngPath;                     // --pcapng FILE; empty: none
    std::optional<TargetUser> fileOwner;        // who the pcapng file belongs to
    size_t maxQueuedRecords = 200'000;          // flows + DNS records waiting for drain()
    int collectIntervalMs = 250;                // how often ended flows are handed on
    // Tests: called on the capture thread before each read of an interface (a slow reader).
    std::function<void()> beforeDispatch;
};

struct PcapCaptureStats {
    uint64_t packets = 0;         // frames read from libpcap
    uint64_t dropped = 0;         // packets: libpcap's drop counts (kernel and interface)
    uint64_t flowRecords = 0;     // flow versions handed on (periodic snapshots included)
    uint64_t flows = 0;           // distinct flows: each one ended, or was open at the end
    uint64_t endedFlows = 0;
    uint64_t dnsRecords = 0;
    uint64_t queueDropped = 0;    // records (flow versions, DNS records) the full queue refused
    uint64_t pcapngPackets = 0;   // packets in the --pcapng file (whole blocks written)
    uint64_t pcapngPacketsNotWritten = 0; // captured but not in the file (a write error)
    bool pcapngIncomplete = false; // a write error: the file the user asked for lacks packets
};

// The filter libpcap compiles: "(BASE) and not ((src host A and src port P) or (dst host A and dst port P)) and not ...".
std::string effectivePcapFilter(const std::string &base, const std::vector<FlowExclusion> &exclusions);

// kernelJson ("{...}") with "pcap": pcapJson added, for the session's meta.
std::string withPcapConfig(const std::string &kernelJson, const std::string &pcapJson);
// What the meta says when the network is not captured (--no-pcap).
std::string pcapDisabledConfigJson(const std::string &why);

class PcapCapture {
public:
    // Checks every interface and the filter on its link type (the errors a user can make
    // show here, before anything runs), then closes them again: the capture itself begins
    // in start(). Default interfaces that are a port of another (bridge, bond), or whose
    // link type the filter does not fit, are skipped with a warning and recorded in
    // configJson()'s "skipped_interfaces"; named ones must work.
    static Result<std::unique_ptr<PcapCapture>> open(const PcapCaptureOptions &options);
    ~PcapCapture();
    PcapCapture(const PcapCapture &) = delete;
    PcapCapture &operator=(const PcapCapture &) = delete;

    // Activates the interfaces (a default one gone since open() is skipped, a named one is
    // an error), creates the --pcapng file and starts the capture thread. Flow
    // and DNS times are boot-clock ns: epoch - bootToEpochNs (the session meta's offset).
    Result<void> start(int64_t bootToEpochNs);
    // Moves the flows, DNS records and losses produced so far into batch.
    void drain(CaptureBatch &batch);
    // Reads what is left, reports the final drop counts, ends the aggregation (open flows
    // go out with ended = false), closes the pcapng file, and drains into batch. An error
    // (a failed --pcapng write, an interface that went away) comes after the drain.
    Result<void> stop(CaptureBatch &batch);
    // Stops without handing anything on and removes the --pcapng file (if that path is
    // still the file it created): the recording it belonged to never started.
    void discard();

    std::string configJson() const;
    PcapCaptureStats stats() const;
    const std::vector<std::string> &interfaceNames() const;

private:
    PcapCapture();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace provscope
