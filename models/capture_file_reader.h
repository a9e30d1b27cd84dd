#pragma once
// Reads a pcap or pcapng file through libpcap and feeds its frames to a FlowAggregator
// (provscope-cli import --pcap, the import benchmark). A damaged file gives what could
// be read and says where reading stopped; a file that is no capture is refused.
#include "flow_aggregator.h"
#include "result.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace provscope {

struct CaptureFileSummary {
    std::string format;       // "pcap" or "pcapng"
    int linkType = 0;         // DLT_* of the file (pcapng: of its first interface)
    uint64_t frames = 0;      // frames read and handed to the aggregator
    int64_t firstEpochNs = 0; // first and last frame timestamps (0 when no frame)
    int64_t lastEpochNs = 0;
    bool complete = true;     // false: reading stopped early (truncated or corrupt)
    // Where and why it stopped, for the user: "stopped after packet 1000 at byte
    // 123456 of 130000: truncated dump file; tried to read 98 captured bytes, only got 12".
    std::string stoppedReason;
    // Frames skipped because their header is impossible (a timestamp past year 2262 that
    // nanoseconds cannot hold): "frame 17: timestamp 99999999999 s out of range".
    uint64_t damagedFrames = 0;
    std::string firstDamaged;
};

// Called whenever the aggregator has handed out ended flows (every few thousand frames
// and at the end), so a big file never holds all its flows in memory.
using FlowSink = std::function<Result<void>(std::vector<Flow> &&flows, std::vector<DnsRecord> &&dnsRecords)>;

// An Error when the file cannot be opened, is not a pcap/pcapng capture ("FILE is not a
// pcap or pcapng capture file: ..."), or the sink failed. aggregator.finish() is called
// at the end and its flows go to the sink too.
Result<CaptureFileSummary> readCaptureFile(const std::string &path, FlowAggregator &aggregator, const FlowSink &sink);

} // namespace provscope
