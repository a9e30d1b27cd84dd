// FlowAggregator at the end of TCP connections, checked against what tshark -z conv,tcp
// shows for the same packets: late retransmissions, port reuse, SYNs crossing a RST.
#include "flow_test_run.h"

#include <QTest>

using namespace provscope;
using namespace test;

class TestFlowCloseSequences : public QObject {
    Q_OBJECT

private slots:
    void closeSequencesLikeTshark();
};

void TestFlowCloseSequences::closeSequencesLikeTshark()
{
    // Each as many conversations as tshark -z conv,tcp shows (gen/fin_retx, reuse_halfclosed,
    // syn_retx_rst of the review).
    FlowAggregatorOptions o;
    o.flushIntervalNs = 0;
    {   // The server's FIN retransmitted 3.5 s after the close (past closeLinger): one flow,
        // handed out again with the late packets (the same key).
        Run run(o);
        tcpConversation(run, kT0, 40060);
        run.collect(kT0 + 3 * kSec);
        QCOMPARE(run.flows.size(), size_t(1));
        run.add(kT0 + 3500 * kSec / 1000, tcpFrame(kServer, 80, kClient, 40060, kTcpFin | kTcpAck));
        run.add(kT0 + 3501 * kSec / 1000, tcpFrame(kClient, 40060, kServer, 80, kTcpAck));
        run.collect(kT0 + 10 * kSec);
        run.finish();
        QCOMPARE(run.flows.size(), size_t(2));
        QCOMPARE(run.flows[1].key, run.flows[0].key);
        QCOMPARE(run.flows[1].packets(), uint64_t(10));
        QCOMPARE(run.flows[1].src, std::string(kClient));
        QVERIFY(run.flows[1].ended);
        run.flows.clear();
        // A segment after TIME_WAIT (60 s) is a flow of its own.
        run.add(kT0 + 70 * kSec, tcpFrame(kClient, 40060, kServer, 80, kTcpAck));
        run.finish();
        QCOMPARE(run.flows.size(), size_t(1));
        QVERIFY(run.flows[0].key != 1);
    }
    {   // One side's FIN, the peer gone; 10 s on the port is reused (a new ISN): two flows.
        Run run(o);
        run.add(kT0, tcpFrame(kClient, 40061, kServer, 80, kTcpSyn, 0, 1000));
        run.add(kT0 + 1, tcpFrame(kServer, 80, kClient, 40061, kTcpSyn | kTcpAck));
        run.add(kT0 + 2, tcpFrame(kClient, 40061, kServer, 80, kTcpAck));
        run.add(kT0 + 3, tcpFrame(kClient, 40061, kServer, 80, kTcpFin | kTcpAck));
        run.add(kT0 + 10 * kSec, tcpFrame(kClient, 40061, kServer, 80, kTcpSyn, 0, 77777));
        run.add(kT0 + 10 * kSec + 1, tcpFrame(kServer, 80, kClient, 40061, kTcpSyn | kTcpAck));
        run.finish();
        QCOMPARE(run.flows.size(), size_t(2));
        QCOMPARE(run.flows[0].packets(), uint64_t(4));
        QVERIFY(run.flows[0].ended);
        QCOMPARE(run.flows[1].packets(), uint64_t(2));
    }
    {   // SYN, RST, the SYN's retransmission (same ISN) crossing the RST, RST: one flow.
        Run run(o);
        run.add(kT0, tcpFrame(kClient, 40062, kServer, 81, kTcpSyn, 0, 1000));
        run.add(kT0 + 1000, tcpFrame(kServer, 81, kClient, 40062, kTcpRst | kTcpAck));
        run.add(kT0 + 2000, tcpFrame(kClient, 40062, kServer, 81, kTcpSyn, 0, 1000));
        run.add(kT0 + 3000, tcpFrame(kServer, 81, kClient, 40062, kTcpRst | kTcpAck));
        run.finish();
        QCOMPARE(run.flows.size(), size_t(1));
        QCOMPARE(run.flows[0].packets(), uint64_t(4));
        QCOMPARE(run.flows[0].packetsOut, uint64_t(2));
    }
}

QTEST_GUILESS_MAIN(TestFlowCloseSequences)
#include "tst_flow_close_sequences.moc"
