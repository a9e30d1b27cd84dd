#pragma once
// `provscope-cli flows FILE [--pid N] [--proto tcp|udp] [--limit N] [--dns]`: a session's
// flows as JSON lines, ordered by first packet; --dns prints its DNS answers instead.
// Opens the file read-only.
#include "flow.h"
#include "result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace provscope {

class SessionReader;

// Exit status: 0 on success (also for a session that recorded no flows: a note on
// stderr says so), 1 when the session cannot be read, 2 on a usage error.
int runFlowsCommand(const std::vector<std::string> &args);

// One flow as a JSON object (no newline), the fields of the issue in this order:
// proto ("tcp"/"udp"), src, sport, dst, dport, packets, bytes, packets_out, bytes_out,
// packets_in, bytes_in, tcp_flags, first_ts_ns, last_ts_ns (EPOCH ns: boot ns +
// bootToEpochNs), dns_name, pid, comm, peer_pid, peer_comm; the last five are omitted
// when empty / 0 (not seen, not attributed).
std::string flowJsonLine(const Flow &flow, int64_t bootToEpochNs);
// One DNS answer: ts_ns (epoch), name, type ("A", "AAAA", "CNAME" or the number),
// value, ttl, query_name, server (the last two omitted when empty).
std::string dnsJsonLine(const DnsRecord &record, int64_t bootToEpochNs);

// The `info` summary with the flow and DNS counts added to its "counts" object
// ("flows", "dns_records"; null when not recorded: a session before format 1.3, or
// one recorded without packet capture).
std::string addNetworkCounts(std::string infoJson, const SessionReader &reader);

// Why a session of format 1.3 has no flows by design: its capture configuration says
// packet capture was off ("pcap": {"enabled": false, "reason": ...}); the reason
// ("--no-pcap" when none is given). nullopt when flows were captured (or may have been).
std::optional<std::string> flowsNotCaptured(const SessionReader &reader);

} // namespace provscope
