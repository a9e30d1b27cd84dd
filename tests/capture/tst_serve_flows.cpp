// The workstation's live capture carries flows: provscope-capture --serve started as the
// GUI starts it (startHelperAsRoot: a socketpair, default interfaces), a CaptureClient
// says Start, the test makes a UDP exchange on 127.0.0.1, and the batches received hold
// its flow (with the session's boot-clock times) next to the events; the meta says the
// network was captured and on which interfaces. Needs root and a BTF kernel.
#include "capture_client.h"
#include "helper_launcher.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

using namespace provscope;

namespace {

struct Udp {
    int fd = -1;
    uint16_t port = 0;
    ~Udp()
    {
        if (fd >= 0)
            ::close(fd);
    }
    bool open()
    {
        fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&a), len) != 0
            || getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0)
            return false;
        port = ntohs(a.sin_port);
        return true;
    }
    bool sendTo(const Udp &to, size_t bytes) const
    {
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(to.port);
        const std::string payload(bytes, 'p');
        char buf[256];
        return ::sendto(fd, payload.data(), bytes, 0, reinterpret_cast<sockaddr *>(&a), sizeof a) == ssize_t(bytes)
               && ::recv(to.fd, buf, sizeof buf, 0) == ssize_t(bytes);
    }
};

int64_t bootNowNs()
{
    timespec ts {};
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace

class TestServeFlows : public QObject {
    Q_OBJECT

private slots:
    void liveCaptureStreamsFlows();
};

void TestServeFlows::liveCaptureStreamsFlows()
{
    if (geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: tst_serve_flows must run as root to start the helper");
    if (!QFileInfo::exists("/sys/kernel/btf/vmlinux"))
        QSKIP("LIVE CAPTURE NOT TESTED: this kernel has no BTF (/sys/kernel/btf/vmlinux missing)");
    const QString binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath());
    auto helper = startHelperAsRoot((binDir + "/provscope-capture").toStdString());
    QVERIFY2(helper.ok(), helper.ok() ? "" : helper.error().c_str());

    CaptureClient client;
    QSignalSpy connected(&client, &CaptureClient::connected);
    QSignalSpy started(&client, &CaptureClient::started);
    QSignalSpy finished(&client, &CaptureClient::finished);
    QSignalSpy failed(&client, &CaptureClient::failed);
    std::vector<Flow> flows;
    uint64_t events = 0;
    connect(&client, &CaptureClient::batchReceived, this, [&](CaptureBatchPtr batch) {
        flows.insert(flows.end(), batch->flows.begin(), batch->flows.end());
        events += batch->events.size();
    });
    QVERIFY(client.adoptFd(helper->fd, QStringLiteral("tst_serve_flows")).ok());
    QVERIFY2(connected.wait(10000), failed.isEmpty() ? "no HelloAck" : qPrintable(failed.first().first().toString()));
    QVERIFY(client.start().ok());
    QVERIFY2(started.wait(30000), failed.isEmpty() ? "no Started" : qPrintable(failed.first().first().toString()));
    const SessionMeta meta = started.first().first().value<SessionMeta>();
    QVERIFY2(meta.captureConfig.find("\"pcap\":{\"enabled\":true") != std::string::npos, meta.captureConfig.c_str());
    QVERIFY2(meta.captureConfig.find("{\"name\":\"lo\"") != std::string::npos, meta.captureConfig.c_str());

    Udp server, peer;
    QVERIFY(server.open() && peer.open());
    const int64_t before = bootNowNs();
    QVERIFY(peer.sendTo(server, 21) && peer.sendTo(server, 22) && server.sendTo(peer, 23));
    const int64_t after = bootNowNs();
    QTest::qWait(300);
    QVERIFY(client.stop().ok());
    QVERIFY2(finished.wait(20000), failed.isEmpty() ? "no Goodbye" : qPrintable(failed.first().first().toString()));
    client.close();
    int status = 0;
    for (int i = 0; i < 100 && waitpid(helper->helperPid, &status, WNOHANG) == 0; ++i)
        QTest::qWait(50);

    QVERIFY(events > 0);
    const Flow *flow = nullptr;
    for (const Flow &f : flows) {
        if (f.proto == kProtoUdp && f.sport == peer.port && f.dport == server.port)
            flow = &f; // the last version of the key wins
    }
    QVERIFY2(flow, "the UDP exchange's flow did not reach the client");
    QCOMPARE(flow->packetsOut, uint64_t(2));
    QCOMPARE(flow->packetsIn, uint64_t(1));
    QCOMPARE(flow->bytesOut, uint64_t(2 * 42 + 43));
    QCOMPARE(flow->interfaceName, std::string("lo"));
    // boot-clock times with the meta's offset: within the exchange, give or take clock reads
    QVERIFY2(flow->firstNs >= before - 1'000'000 && flow->lastNs <= after + 1'000'000,
             qPrintable(QString("flow %1..%2 outside %3..%4").arg(flow->firstNs).arg(flow->lastNs).arg(before).arg(after)));
}

QTEST_GUILESS_MAIN(TestServeFlows)
#include "tst_serve_flows.moc"
