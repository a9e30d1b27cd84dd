// decodePacket: every link type the capture meets, down to ports, flags and payload,
// and a reason (never a crash or an over-read) for whatever is cut short or inconsistent.
#include "flow.h"
#include "packet_builders.h"
#include "packet_decoder.h"

#include <QTest>
#include <pcap/dlt.h>

#include <memory>

using namespace provscope;
using namespace test;
using Kind = DecodedPacket::Kind;

Q_DECLARE_METATYPE(test::Bytes)

namespace {
// Decodes from a heap copy of exactly the captured bytes, so a sanitizer build sees any over-read.
Kind decode(int linkType, const Bytes &frame, DecodedPacket &out, size_t captured = size_t(-1))
{
    const size_t n = std::min(captured, frame.size());
    std::unique_ptr<uint8_t[]> copy(new uint8_t[n ? n : 1]);
    std::copy(frame.begin(), frame.begin() + long(n), copy.get());
    const Kind kind = decodePacket(linkType, copy.get(), uint32_t(n), out);
    if (out.payload) { // the payload span lies inside the captured bytes
        if (out.payload < copy.get() || out.payload + out.payloadLength > copy.get() + n)
            qFatal("payload span outside the captured bytes");
    }
    out.payload = nullptr; // the copy dies here
    return kind;
}
} // namespace

class TestPacketDecoder : public QObject {
    Q_OBJECT

private slots:
    void linkTypes_data();
    void linkTypes();
    void tcpFlagsAndPayload();
    void ipv4OptionsSkipped();
    void ipv4Fragments();
    void ipv6ExtensionHeaders();
    void ipv6Fragments();
    void snapLengthBoundsPayload();
    void ethernetPaddingNotPayload();
    void notFlowPackets();
    void malformed_data();
    void malformed();
    void everyPrefixIsSafe();
    void randomBytesAreSafe();
};

void TestPacketDecoder::linkTypes_data()
{
    QTest::addColumn<int>("linkType");
    QTest::addColumn<Bytes>("frame");
    QTest::addColumn<QString>("src");
    QTest::addColumn<QString>("dst");
    QTest::addColumn<int>("proto");

    const Bytes v4 = ipv4("10.0.0.1", "192.168.1.2", 17, udp(40000, 53, filler(5)));
    const Bytes v6 = ipv6("2001:db8::1", "fe80::2", 6, tcp(40000, 443, kTcpSyn));
    QTest::newRow("ethernet ipv4") << DLT_EN10MB << ethernet(v4) << "10.0.0.1" << "192.168.1.2" << 17;
    QTest::newRow("ethernet ipv6") << DLT_EN10MB << ethernet(v6) << "2001:db8::1" << "fe80::2" << 6;
    QTest::newRow("802.1Q") << DLT_EN10MB << ethernet(v4, {0x8100}) << "10.0.0.1" << "192.168.1.2" << 17;
    QTest::newRow("QinQ 88a8+8100") << DLT_EN10MB << ethernet(v6, {0x88a8, 0x8100}) << "2001:db8::1" << "fe80::2" << 6;
    QTest::newRow("linux sll") << DLT_LINUX_SLL << sll(v4) << "10.0.0.1" << "192.168.1.2" << 17;
    QTest::newRow("linux sll2") << DLT_LINUX_SLL2 << sll2(v6) << "2001:db8::1" << "fe80::2" << 6;
    QTest::newRow("raw v4") << DLT_RAW << v4 << "10.0.0.1" << "192.168.1.2" << 17;
    QTest::newRow("raw v6") << DLT_RAW << v6 << "2001:db8::1" << "fe80::2" << 6;
    QTest::newRow("LINKTYPE_RAW 101") << kLinkTypeRawFile << v4 << "10.0.0.1" << "192.168.1.2" << 17;
    QTest::newRow("DLT_IPV4") << DLT_IPV4 << v4 << "10.0.0.1" << "192.168.1.2" << 17;
    QTest::newRow("DLT_IPV6") << DLT_IPV6 << v6 << "2001:db8::1" << "fe80::2" << 6;
    QTest::newRow("null little-endian AF_INET") << DLT_NULL << bsdLoopback(v4, 2, false) << "10.0.0.1" << "192.168.1.2" << 17;
    QTest::newRow("null big-endian AF_INET6 (24)") << DLT_NULL << bsdLoopback(v6, 24, true) << "2001:db8::1" << "fe80::2" << 6;
    QTest::newRow("loop AF_INET6 (30)") << 108 << bsdLoopback(v6, 30, true) << "2001:db8::1" << "fe80::2" << 6;
}

void TestPacketDecoder::linkTypes()
{
    QFETCH(int, linkType);
    QFETCH(Bytes, frame);
    DecodedPacket p;
    QCOMPARE(decode(linkType, frame, p), Kind::Flow);
    QFETCH(QString, src);
    QFETCH(QString, dst);
    QFETCH(int, proto);
    QCOMPARE(QString::fromStdString(p.srcText()), src);
    QCOMPARE(QString::fromStdString(p.dstText()), dst);
    QCOMPARE(int(p.proto), proto);
    QCOMPARE(p.sport, uint16_t(40000));
    QCOMPARE(p.dport, uint16_t(proto == 17 ? 53 : 443));
    QCOMPARE(p.payloadLength, uint32_t(proto == 17 ? 5 : 0));
}

void TestPacketDecoder::tcpFlagsAndPayload()
{
    const Bytes options{2, 4, 5, 0xb4, 1, 1, 4, 2}; // MSS, NOP, NOP, SACK permitted
    const Bytes frame = ethernet(ipv4("127.0.0.1", "127.0.0.2", 6, tcp(5555, 80, kTcpPsh | kTcpAck, Bytes{'G', 'E', 'T', ' '}, options)));
    DecodedPacket p;
    QCOMPARE(decode(DLT_EN10MB, frame, p), Kind::Flow);
    QCOMPARE(p.tcpFlags, uint8_t(kTcpPsh | kTcpAck));
    QCOMPARE(p.payloadLength, 4u);
    // The payload is the 4 bytes after 14 + 20 + 28: check via a non-copied decode.
    QCOMPARE(decodePacket(DLT_EN10MB, frame.data(), uint32_t(frame.size()), p), Kind::Flow);
    QCOMPARE(p.payload, frame.data() + 14 + 20 + 28);
    QCOMPARE(char(p.payload[0]), 'G');
}

void TestPacketDecoder::ipv4OptionsSkipped()
{
    const Bytes frame = ethernet(ipv4("10.1.1.1", "10.1.1.2", 17, udp(1, 2, Bytes{9, 9}), {Bytes{0x94, 4, 0, 0, 1, 0, 0, 0}}));
    DecodedPacket p;
    QCOMPARE(decodePacket(DLT_EN10MB, frame.data(), uint32_t(frame.size()), p), Kind::Flow);
    QCOMPARE(p.sport, uint16_t(1));
    QCOMPARE(p.dport, uint16_t(2));
    QCOMPARE(p.payloadLength, 2u);
    QCOMPARE(p.payload, frame.data() + 14 + 28 + 8);
}

void TestPacketDecoder::ipv4Fragments()
{
    DecodedPacket p;
    Ipv4Options first;
    first.moreFragments = true;
    QCOMPARE(decode(DLT_RAW, ipv4("10.0.0.1", "10.0.0.2", 17, udp(7, 8, filler(100)), first), p), Kind::Flow);
    QCOMPARE(p.sport, uint16_t(7));
    QVERIFY(p.fragment && p.moreFragments);
    QCOMPARE(p.fragmentId, 0x1234u);
    QCOMPARE(p.fragmentOffset, 0u);
    QCOMPARE(p.fragmentLength, 108u);
    Ipv4Options later;
    later.fragmentOffset = 14; // 112 bytes on: its first bytes are payload, not a UDP header
    QCOMPARE(decode(DLT_RAW, ipv4("10.0.0.1", "10.0.0.2", 17, filler(50), later), p), Kind::Fragment);
    QCOMPARE(p.sport, uint16_t(0));
    QCOMPARE(int(p.proto), 17);
    QVERIFY(p.fragment && !p.moreFragments);
    QCOMPARE(p.fragmentOffset, 112u);
    QCOMPARE(p.fragmentLength, 50u);
    QVERIFY(p.reason.empty());
    // A whole datagram is no fragment; a later fragment of ICMP is no flow's business.
    QCOMPARE(decode(DLT_RAW, ipv4("10.0.0.1", "10.0.0.2", 17, udp(7, 8)), p), Kind::Flow);
    QVERIFY(!p.fragment);
    QCOMPARE(decode(DLT_RAW, ipv4("10.0.0.1", "10.0.0.2", 1, filler(50), later), p), Kind::Other);
    // After an IPv6 packet, an IPv4 one's address bytes 4-15 are zero (fragment keys use all 16).
    QCOMPARE(decode(DLT_RAW, ipv6("2001:db8::a", "2001:db8::b", 17, udp(1, 2)), p), Kind::Flow);
    QCOMPARE(decode(DLT_RAW, ipv4("10.0.0.1", "10.0.0.2", 17, filler(50), later), p), Kind::Fragment);
    QCOMPARE(Bytes(p.src + 4, p.src + 16), Bytes(12, 0));
    QCOMPARE(Bytes(p.dst + 4, p.dst + 16), Bytes(12, 0));
}

void TestPacketDecoder::ipv6ExtensionHeaders()
{
    const Bytes frame = ethernet(ipv6("2001:db8::a", "2001:db8::b", 17, udp(3000, 4000, filler(3)), {0, 43, 60, 44}));
    DecodedPacket p;
    QCOMPARE(decode(DLT_EN10MB, frame, p), Kind::Flow);
    QCOMPARE(int(p.proto), 17);
    QCOMPARE(p.sport, uint16_t(3000));
    QCOMPARE(p.dport, uint16_t(4000));
    QCOMPARE(p.payloadLength, 3u);
}

void TestPacketDecoder::ipv6Fragments()
{
    DecodedPacket p;
    QCOMPARE(decode(DLT_IPV6, ipv6("2001:db8::a", "2001:db8::b", 17, filler(40), {44}, 100, false), p), Kind::Fragment);
    QVERIFY(p.fragment && !p.moreFragments);
    QCOMPARE(p.fragmentId, 0xabcdu);
    QCOMPARE(p.fragmentOffset, 800u);
    QCOMPARE(p.fragmentLength, 40u);
    QCOMPARE(decode(DLT_IPV6, ipv6("2001:db8::a", "2001:db8::b", 17, udp(1, 2, filler(40)), {0, 44}, 0, true), p), Kind::Flow);
    QVERIFY(p.fragment && p.moreFragments);
    QCOMPARE(p.fragmentLength, 48u);
    QCOMPARE(decode(DLT_IPV6, ipv6("2001:db8::a", "2001:db8::b", 58, filler(8)), p), Kind::Other); // ICMPv6
}

void TestPacketDecoder::snapLengthBoundsPayload()
{
    const Bytes frame = tcpFrame("10.0.0.1", 1000, "10.0.0.2", 80, kTcpAck, 1400);
    DecodedPacket p;
    QCOMPARE(decode(DLT_EN10MB, frame, p, 600), Kind::Flow);
    QCOMPARE(p.payloadLength, uint32_t(600 - 14 - 20 - 20));
    QCOMPARE(p.payloadWireLength, 1400u);
    // Cut inside the TCP options: still the flow packet, empty payload.
    const Bytes withOptions = ethernet(ipv4("10.0.0.1", "10.0.0.2", 6, tcp(1, 2, kTcpSyn, {}, Bytes(20, 1))));
    QCOMPARE(decode(DLT_EN10MB, withOptions, p, 14 + 20 + 30), Kind::Flow);
    QCOMPARE(p.payloadLength, 0u);
    QCOMPARE(p.tcpFlags, uint8_t(kTcpSyn));
}

void TestPacketDecoder::ethernetPaddingNotPayload()
{
    Bytes frame = udpFrame("10.0.0.1", 9, "10.0.0.2", 10, Bytes{1});
    frame.resize(60, 0); // the NIC pads to the Ethernet minimum
    DecodedPacket p;
    QCOMPARE(decode(DLT_EN10MB, frame, p), Kind::Flow);
    QCOMPARE(p.payloadLength, 1u);
    QCOMPARE(p.payloadWireLength, 1u);
}

void TestPacketDecoder::notFlowPackets()
{
    DecodedPacket p;
    QCOMPARE(decode(DLT_EN10MB, ethernet(filler(28), {}, 0x0806), p), Kind::Other);            // ARP
    QCOMPARE(decode(DLT_EN10MB, ethernet(ipv4("1.1.1.1", "2.2.2.2", 1, filler(8))), p), Kind::Other); // ICMP
    QCOMPARE(decode(DLT_EN10MB, ethernet(filler(40), {}, 0x0040), p), Kind::Other);            // 802.3 length
    QCOMPARE(decode(147, filler(64), p), Kind::Other);                                         // DLT_USER0
    QCOMPARE(decode(DLT_NULL, bsdLoopback(filler(20), 7, false), p), Kind::Other);             // unknown AF
    QVERIFY(p.reason.empty());
    // The import warns about a file of a link type it cannot decode (not "0 flows" silently).
    for (int known : {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, kLinkTypeRawFile, DLT_IPV4, DLT_IPV6, DLT_NULL})
        QVERIFY2(linkTypeDecoded(known), std::to_string(known).c_str());
    QVERIFY(!linkTypeDecoded(147));                 // DLT_USER0
    QVERIFY(!linkTypeDecoded(DLT_IEEE802_11_RADIO)); // Wi-Fi with radiotap
    QVERIFY(!linkTypeDecoded(DLT_PPP_ETHER));        // PPPoE
}

void TestPacketDecoder::malformed_data()
{
    QTest::addColumn<int>("linkType");
    QTest::addColumn<Bytes>("frame");
    QTest::addColumn<QString>("reason");

    Ipv4Options shortHeader;
    shortHeader.headerLengthWords = 1;
    QTest::newRow("IPv4 IHL 1") << DLT_EN10MB << ethernet(ipv4("1.1.1.1", "2.2.2.2", 6, tcp(1, 2, 0), shortHeader))
                                << "IPv4 header length 4 < 20";
    Ipv4Options badTotal;
    badTotal.totalLength = 12;
    QTest::newRow("IPv4 total < header") << DLT_RAW << ipv4("1.1.1.1", "2.2.2.2", 6, tcp(1, 2, 0), badTotal)
                                         << "IPv4 total length 12 < header length 20";
    Ipv4Options tinySegment;
    tinySegment.totalLength = 30;
    QTest::newRow("TCP segment shorter than its header") << DLT_RAW << ipv4("1.1.1.1", "2.2.2.2", 6, tcp(1, 2, 0), tinySegment)
                                                         << "TCP segment of 10 bytes < 20-byte header";
    Bytes badOffset = tcp(1, 2, 0);
    badOffset[12] = 0x20;
    QTest::newRow("TCP data offset 2") << DLT_RAW << ipv4("1.1.1.1", "2.2.2.2", 6, badOffset) << "TCP header length 8 < 20";
    Bytes badUdp = udp(1, 2, filler(4));
    badUdp[4] = 0;
    badUdp[5] = 3;
    QTest::newRow("UDP length 3") << DLT_RAW << ipv4("1.1.1.1", "2.2.2.2", 17, badUdp) << "UDP length 3 < 8";
    QTest::newRow("Ethernet 10 bytes") << DLT_EN10MB << filler(10) << "Ethernet header cut short: 10 of 14 bytes captured";
    QTest::newRow("VLAN tag cut") << DLT_EN10MB << Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0, 0, 1}
                                  << "VLAN tag cut short: 16 of 18 bytes captured";
    Bytes cutIpv4 = ethernet(ipv4("1.1.1.1", "2.2.2.2", 6, {}));
    cutIpv4.resize(30);
    QTest::newRow("IPv4 header cut") << DLT_EN10MB << cutIpv4 << "IPv4 header cut short: 16 of 20 bytes captured";
    Bytes v6 = ipv6("::1", "::2", 17, udp(1, 2), {0});
    v6[41] = 5; // hop-by-hop claims 48 bytes
    QTest::newRow("IPv6 ext header past the end") << DLT_IPV6 << v6 << "IPv6 extension header 0 cut short: 16 of 48 bytes captured";
    QTest::newRow("raw version 5") << DLT_RAW << Bytes{0x50, 0, 0, 0} << "raw IP version field 5";
    QTest::newRow("SLL cut") << DLT_LINUX_SLL << filler(15) << "Linux cooked header cut short: 15 of 16 bytes captured";
}

void TestPacketDecoder::malformed()
{
    QFETCH(int, linkType);
    QFETCH(Bytes, frame);
    QFETCH(QString, reason);
    DecodedPacket p;
    QCOMPARE(decode(linkType, frame, p), Kind::Malformed);
    QCOMPARE(QString::fromStdString(p.reason), reason);
}

void TestPacketDecoder::everyPrefixIsSafe()
{
    const std::vector<std::pair<int, Bytes>> frames = {
        {DLT_EN10MB, ethernet(ipv6("2001:db8::1", "2001:db8::2", 17, udp(1, 53, filler(30)), {0, 60, 44}), {0x88a8, 0x8100})},
        {DLT_LINUX_SLL2, sll2(ipv4("10.0.0.1", "10.0.0.2", 6, tcp(1, 2, kTcpSyn, filler(10), Bytes(12, 1)), {Bytes(8, 1)}))},
        {DLT_NULL, bsdLoopback(ipv4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, filler(3))), 2, false)},
    };
    int flows = 0;
    for (const auto &[linkType, frame] : frames) {
        for (size_t n = 0; n <= frame.size(); ++n) {
            DecodedPacket p;
            const Kind kind = decode(linkType, frame, p, n);
            QVERIFY2(kind != Kind::Other, qPrintable(QString("prefix %1 decoded as Other").arg(n)));
            QVERIFY(kind == Kind::Flow || !p.reason.empty());
            flows += kind == Kind::Flow;
        }
    }
    QVERIFY(flows > 3); // the full frames and the ones cut only inside the payload
}

void TestPacketDecoder::randomBytesAreSafe()
{
    // Valid frames with a few random bytes changed and a random captured length.
    const std::vector<std::pair<int, Bytes>> seeds = {
        {DLT_EN10MB, ethernet(ipv6("2001:db8::1", "2001:db8::2", 17, udp(1, 53, filler(30)), {0, 43, 44}), {0x8100})},
        {DLT_EN10MB, tcpFrame("10.0.0.1", 1, "10.0.0.2", 2, kTcpSyn, 20)},
        {DLT_LINUX_SLL, sll(ipv4("10.0.0.1", "10.0.0.2", 6, tcp(1, 2, kTcpSyn, filler(10), Bytes(12, 1)), {Bytes(8, 1)}))},
        {DLT_LINUX_SLL2, sll2(ipv6("::1", "::2", 6, tcp(1, 2, kTcpAck, filler(5))))},
        {DLT_NULL, bsdLoopback(ipv4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, filler(3))), 2, false)},
        {DLT_RAW, ipv4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, filler(3)))},
    };
    uint64_t state = 0x1234567;
    auto next = [&state] {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return uint32_t(state >> 33);
    };
    int outcomes[4] = {};
    for (int i = 0; i < 50000; ++i) {
        const auto &[linkType, seed] = seeds[size_t(i) % seeds.size()];
        Bytes frame = seed;
        for (uint32_t flips = 1 + next() % 3; flips > 0; --flips)
            frame[next() % frame.size()] = uint8_t(next());
        DecodedPacket p;
        ++outcomes[int(decode(linkType, frame, p, next() % (frame.size() + 1)))];
    }
    qInfo("mutated frames: %d flow, %d other, %d fragment, %d malformed", outcomes[int(Kind::Flow)],
          outcomes[int(Kind::Other)], outcomes[int(Kind::Fragment)], outcomes[int(Kind::Malformed)]);
    QVERIFY(outcomes[int(Kind::Flow)] > 0 && outcomes[int(Kind::Other)] > 0 && outcomes[int(Kind::Malformed)] > 0);
}

QTEST_GUILESS_MAIN(TestPacketDecoder)
#include "tst_packet_decoder.moc"
