#pragma once
// Network flows and passive DNS records: what libpcap adds beside the eBPF events.
// Times are boot-clock ns like Event's (pcap's wall-clock time minus the session's
// bootToEpochNs), signed because a capture file may predate the boot it is joined to.
#include <cstdint>
#include <string>

namespace provscope {

inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;

// TCP flag bits as in the header's flags byte (tcp_flags is their OR over the flow).
inline constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08,
                         kTcpAck = 0x10, kTcpUrg = 0x20, kTcpEce = 0x40, kTcpCwr = 0x80;

// One bidirectional 5-tuple conversation. "out" is the initiator's direction: src
// sent the first packet seen (for TCP the SYN). Bytes are frame lengths on the wire,
// as tshark counts them.
struct Flow {
    uint64_t key = 0;          // unique in its session; a periodic flush re-sends the same key
    uint8_t proto = 0;         // kProtoTcp or kProtoUdp
    std::string src, dst;      // numeric addresses (inet_ntop); src is the initiator
    uint16_t sport = 0, dport = 0;
    uint64_t packetsOut = 0, bytesOut = 0; // src -> dst
    uint64_t packetsIn = 0, bytesIn = 0;   // dst -> src
    uint8_t tcpFlags = 0;      // OR of every packet's flags, both directions
    int64_t firstNs = 0;       // boot-clock ns of the first and last packet
    int64_t lastNs = 0;
    bool ended = false;        // FIN/RST or inactivity; false: still open at its last flush
    std::string interfaceName; // capturing interface; empty when unknown (some files)
    std::string dnsName;       // the name whose DNS answer gave dst, empty when none seen
    // Attribution (exact 5-tuple of a socket event in the flow's window); 0: none.
    uint32_t pid = 0;          // initiator's process (tgid) ...
    uint64_t procStartNs = 0;  //   ... and its start time: the process identity
    uint32_t peerPid = 0;      // responder's process, when the other end is local too
    uint64_t peerStartNs = 0;
    std::string comm, peerComm; // filled by readers from the processes table

    uint64_t packets() const { return packetsOut + packetsIn; }
    uint64_t bytes() const { return bytesOut + bytesIn; }
    bool attributed() const { return pid != 0; }
};

inline constexpr uint16_t kDnsTypeA = 1, kDnsTypeCname = 5, kDnsTypeAaaa = 28;

// One answer record of a DNS response seen on the wire.
struct DnsRecord {
    int64_t tsNs = 0;          // boot-clock ns of the response packet
    std::string name;          // owner name, lower case, no trailing dot
    uint16_t type = 0;         // kDnsTypeA, kDnsTypeAaaa or kDnsTypeCname
    std::string value;         // numeric address, or the CNAME target
    uint32_t ttl = 0;
    std::string queryName;     // the question the response answers (the name a user typed)
    std::string server;        // numeric address of the answering server
};

} // namespace provscope
