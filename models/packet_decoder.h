#pragma once
// Decodes one captured frame down to its TCP or UDP header: the 5-tuple, TCP flags and
// the payload span. Strictly bounded by the captured length; never allocates on the
// common path (only a malformed frame builds its reason text).
//
// IP fragments are counted as tshark's conversation tables count them (IPv4 and IPv6
// reassembly on, the default): once per datagram, when its last missing fragment arrives,
// with that frame's length and time; fragments of a datagram that never completes are in
// no conversation. The decoder marks fragments; FlowAggregator reassembles the counts.
#include <cstdint>
#include <string>

namespace provscope {

// LINKTYPE_RAW as stored in files; libpcap maps it to DLT_RAW (12 or 14) when reading.
inline constexpr int kLinkTypeRawFile = 101;

struct DecodedPacket {
    enum class Kind : uint8_t {
        Flow,      // TCP or UDP over IPv4/IPv6: the fields below are set
        Other,     // not a flow packet (ARP, ICMP, unknown link type)
        Fragment,  // a TCP/UDP datagram's fragment past offset 0: addresses, proto and the
                   // fragment fields are set, it has no transport header
        Malformed, // headers cut short or inconsistent: see reason
    };
    Kind kind = Kind::Other;
    uint8_t family = 0;       // 4 or 6
    uint8_t proto = 0;        // kProtoTcp or kProtoUdp
    uint8_t tcpFlags = 0;
    uint16_t sport = 0, dport = 0;
    uint32_t tcpSeq = 0;      // TCP: the sequence number (a retransmitted SYN repeats it)
    uint8_t src[16] = {}, dst[16] = {}; // IPv4 uses the first 4 bytes
    // Fragments (Flow at offset 0, or Fragment): where this one lies in its datagram.
    bool fragment = false;
    bool moreFragments = false;
    uint32_t fragmentId = 0;
    uint32_t fragmentOffset = 0; // bytes into the datagram's payload
    uint32_t fragmentLength = 0; // payload bytes this fragment carries (as its IP header says)
    const uint8_t *payload = nullptr;   // transport payload as far as it was captured
    uint32_t payloadLength = 0;
    uint32_t payloadWireLength = 0;     // the payload's length on the wire (IP/UDP lengths say)
    std::string reason;       // Malformed: "IPv4 header length 4 < 20"

    std::string srcText() const;  // numeric, as inet_ntop writes it
    std::string dstText() const;
};

// Decodes a frame of link type linkType (DLT_*). Returns out.kind; out is fully reset.
DecodedPacket::Kind decodePacket(int linkType, const uint8_t *data, uint32_t capturedLength, DecodedPacket &out);

// Whether decodePacket knows frames of this link type (others are all Kind::Other).
bool linkTypeDecoded(int linkType);

// Numeric text of a 4- or 16-byte address (inet_ntop).
std::string addressText(uint8_t family, const uint8_t *address);

} // namespace provscope
