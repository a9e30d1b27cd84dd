// FlowAggregator's passive DNS: records from answers (UDP and TCP), the question name a
// CNAME chain leads back to, and the label each flow gets from earlier answers.
#include "dns_label_map.h"
#include "flow.h"
#include "flow_test_run.h"

#include <QElapsedTimer>
#include <QTest>

#include <map>

using namespace provscope;
using namespace test;

class TestFlowDnsLabels : public QObject {
    Q_OBJECT

private slots:
    void dnsRecordsAndLabel();
    void dnsLabelOnlyFromEarlierAnswers();
    void dnsOverTcp();
    void chainWithoutQuestion();
    void ownerOffTheChainNotTheQuestion();
    void craftedChainIsFast();
    void sharedAddressNamedAsAtTheStart();
    void labelMapEvictsOldestAnswered();
};

void TestFlowDnsLabels::dnsRecordsAndLabel()
{
    FlowAggregatorOptions o;
    o.bootToEpochNs = kT0 - 100 * kSec;
    Run run(o);
    const uint16_t target = 12 + uint16_t(dnsName("www.example.com").size()) + 4 + 12;
    const Bytes answer = dnsResponse("WWW.example.com", kDnsTypeA,
                                     {{dnsPointer(12), kDnsTypeCname, 300, dnsName("edge.cdn.net")},
                                      {dnsPointer(target), kDnsTypeA, 60, address("93.184.216.34")}});
    Bytes query = dnsHeader(0x0100, 1, 0);
    append(query, dnsName("www.example.com"));
    append(query, Bytes{0, 1, 0, 1});
    run.add(kT0, udpFrame(kClient, 33333, "10.0.0.53", 53, query));
    run.add(kT0 + kSec, udpFrame("10.0.0.53", 53, kClient, 33333, answer));
    run.add(kT0 + 2 * kSec, tcpFrame(kClient, 40009, "93.184.216.34", 443, kTcpSyn));
    run.add(kT0 + 3 * kSec, tcpFrame(kClient, 40010, "93.184.216.35", 443, kTcpSyn)); // another address
    run.collect(kT0 + 3 * kSec);
    QCOMPARE(run.dns.size(), size_t(2));
    QCOMPARE(run.dns[0].type, kDnsTypeCname);
    QCOMPARE(run.dns[0].name, std::string("www.example.com"));
    QCOMPARE(run.dns[0].value, std::string("edge.cdn.net"));
    QCOMPARE(run.dns[1].type, kDnsTypeA);
    QCOMPARE(run.dns[1].name, std::string("edge.cdn.net"));
    QCOMPARE(run.dns[1].value, std::string("93.184.216.34"));
    QCOMPARE(run.dns[1].ttl, 60u);
    QCOMPARE(run.dns[1].queryName, std::string("www.example.com"));
    QCOMPARE(run.dns[1].server, std::string("10.0.0.53"));
    QCOMPARE(run.dns[1].tsNs, 101 * kSec);
    run.finish();
    QCOMPARE(run.flows.size(), size_t(3));
    QCOMPARE(run.flows[0].dport, uint16_t(53));
    QCOMPARE(run.flows[0].dnsName, std::string());
    QCOMPARE(run.flows[1].dnsName, std::string("www.example.com")); // the CNAME chain leads back to the question
    QCOMPARE(run.flows[2].dnsName, std::string());
    QCOMPARE(run.aggregator.stats().dnsResponses, uint64_t(1));
    QCOMPARE(run.aggregator.stats().malformedDns, uint64_t(0));
}

void TestFlowDnsLabels::dnsLabelOnlyFromEarlierAnswers()
{
    Run run;
    auto answerFor = [](const char *name, const char *value) {
        return udpFrame("10.0.0.53", 53, kClient, 33334, dnsResponse(name, kDnsTypeA, {{dnsPointer(12), kDnsTypeA, 5, address(value)}}));
    };
    run.add(kT0, tcpFrame(kClient, 40011, "10.7.7.7", 443, kTcpSyn));       // before any answer
    run.add(kT0 + 1 * kSec, answerFor("first.example", "10.8.8.8"));
    run.add(kT0 + 2 * kSec, tcpFrame(kClient, 40012, "10.8.8.8", 443, kTcpSyn));
    run.add(kT0 + 3 * kSec, answerFor("second.example", "10.8.8.8"));      // the same address, a later name
    run.add(kT0 + 4 * kSec, tcpFrame(kClient, 40013, "10.8.8.8", 443, kTcpSyn));
    run.add(kT0 + 5 * kSec, answerFor("late.example", "10.7.7.7"));        // after that flow's last packet
    run.add(kT0 + 6 * kSec, udpFrame("10.0.0.53", 53, kClient, 33334, Bytes{0x42, 0x42, 0x81, 0x80, 0, 1})); // cut DNS
    run.finish();
    std::map<uint16_t, std::string> bySport;
    for (const Flow &f : run.flows)
        bySport[f.sport] = f.dnsName;
    QCOMPARE(bySport[40011], std::string());
    QCOMPARE(bySport[40012], std::string("first.example"));
    QCOMPARE(bySport[40013], std::string("second.example"));
    QCOMPARE(run.aggregator.stats().dnsResponses, uint64_t(3));
    QCOMPARE(run.aggregator.stats().malformedDns, uint64_t(1));
}

void TestFlowDnsLabels::dnsOverTcp()
{
    Run run;
    const Bytes message = dnsResponse("tcp.example", kDnsTypeAaaa, {{dnsPointer(12), kDnsTypeAaaa, 9, address("2001:db8::77")}});
    Bytes framed;
    put16(framed, uint16_t(message.size()));
    append(framed, message);
    auto segment = [](const Bytes &payload) {
        return ethernet(ipv4("10.0.0.53", kClient, 6, tcp(53, 40030, kTcpPsh | kTcpAck, payload)));
    };
    run.add(kT0, segment(framed));
    const Bytes whole = segment(framed);
    run.add(kT0 + 1, whole, uint32_t(whole.size()), uint32_t(whole.size() - 20)); // cut by the snap length: still one message
    Bytes continuation(framed.begin() + 10, framed.end()); // the middle of a message: not parsed
    run.add(kT0 + 2, segment(continuation));
    run.collect(kT0 + 3);
    QCOMPARE(run.dns.size(), size_t(1));
    QCOMPARE(run.dns[0].name, std::string("tcp.example"));
    QCOMPARE(run.dns[0].value, std::string("2001:db8::77"));
    QCOMPARE(run.aggregator.stats().dnsResponses, uint64_t(2)); // the cut one has no whole answer left
    QCOMPARE(run.aggregator.stats().malformedDns, uint64_t(0));
}

void TestFlowDnsLabels::chainWithoutQuestion()
{
    // No question: every record of start -> middle -> end (A) names "start.example", the A
    // record after the CNAMEs' names were handed on too, and so does the flow to its address.
    Run run;
    run.add(kT0, udpFrame("10.0.0.53", 53, kClient, 33335,
                          dnsResponse("", 0, {{dnsName("start.example"), kDnsTypeCname, 1, dnsName("middle.example")},
                                              {dnsName("middle.example"), kDnsTypeCname, 1, dnsName("end.example")},
                                              {dnsName("end.example"), kDnsTypeA, 1, address("10.1.2.3")}})));
    run.add(kT0 + kSec, tcpFrame(kClient, 40040, "10.1.2.3", 443, kTcpSyn));
    run.finish();
    QCOMPARE(run.dns.size(), size_t(3));
    for (const DnsRecord &r : run.dns)
        QCOMPARE(r.queryName, std::string("start.example"));
    QCOMPARE(run.dns[2].name, std::string("end.example"));
    QCOMPARE(run.dns[1].value, std::string("end.example"));
    QCOMPARE(run.flows.size(), size_t(2));
    QCOMPARE(run.flows[1].dnsName, std::string("start.example"));
}

void TestFlowDnsLabels::ownerOffTheChainNotTheQuestion()
{
    // The answer to "bank.example" carries tracker.evil A 1.2.3.4: the flow to 1.2.3.4 is
    // "tracker.evil", not "bank.example".
    Run run;
    run.add(kT0, udpFrame("10.0.0.53", 53, kClient, 33336,
                          dnsResponse("bank.example", kDnsTypeA, {{dnsName("tracker.evil"), kDnsTypeA, 1, address("1.2.3.4")}})));
    run.add(kT0 + kSec, tcpFrame(kClient, 40041, "1.2.3.4", 443, kTcpSyn));
    run.finish();
    QCOMPARE(run.dns.size(), size_t(1));
    QCOMPARE(run.dns[0].queryName, std::string("tracker.evil"));
    QCOMPARE(run.flows[1].dnsName, std::string("tracker.evil"));
}

void TestFlowDnsLabels::craftedChainIsFast()
{
    // A 40 kB response over TCP of 2,000 chained CNAMEs and an A: ~5 s of CPU at -O2 when
    // each answer walked the chain by scanning every answer; now each walks 16 steps at most.
    std::vector<DnsRr> rrs;
    for (int i = 0; i < 2000; ++i)
        rrs.push_back({dnsName("n" + std::to_string(i) + ".x"), kDnsTypeCname, 1, dnsName("n" + std::to_string(i + 1) + ".x")});
    rrs.push_back({dnsName("n2000.x"), kDnsTypeA, 1, address("10.6.6.6")});
    const Bytes message = dnsResponse("", 0, rrs);
    Bytes framed;
    put16(framed, uint16_t(message.size()));
    append(framed, message);
    Run run;
    QElapsedTimer timer;
    timer.start();
    run.add(kT0, ethernet(ipv4("10.0.0.53", kClient, 6, tcp(53, 40042, kTcpPsh | kTcpAck, framed))));
    const qint64 ms = timer.elapsed();
    run.finish();
    QVERIFY2(ms < 300, (std::to_string(ms) + " ms").c_str());
    QCOMPARE(run.dns.size(), size_t(2001));
    QCOMPARE(run.dns[3].queryName, std::string("n0.x"));
    QCOMPARE(run.dns.back().queryName, std::string("n1984.x")); // 16 steps back
}

void TestFlowDnsLabels::sharedAddressNamedAsAtTheStart()
{
    // A CDN address answers for several names: a flow is named by the answer before its
    // first packet, not by one that came while it ran; only a flow that began before any
    // answer takes the latest one before its last packet.
    Run run;
    auto answerFor = [](const char *name, const char *value) {
        return udpFrame("10.0.0.53", 53, kClient, 33337, dnsResponse(name, kDnsTypeA, {{dnsPointer(12), kDnsTypeA, 5, address(value)}}));
    };
    run.add(kT0, tcpFrame(kClient, 40051, "10.5.5.5", 443, kTcpSyn)); // before any answer
    run.add(kT0 + 1 * kSec, answerFor("shop.example", "10.5.5.5"));
    run.add(kT0 + 2 * kSec, tcpFrame(kClient, 40052, "10.5.5.5", 443, kTcpSyn));
    run.add(kT0 + 3 * kSec, answerFor("ads.example", "10.5.5.5"));
    run.add(kT0 + 4 * kSec, tcpFrame(kClient, 40052, "10.5.5.5", 443, kTcpAck, 10));
    run.add(kT0 + 4 * kSec, tcpFrame(kClient, 40051, "10.5.5.5", 443, kTcpAck, 10));
    run.finish();
    std::map<uint16_t, std::string> bySport;
    for (const Flow &f : run.flows)
        bySport[f.sport] = f.dnsName;
    QCOMPARE(bySport[40052], std::string("shop.example"));
    QCOMPARE(bySport[40051], std::string("ads.example"));
}

void TestFlowDnsLabels::labelMapEvictsOldestAnswered()
{
    // Full: the address whose latest answer is oldest goes (new addresses were refused
    // before, so a long capture stopped labelling); names are held once.
    DnsLabelMap m(3, 2);
    m.add("10.0.0.1", "x.example", 1);
    m.add("10.0.0.2", "y.example", 2);
    m.add("10.0.0.3", "x.example", 3);
    QCOMPARE(m.names(), size_t(2));
    m.add("10.0.0.1", "z.example", 4); // 10.0.0.1 answered again: 10.0.0.2 is now the oldest
    m.add("10.0.0.4", "w.example", 5);
    QCOMPARE(m.addresses(), size_t(3));
    QCOMPARE(m.evictedAddresses(), uint64_t(1));
    QCOMPARE(m.label("10.0.0.2", 10, 10), std::string());
    QCOMPARE(m.label("10.0.0.4", 10, 10), std::string("w.example"));
    QCOMPARE(m.label("10.0.0.1", 4, 10), std::string("z.example"));
    QCOMPARE(m.label("10.0.0.1", 3, 10), std::string("x.example")); // before the flow's start
    QCOMPARE(m.label("10.0.0.1", 0, 10), std::string("z.example")); // none before: during
    QCOMPARE(m.label("10.0.0.1", 0, 0), std::string());
    QCOMPARE(m.names(), size_t(3)); // y.example went with its address
    m.add("10.0.0.1", "q.example", 6); // two names per address: x.example's oldest label goes
    QCOMPARE(m.label("10.0.0.1", 3, 3), std::string());
    QCOMPARE(m.names(), size_t(4)); // x.example still named by 10.0.0.3
    QCOMPARE(m.label("10.0.0.3", 9, 9), std::string("x.example"));
    // The same name answered again (TTL refreshes) keeps its first answer and its slot.
    m.add("10.0.0.3", "x.example", 7);
    m.add("10.0.0.3", "v.example", 8);
    m.add("10.0.0.3", "v.example", 9);
    QCOMPARE(m.label("10.0.0.3", 7, 7), std::string("x.example")); // still held: 2 labels
    QCOMPARE(m.label("10.0.0.3", 8, 8), std::string("v.example"));
    QCOMPARE(m.label("not an address", 9, 9), std::string());
}

QTEST_GUILESS_MAIN(TestFlowDnsLabels)
#include "tst_flow_dns_labels.moc"
