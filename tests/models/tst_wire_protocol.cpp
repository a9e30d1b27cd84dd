// The capture <-> GUI wire protocol: every message round-trips exactly; broken
// streams (truncated, oversized, garbage, unknown type/version) are told apart
// with a reason and never crash the decoder.
#include "frame_decoder.h"
#include "wire_protocol.h"

#include <QtTest>

#include <cstring>
#include <random>

using namespace provscope;
using namespace provscope::wire;

namespace {

SessionMeta sampleMeta()
{
    SessionMeta m;
    m.formatVersion = "1.0";
    m.toolVersion = "0.1.0";
    m.host = "lab-vm-ü";
    m.kernel = "6.1.0-18-amd64 #1 SMP x86_64";
    m.bootId = "0b6e4b2c-3f1a-4e2d-9c4b-6a1f0e2d3c4b";
    m.bootToEpochNs = 1700000000123456789LL;
    m.captureStartNs = 123456789012ULL;
    m.captureEndNs = 0;
    m.captureConfig = R"({"syscalls":["execve","openat"],"excludeTgid":42})";
    return m;
}

Event sampleEvent(int i)
{
    Event e;
    e.id = i + 1;
    e.tsNs = 1000000000ULL + uint64_t(i) * 17;
    e.lastTsNs = e.tsNs + uint64_t(i % 5);
    e.pid = 1000 + uint32_t(i % 7);
    e.tid = e.pid + uint32_t(i % 3);
    e.ppid = 1;
    e.uid = 1000;
    e.euid = i % 4 ? 1000 : 0;          // setuid binary
    e.gid = 100 + uint32_t(i % 2);
    e.nsPid = i % 2 ? e.pid : uint32_t(i % 7) + 1; // in a container: small pids
    e.cgroupId = 0x100000000ULL + uint64_t(i % 3);
    e.procStartNs = 555000000ULL + uint64_t(i % 7);
    e.comm = i % 2 ? "bash" : "prøve-😀";
    e.syscall = i % 3 ? "openat" : "execve";
    e.ret = i % 4 ? i : -13;
    e.fd = i % 4 ? 3 + i : -1;
    e.fd2 = i % 5 ? -1 : 4 + i;
    e.path = "/home/алиса/文件/" + std::to_string(i) + ".txt";
    e.path2 = i % 5 == 0 ? "/tmp/renamed with spaces\n" : "";
    e.pathTruncated = i % 11 == 0;
    if (i % 6 == 0) {
        e.laddr = "127.0.0.1";
        e.raddr = "::ffff:10.0.0.1";
        e.lport = 40000;
        e.rport = 443;
    }
    e.flags = 0x80241;
    e.mode = 0644;
    e.aux1 = i % 2 ? 0 : 0xFFFFFFFFFFFFFFF7ULL; // a negative id as passed
    e.aux2 = uint64_t(i) << 40;
    e.dev = 0xfe00 + uint64_t(i);
    e.ino = (uint64_t(i) << 33) | 7;
    e.count = 1 + uint64_t(i % 9);
    e.bytes = uint64_t(i) * 4096;
    if (i % 3 == 0)
        e.argv = {"/bin/sh", "-c", "echo 'ünï'", std::string("embedded\0nul", 12), ""};
    return e;
}

CaptureBatch sampleBatch(int events)
{
    CaptureBatch b;
    ProcessInfo p;
    p.pid = 4242;
    p.startNs = 99;
    p.ppid = 1;
    p.parentStartNs = 7;
    p.uid = 1000;
    p.comm = "python3";
    p.exe = "/usr/bin/python3.11";
    p.argv = {"python3", "-c", "print('héllo')"};
    p.exitTsNs = 12345;
    p.exitCode = -9;
    p.mntNs = 4026531841u;
    p.pidNs = 4026532200u;
    p.nsPid = 1;
    p.cgroupId = 0xdeadbeef01ULL;
    b.processes.push_back(p);
    p.pid = 4243;
    p.argv.clear();
    p.exitCode = 0;
    b.processes.push_back(p);
    for (int i = 0; i < events; ++i)
        b.events.push_back(sampleEvent(i));
    b.losses.push_back(LossRecord{10, 20, 1, 77, "kernel-ringbuf"});
    b.losses.push_back(LossRecord{30, 40, -1, 3, "user-queue"});
    // Protocol 4: flows (every field, a negative boot time from an older capture file)
    // and DNS answers, about one per ten events.
    for (int i = 0; i < std::max(1, events / 10); ++i) {
        Flow f;
        f.key = 1 + uint64_t(i);
        f.proto = i % 2 ? kProtoUdp : kProtoTcp;
        f.src = i % 3 ? "10.0.0." + std::to_string(i % 250) : "fe80::1%eth0";
        f.sport = uint16_t(40000 + i);
        f.dst = "93.184.216.34";
        f.dport = i % 2 ? 53 : 443;
        f.packetsOut = uint64_t(i) * 3;
        f.bytesOut = uint64_t(i) << 34;
        f.packetsIn = 7;
        f.bytesIn = 1500;
        f.tcpFlags = uint8_t(i);
        f.firstNs = i % 4 ? 1000 + i : -5'000'000'000LL;
        f.lastNs = f.firstNs + 999;
        f.ended = i % 2;
        f.interfaceName = i % 5 ? "lo" : "";
        f.dnsName = i % 2 ? "exämple.org" : "";
        f.pid = uint32_t(4242 + i % 2);
        f.procStartNs = 99;
        f.peerPid = i % 3 ? 0 : 17;
        f.peerStartNs = i % 3 ? 0 : 1234567;
        f.comm = "python3";
        f.peerComm = i % 3 ? "" : "dnsmasq";
        b.flows.push_back(f);
        DnsRecord d;
        d.tsNs = 5000 + i;
        d.name = "a" + std::to_string(i) + ".example.org";
        d.type = i % 3 ? kDnsTypeA : kDnsTypeCname;
        d.value = i % 3 ? "93.184.216.34" : "edge.example.net";
        d.ttl = 0xFFFFFFFFu - uint32_t(i);
        d.queryName = "www.example.org";
        d.server = "127.0.0.53";
        b.dnsRecords.push_back(d);
    }
    return b;
}

bool sameFlow(const Flow &a, const Flow &b)
{
    return a.key == b.key && a.proto == b.proto && a.src == b.src && a.sport == b.sport && a.dst == b.dst &&
           a.dport == b.dport && a.packetsOut == b.packetsOut && a.bytesOut == b.bytesOut &&
           a.packetsIn == b.packetsIn && a.bytesIn == b.bytesIn && a.tcpFlags == b.tcpFlags &&
           a.firstNs == b.firstNs && a.lastNs == b.lastNs && a.ended == b.ended &&
           a.interfaceName == b.interfaceName && a.dnsName == b.dnsName && a.pid == b.pid &&
           a.procStartNs == b.procStartNs && a.peerPid == b.peerPid && a.peerStartNs == b.peerStartNs &&
           a.comm == b.comm && a.peerComm == b.peerComm;
}

bool sameDns(const DnsRecord &a, const DnsRecord &b)
{
    return a.tsNs == b.tsNs && a.name == b.name && a.type == b.type && a.value == b.value && a.ttl == b.ttl &&
           a.queryName == b.queryName && a.server == b.server;
}

bool sameEvent(const Event &a, const Event &b)
{
    return a.id == b.id && a.tsNs == b.tsNs && a.lastTsNs == b.lastTsNs && a.pid == b.pid &&
           a.tid == b.tid && a.ppid == b.ppid && a.uid == b.uid && a.procStartNs == b.procStartNs &&
           a.euid == b.euid && a.gid == b.gid && a.nsPid == b.nsPid && a.cgroupId == b.cgroupId &&
           a.fd2 == b.fd2 && a.aux1 == b.aux1 && a.aux2 == b.aux2 &&
           a.dev == b.dev && a.ino == b.ino &&
           a.comm == b.comm && a.syscall == b.syscall && a.ret == b.ret && a.fd == b.fd &&
           a.path == b.path && a.path2 == b.path2 && a.pathTruncated == b.pathTruncated &&
           a.laddr == b.laddr && a.raddr == b.raddr && a.lport == b.lport && a.rport == b.rport &&
           a.flags == b.flags && a.mode == b.mode && a.count == b.count && a.bytes == b.bytes &&
           a.argv == b.argv;
}

bool sameProcess(const ProcessInfo &a, const ProcessInfo &b)
{
    return a.pid == b.pid && a.startNs == b.startNs && a.ppid == b.ppid &&
           a.parentStartNs == b.parentStartNs && a.uid == b.uid && a.comm == b.comm &&
           a.exe == b.exe && a.argv == b.argv && a.exitTsNs == b.exitTsNs && a.exitCode == b.exitCode &&
           a.mntNs == b.mntNs && a.pidNs == b.pidNs && a.nsPid == b.nsPid && a.cgroupId == b.cgroupId;
}

bool sameLoss(const LossRecord &a, const LossRecord &b)
{
    return a.firstTsNs == b.firstTsNs && a.lastTsNs == b.lastTsNs && a.cpu == b.cpu &&
           a.count == b.count && a.source == b.source;
}

bool sameMeta(const SessionMeta &a, const SessionMeta &b)
{
    return a.formatVersion == b.formatVersion && a.toolVersion == b.toolVersion && a.host == b.host &&
           a.kernel == b.kernel && a.bootId == b.bootId && a.bootToEpochNs == b.bootToEpochNs &&
           a.captureStartNs == b.captureStartNs && a.captureEndNs == b.captureEndNs &&
           a.captureConfig == b.captureConfig;
}

bool sameStats(const CaptureStats &a, const CaptureStats &b)
{
    return a.eventsReceived == b.eventsReceived && a.eventsLost == b.eventsLost &&
           a.bytesReceived == b.bytesReceived;
}

template <class T, class Eq>
bool sameVector(const std::vector<T> &a, const std::vector<T> &b, Eq eq)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (!eq(a[i], b[i]))
            return false;
    return true;
}

bool sameMessage(const Message &a, const Message &b)
{
    if (a.index() != b.index())
        return false;
    return std::visit(
        [&b](const auto &x) -> bool {
            using T = std::decay_t<decltype(x)>;
            const T &y = std::get<T>(b);
            if constexpr (std::is_same_v<T, Hello>)
                return x.protocolVersion == y.protocolVersion && x.clientUid == y.clientUid &&
                       x.clientPid == y.clientPid && x.purpose == y.purpose;
            else if constexpr (std::is_same_v<T, HelloAck>)
                return x.protocolVersion == y.protocolVersion && x.serverPid == y.serverPid &&
                       sameMeta(x.meta, y.meta);
            else if constexpr (std::is_same_v<T, Start>)
                return x.optionsJson == y.optionsJson;
            else if constexpr (std::is_same_v<T, Started>)
                return sameMeta(x.meta, y.meta);
            else if constexpr (std::is_same_v<T, Batch>)
                return sameVector(x.batch.processes, y.batch.processes, sameProcess) &&
                       sameVector(x.batch.events, y.batch.events, sameEvent) &&
                       sameVector(x.batch.losses, y.batch.losses, sameLoss) &&
                       sameVector(x.batch.flows, y.batch.flows, sameFlow) &&
                       sameVector(x.batch.dnsRecords, y.batch.dnsRecords, sameDns);
            else if constexpr (std::is_same_v<T, Stats>)
                return sameStats(x.stats, y.stats);
            else if constexpr (std::is_same_v<T, Warning> || std::is_same_v<T, ErrorMessage>)
                return x.text == y.text;
            else if constexpr (std::is_same_v<T, Stop>)
                return true;
            else if constexpr (std::is_same_v<T, Goodbye>)
                return sameStats(x.stats, y.stats) && x.reason == y.reason;
        },
        a);
}

std::vector<uint8_t> header(uint32_t magic, uint16_t type, uint16_t version, uint32_t length)
{
    std::vector<uint8_t> h(kHeaderBytes);
    auto put = [&h](size_t at, uint64_t v, size_t n) {
        for (size_t i = 0; i < n; ++i)
            h[at + i] = uint8_t(v >> (8 * i));
    };
    put(0, magic, 4);
    put(4, type, 2);
    put(6, version, 2);
    put(8, length, 4);
    return h;
}

std::vector<uint8_t> frameOf(const Message &m)
{
    auto f = encodeFrame(m);
    if (!f)
        qFatal("encodeFrame failed: %s", f.error().c_str());
    return f.value();
}

} // namespace

class TstWireProtocol : public QObject {
    Q_OBJECT
private slots:
    void roundTrip_data();
    void roundTrip();
    void headerIsLittleEndianWithMagic();
    void truncatedFrameWaitsForMoreBytes();
    void manyFramesInOneRead();
    void oversizedHeaderRejectedBeforePayload();
    void rejectsWithReason_data();
    void rejectsWithReason();
    void errorIsSticky();
    void splitBatchKeepsEverything();
    void fuzzNeverCrashes();
};

void TstWireProtocol::roundTrip_data()
{
    QTest::addColumn<int>("which");
    const char *names[] = {"Hello", "HelloAck", "Start", "Started", "Batch (1 event)",
                           "Batch (5000 events)", "Batch (empty)", "Stats", "Warning", "Error",
                           "Stop", "Goodbye"};
    for (int i = 0; i < int(std::size(names)); ++i)
        QTest::newRow(names[i]) << i;
}

static Message messageNumber(int which)
{
    switch (which) {
    case 0: return Hello{kProtocolVersion, 1000, 31337, "gui ✓"};
    case 1: return HelloAck{kProtocolVersion, 4242, sampleMeta()};
    case 2: return Start{R"({"syscalls":"all"})"};
    case 3: return Started{sampleMeta()};
    case 4: return Batch{sampleBatch(1)};
    case 5: return Batch{sampleBatch(5000)};
    case 6: return Batch{CaptureBatch{}};
    case 7: return Stats{CaptureStats{123456789, 42, 987654321012ULL}};
    case 8: return Warning{"ring buffer 90% full — events may be lost"};
    case 9: return ErrorMessage{"uid 65534 is not allowed"};
    case 10: return Stop{};
    default: return Goodbye{CaptureStats{1, 2, 3}, "stopped by client"};
    }
}

void TstWireProtocol::roundTrip()
{
    QFETCH(int, which);
    const Message sent = messageNumber(which);
    const auto frame = frameOf(sent);

    FrameDecoder decoder;
    decoder.feed(frame.data(), frame.size());
    auto got = decoder.next();
    QVERIFY2(got.ok(), got.ok() ? "" : got.error().c_str());
    QVERIFY(got->has_value());
    QCOMPARE(int(messageType(**got)), int(messageType(sent)));
    QVERIFY2(sameMessage(sent, **got), "decoded message differs from the one sent");
    QCOMPARE(decoder.bufferedBytes(), size_t(0));
    auto none = decoder.next();
    QVERIFY(none.ok());
    QVERIFY(!none->has_value());
}

void TstWireProtocol::headerIsLittleEndianWithMagic()
{
    const auto frame = frameOf(Warning{"abc"});
    QCOMPARE(frame.size(), kHeaderBytes + 4 + 3);
    QCOMPARE(std::string(frame.begin(), frame.begin() + 4), std::string("PSWP"));
    QCOMPARE(int(frame[4]), int(MessageType::Warning));
    QCOMPARE(int(frame[5]), 0);
    QCOMPARE(int(frame[6]), int(kProtocolVersion));
    QCOMPARE(int(frame[8]), 7); // payload: u32 length + "abc"
}

void TstWireProtocol::truncatedFrameWaitsForMoreBytes()
{
    const Message sent = Batch{sampleBatch(300)};
    const auto frame = frameOf(sent);
    FrameDecoder decoder;
    // Byte by byte through the header, then in odd-sized chunks: never a message early.
    size_t pos = 0;
    for (; pos < kHeaderBytes + 3; ++pos) {
        decoder.feed(&frame[pos], 1);
        auto r = decoder.next();
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().c_str());
        QVERIFY(!r->has_value());
    }
    while (pos < frame.size() - 1) {
        const size_t n = std::min<size_t>(977, frame.size() - 1 - pos);
        decoder.feed(&frame[pos], n);
        pos += n;
        auto r = decoder.next();
        QVERIFY(r.ok());
        QVERIFY2(!r->has_value(), "a message was produced before its last byte arrived");
    }
    decoder.feed(&frame[pos], 1);
    auto r = decoder.next();
    QVERIFY(r.ok());
    QVERIFY(r->has_value());
    QVERIFY(sameMessage(sent, **r));
}

void TstWireProtocol::manyFramesInOneRead()
{
    std::vector<uint8_t> stream;
    for (int i = 0; i < 12; ++i) {
        const auto f = frameOf(messageNumber(i));
        stream.insert(stream.end(), f.begin(), f.end());
    }
    FrameDecoder decoder;
    decoder.feed(stream.data(), stream.size());
    for (int i = 0; i < 12; ++i) {
        auto r = decoder.next();
        QVERIFY(r.ok());
        QVERIFY(r->has_value());
        QVERIFY2(sameMessage(messageNumber(i), **r), qPrintable(QString("message %1").arg(i)));
    }
    auto r = decoder.next();
    QVERIFY(r.ok() && !r->has_value());
}

void TstWireProtocol::oversizedHeaderRejectedBeforePayload()
{
    // Only the 12 header bytes arrive: a 4 GiB claim must be refused right away, not
    // waited for or allocated.
    FrameDecoder decoder;
    const auto h = header(kMagic, uint16_t(MessageType::Batch), kProtocolVersion, 0xFFFFFFF0u);
    decoder.feed(h.data(), h.size());
    auto r = decoder.next();
    QVERIFY(!r.ok());
    QVERIFY2(QString::fromStdString(r.error()).contains("exceeds the cap"), r.error().c_str());

    FrameDecoder justOver;
    const auto h2 = header(kMagic, uint16_t(MessageType::Batch), kProtocolVersion, kMaxPayloadBytes + 1);
    justOver.feed(h2.data(), h2.size());
    QVERIFY(!justOver.next().ok());

    // Exactly at the cap is allowed (waits for the payload).
    FrameDecoder atCap;
    const auto h3 = header(kMagic, uint16_t(MessageType::Warning), kProtocolVersion, kMaxPayloadBytes);
    atCap.feed(h3.data(), h3.size());
    auto r3 = atCap.next();
    QVERIFY(r3.ok() && !r3->has_value());
}

void TstWireProtocol::rejectsWithReason_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");

    auto bytes = [](std::vector<uint8_t> v) { return QByteArray(reinterpret_cast<const char *>(v.data()), int(v.size())); };
    auto join = [](std::vector<uint8_t> a, std::vector<uint8_t> b) { a.insert(a.end(), b.begin(), b.end()); return a; };

    QTest::newRow("http garbage") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << "bad frame magic";
    QTest::newRow("unknown type 99") << bytes(header(kMagic, 99, kProtocolVersion, 0)) << "frame type 99 unknown";
    QTest::newRow("type 0") << bytes(header(kMagic, 0, kProtocolVersion, 0)) << "frame type 0 unknown";
    QTest::newRow("future version") << bytes(header(kMagic, 1, kProtocolVersion + 1, 0))
                                    << QStringLiteral("protocol version %1").arg(kProtocolVersion + 1);
    // A Warning whose string claims 5000 bytes but the payload has 8 more.
    QTest::newRow("string too long")
        << bytes(join(header(kMagic, uint16_t(MessageType::Warning), kProtocolVersion, 12),
                      {0x88, 0x13, 0, 0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}))
        << "string length 5000 exceeds remaining 8 bytes in Warning";
    // A Batch claiming 2^31 processes in a 16-byte payload: refused before reserving.
    QTest::newRow("count too big")
        << bytes(join(header(kMagic, uint16_t(MessageType::Batch), kProtocolVersion, 16),
                      {0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
        << "process count 2147483648";
    // A Batch with no processes, events or losses claiming 2^31 flows.
    QTest::newRow("flow count too big")
        << bytes(join(header(kMagic, uint16_t(MessageType::Batch), kProtocolVersion, 20),
                      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0}))
        << "flow count 2147483648";
    QTest::newRow("dns count too big")
        << bytes(join(header(kMagic, uint16_t(MessageType::Batch), kProtocolVersion, 20),
                      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}))
        << "dns record count 4294967295";
    {
        // A flow whose protocol byte (after its u64 key) is 1 (ICMP): refused.
        CaptureBatch b;
        b.flows.push_back(Flow{});
        b.flows.back().proto = kProtoTcp;
        auto f = frameOf(Batch{b});
        const size_t protoAt = kHeaderBytes + 4 * 4 + 8;
        QVERIFY(f[protoAt] == kProtoTcp);
        f[protoAt] = 1;
        QTest::newRow("flow protocol") << bytes(f) << "flow protocol 1 is neither TCP";
    }
    QTest::newRow("truncated Stats payload")
        << bytes(join(header(kMagic, uint16_t(MessageType::Stats), kProtocolVersion, 5), {1, 2, 3, 4, 5}))
        << "truncated u64";
    QTest::newRow("trailing bytes in Stop")
        << bytes(join(header(kMagic, uint16_t(MessageType::Stop), kProtocolVersion, 2), {1, 2}))
        << "2 trailing bytes in Stop";
    {
        // An event whose pathTruncated byte is 7: not a boolean.
        auto f = frameOf(Batch{CaptureBatch{{}, {Event{}}, {}}});
        // id, ts, last ts; pid tid ppid uid; euid gid ns pid; cgroup; proc start;
        // comm, syscall lengths; ret; fd, fd2; path, path2 lengths.
        const size_t boolAt = kHeaderBytes + 4 + 4 +
                              (8 * 3 + 4 * 4 + 4 * 3 + 8 + 8 + 4 + 4 + 8 + 4 + 4 + 4 + 4);
        QVERIFY(f[boolAt] == 0);
        f[boolAt] = 7;
        QTest::newRow("bad boolean") << bytes(f) << "boolean byte 7";
    }
}

void TstWireProtocol::rejectsWithReason()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    FrameDecoder decoder;
    decoder.feed(reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size()));
    auto r = decoder.next();
    QVERIFY2(!r.ok(), "broken stream was accepted");
    QVERIFY2(QString::fromStdString(r.error()).contains(reason),
             qPrintable(QString("reason was: %1").arg(QString::fromStdString(r.error()))));
    QVERIFY(decoder.failed());
}

void TstWireProtocol::errorIsSticky()
{
    FrameDecoder decoder;
    const QByteArray junk("\xde\xad\xbe\xef\x00\x00\x00\x00\x00\x00\x00\x00", 12);
    decoder.feed(reinterpret_cast<const uint8_t *>(junk.constData()), 12);
    QVERIFY(!decoder.next().ok());
    const auto good = frameOf(Stop{});
    decoder.feed(good.data(), good.size());
    QVERIFY2(!decoder.next().ok(), "a broken stream must stay broken (resync is impossible)");
}

void TstWireProtocol::splitBatchKeepsEverything()
{
    CaptureBatch big = sampleBatch(20000);
    const CaptureBatch copy = big;
    auto parts = splitBatch(std::move(big), 256 * 1024);
    QVERIFY2(parts.size() > 3, "a big batch should be split into several frames");
    CaptureBatch joined;
    for (auto &p : parts) {
        auto f = encodeFrame(Batch{p});
        QVERIFY(f.ok());
        QVERIFY2(f->size() <= kHeaderBytes + 256 * 1024, "part exceeds the requested size");
        joined.processes.insert(joined.processes.end(), p.processes.begin(), p.processes.end());
        joined.events.insert(joined.events.end(), p.events.begin(), p.events.end());
        joined.losses.insert(joined.losses.end(), p.losses.begin(), p.losses.end());
        joined.flows.insert(joined.flows.end(), p.flows.begin(), p.flows.end());
        joined.dnsRecords.insert(joined.dnsRecords.end(), p.dnsRecords.begin(), p.dnsRecords.end());
    }
    QCOMPARE(joined.flows.size(), size_t(2000));
    QVERIFY(sameMessage(Batch{copy}, Batch{joined}));
    // Flows alone (a pcap-only capture) are split too.
    CaptureBatch flowsOnly;
    flowsOnly.flows = sampleBatch(100000).flows;
    const size_t flows = flowsOnly.flows.size();
    auto flowParts = splitBatch(std::move(flowsOnly), 64 * 1024);
    QVERIFY(flowParts.size() > 3);
    size_t total = 0;
    for (auto &p : flowParts) {
        auto f = encodeFrame(Batch{p});
        QVERIFY(f.ok());
        QVERIFY2(f->size() <= kHeaderBytes + 64 * 1024, "flow part exceeds the requested size");
        total += p.flows.size();
    }
    QCOMPARE(total, flows);
}

void TstWireProtocol::fuzzNeverCrashes()
{
    // Fixed seed, bounded: mutate valid frames (bit flips, truncation, splicing) and
    // feed pure noise; the decoder must answer with a message, "need more" or an error.
    std::mt19937 rng(20240229);
    std::vector<std::vector<uint8_t>> seeds;
    for (int i = 0; i < 12; ++i)
        seeds.push_back(frameOf(messageNumber(i == 5 ? 4 : i)));
    int decoded = 0, errors = 0, waiting = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        std::vector<uint8_t> data = seeds[rng() % seeds.size()];
        switch (rng() % 4) {
        case 0: // flip a few bytes
            for (int k = 0, n = 1 + int(rng() % 4); k < n; ++k)
                data[rng() % data.size()] = uint8_t(rng());
            break;
        case 1: // flip payload bytes only (header intact)
            if (data.size() > kHeaderBytes)
                for (int k = 0, n = 1 + int(rng() % 8); k < n; ++k)
                    data[kHeaderBytes + rng() % (data.size() - kHeaderBytes)] = uint8_t(rng());
            break;
        case 2: // truncate
            data.resize(rng() % data.size());
            break;
        default: // noise
            data.resize(rng() % 256);
            for (auto &b : data)
                b = uint8_t(rng());
        }
        FrameDecoder decoder;
        size_t pos = 0;
        while (pos < data.size()) {
            const size_t n = std::min<size_t>(1 + rng() % 64, data.size() - pos);
            decoder.feed(&data[pos], n);
            pos += n;
            for (;;) {
                auto r = decoder.next();
                if (!r.ok()) {
                    ++errors;
                    QVERIFY(!r.error().empty());
                    pos = data.size();
                    break;
                }
                if (!r->has_value()) {
                    break;
                }
                ++decoded;
            }
        }
        if (!decoder.failed() && decoder.bufferedBytes() > 0)
            ++waiting;
    }
    qInfo("fuzz: %d decoded, %d rejected, %d waiting for more bytes", decoded, errors, waiting);
    QVERIFY(errors > 1000);
    QVERIFY(decoded > 100);
}

QTEST_GUILESS_MAIN(TstWireProtocol)
#include "tst_wire_protocol.moc"
