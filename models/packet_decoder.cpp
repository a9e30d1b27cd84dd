#include "packet_decoder.h"

#include "byte_order.h"
#include "flow.h"

#include <arpa/inet.h>
#include <pcap/dlt.h>

#include <cstring>

namespace provscope {
namespace {

using Kind = DecodedPacket::Kind;

constexpr uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86dd;
constexpr int kMaxVlanTags = 8;        // QinQ is 2; more is a crafted frame
constexpr int kMaxIpv6Extensions = 16;

Kind malformed(DecodedPacket &out, std::string reason)
{
    out.kind = Kind::Malformed;
    out.reason = std::move(reason);
    return out.kind;
}

std::string cutShort(const char *what, uint32_t have, uint32_t need)
{
    return std::string(what) + " cut short: " + std::to_string(have) + " of " + std::to_string(need) + " bytes captured";
}

// The transport header at [l4, capEnd); ipEnd is where the IP header says the datagram
// ends (may lie past what the snap length kept).
Kind decodeTransport(DecodedPacket &out, uint8_t proto, const uint8_t *l4, const uint8_t *capEnd, const uint8_t *ipEnd)
{
    const uint32_t captured = uint32_t(capEnd - l4);
    const uint32_t claimed = uint32_t(ipEnd - l4);
    if (proto == kProtoTcp) {
        if (claimed < 20)
            return malformed(out, "TCP segment of " + std::to_string(claimed) + " bytes < 20-byte header");
        if (captured < 20)
            return malformed(out, cutShort("TCP header", captured, 20));
        const uint32_t headerLength = uint32_t(l4[12] >> 4) * 4;
        if (headerLength < 20)
            return malformed(out, "TCP header length " + std::to_string(headerLength) + " < 20");
        if (headerLength > claimed)
            return malformed(out, "TCP header length " + std::to_string(headerLength) + " > segment length " + std::to_string(claimed));
        out.sport = be16(l4);
        out.dport = be16(l4 + 2);
        out.tcpFlags = l4[13];
        out.tcpSeq = be32(l4 + 4);
        out.payloadWireLength = claimed - headerLength;
        // Options cut by the snap length: the packet still counts, its payload is empty.
        if (headerLength < captured) {
            out.payload = l4 + headerLength;
            out.payloadLength = captured - headerLength;
        }
    } else {
        if (claimed < 8)
            return malformed(out, "UDP datagram of " + std::to_string(claimed) + " bytes < 8-byte header");
        if (captured < 8)
            return malformed(out, cutShort("UDP header", captured, 8));
        const uint32_t length = be16(l4 + 4);
        if (length < 8)
            return malformed(out, "UDP length " + std::to_string(length) + " < 8");
        out.sport = be16(l4);
        out.dport = be16(l4 + 2);
        const uint32_t end = std::min(length, captured);
        out.payload = l4 + 8;
        out.payloadLength = end - 8;
        out.payloadWireLength = std::min(length, claimed) - 8;
    }
    out.proto = proto;
    out.kind = Kind::Flow;
    return out.kind;
}

Kind decodeIpv4(DecodedPacket &out, const uint8_t *p, uint32_t length)
{
    if (length < 20)
        return malformed(out, cutShort("IPv4 header", length, 20));
    if ((p[0] >> 4) != 4)
        return malformed(out, "IPv4 version field " + std::to_string(p[0] >> 4));
    const uint32_t headerLength = uint32_t(p[0] & 0x0f) * 4;
    if (headerLength < 20)
        return malformed(out, "IPv4 header length " + std::to_string(headerLength) + " < 20");
    if (headerLength > length)
        return malformed(out, cutShort("IPv4 header with options", length, headerLength));
    uint32_t total = be16(p + 2);
    if (total == 0)
        total = length; // TCP segmentation offload: the kernel hands over length 0
    if (total < headerLength)
        return malformed(out, "IPv4 total length " + std::to_string(total) + " < header length " + std::to_string(headerLength));
    out.family = 4;
    std::memcpy(out.src, p + 12, 4);
    std::memcpy(out.dst, p + 16, 4);
    const uint8_t proto = p[9];
    if (proto != kProtoTcp && proto != kProtoUdp)
        return Kind::Other;
    const uint16_t fragmentField = be16(p + 6);
    if (fragmentField & 0x3fff) { // more fragments, or an offset: part of a fragmented datagram
        out.fragment = true;
        out.moreFragments = fragmentField & 0x2000;
        out.fragmentId = be16(p + 4);
        out.fragmentOffset = uint32_t(fragmentField & 0x1fff) * 8;
        out.fragmentLength = total - headerLength;
        if (out.fragmentOffset != 0) {
            out.proto = proto;
            out.kind = Kind::Fragment; // no transport header here (see the header comment)
            return out.kind;
        }
    }
    const uint8_t *ipEnd = p + total;
    const uint8_t *capEnd = p + std::min(total, length);
    return decodeTransport(out, proto, p + headerLength, capEnd, ipEnd);
}

Kind decodeIpv6(DecodedPacket &out, const uint8_t *p, uint32_t length)
{
    if (length < 40)
        return malformed(out, cutShort("IPv6 header", length, 40));
    if ((p[0] >> 4) != 6)
        return malformed(out, "IPv6 version field " + std::to_string(p[0] >> 4));
    uint32_t payloadLength = be16(p + 4);
    if (payloadLength == 0)
        payloadLength = length - 40; // jumbogram or offload: up to what was captured
    out.family = 6;
    std::memcpy(out.src, p + 8, 16);
    std::memcpy(out.dst, p + 24, 16);
    const uint8_t *ipEnd = p + 40 + payloadLength;
    const uint8_t *capEnd = p + std::min(40 + payloadLength, length);
    const uint8_t *cursor = p + 40;
    uint8_t next = p[6];
    for (int i = 0; i <= kMaxIpv6Extensions; ++i) {
        if (next == kProtoTcp || next == kProtoUdp)
            return decodeTransport(out, next, cursor, capEnd, ipEnd);
        uint32_t extLength = 0;
        switch (next) {
        case 0:  // hop-by-hop options
        case 43: // routing
        case 60: // destination options
        case 44: // fragment (fixed 8 bytes; its length byte is reserved 0)
        case 51: // authentication header: length in 4-byte units, minus 2
            if (capEnd - cursor < 8)
                return malformed(out, cutShort(("IPv6 extension header " + std::to_string(next)).c_str(), uint32_t(capEnd - cursor), 8));
            extLength = next == 44 ? 8 : next == 51 ? (uint32_t(cursor[1]) + 2) * 4 : (uint32_t(cursor[1]) + 1) * 8;
            if (uint32_t(capEnd - cursor) < extLength)
                return malformed(out, cutShort(("IPv6 extension header " + std::to_string(next)).c_str(), uint32_t(capEnd - cursor), extLength));
            if (next == 44) {
                const uint16_t field = be16(cursor + 2);
                if (field & 0xfff9) { // an offset or more fragments (not an atomic fragment)
                    out.fragment = true;
                    out.moreFragments = field & 1;
                    out.fragmentId = be32(cursor + 4);
                    out.fragmentOffset = uint32_t(field >> 3) * 8;
                    out.fragmentLength = uint32_t(ipEnd - cursor) - 8;
                    if (out.fragmentOffset != 0) {
                        out.kind = Kind::Fragment; // no transport header; proto unknown here
                        return out.kind;
                    }
                }
            }
            next = cursor[0];
            cursor += extLength;
            break;
        default:
            return Kind::Other; // ICMPv6, ESP, no next header, ...
        }
    }
    return malformed(out, "more than " + std::to_string(kMaxIpv6Extensions) + " IPv6 extension headers");
}

Kind decodeByEtherType(DecodedPacket &out, uint16_t etherType, const uint8_t *p, uint32_t length)
{
    if (etherType == kEtherIpv4)
        return decodeIpv4(out, p, length);
    if (etherType == kEtherIpv6)
        return decodeIpv6(out, p, length);
    return Kind::Other;
}

Kind decodeEthernet(DecodedPacket &out, const uint8_t *p, uint32_t length)
{
    if (length < 14)
        return malformed(out, cutShort("Ethernet header", length, 14));
    uint32_t offset = 12;
    uint16_t etherType = be16(p + offset);
    for (int tags = 0; etherType == 0x8100 || etherType == 0x88a8 || etherType == 0x9100; ++tags) {
        if (tags == kMaxVlanTags)
            return malformed(out, "more than " + std::to_string(kMaxVlanTags) + " VLAN tags");
        offset += 4;
        if (length < offset + 2)
            return malformed(out, cutShort("VLAN tag", length, offset + 2));
        etherType = be16(p + offset);
    }
    offset += 2;
    return decodeByEtherType(out, etherType, p + offset, length - offset);
}

Kind decodeRaw(DecodedPacket &out, const uint8_t *p, uint32_t length)
{
    if (length < 1)
        return malformed(out, cutShort("IP header", length, 1));
    const int version = p[0] >> 4;
    if (version == 4)
        return decodeIpv4(out, p, length);
    if (version == 6)
        return decodeIpv6(out, p, length);
    return malformed(out, "raw IP version field " + std::to_string(version));
}

// BSD loopback: a 4-byte address family (DLT_NULL in the writer's byte order).
Kind decodeNull(DecodedPacket &out, const uint8_t *p, uint32_t length, bool networkOrder)
{
    if (length < 4)
        return malformed(out, cutShort("loopback header", length, 4));
    uint32_t family = networkOrder ? be32(p) : uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
    if (!networkOrder && family > 0xffff)
        family = be32(p); // written by a big-endian host
    if (family == 2)
        return decodeIpv4(out, p + 4, length - 4);
    if (family == 10 || family == 24 || family == 28 || family == 30) // Linux, BSDs, Darwin
        return decodeIpv6(out, p + 4, length - 4);
    return Kind::Other;
}

} // namespace

std::string addressText(uint8_t family, const uint8_t *address)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, address, text, sizeof text))
        return {};
    return text;
}

std::string DecodedPacket::srcText() const { return addressText(family, src); }
std::string DecodedPacket::dstText() const { return addressText(family, dst); }

bool linkTypeDecoded(int linkType)
{
    switch (linkType) {
    case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case 12: case 14: case kLinkTypeRawFile:
    case DLT_IPV4: case DLT_IPV6: case DLT_NULL: case 108:
        return true;
    default:
        return false;
    }
}

DecodedPacket::Kind decodePacket(int linkType, const uint8_t *data, uint32_t length, DecodedPacket &out)
{
    out.kind = Kind::Other;
    out.family = out.proto = out.tcpFlags = 0;
    out.sport = out.dport = 0;
    out.tcpSeq = 0;
    // An IPv4 address fills 4 bytes: the rest must not keep a previous IPv6 packet's.
    std::memset(out.src, 0, sizeof out.src);
    std::memset(out.dst, 0, sizeof out.dst);
    out.payload = nullptr;
    out.payloadLength = out.payloadWireLength = 0;
    out.fragment = out.moreFragments = false;
    out.fragmentId = out.fragmentOffset = out.fragmentLength = 0;
    if (!out.reason.empty())
        out.reason.clear();
    if (!data)
        length = 0;
    switch (linkType) {
    case DLT_EN10MB:
        return decodeEthernet(out, data, length);
    case DLT_LINUX_SLL:
        if (length < 16)
            return malformed(out, cutShort("Linux cooked header", length, 16));
        return decodeByEtherType(out, be16(data + 14), data + 16, length - 16);
    case DLT_LINUX_SLL2:
        if (length < 20)
            return malformed(out, cutShort("Linux cooked v2 header", length, 20));
        return decodeByEtherType(out, be16(data), data + 20, length - 20);
    case 12: // DLT_RAW on Linux (DLT_LOOP on OpenBSD, whose files say 108)
    case 14: // DLT_RAW on BSD/OS
    case kLinkTypeRawFile:
        return decodeRaw(out, data, length);
    case DLT_IPV4:
        return decodeIpv4(out, data, length);
    case DLT_IPV6:
        return decodeIpv6(out, data, length);
    case DLT_NULL:
        return decodeNull(out, data, length, false);
    case 108: // DLT_LOOP
        return decodeNull(out, data, length, true);
    default:
        return Kind::Other;
    }
}

} // namespace provscope
