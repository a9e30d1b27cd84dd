// Flow attribution: a flow is joined to the process whose socket event had exactly its
// 5-tuple within a second of it; anything less exact stays unattributed.
#include "flow_attribution.h"

#include <QtTest>

using namespace provscope;

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kT = 5'000 * kSecond; // boot ns of the flow's first packet

Event socketEvent(uint32_t pid, uint64_t start, const char *syscall, const std::string &laddr, uint16_t lport,
                  const std::string &raddr, uint16_t rport, int64_t ts, int64_t last = 0)
{
    Event e;
    e.pid = pid;
    e.tid = pid;
    e.procStartNs = start;
    e.syscall = syscall;
    e.laddr = laddr;
    e.lport = lport;
    e.raddr = raddr;
    e.rport = rport;
    e.tsNs = uint64_t(ts);
    e.lastTsNs = uint64_t(last ? last : ts);
    return e;
}

Flow flow(uint8_t proto, const std::string &src, uint16_t sport, const std::string &dst, uint16_t dport,
          int64_t first = kT, int64_t last = kT + kSecond)
{
    Flow f;
    f.key = 1;
    f.proto = proto;
    f.src = src;
    f.sport = sport;
    f.dst = dst;
    f.dport = dport;
    f.firstNs = first;
    f.lastNs = last;
    return f;
}

} // namespace

class TestFlowAttribution : public QObject {
    Q_OBJECT

private slots:
    void loopbackBothEnds();
    void window_data();
    void window();
    void closestInTime();
    void udpServerWithoutPeer_data();
    void udpServerWithoutPeer();
    void neverGuessed_data();
    void neverGuessed();
    void wildcardResponderOnALocalAddress();
    void quietGapIsNotARange();
    void mappedIpv4Address();
    void keepsWhatIsKnown();
    void scopedAndNonNumericAddresses();
    void compactAndPruned();
};

void TestFlowAttribution::loopbackBothEnds()
{
    // curl connects to a local server: connect names the initiator, accept the responder.
    FlowAttributor a;
    a.addEvent(socketEvent(100, 11, "connect", "127.0.0.1", 40000, "127.0.0.1", 8080, kT));
    a.addEvent(socketEvent(200, 22, "accept4", "127.0.0.1", 8080, "127.0.0.1", 40000, kT + 100));
    a.addEvent(socketEvent(100, 11, "write", "127.0.0.1", 40000, "127.0.0.1", 8080, kT + 200, kT + 900));
    Flow f = flow(kProtoTcp, "127.0.0.1", 40000, "127.0.0.1", 8080);
    QVERIFY(a.attribute(f));
    QCOMPARE(f.pid, 100u);
    QCOMPARE(f.procStartNs, uint64_t(11));
    QCOMPARE(f.peerPid, 200u);
    QCOMPARE(f.peerStartNs, uint64_t(22));
    QVERIFY(f.attributed());
    QVERIFY(!a.attribute(f)); // nothing more to set
}

void TestFlowAttribution::window_data()
{
    QTest::addColumn<qint64>("eventTs");
    QTest::addColumn<bool>("matches");
    QTest::newRow("inside") << qint64(kT + kSecond / 2) << true;
    QTest::newRow("0.9 s before the first packet") << qint64(kT - 9 * kSecond / 10) << true;
    QTest::newRow("1.1 s before the first packet") << qint64(kT - 11 * kSecond / 10) << false;
    QTest::newRow("0.9 s after the last packet") << qint64(kT + kSecond + 9 * kSecond / 10) << true;
    QTest::newRow("1.1 s after the last packet") << qint64(kT + kSecond + 11 * kSecond / 10) << false;
}

void TestFlowAttribution::window()
{
    QFETCH(qint64, eventTs);
    QFETCH(bool, matches);
    FlowAttributor a;
    a.addEvent(socketEvent(100, 11, "connect", "10.0.0.5", 40000, "93.184.216.34", 443, eventTs));
    Flow f = flow(kProtoTcp, "10.0.0.5", 40000, "93.184.216.34", 443);
    QCOMPARE(a.attribute(f), matches);
    QCOMPARE(f.pid, matches ? 100u : 0u);
    QCOMPARE(f.peerPid, 0u); // the remote end is nobody here
}

void TestFlowAttribution::closestInTime()
{
    // The same 5-tuple used by two processes (port reuse): the one closest to the flow.
    FlowAttributor a;
    a.addEvent(socketEvent(100, 11, "connect", "10.0.0.5", 40000, "10.0.0.9", 53, kT - 9 * kSecond / 10));
    a.addEvent(socketEvent(300, 33, "sendto", "10.0.0.5", 40000, "10.0.0.9", 53, kT - kSecond / 10));
    Flow f = flow(kProtoUdp, "10.0.0.5", 40000, "10.0.0.9", 53);
    QVERIFY(a.attribute(f));
    QCOMPARE(f.pid, 300u);
    QCOMPARE(f.procStartNs, uint64_t(33));
    // Both overlapping the flow: the one whose events began first.
    FlowAttributor b;
    b.addEvent(socketEvent(400, 44, "write", "10.0.0.5", 40001, "10.0.0.9", 80, kT + 500));
    b.addEvent(socketEvent(500, 55, "connect", "10.0.0.5", 40001, "10.0.0.9", 80, kT + 10, kT + 900));
    Flow g = flow(kProtoTcp, "10.0.0.5", 40001, "10.0.0.9", 80);
    QVERIFY(b.attribute(g));
    QCOMPARE(g.pid, 500u);
}

void TestFlowAttribution::udpServerWithoutPeer_data()
{
    QTest::addColumn<QString>("laddr");
    QTest::addColumn<QString>("raddr");
    QTest::addColumn<QString>("flowAddr");
    QTest::newRow("bound to the address, no peer") << "127.0.0.1" << "" << "127.0.0.1";
    QTest::newRow("bound to 0.0.0.0, no peer") << "0.0.0.0" << "" << "127.0.0.1";
    QTest::newRow("bound to 0.0.0.0, peer 0.0.0.0") << "0.0.0.0" << "0.0.0.0" << "127.0.0.1";
    QTest::newRow("bound to ::, no peer (IPv6)") << "::" << "" << "::1";
    QTest::newRow("bound to 0.0.0.0, recvfrom names the peer") << "0.0.0.0" << "127.0.0.1" << "127.0.0.1";
}

void TestFlowAttribution::udpServerWithoutPeer()
{
    QFETCH(QString, laddr);
    QFETCH(QString, raddr);
    QFETCH(QString, flowAddr);
    const std::string addr = flowAddr.toStdString();
    FlowAttributor a;
    a.addEvent(socketEvent(100, 11, "sendto", addr, 51000, addr, 5353, kT));
    // The server's recvfrom: its port, no (or a wildcard) peer when unconnected.
    a.addEvent(socketEvent(200, 22, "recvfrom", laddr.toStdString(), 5353, raddr.toStdString(),
                           raddr.isEmpty() || raddr == "0.0.0.0" ? 0 : 51000, kT + 50));
    Flow f = flow(kProtoUdp, addr, 51000, addr, 5353);
    QVERIFY(a.attribute(f));
    QCOMPARE(f.pid, 100u);
    QCOMPARE(f.peerPid, 200u);
    QCOMPARE(f.peerStartNs, uint64_t(22));
}

void TestFlowAttribution::neverGuessed_data()
{
    QTest::addColumn<QString>("laddr");
    QTest::addColumn<int>("lport");
    QTest::addColumn<QString>("raddr");
    QTest::addColumn<int>("rport");
    QTest::addColumn<int>("proto");
    const int tcp = kProtoTcp, udp = kProtoUdp;
    QTest::newRow("other local port") << "10.0.0.5" << 40001 << "10.0.0.9" << 443 << tcp;
    QTest::newRow("other remote port") << "10.0.0.5" << 40000 << "10.0.0.9" << 444 << tcp;
    QTest::newRow("other remote address") << "10.0.0.5" << 40000 << "10.0.0.8" << 443 << tcp;
    QTest::newRow("other local address") << "10.0.0.6" << 40000 << "10.0.0.9" << 443 << tcp;
    QTest::newRow("no local port") << "10.0.0.5" << 0 << "10.0.0.9" << 443 << tcp;
    QTest::newRow("unix socket") << "/run/x.sock" << 40000 << "" << 0 << tcp;
    // Reviewer's A: a local server on 0.0.0.0 without a peer (dnsmasq's read) is not the
    // responder of a flow to a REMOTE address on its port (10.0.0.9 is no local address).
    QTest::newRow("A: UDP, wildcard socket without peer, remote destination") << "0.0.0.0" << 443 << "" << 0 << udp;
    QTest::newRow("A: UDP, wildcard socket naming the peer, remote destination")
        << "0.0.0.0" << 443 << "10.0.0.5" << 40000 << udp;
    // Reviewer's B: a TCP flow is never the flow of a socket without a peer (a listener's
    // bind/listen), even on the flow's own destination address.
    QTest::newRow("B: TCP, socket without peer on the destination address") << "10.0.0.9" << 443 << "" << 0 << tcp;
    QTest::newRow("B: TCP, wildcard listener") << "0.0.0.0" << 443 << "" << 0 << tcp;
    // Reviewer's C: a capture of two other hosts (a mirror port) talking to a port this
    // host has an unconnected socket on: neither end is local.
    QTest::newRow("C: UDP between two remote hosts, local :: socket on the port") << "::" << 443 << "" << 0 << udp;
}

void TestFlowAttribution::neverGuessed()
{
    QFETCH(QString, laddr);
    QFETCH(int, lport);
    QFETCH(QString, raddr);
    QFETCH(int, rport);
    QFETCH(int, proto);
    FlowAttributor a;
    a.addEvent(socketEvent(100, 11, "connect", laddr.toStdString(), uint16_t(lport), raddr.toStdString(),
                           uint16_t(rport), kT));
    Flow f = flow(uint8_t(proto), "10.0.0.5", 40000, "10.0.0.9", 443);
    QVERIFY(!a.attribute(f));
    QCOMPARE(f.pid, 0u);
    QCOMPARE(f.peerPid, 0u);
    QVERIFY(!f.attributed());
}

void TestFlowAttribution::wildcardResponderOnALocalAddress()
{
    // The same wildcard UDP server is the responder once 10.0.0.9 is known as this
    // host's address (a socket event had it as its local address).
    FlowAttributor a;
    a.addEvent(socketEvent(200, 22, "recvfrom", "0.0.0.0", 443, "", 0, kT));
    Flow before = flow(kProtoUdp, "10.0.0.5", 40000, "10.0.0.9", 443);
    QVERIFY(!a.attribute(before));
    a.addEvent(socketEvent(300, 33, "connect", "10.0.0.9", 51000, "10.0.0.1", 80, kT));
    Flow after = flow(kProtoUdp, "10.0.0.5", 40000, "10.0.0.9", 443);
    QVERIFY(a.attribute(after));
    QCOMPARE(after.peerPid, 200u);
    Flow tcp = flow(kProtoTcp, "10.0.0.5", 40000, "10.0.0.9", 443);
    QVERIFY(!a.attribute(tcp)); // but never a TCP flow's
}

void TestFlowAttribution::quietGapIsNotARange()
{
    // Reviewer's attr.cpp case 3: A used the 5-tuple at 0 s and 50 s, B at 25 s. The flow
    // at 25 s is B's: A had no event within the window, its two events are two ranges.
    FlowAttributor a;
    a.addEvent(socketEvent(100, 1, "sendto", "127.0.0.1", 5000, "127.0.0.1", 6000, kT));
    a.addEvent(socketEvent(100, 1, "sendto", "127.0.0.1", 5000, "127.0.0.1", 6000, kT + 50 * kSecond));
    a.addEvent(socketEvent(300, 3, "sendto", "127.0.0.1", 5000, "127.0.0.1", 6000, kT + 25 * kSecond));
    Flow f = flow(kProtoUdp, "127.0.0.1", 5000, "127.0.0.1", 6000, kT + 25 * kSecond, kT + 25 * kSecond + 1000);
    QVERIFY(a.attribute(f));
    QCOMPARE(f.pid, 300u);
    QCOMPARE(a.ranges(), size_t(3));
}

void TestFlowAttribution::mappedIpv4Address()
{
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the wire shows IPv4.
    QCOMPARE(FlowAttributor::canonicalAddress("::ffff:10.0.0.9"), std::string("10.0.0.9"));
    QCOMPARE(FlowAttributor::canonicalAddress("::ffff:a:b"), std::string("::ffff:a:b"));
    FlowAttributor a;
    a.addEvent(socketEvent(700, 77, "accept", "::ffff:10.0.0.5", 22, "::ffff:10.0.0.9", 51234, kT));
    Flow f = flow(kProtoTcp, "10.0.0.9", 51234, "10.0.0.5", 22);
    QVERIFY(a.attribute(f));
    QCOMPARE(f.pid, 0u); // the initiator is remote
    QCOMPARE(f.peerPid, 700u);
}

void TestFlowAttribution::keepsWhatIsKnown()
{
    FlowAttributor a;
    a.addEvent(socketEvent(100, 11, "connect", "127.0.0.1", 40000, "127.0.0.1", 8080, kT));
    Flow f = flow(kProtoTcp, "127.0.0.1", 40000, "127.0.0.1", 8080);
    f.pid = 42;
    f.procStartNs = 4242;
    QVERIFY(!a.attribute(f));
    QCOMPARE(f.pid, 42u);
    QCOMPARE(f.procStartNs, uint64_t(4242));
}

void TestFlowAttribution::scopedAndNonNumericAddresses()
{
    // A link-local socket names its scope; the wire does not.
    FlowAttributor a;
    a.addEvent(socketEvent(100, 11, "connect", "fe80::1%2", 40000, "fe80::2%2", 22, kT));
    a.addEvent(socketEvent(101, 12, "connect", "not-an-address", 40001, "fe80::2", 22, kT));
    Flow f = flow(kProtoTcp, "fe80::1", 40000, "fe80::2", 22);
    QVERIFY(a.attribute(f));
    QCOMPARE(f.pid, 100u);
    // A flow or event whose address is no number is never matched (nor a crash).
    Flow odd = flow(kProtoTcp, "", 40001, "fe80::2", 22);
    QVERIFY(!a.attribute(odd));
    QVERIFY(FlowAttributor::lookupKeys(odd).empty());
    QCOMPARE(FlowAttributor::lookupKeys(f).size(), size_t(6));
}

void TestFlowAttribution::compactAndPruned()
{
    // Thousands of reads and writes of one connection: one range per process.
    FlowAttributor a;
    for (int i = 0; i < 5000; ++i)
        a.addEvent(socketEvent(100, 11, i % 2 ? "read" : "write", "127.0.0.1", 40000, "127.0.0.1", 8080,
                               kT + int64_t(i) * 1'000'000));
    a.addEvent(socketEvent(200, 22, "accept", "127.0.0.1", 8080, "127.0.0.1", 40000, kT));
    QCOMPARE(a.ranges(), size_t(2));
    QCOMPARE(a.eventsAdded(), uint64_t(5001));
    // A flow late in that connection (4.9 s in) still finds the merged range.
    Flow late = flow(kProtoTcp, "127.0.0.1", 40000, "127.0.0.1", 8080, kT + 4900 * int64_t(1'000'000), kT + 4990 * int64_t(1'000'000));
    QVERIFY(a.attribute(late));
    QCOMPARE(late.pid, 100u);
    QCOMPARE(late.peerPid, 0u); // the server's only event, its accept, is 4.9 s before: outside the window
    // The accept is older than the horizon, the reads are not.
    a.prune(kT + 1);
    QCOMPARE(a.ranges(), size_t(1));
    a.prune(kT + 10 * kSecond);
    QCOMPARE(a.ranges(), size_t(0));
    Flow after = flow(kProtoTcp, "127.0.0.1", 40000, "127.0.0.1", 8080);
    QVERIFY(!a.attribute(after));
}

QTEST_GUILESS_MAIN(TestFlowAttribution)
#include "tst_flow_attribution.moc"
