// FlowAggregator: bidirectional flows as tshark's conversations count them, their end
// (FIN/FIN, RST, inactivity), periodic snapshots, and passive DNS labels.
#include "flow_test_run.h"

#include <QElapsedTimer>
#include <QTest>
#include <pcap/dlt.h>

#include <ctime>

using namespace provscope;
using namespace test;

namespace {
int64_t threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return int64_t(ts.tv_sec) * kSec + ts.tv_nsec;
}

} // namespace

class TestFlowAggregator : public QObject {
    Q_OBJECT

private slots:
    void perDirectionCounts();
    void synAckFirstMakesReceiverInitiator();
    void udpFirstSenderInitiates();
    void finFinAckIsOneFlow();
    void rstEndsFlow();
    void synRetransmissionSameFlow();
    void portReuseAfterEndIsNewFlow();
    void inactivityTimeout();
    void periodicFlushKeepsKeys();
    void vlanAndIpv6ExtensionHeaders();
    void truncatedFramesCountWireLength();
    void malformedAndOtherFrames();
    void ipv4FragmentsCountOnceLikeTshark();
    void ipv6FragmentsAndIncompleteDatagrams();
    void endedFlowsHandedOutPromptly();
    void openFlowCapEvictsLeastRecent();
    void unansweredSynsEndSooner();
    void idleConnectionKeepsItsInitiator();
    void midStreamFirstPacketPortsDecide();
    void throughput();
};

void TestFlowAggregator::perDirectionCounts()
{
    FlowAggregatorOptions o;
    o.bootToEpochNs = kT0 - 5 * kSec; // the boot was 5 s before kT0
    o.firstKey = 41;
    Run run(o);
    const auto [out, in] = tcpConversation(run, kT0, 40001);
    run.finish();
    QCOMPARE(run.flows.size(), size_t(1));
    const Flow &f = run.flows[0];
    QCOMPARE(f.key, uint64_t(41));
    QCOMPARE(f.proto, kProtoTcp);
    QCOMPARE(f.src, std::string(kClient));
    QCOMPARE(f.sport, uint16_t(40001));
    QCOMPARE(f.dst, std::string(kServer));
    QCOMPARE(f.dport, uint16_t(80));
    QCOMPARE(f.packetsOut, uint64_t(5));
    QCOMPARE(f.packetsIn, uint64_t(3));
    QCOMPARE(f.bytesOut, out);
    QCOMPARE(f.bytesIn, in);
    QCOMPARE(f.tcpFlags, uint8_t(kTcpSyn | kTcpAck | kTcpPsh | kTcpFin));
    QCOMPARE(f.firstNs, 5 * kSec + 1000);
    QCOMPARE(f.lastNs, 5 * kSec + 8000);
    QVERIFY(f.ended);
    QCOMPARE(f.interfaceName, std::string("eth0"));
    QCOMPARE(run.aggregator.stats().flowPackets, uint64_t(8));
}

void TestFlowAggregator::synAckFirstMakesReceiverInitiator()
{
    Run run;
    run.add(kT0, tcpFrame(kServer, 80, kClient, 40002, kTcpSyn | kTcpAck)); // capture started after the SYN
    run.add(kT0 + 1, tcpFrame(kClient, 40002, kServer, 80, kTcpAck));
    run.add(kT0 + 2, tcpFrame(kServer, 80, kClient, 40002, kTcpAck, 10));
    run.finish();
    QCOMPARE(run.flows.size(), size_t(1));
    QCOMPARE(run.flows[0].src, std::string(kClient));
    QCOMPARE(run.flows[0].sport, uint16_t(40002));
    QCOMPARE(run.flows[0].packetsOut, uint64_t(1));
    QCOMPARE(run.flows[0].packetsIn, uint64_t(2));
    QVERIFY(!run.flows[0].ended);
}

void TestFlowAggregator::udpFirstSenderInitiates()
{
    Run run;
    // The higher address:port sends first: the key's order must not decide the initiator.
    run.add(kT0, udpFrame("10.9.9.9", 5000, "10.0.0.1", 6000, filler(10)));
    run.add(kT0 + 1, udpFrame("10.0.0.1", 6000, "10.9.9.9", 5000, filler(20)));
    run.add(kT0 + 2, udpFrame("10.0.0.1", 6000, "10.9.9.9", 5000, filler(20)));
    run.finish();
    QCOMPARE(run.flows.size(), size_t(1));
    QCOMPARE(run.flows[0].src, std::string("10.9.9.9"));
    QCOMPARE(run.flows[0].dport, uint16_t(6000));
    QCOMPARE(run.flows[0].packetsOut, uint64_t(1));
    QCOMPARE(run.flows[0].packetsIn, uint64_t(2));
    QCOMPARE(run.flows[0].bytesIn, uint64_t(2 * (14 + 20 + 8 + 20)));
}

void TestFlowAggregator::finFinAckIsOneFlow()
{
    Run run;
    tcpConversation(run, kT0, 40003);
    run.collect(kT0 + kSec); // within closeLinger (2 s): nothing yet
    QCOMPARE(run.flows.size(), size_t(0));
    run.add(kT0 + kSec, tcpFrame(kClient, 40003, kServer, 80, kTcpAck)); // a late duplicate ACK
    run.collect(kT0 + 3 * kSec);
    QCOMPARE(run.flows.size(), size_t(1));
    QVERIFY(run.flows[0].ended);
    QCOMPARE(run.flows[0].packets(), uint64_t(9));
    QCOMPARE(run.aggregator.openFlows(), size_t(0));
    run.finish();
    QCOMPARE(run.flows.size(), size_t(1));
}

void TestFlowAggregator::rstEndsFlow()
{
    Run run;
    tcpConversation(run, kT0, 40004, true);
    run.collect(kT0 + 3 * kSec);
    QCOMPARE(run.flows.size(), size_t(1));
    QVERIFY(run.flows[0].ended);
    QVERIFY(run.flows[0].tcpFlags & kTcpRst);
    QCOMPARE(run.flows[0].packets(), uint64_t(6));
}

void TestFlowAggregator::synRetransmissionSameFlow()
{
    Run run;
    run.add(kT0, tcpFrame(kClient, 40005, kServer, 80, kTcpSyn));
    run.add(kT0 + kSec, tcpFrame(kClient, 40005, kServer, 80, kTcpSyn));
    run.add(kT0 + 3 * kSec, tcpFrame(kClient, 40005, kServer, 80, kTcpSyn));
    run.finish();
    QCOMPARE(run.flows.size(), size_t(1));
    QCOMPARE(run.flows[0].packetsOut, uint64_t(3));
}

void TestFlowAggregator::portReuseAfterEndIsNewFlow()
{
    FlowAggregatorOptions o;
    o.firstKey = 100;
    Run run(o);
    tcpConversation(run, kT0, 40006);
    // The same 5-tuple again right away (within the linger): the SYN starts a new flow.
    tcpConversation(run, kT0 + kSec / 2, 40006);
    // And once more long after, opened by the server side this time (a UDP-like reuse).
    run.add(kT0 + 10 * kSec, tcpFrame(kServer, 80, kClient, 40006, kTcpSyn));
    run.collect(kT0 + 20 * kSec);
    run.finish();
    QCOMPARE(run.flows.size(), size_t(3));
    std::sort(run.flows.begin(), run.flows.end(), [](const Flow &a, const Flow &b) { return a.key < b.key; });
    QCOMPARE(run.flows[0].key, uint64_t(100));
    QCOMPARE(run.flows[1].key, uint64_t(101));
    QCOMPARE(run.flows[2].key, uint64_t(102));
    QCOMPARE(run.flows[0].packets(), uint64_t(8));
    QCOMPARE(run.flows[1].packets(), uint64_t(8));
    QVERIFY(run.flows[0].ended && run.flows[1].ended);
    QCOMPARE(run.flows[2].src, std::string(kServer));
    QVERIFY(!run.flows[2].ended);
}

void TestFlowAggregator::inactivityTimeout()
{
    FlowAggregatorOptions o;
    o.inactivityTimeoutNs = 30 * kSec;
    Run run(o);
    run.add(kT0, udpFrame(kClient, 7000, kServer, 7001, filler(4)));
    run.add(kT0 + 5 * kSec, udpFrame("10.1.1.1", 1, "10.1.1.2", 2, filler(4)));
    run.add(kT0 + 10 * kSec, udpFrame(kServer, 7001, kClient, 7000, filler(4)));
    run.collect(kT0 + 36 * kSec); // the second flow idle 31 s, the first 26 s
    QCOMPARE(run.flows.size(), size_t(1));
    QCOMPARE(run.flows[0].src, std::string("10.1.1.1"));
    QVERIFY(run.flows[0].ended);
    QCOMPARE(run.aggregator.openFlows(), size_t(1));
    // A packet after the timeout without a collect in between: a new flow all the same.
    run.add(kT0 + 50 * kSec, udpFrame(kClient, 7000, kServer, 7001, filler(4)));
    run.finish();
    QCOMPARE(run.flows.size(), size_t(3));
    QCOMPARE(run.flows[1].packets(), uint64_t(2));
    QVERIFY(run.flows[1].ended);
    QCOMPARE(run.flows[2].packets(), uint64_t(1));
    QVERIFY(!run.flows[2].ended);
    QVERIFY(run.flows[1].key != run.flows[2].key);
}

void TestFlowAggregator::periodicFlushKeepsKeys()
{
    FlowAggregatorOptions o;
    o.flushIntervalNs = 60 * kSec;
    Run run(o);
    run.add(kT0, tcpFrame(kClient, 40007, kServer, 80, kTcpSyn));
    run.add(kT0 + 1, tcpFrame(kServer, 80, kClient, 40007, kTcpSyn | kTcpAck));
    run.add(kT0 + 2, udpFrame(kClient, 9, kServer, 9, filler(1)));
    run.collect(kT0 + 30 * kSec);
    QCOMPARE(run.flows.size(), size_t(0)); // no flush due yet
    run.collect(kT0 + 61 * kSec);
    QCOMPARE(run.flows.size(), size_t(2));
    for (const Flow &f : run.flows)
        QVERIFY(!f.ended);
    const uint64_t tcpKey = run.flows[0].proto == kProtoTcp ? run.flows[0].key : run.flows[1].key;
    run.flows.clear();
    // Only the TCP flow changes; the next flush re-sends it alone, under the same key.
    run.add(kT0 + 70 * kSec, tcpFrame(kClient, 40007, kServer, 80, kTcpAck, 10));
    run.collect(kT0 + 122 * kSec);
    QCOMPARE(run.flows.size(), size_t(1));
    QCOMPARE(run.flows[0].key, tcpKey);
    QCOMPARE(run.flows[0].packets(), uint64_t(3));
    QVERIFY(!run.flows[0].ended);
    run.flows.clear();
    run.add(kT0 + 130 * kSec, tcpFrame(kClient, 40007, kServer, 80, kTcpRst));
    run.collect(kT0 + 140 * kSec);
    QCOMPARE(run.flows.size(), size_t(1));
    QCOMPARE(run.flows[0].key, tcpKey);
    QVERIFY(run.flows[0].ended);
}

void TestFlowAggregator::vlanAndIpv6ExtensionHeaders()
{
    Run run;
    const Bytes out = ethernet(ipv6("2001:db8::1", "2001:db8::2", 17, udp(5353, 8080, filler(9)), {0, 60}), {0x8100});
    const Bytes back = ethernet(ipv6("2001:db8::2", "2001:db8::1", 17, udp(8080, 5353, filler(9)), {43}), {0x88a8, 0x8100});
    run.add(kT0, out);
    run.add(kT0 + 1, back);
    run.finish();
    QCOMPARE(run.flows.size(), size_t(1));
    QCOMPARE(run.flows[0].src, std::string("2001:db8::1"));
    QCOMPARE(run.flows[0].bytesOut, uint64_t(out.size()));
    QCOMPARE(run.flows[0].bytesIn, uint64_t(back.size()));
}

void TestFlowAggregator::truncatedFramesCountWireLength()
{
    Run run;
    const Bytes big = tcpFrame(kServer, 80, kClient, 40008, kTcpAck, 1448);
    run.add(kT0, tcpFrame(kClient, 40008, kServer, 80, kTcpSyn));
    run.add(kT0 + 1, big, uint32_t(big.size()), 96); // snap length 96
    run.add(kT0 + 2, big, uint32_t(big.size()), 50); // cut inside the TCP header: malformed
    run.finish();
    QCOMPARE(run.flows.size(), size_t(1));
    QCOMPARE(run.flows[0].packetsIn, uint64_t(1));
    QCOMPARE(run.flows[0].bytesIn, uint64_t(14 + 20 + 20 + 1448));
    QCOMPARE(run.aggregator.stats().malformedFrames, uint64_t(1));
}

void TestFlowAggregator::malformedAndOtherFrames()
{
    Run run;
    Ipv4Options bad;
    bad.headerLengthWords = 1;
    run.add(kT0, tcpFrame(kClient, 1, kServer, 2, kTcpSyn));
    run.add(kT0 + 1, ethernet(ipv4(kClient, kServer, 6, tcp(1, 2, 0), bad)));
    run.add(kT0 + 2, ethernet(filler(28), {}, 0x0806));
    run.add(kT0 + 3, filler(8));
    const FlowAggregatorStats &s = run.aggregator.stats();
    QCOMPARE(s.frames, uint64_t(4));
    QCOMPARE(s.flowPackets, uint64_t(1));
    QCOMPARE(s.otherFrames, uint64_t(1));
    QCOMPARE(s.malformedFrames, uint64_t(2));
    QCOMPARE(s.firstMalformed, std::string("frame 2: IPv4 header length 4 < 20"));
}

namespace {
// An IPv4 datagram cut into fragments at the given byte offsets (multiples of 8).
std::vector<Bytes> ipv4Fragments(const char *src, const char *dst, const Bytes &datagram, std::vector<size_t> cuts)
{
    std::vector<Bytes> frames;
    cuts.push_back(datagram.size());
    size_t start = 0;
    for (size_t end : cuts) {
        Ipv4Options o;
        o.fragmentOffset = uint16_t(start / 8);
        o.moreFragments = end != datagram.size();
        frames.push_back(ethernet(ipv4(src, dst, 17, Bytes(datagram.begin() + long(start), datagram.begin() + long(end)), o)));
        start = end;
    }
    return frames;
}
} // namespace

void TestFlowAggregator::ipv4FragmentsCountOnceLikeTshark()
{
    // A DNS response of 100 A records (1.6 kB) in three fragments, the middle one last.
    std::vector<DnsRr> answers;
    for (int i = 0; i < 100; ++i)
        answers.push_back({dnsPointer(12), kDnsTypeA, 30, address(("10.20.0." + std::to_string(i)).c_str())});
    const Bytes datagram = udp(53, 44444, dnsResponse("big.example", kDnsTypeA, answers));
    const std::vector<Bytes> f = ipv4Fragments("10.0.0.53", kClient, datagram, {800, 1600});
    Run run;
    run.add(kT0, f[0]);
    run.add(kT0 + 1, f[2]);
    run.add(kT0 + 2, f[1]); // completes the datagram
    run.add(kT0 + 3, tcpFrame(kClient, 40020, "10.20.0.7", 443, kTcpSyn));
    run.finish();
    QCOMPARE(run.flows.size(), size_t(2));
    const Flow &u = run.flows[0];
    QCOMPARE(u.proto, kProtoUdp);
    QCOMPARE(u.src, std::string("10.0.0.53"));
    QCOMPARE(u.sport, uint16_t(53));
    QCOMPARE(u.dport, uint16_t(44444));
    QCOMPARE(u.packets(), uint64_t(1));         // one datagram, as tshark's reassembly counts it ...
    QCOMPARE(u.bytes(), uint64_t(f[1].size())); // ... with the completing frame's length and time
    QCOMPARE(u.firstNs, kT0 + 2);
    QCOMPARE(run.aggregator.stats().flowPackets, uint64_t(2));
    QCOMPARE(run.aggregator.stats().otherFrames, uint64_t(2));
    // The first fragment's answers are parsed as far as they go: 47 of 100 fit in 800 bytes.
    QCOMPARE(run.dns.size(), size_t((800 - 8 - 12 - 17) / 16));
    QCOMPARE(run.flows[1].dnsName, std::string("big.example"));

    // IPv6 packets between the fragments (of other addresses) do not split the datagram.
    Run mixed;
    mixed.add(kT0, f[0]);
    mixed.add(kT0 + 1, udpFrame("2001:db8::1", 1, "2001:db8::2", 2, filler(10)));
    mixed.add(kT0 + 2, f[1]);
    mixed.add(kT0 + 3, udpFrame("2001:db8::3", 1, "2001:db8::4", 2, filler(10)));
    mixed.add(kT0 + 4, f[2]);
    mixed.finish();
    QCOMPARE(mixed.flows.size(), size_t(3));
    QCOMPARE(mixed.flows[2].sport, uint16_t(53));
    QCOMPARE(mixed.flows[2].packets(), uint64_t(1));

    // A duplicated first fragment does not stand in for the missing middle one.
    const std::vector<Bytes> g = ipv4Fragments("10.0.0.7", kClient, udp(1, 2, filler(1592)), {800, 1200});
    Run dup;
    dup.add(kT0, g[0]);
    dup.add(kT0 + 1, g[0]);
    dup.add(kT0 + 2, g[2]);
    QCOMPARE(dup.aggregator.stats().flowPackets, uint64_t(0));
    dup.add(kT0 + 3, g[1]); // now complete: counted once
    dup.finish();
    QCOMPARE(dup.flows.size(), size_t(1));
    QCOMPARE(dup.flows[0].packets(), uint64_t(1));
    QCOMPARE(dup.flows[0].bytes(), uint64_t(g[1].size()));
}

void TestFlowAggregator::ipv6FragmentsAndIncompleteDatagrams()
{
    Run run;
    const Bytes datagram = udp(5000, 6000, filler(100));
    const Bytes first(datagram.begin(), datagram.begin() + 64), rest(datagram.begin() + 64, datagram.end());
    run.add(kT0, ethernet(ipv6("2001:db8::1", "2001:db8::2", 17, first, {44}, 0, true)));
    run.add(kT0 + 1, ethernet(ipv6("2001:db8::1", "2001:db8::2", 17, rest, {44}, 8, false)));
    // A datagram whose last fragment never comes: in no flow (tshark shows no conversation).
    Ipv4Options o;
    o.moreFragments = true;
    run.add(kT0 + 2, ethernet(ipv4("10.3.3.3", "10.4.4.4", 17, udp(1, 2, filler(200)), o)));
    run.collect(kT0 + 40 * kSec); // the pending fragment expires (30 s)
    run.finish();
    QCOMPARE(run.flows.size(), size_t(1));
    QCOMPARE(run.flows[0].src, std::string("2001:db8::1"));
    QCOMPARE(run.flows[0].sport, uint16_t(5000));
    QCOMPARE(run.flows[0].packets(), uint64_t(1));
    QCOMPARE(run.aggregator.stats().flowPackets, uint64_t(1));
    QCOMPARE(run.aggregator.stats().otherFrames, uint64_t(2));
}

void TestFlowAggregator::endedFlowsHandedOutPromptly()
{
    Run run;
    size_t maxOpen = 0, handedOut = 0;
    int64_t t = kT0;
    for (int i = 0; i < 20000; ++i) {
        tcpConversation(run, t, uint16_t(1024 + i % 60000));
        t += 10'000'000; // 10 ms apart
        if (i % 100 == 0) {
            run.collect(t);
            handedOut += run.flows.size();
            run.flows.clear();
        }
        maxOpen = std::max(maxOpen, run.aggregator.openFlows());
    }
    run.finish();
    handedOut += run.flows.size();
    QCOMPARE(handedOut, size_t(20000));
    // closeLinger 2 s at 100 connections/s: about 200 flows wait, never all 20000.
    QVERIFY2(maxOpen <= 400, qPrintable(QString::number(maxOpen)));
}

void TestFlowAggregator::openFlowCapEvictsLeastRecent()
{
    FlowAggregatorOptions o;
    o.maxOpenFlows = 100;
    Run run(o);
    auto open = [&](int64_t t, uint16_t sport) {
        run.add(t, tcpFrame(kClient, sport, kServer, 80, kTcpSyn));
        run.add(t + 1, tcpFrame(kServer, 80, kClient, sport, kTcpSyn | kTcpAck));
    };
    for (int i = 0; i < 150; ++i) {
        open(kT0 + i * 1000, uint16_t(20000 + i));
        if (i == 90) // the first connection is active again: not the least recent any more
            run.add(kT0 + i * 1000 + 2, tcpFrame(kClient, 20000, kServer, 80, kTcpAck, 10));
        QVERIFY(run.aggregator.openFlows() <= 100);
    }
    QCOMPARE(run.aggregator.stats().evictedFlows, uint64_t(50));
    run.collect(kT0 + kSec);
    QCOMPARE(run.flows.size(), size_t(50));
    for (size_t i = 0; i < run.flows.size(); ++i) {
        QVERIFY(run.flows[i].ended);
        QCOMPARE(run.flows[i].sport, uint16_t(20001 + i)); // oldest activity first
        QCOMPARE(run.flows[i].packets(), uint64_t(2));
    }
    run.flows.clear();
    run.finish();
    QCOMPARE(run.flows.size(), size_t(100));
    QCOMPARE(run.flows[0].sport, uint16_t(20000));
    QCOMPARE(run.flows[0].packets(), uint64_t(3));
    QVERIFY(!run.flows[0].ended);

    // A SYN flood of 100,000 ports against a cap of 1,000: the table stays at the cap.
    o.maxOpenFlows = 1000;
    Run flood(o);
    size_t maxOpen = 0;
    for (int i = 0; i < 100'000; ++i) {
        flood.add(kT0 + i * 1000, tcpFrame(i < 60000 ? "10.9.0.1" : "10.9.0.2", uint16_t(1024 + i % 60000), kServer, 443, kTcpSyn));
        maxOpen = std::max(maxOpen, flood.aggregator.openFlows());
        if (i % 10'000 == 0)
            flood.collect(kT0 + i * 1000);
    }
    flood.finish();
    QCOMPARE(maxOpen, size_t(1000));
    QCOMPARE(flood.aggregator.stats().evictedFlows, uint64_t(99'000));
    QCOMPARE(flood.flows.size(), size_t(100'000)); // every SYN still is a flow, handed out once
}

void TestFlowAggregator::unansweredSynsEndSooner()
{
    FlowAggregatorOptions o;
    o.flushIntervalNs = 0; // only ended flows are handed out
    Run run(o);
    run.add(kT0, tcpFrame(kClient, 30001, kServer, 81, kTcpSyn));
    run.add(kT0 + 31 * kSec, tcpFrame(kClient, 30001, kServer, 81, kTcpSyn)); // Linux's 6th retry, 32 s on
    run.add(kT0, tcpFrame(kClient, 30002, kServer, 80, kTcpSyn));
    run.add(kT0 + 1, tcpFrame(kServer, 80, kClient, 30002, kTcpSyn | kTcpAck)); // answered: the long timeout
    run.collect(kT0 + 60 * kSec);
    QCOMPARE(run.flows.size(), size_t(0)); // the retry 29 s ago keeps it open
    run.collect(kT0 + 72 * kSec);
    QCOMPARE(run.flows.size(), size_t(1));
    QCOMPARE(run.flows[0].dport, uint16_t(81));
    QCOMPARE(run.flows[0].packets(), uint64_t(2));
    QVERIFY(run.flows[0].ended);
    QCOMPARE(run.aggregator.openFlows(), size_t(1));
    QCOMPARE(run.aggregator.stats().evictedFlows, uint64_t(0));
}

void TestFlowAggregator::idleConnectionKeepsItsInitiator()
{
    // An ssh session idle 400 s (> the 300 s timeout), then the server speaks first: the
    // second flow's initiator is still the client, with or without a collect in between.
    for (bool collectBetween : {false, true}) {
        Run run;
        run.add(kT0, tcpFrame(kClient, 40001, kServer, 2222, kTcpSyn));
        run.add(kT0 + 1, tcpFrame(kServer, 2222, kClient, 40001, kTcpSyn | kTcpAck));
        run.add(kT0 + 2, tcpFrame(kClient, 40001, kServer, 2222, kTcpAck));
        if (collectBetween)
            run.collect(kT0 + 350 * kSec);
        run.add(kT0 + 400 * kSec, tcpFrame(kServer, 2222, kClient, 40001, kTcpPsh | kTcpAck, 100));
        run.add(kT0 + 400 * kSec + 1, tcpFrame(kClient, 40001, kServer, 2222, kTcpAck));
        run.finish();
        QCOMPARE(run.flows.size(), size_t(2));
        QCOMPARE(run.flows[1].src, std::string(kClient));
        QCOMPARE(run.flows[1].sport, uint16_t(40001));
        QCOMPARE(run.flows[1].packetsIn, uint64_t(1));
        QCOMPARE(run.flows[1].packetsOut, uint64_t(1));
    }
}

void TestFlowAggregator::midStreamFirstPacketPortsDecide()
{
    // Capture started mid-connection, no history: the well-known port's side, else the
    // lower port's, is the responder.
    Run run;
    run.add(kT0, tcpFrame(kServer, 443, kClient, 50000, kTcpAck, 100));
    run.add(kT0 + 1, tcpFrame(kServer, 5432, kClient, 40000, kTcpPsh | kTcpAck, 10));
    run.add(kT0 + 2, tcpFrame(kClient, 1000, kServer, 1001, kTcpAck)); // both well-known: the lower
    run.add(kT0 + 3, udpFrame(kServer, 53, kClient, 50001, filler(4))); // UDP: the first sender
    run.finish();
    QCOMPARE(run.flows.size(), size_t(4));
    QCOMPARE(run.flows[0].src, std::string(kClient));
    QCOMPARE(run.flows[0].dport, uint16_t(443));
    QCOMPARE(run.flows[0].packetsIn, uint64_t(1));
    QCOMPARE(run.flows[1].src, std::string(kClient));
    QCOMPARE(run.flows[1].dport, uint16_t(5432));
    QCOMPARE(run.flows[2].src, std::string(kServer));
    QCOMPARE(run.flows[2].dport, uint16_t(1000));
    QCOMPARE(run.flows[3].src, std::string(kServer));
    QCOMPARE(run.flows[3].sport, uint16_t(53));
}

void TestFlowAggregator::throughput()
{
    // 1M frames over 100k UDP/TCP flows of 10 packets, interleaved like a busy link.
    constexpr int kFlows = 100'000, kPerFlow = 10;
    std::vector<Bytes> frames;
    frames.reserve(2 * 1024);
    for (int i = 0; i < 1024; ++i) { // templates whose addresses get patched per flow
        frames.push_back(i % 2 ? udpFrame("10.0.0.1", 1000, "10.1.0.1", 4500, filler(40))
                               : tcpFrame("10.0.0.1", 1000, "10.1.0.1", 443, kTcpAck, 100));
    }
    Run run;
    QElapsedTimer timer;
    timer.start();
    const int64_t cpuStart = threadCpuNs();
    int64_t t = kT0;
    uint64_t collected = 0;
    for (int round = 0; round < kPerFlow; ++round) {
        for (int flow = 0; flow < kFlows; ++flow) {
            Bytes &f = frames[size_t(flow) % frames.size()];
            const uint32_t id = uint32_t(flow);
            f[14 + 12 + 1] = uint8_t(id >> 16); // source address 10.x.y.z
            f[14 + 12 + 2] = uint8_t(id >> 8);
            f[14 + 12 + 3] = uint8_t(id);
            f[14 + 20] = uint8_t(id >> 8); // source port
            run.add(t += 1000, f);
            if ((flow & 4095) == 0) {
                run.collect(t);
                collected += run.flows.size();
                run.flows.clear();
            }
        }
    }
    run.finish();
    collected += run.flows.size();
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    const double cpuSeconds = double(threadCpuNs() - cpuStart) / 1e9;
    const uint64_t packets = run.aggregator.stats().flowPackets;
    // Wall time includes waiting for a core on a shared machine; CPU time does not.
    qInfo("addFrame: %llu packets into %llu flow records: %.3f s wall (%.0f packets/s), %.3f s CPU (%.0f packets/s)",
          (unsigned long long)packets, (unsigned long long)collected, seconds, double(packets) / seconds, cpuSeconds,
          double(packets) / cpuSeconds);
    QCOMPARE(packets, uint64_t(kFlows) * kPerFlow);
    QCOMPARE(collected, uint64_t(kFlows)); // no flow split, none lost
    QCOMPARE(run.aggregator.stats().malformedFrames, uint64_t(0));
}

QTEST_GUILESS_MAIN(TestFlowAggregator)
#include "tst_flow_aggregator.moc"
