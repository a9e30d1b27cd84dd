// Flows and DNS records in a session (format 1.3), written by the real SessionWriter
// and read back by SessionReader: round trip, upserts by key, attribution to the
// processes of the session's socket events (also when the event comes later).
#include "evidence_digest.h"
#include "session_samples.h"
#include "test_session_file.h"

#include <QTemporaryDir>
#include <ctime>
#include <QtTest>

using namespace provscope;
using namespace provscope::test;

namespace {

constexpr int64_t kSecond = 1'000'000'000;
const int64_t kT = int64_t(kBoot) + 10 * kSecond; // the flows' time

Flow makeFlow(uint64_t key, uint8_t proto, const std::string &src, uint16_t sport, const std::string &dst,
              uint16_t dport, int64_t first, int64_t last)
{
    Flow f;
    f.key = key;
    f.proto = proto;
    f.src = src;
    f.sport = sport;
    f.dst = dst;
    f.dport = dport;
    f.packetsOut = 5;
    f.bytesOut = 420;
    f.packetsIn = 4;
    f.bytesIn = 9000;
    f.tcpFlags = proto == kProtoTcp ? (kTcpSyn | kTcpAck | kTcpFin | kTcpPsh) : 0;
    f.firstNs = first;
    f.lastNs = last;
    f.ended = true;
    f.interfaceName = "lo";
    return f;
}

Event socketEvent(uint32_t pid, uint64_t start, const char *comm, const char *syscall, const std::string &laddr,
                  uint16_t lport, const std::string &raddr, uint16_t rport, int64_t ts)
{
    Event e = makeEvent(pid, start, comm, syscall, uint64_t(ts));
    e.fd = 3;
    e.laddr = laddr;
    e.lport = lport;
    e.raddr = raddr;
    e.rport = rport;
    return e;
}

DnsRecord answer(int64_t ts, const std::string &name, uint16_t type, const std::string &value)
{
    DnsRecord r;
    r.tsNs = ts;
    r.name = name;
    r.type = type;
    r.value = value;
    r.ttl = 300;
    r.queryName = "www.example.org";
    r.server = "127.0.0.53";
    return r;
}

void compareFlow(const Flow &got, const Flow &want)
{
    QCOMPARE(got.key, want.key);
    QCOMPARE(got.proto, want.proto);
    QCOMPARE(got.src, want.src);
    QCOMPARE(got.sport, want.sport);
    QCOMPARE(got.dst, want.dst);
    QCOMPARE(got.dport, want.dport);
    QCOMPARE(got.packetsOut, want.packetsOut);
    QCOMPARE(got.bytesOut, want.bytesOut);
    QCOMPARE(got.packetsIn, want.packetsIn);
    QCOMPARE(got.bytesIn, want.bytesIn);
    QCOMPARE(got.tcpFlags, want.tcpFlags);
    QCOMPARE(got.firstNs, want.firstNs);
    QCOMPARE(got.lastNs, want.lastNs);
    QCOMPARE(got.ended, want.ended);
    QCOMPARE(got.interfaceName, want.interfaceName);
    QCOMPARE(got.dnsName, want.dnsName);
}

std::unique_ptr<SessionReader> reopen(const QString &path)
{
    auto reader = SessionReader::open(path.toStdString());
    if (!reader)
        qWarning("%s", reader.error().c_str());
    return reader ? std::move(reader.value()) : nullptr;
}

} // namespace

class TestFlowStore : public QObject {
    Q_OBJECT

private slots:
    void roundTrip();
    void upsertKeepsLast();
    void firstAttributionWins();
    void attributesLoopbackBothEnds();
    void udpServerWithoutPeer();
    void unattributedStaysZero();
    void lateEventAttributesLater();
    void lateEventAttributesAtFinish();
    void format12HasNoFlows();
    void manyConnections();

private:
    QTemporaryDir m_dir;
};

void TestFlowStore::roundTrip()
{
    const QString path = m_dir.filePath("roundtrip.provscope");
    std::vector<Flow> flows = {
        makeFlow(7, kProtoTcp, "10.0.0.5", 40000, "93.184.216.34", 443, kT + 500, kT + 900),
        makeFlow(3, kProtoUdp, "fe80::1", 5353, "ff02::fb", 5353, kT + 100, kT + 100),
        // Before the boot it is joined to (an older capture file): negative boot ns.
        makeFlow(9, kProtoTcp, "192.168.1.2", 1, "192.168.1.3", 65535, -5 * kSecond, -4 * kSecond),
    };
    flows[0].dnsName = "www.example.org";
    flows[1].ended = false;
    flows[1].interfaceName = "";
    flows[2].bytesOut = uint64_t(1) << 40;
    const std::vector<DnsRecord> dns = {answer(kT + 400, "www.example.org", kDnsTypeCname, "edge.example.net"),
                                        answer(kT + 401, "edge.example.net", kDnsTypeA, "93.184.216.34"),
                                        answer(kT + 402, "edge.example.net", kDnsTypeAaaa, "2606:2800:220:1::")};
    CaptureBatch batch;
    batch.flows = flows;
    batch.dnsRecords = dns;
    QCOMPARE(writeSession(path, sampleMeta(), {batch}, uint64_t(kT + 2 * kSecond)), QString());

    auto reader = reopen(path);
    QVERIFY(reader);
    QVERIFY(reader->hasFlowTables());
    QCOMPARE(reader->counts().flows, int64_t(3));
    QCOMPARE(reader->counts().dnsRecords, int64_t(3));
    auto read = reader->flows();
    QVERIFY2(read, read.ok() ? "" : read.error().c_str());
    QCOMPARE(read->size(), size_t(3));
    // Ordered by first packet, not by key or arrival.
    compareFlow((*read)[0], flows[2]);
    compareFlow((*read)[1], flows[1]);
    compareFlow((*read)[2], flows[0]);
    QCOMPARE((*read)[2].pid, 0u); // no socket events: not attributed
    auto records = reader->dnsRecords();
    QVERIFY(records);
    QCOMPARE(records->size(), size_t(3));
    for (size_t i = 0; i < dns.size(); ++i) {
        QCOMPARE((*records)[i].tsNs, dns[i].tsNs);
        QCOMPARE((*records)[i].name, dns[i].name);
        QCOMPARE((*records)[i].type, dns[i].type);
        QCOMPARE((*records)[i].value, dns[i].value);
        QCOMPARE((*records)[i].ttl, dns[i].ttl);
        QCOMPARE((*records)[i].queryName, dns[i].queryName);
        QCOMPARE((*records)[i].server, dns[i].server);
    }
    // One at a time (flows --dns streams them), stopping when told to.
    std::vector<std::string> visited;
    QVERIFY(reader->forEachDnsRecord([&visited](const DnsRecord &r) {
        visited.push_back(r.value);
        return visited.size() < 2;
    }));
    QCOMPARE(visited, (std::vector<std::string>{dns[0].value, dns[1].value}));
    // Finished with a digest covering them.
    reader.reset();
    auto check = checkEvidence(path.toStdString());
    QVERIFY(check);
    QCOMPARE(int(check->state), int(EvidenceCheck::State::Unchanged));
    QCOMPARE(check->version, kEvidenceDigestVersion);
}

void TestFlowStore::upsertKeepsLast()
{
    // A periodic flush re-sends an open flow with the same key: one flow, the last counts.
    const QString path = m_dir.filePath("upsert.provscope");
    auto writer = SessionWriter::create(path.toStdString(), sampleMeta());
    QVERIFY(writer);
    Flow open = makeFlow(1, kProtoTcp, "10.0.0.5", 40000, "10.0.0.9", 22, kT, kT + kSecond);
    open.ended = false;
    open.dnsName = "git.example.org";
    for (int flush = 1; flush <= 3; ++flush) {
        CaptureBatch batch;
        open.packetsOut = uint64_t(flush) * 10;
        open.bytesOut = uint64_t(flush) * 1000;
        open.lastNs = kT + flush * kSecond;
        open.ended = flush == 3;
        batch.flows.push_back(open);
        batch.flows.push_back(makeFlow(uint64_t(100 + flush), kProtoUdp, "10.0.0.5", uint16_t(50000 + flush),
                                       "10.0.0.1", 53, kT, kT));
        QVERIFY((*writer)->append(batch));
        QCOMPARE((*writer)->counts().flows, int64_t(1 + flush));
    }
    QVERIFY((*writer)->finish(uint64_t(kT + 5 * kSecond)));
    auto reader = reopen(path);
    QVERIFY(reader);
    QCOMPARE(reader->counts().flows, int64_t(4));
    auto flows = reader->flows();
    QVERIFY(flows);
    QCOMPARE(flows->size(), size_t(4));
    const Flow &kept = (*flows)[0];
    QCOMPARE(kept.key, uint64_t(1));
    QCOMPARE(kept.packetsOut, uint64_t(30));
    QCOMPARE(kept.bytesOut, uint64_t(3000));
    QCOMPARE(kept.lastNs, kT + 3 * kSecond);
    QVERIFY(kept.ended);
    QCOMPARE(kept.dnsName, std::string("git.example.org"));
}

void TestFlowStore::firstAttributionWins()
{
    // Reviewer's flip.cpp: a long UDP flow re-sent by the periodic flush. Its first
    // version is the initiator's (pid 100); later versions only see pid 200 reusing the
    // 5-tuple long after. The stored flow and every written-back version stay pid 100.
    const QString path = m_dir.filePath("flip.provscope");
    auto writer = SessionWriter::create(path.toStdString(), sampleMeta());
    QVERIFY(writer);
    auto step = [&](std::vector<Event> events, int64_t last) {
        CaptureBatch batch;
        batch.events = std::move(events);
        Flow f = makeFlow(1, kProtoUdp, "127.0.0.1", 5000, "127.0.0.1", 6000, kT, last);
        f.ended = false;
        batch.flows.push_back(f);
        if (!(*writer)->append(batch))
            return uint32_t(~0u);
        return batch.flows[0].pid;
    };
    auto sendto = [](uint32_t pid, uint64_t start, const char *comm, int64_t ts) {
        return socketEvent(pid, start, comm, "sendto", "127.0.0.1", 5000, "127.0.0.1", 6000, ts);
    };
    QCOMPARE(step({sendto(100, 1, "initiator", kT), sendto(100, 1, "initiator", kT + 5 * kSecond)}, kT + 5 * kSecond),
             100u);
    QCOMPARE(step({sendto(200, 2, "later", kT + 100 * kSecond)}, kT + 100 * kSecond), 100u);
    QCOMPARE(step({sendto(200, 2, "later", kT + 700 * kSecond)}, kT + 700 * kSecond), 100u);
    QVERIFY((*writer)->finish(uint64_t(kT + 800 * kSecond)));
    auto reader = reopen(path);
    QVERIFY(reader);
    auto flows = reader->flows();
    QVERIFY(flows);
    QCOMPARE(flows->size(), size_t(1));
    QCOMPARE((*flows)[0].pid, 100u);
    QCOMPARE((*flows)[0].comm, std::string("initiator"));
    QCOMPARE((*flows)[0].lastNs, kT + 700 * kSecond); // the counts and times are the last version's
}

void TestFlowStore::attributesLoopbackBothEnds()
{
    // curl (pid 100) connects to a local server (pid 200) over loopback: the flow names both.
    const QString path = m_dir.filePath("loopback.provscope");
    auto writer = SessionWriter::create(path.toStdString(), sampleMeta());
    QVERIFY(writer);
    CaptureBatch batch;
    batch.processes.push_back(processInfo(100, kBoot + 1, 1, 0, "curl", "/usr/bin/curl"));
    batch.processes.push_back(processInfo(200, kBoot + 2, 1, 0, "server", "/usr/bin/python3"));
    batch.events.push_back(socketEvent(100, kBoot + 1, "curl", "connect", "127.0.0.1", 41000, "127.0.0.1", 8080, kT));
    batch.events.push_back(socketEvent(200, kBoot + 2, "server", "accept4", "127.0.0.1", 8080, "127.0.0.1", 41000,
                                       kT + 1000));
    // An unrelated connection of curl on another port must not be taken for it.
    batch.events.push_back(socketEvent(100, kBoot + 1, "curl", "connect", "127.0.0.1", 41001, "127.0.0.1", 8081, kT));
    batch.flows.push_back(makeFlow(1, kProtoTcp, "127.0.0.1", 41000, "127.0.0.1", 8080, kT + 10, kT + 5000));
    batch.flows.push_back(makeFlow(2, kProtoTcp, "127.0.0.1", 41002, "127.0.0.1", 8080, kT + 10, kT + 5000));
    QVERIFY((*writer)->append(batch));
    // Written back into the batch for a live view, with the process names.
    QCOMPARE(batch.flows[0].pid, 100u);
    QCOMPARE(batch.flows[0].comm, std::string("curl"));
    QCOMPARE(batch.flows[0].peerPid, 200u);
    QCOMPARE(batch.flows[0].peerComm, std::string("server"));
    QVERIFY((*writer)->finish(uint64_t(kT + kSecond)));

    auto reader = reopen(path);
    QVERIFY(reader);
    auto flows = reader->flows();
    QVERIFY(flows);
    QCOMPARE(flows->size(), size_t(2));
    const Flow &f = (*flows)[0];
    QCOMPARE(f.pid, 100u);
    QCOMPARE(f.procStartNs, kBoot + 1);
    QCOMPARE(f.comm, std::string("curl"));
    QCOMPARE(f.peerPid, 200u);
    QCOMPARE(f.peerStartNs, kBoot + 2);
    QCOMPARE(f.peerComm, std::string("server"));
    const Flow &other = (*flows)[1];
    QCOMPARE(other.pid, 0u); // port 41002: nobody's connect
    QCOMPARE(other.peerPid, 0u); // nor anybody's accept (the listener has no such peer)
}

void TestFlowStore::udpServerWithoutPeer()
{
    // dig (pid 300) asks a local resolver (pid 400) whose socket is unconnected: its
    // recvfrom shows 0.0.0.0:5353 and no peer, and still names the responder.
    const QString path = m_dir.filePath("udp.provscope");
    CaptureBatch batch;
    batch.events.push_back(socketEvent(300, kBoot + 3, "dig", "sendto", "127.0.0.1", 52000, "127.0.0.1", 5353, kT));
    batch.events.push_back(socketEvent(400, kBoot + 4, "resolver", "recvfrom", "0.0.0.0", 5353, "", 0, kT + 100));
    batch.flows.push_back(makeFlow(1, kProtoUdp, "127.0.0.1", 52000, "127.0.0.1", 5353, kT + 50, kT + 200));
    QCOMPARE(writeSession(path, sampleMeta(), {batch}, uint64_t(kT + kSecond)), QString());
    auto reader = reopen(path);
    QVERIFY(reader);
    auto flows = reader->flows();
    QVERIFY(flows && flows->size() == 1);
    QCOMPARE(flows->front().pid, 300u);
    QCOMPARE(flows->front().comm, std::string("dig"));
    QCOMPARE(flows->front().peerPid, 400u);
    QCOMPARE(flows->front().peerComm, std::string("resolver"));
}

void TestFlowStore::unattributedStaysZero()
{
    // The only candidate is 3 s away: outside the window, so no process at all.
    const QString path = m_dir.filePath("unattributed.provscope");
    CaptureBatch batch;
    batch.events.push_back(
        socketEvent(100, kBoot + 1, "curl", "connect", "10.0.0.5", 40000, "93.184.216.34", 443, kT - 3 * kSecond));
    batch.flows.push_back(makeFlow(1, kProtoTcp, "10.0.0.5", 40000, "93.184.216.34", 443, kT, kT + kSecond));
    QCOMPARE(writeSession(path, sampleMeta(), {batch}, uint64_t(kT + 2 * kSecond)), QString());
    auto reader = reopen(path);
    QVERIFY(reader);
    auto flows = reader->flows();
    QVERIFY(flows && flows->size() == 1);
    QCOMPARE(flows->front().pid, 0u);
    QCOMPARE(flows->front().peerPid, 0u);
    QVERIFY(flows->front().comm.empty());
    QVERIFY(!flows->front().attributed());
}

void TestFlowStore::lateEventAttributesLater()
{
    // The flow is flushed before its connect event arrives: the next append attributes it,
    // and a reader following the recording sees that.
    const QString path = m_dir.filePath("late.provscope");
    auto writer = SessionWriter::create(path.toStdString(), sampleMeta());
    QVERIFY(writer);
    CaptureBatch first;
    first.flows.push_back(makeFlow(1, kProtoTcp, "10.0.0.5", 40000, "93.184.216.34", 443, kT, kT + kSecond));
    QVERIFY((*writer)->append(first));
    QCOMPARE(first.flows[0].pid, 0u);
    auto live = reopen(path);
    QVERIFY(live);
    QCOMPARE(live->flows()->front().pid, 0u);
    CaptureBatch second;
    second.events.push_back(socketEvent(100, kBoot + 1, "curl", "connect", "10.0.0.5", 40000, "93.184.216.34", 443, kT));
    QVERIFY((*writer)->append(second));
    QVERIFY(live->refresh());
    auto flows = live->flows();
    QVERIFY(flows);
    QCOMPARE(flows->front().pid, 100u);
    QCOMPARE(flows->front().comm, std::string("curl"));
    live.reset();
    QVERIFY((*writer)->finish(uint64_t(kT + 2 * kSecond)));
}

void TestFlowStore::lateEventAttributesAtFinish()
{
    // The initiator's event arrives with the flow; the responder's (local) accept only
    // in the last batch. finish() leaves both ends attributed and the digest covers it.
    const QString path = m_dir.filePath("finish.provscope");
    auto writer = SessionWriter::create(path.toStdString(), sampleMeta());
    QVERIFY(writer);
    CaptureBatch first;
    first.events.push_back(socketEvent(100, kBoot + 1, "ssh", "connect", "127.0.0.1", 40000, "127.0.0.1", 22, kT));
    first.flows.push_back(makeFlow(1, kProtoTcp, "127.0.0.1", 40000, "127.0.0.1", 22, kT, kT + kSecond));
    QVERIFY((*writer)->append(first));
    QCOMPARE(first.flows[0].pid, 100u);
    QCOMPARE(first.flows[0].peerPid, 0u);
    CaptureBatch last;
    last.events.push_back(socketEvent(200, kBoot + 2, "sshd", "accept", "127.0.0.1", 22, "127.0.0.1", 40000, kT + 20));
    QVERIFY((*writer)->append(last));
    QVERIFY((*writer)->finish(uint64_t(kT + 2 * kSecond)));
    auto reader = reopen(path);
    QVERIFY(reader);
    auto flows = reader->flows();
    QVERIFY(flows && flows->size() == 1);
    QCOMPARE(flows->front().pid, 100u);
    QCOMPARE(flows->front().peerPid, 200u);
    QCOMPARE(flows->front().peerComm, std::string("sshd"));
    reader.reset();
    auto check = checkEvidence(path.toStdString());
    QVERIFY(check);
    QCOMPARE(int(check->state), int(EvidenceCheck::State::Unchanged));
}

void TestFlowStore::format12HasNoFlows()
{
    // A 1.2 session: no tables, so flows are "not recorded": empty lists, no error.
    const QString path = m_dir.filePath("v12.provscope");
    QVERIFY(!writeSample(path.toStdString()).empty());
    QVERIFY(execSql(path, "DROP TABLE flows; DROP TABLE dns; UPDATE meta SET value = '1.2' WHERE key = 'format_version';"
                          " PRAGMA journal_mode = DELETE;"));
    auto reader = reopen(path);
    QVERIFY(reader);
    QVERIFY(!reader->hasFlowTables());
    auto flows = reader->flows();
    auto dns = reader->dnsRecords();
    QVERIFY(flows && dns);
    QVERIFY(flows->empty());
    QVERIFY(dns->empty());
}

void TestFlowStore::manyConnections()
{
    // A busy recording: 20,000 loopback connections over 200 s, each flow in the batch
    // of its connect/accept (a third of them one batch before their events), plus remote
    // flows nobody local answers. Every loopback flow names both ends, none a wrong one.
    const QString path = m_dir.filePath("many.provscope");
    auto writer = SessionWriter::create(path.toStdString(), sampleMeta());
    QVERIFY(writer);
    constexpr int kConnections = 20000, kPerBatch = 200;
    QElapsedTimer timer;
    timer.start();
    const std::clock_t cpuStart = std::clock();
    std::vector<Event> late;
    for (int b = 0; b < kConnections / kPerBatch; ++b) {
        CaptureBatch batch;
        batch.events = std::move(late);
        late.clear();
        for (int i = b * kPerBatch; i < (b + 1) * kPerBatch; ++i) {
            const int64_t ts = kT + int64_t(i) * 10'000'000; // 10 ms apart
            const uint16_t sport = uint16_t(20000 + i % 40000), dport = uint16_t(8000 + i % 7);
            const uint32_t client = 1000 + uint32_t(i % 50), server = 5000 + uint32_t(i % 7);
            // A third of the flows are flushed before their events arrive (next batch).
            std::vector<Event> &events = i % 3 ? batch.events : late;
            events.push_back(socketEvent(client, kBoot + client, "client", "connect", "127.0.0.1", sport, "127.0.0.1",
                                         dport, ts));
            events.push_back(socketEvent(server, kBoot + server, "server", "accept4", "127.0.0.1", dport, "127.0.0.1",
                                         sport, ts + 50'000));
            batch.flows.push_back(
                makeFlow(uint64_t(i + 1), kProtoTcp, "127.0.0.1", sport, "127.0.0.1", dport, ts + 10'000, ts + 5'000'000));
            batch.flows.push_back(makeFlow(uint64_t(100000 + i), kProtoTcp, "10.0.0.5", sport, "93.184.216.34", 443, ts, ts));
        }
        QVERIFY((*writer)->append(batch));
    }
    CaptureBatch last;
    last.events = std::move(late);
    QVERIFY((*writer)->append(last));
    QVERIFY((*writer)->finish(uint64_t(kT + 300 * kSecond)));
    const qint64 ms = timer.elapsed();
    const double cpuMs = 1000.0 * double(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    qInfo("%d connections (%d events, %d flows) stored and attributed in %lld ms (%.0f ms CPU)", kConnections,
          2 * kConnections, 2 * kConnections, ms, cpuMs);
    auto reader = reopen(path);
    QVERIFY(reader);
    QCOMPARE(reader->counts().flows, int64_t(2 * kConnections));
    int both = 0, wrong = 0, remoteAttributed = 0;
    QVERIFY(reader->forEachFlow([&](const Flow &f) {
        if (f.key >= 100000) {
            remoteAttributed += f.pid || f.peerPid;
            return true;
        }
        const int i = int(f.key) - 1;
        both += f.pid && f.peerPid;
        wrong += (f.pid && f.pid != 1000 + uint32_t(i % 50)) || (f.peerPid && f.peerPid != 5000 + uint32_t(i % 7));
        return true;
    }));
    QCOMPARE(both, kConnections);
    QCOMPARE(wrong, 0);
    QCOMPARE(remoteAttributed, 0);
}

QTEST_GUILESS_MAIN(TestFlowStore)
#include "tst_flow_store.moc"
