#pragma once
// Frames built byte by byte for the packet decoder, flow aggregator and capture file
// tests: Ethernet (VLAN tags), Linux cooked v1/v2, BSD loopback, IPv4 (options,
// fragments), IPv6 (extension headers), TCP, UDP and DNS responses.
#include <arpa/inet.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace test {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes &b, uint16_t v) { b.push_back(uint8_t(v >> 8)); b.push_back(uint8_t(v)); }
inline void put32(Bytes &b, uint32_t v) { put16(b, uint16_t(v >> 16)); put16(b, uint16_t(v)); }
inline void append(Bytes &b, const Bytes &more) { b.insert(b.end(), more.begin(), more.end()); }
inline Bytes filler(size_t n, uint8_t value = 0xab) { return Bytes(n, value); }

inline Bytes address(const char *text)
{
    Bytes b(16);
    const bool v6 = std::string(text).find(':') != std::string::npos;
    inet_pton(v6 ? AF_INET6 : AF_INET, text, b.data());
    b.resize(v6 ? 16 : 4);
    return b;
}

inline Bytes tcp(uint16_t sport, uint16_t dport, uint8_t flags, const Bytes &payload = {}, const Bytes &options = {},
                 uint32_t seq = 1000)
{
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    put32(b, seq);
    put32(b, 2000); // ack
    b.push_back(uint8_t(((20 + options.size()) / 4) << 4));
    b.push_back(flags);
    put16(b, 65535);
    put16(b, 0); // checksum: not checked
    put16(b, 0);
    append(b, options);
    append(b, payload);
    return b;
}

inline Bytes udp(uint16_t sport, uint16_t dport, const Bytes &payload = {})
{
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    put16(b, uint16_t(8 + payload.size()));
    put16(b, 0);
    append(b, payload);
    return b;
}

struct Ipv4Options {
    Bytes options;              // multiple of 4
    uint16_t fragmentOffset = 0; // in 8-byte units
    bool moreFragments = false;
    int totalLength = -1;       // -1: computed
    int headerLengthWords = -1; // -1: computed
};

inline Bytes ipv4(const char *src, const char *dst, uint8_t proto, const Bytes &l4, const Ipv4Options &o = {})
{
    Bytes b;
    const int words = o.headerLengthWords >= 0 ? o.headerLengthWords : int(5 + o.options.size() / 4);
    b.push_back(uint8_t(0x40 | (words & 0x0f)));
    b.push_back(0);
    put16(b, uint16_t(o.totalLength >= 0 ? o.totalLength : int(20 + o.options.size() + l4.size())));
    put16(b, 0x1234); // id
    put16(b, uint16_t((o.moreFragments ? 0x2000 : 0) | (o.fragmentOffset & 0x1fff)));
    b.push_back(64);
    b.push_back(proto);
    put16(b, 0);
    append(b, address(src));
    append(b, address(dst));
    append(b, o.options);
    append(b, l4);
    return b;
}

// IPv6 with extension headers of the given types (0, 43, 60: 8 bytes; 44: fragment at
// fragmentOffset 8-byte units, id 0xabcd).
inline Bytes ipv6(const char *src, const char *dst, uint8_t proto, const Bytes &l4,
                  std::initializer_list<uint8_t> extensions = {}, uint16_t fragmentOffset = 0, bool moreFragments = true)
{
    std::vector<uint8_t> chain(extensions);
    Bytes ext;
    for (size_t i = 0; i < chain.size(); ++i) {
        const uint8_t next = i + 1 < chain.size() ? chain[i + 1] : proto;
        ext.push_back(next);
        ext.push_back(0); // length 0: 8 bytes
        if (chain[i] == 44) {
            put16(ext, uint16_t(fragmentOffset << 3 | (moreFragments ? 1 : 0)));
            put32(ext, 0xabcd);
        } else {
            append(ext, Bytes{1, 4, 0, 0, 0, 0}); // PadN option
        }
    }
    Bytes b{0x60, 0, 0, 0};
    put16(b, uint16_t(ext.size() + l4.size()));
    b.push_back(chain.empty() ? proto : chain[0]);
    b.push_back(64);
    append(b, address(src));
    append(b, address(dst));
    append(b, ext);
    append(b, l4);
    return b;
}

inline uint16_t etherTypeOf(const Bytes &l3) { return (l3.at(0) >> 4) == 6 ? 0x86dd : 0x0800; }

inline Bytes ethernet(const Bytes &l3, std::initializer_list<uint16_t> vlanTpids = {}, int etherType = -1)
{
    Bytes b{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
    uint16_t vid = 100;
    for (uint16_t tpid : vlanTpids) {
        put16(b, tpid);
        put16(b, vid++);
    }
    put16(b, uint16_t(etherType >= 0 ? etherType : etherTypeOf(l3)));
    append(b, l3);
    return b;
}

inline Bytes sll(const Bytes &l3)
{
    Bytes b{0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0};
    put16(b, etherTypeOf(l3));
    append(b, l3);
    return b;
}

inline Bytes sll2(const Bytes &l3)
{
    Bytes b;
    put16(b, etherTypeOf(l3));
    put16(b, 0);
    put32(b, 1);       // ifindex
    put16(b, 1);       // ARPHRD_ETHER
    b.push_back(0);    // pkttype
    b.push_back(6);    // address length
    append(b, Bytes{2, 0, 0, 0, 0, 1, 0, 0});
    append(b, l3);
    return b;
}

inline Bytes bsdLoopback(const Bytes &l3, uint32_t family, bool bigEndian)
{
    Bytes b;
    if (bigEndian)
        put32(b, family);
    else
        append(b, Bytes{uint8_t(family), uint8_t(family >> 8), uint8_t(family >> 16), uint8_t(family >> 24)});
    append(b, l3);
    return b;
}

// Ethernet/IPv4 or IPv6/TCP in one call.
inline Bytes tcpFrame(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags, size_t payload = 0,
                      uint32_t seq = 1000)
{
    const Bytes segment = tcp(sport, dport, flags, filler(payload), {}, seq);
    const bool v6 = std::string(src).find(':') != std::string::npos;
    return ethernet(v6 ? ipv6(src, dst, 6, segment) : ipv4(src, dst, 6, segment));
}

inline Bytes udpFrame(const char *src, uint16_t sport, const char *dst, uint16_t dport, const Bytes &payload)
{
    const Bytes datagram = udp(sport, dport, payload);
    const bool v6 = std::string(src).find(':') != std::string::npos;
    return ethernet(v6 ? ipv6(src, dst, 17, datagram) : ipv4(src, dst, 17, datagram));
}

// DNS wire format.
inline Bytes dnsName(const std::string &name)
{
    Bytes b;
    size_t start = 0;
    while (start < name.size()) {
        size_t dot = name.find('.', start);
        if (dot == std::string::npos)
            dot = name.size();
        b.push_back(uint8_t(dot - start));
        b.insert(b.end(), name.begin() + long(start), name.begin() + long(dot));
        start = dot + 1;
    }
    b.push_back(0);
    return b;
}

inline Bytes dnsPointer(uint16_t offset) { return Bytes{uint8_t(0xc0 | offset >> 8), uint8_t(offset)}; }

struct DnsRr {
    Bytes owner;  // encoded name (dnsName or dnsPointer)
    uint16_t type;
    uint32_t ttl;
    Bytes data;   // rdata
};

inline Bytes dnsHeader(uint16_t flags, uint16_t questions, uint16_t answers)
{
    Bytes b;
    put16(b, 0x4242);
    put16(b, flags);
    put16(b, questions);
    put16(b, answers);
    put16(b, 0);
    put16(b, 0);
    return b;
}

// A response (QR=1, RD, RA) to question (type qtype), answers after it. The question
// name starts at byte 12: dnsPointer(12) names it.
inline Bytes dnsResponse(const std::string &question, uint16_t qtype, const std::vector<DnsRr> &answers)
{
    Bytes b = dnsHeader(0x8180, question.empty() ? 0 : 1, uint16_t(answers.size()));
    if (!question.empty()) {
        append(b, dnsName(question));
        put16(b, qtype);
        put16(b, 1);
    }
    for (const DnsRr &rr : answers) {
        append(b, rr.owner);
        put16(b, rr.type);
        put16(b, 1);
        put32(b, rr.ttl);
        put16(b, uint16_t(rr.data.size()));
        append(b, rr.data);
    }
    return b;
}

} // namespace test
