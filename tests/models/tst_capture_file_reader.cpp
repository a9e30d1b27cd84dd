// readCaptureFile: real pcap files written by libpcap (pcap_dump), a pcapng file written
// block by block, a file cut in the middle of a record, and files that are no capture.
#include "capture_file_reader.h"
#include "packet_builders.h"

#include <QTemporaryDir>
#include <QTest>
#include <pcap/pcap.h>

#include <fstream>

using namespace provscope;
using namespace test;

namespace {
constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1'700'000'000 * kSec + 123'456'789; // nanoseconds matter

struct Frame {
    int64_t epochNs;
    Bytes data;
};

// pcap written by libpcap itself; nano: nanosecond timestamps (magic a1b23c4d).
void writePcap(const std::string &path, const std::vector<Frame> &frames, bool nano = true, uint32_t snaplen = 65535)
{
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, int(snaplen),
                                                        nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
    QVERIFY(dead);
    pcap_dumper_t *dumper = pcap_dump_open(dead, path.c_str());
    QVERIFY2(dumper, pcap_geterr(dead));
    for (const Frame &f : frames) {
        pcap_pkthdr h{};
        h.ts.tv_sec = f.epochNs / kSec;
        h.ts.tv_usec = nano ? f.epochNs % kSec : f.epochNs % kSec / 1000;
        h.len = uint32_t(f.data.size());
        h.caplen = std::min(h.len, snaplen);
        pcap_dump(reinterpret_cast<u_char *>(dumper), &h, f.data.data());
    }
    pcap_dump_close(dumper);
    pcap_close(dead);
}

// pcapng (little-endian): section header, one Ethernet interface with if_tsresol = 9
// (nanoseconds) and if_name, then one enhanced packet block per frame.
void writePcapng(const std::string &path, const std::vector<Frame> &frames)
{
    Bytes out;
    auto le16 = [&](uint16_t v) { out.push_back(uint8_t(v)); out.push_back(uint8_t(v >> 8)); };
    auto le32 = [&](uint32_t v) { le16(uint16_t(v)); le16(uint16_t(v >> 16)); };
    auto pad4 = [&] { while (out.size() % 4) out.push_back(0); };
    auto block = [&](uint32_t type, const std::function<void()> &body) {
        const size_t start = out.size();
        le32(type);
        le32(0); // total length, patched below
        body();
        pad4();
        const uint32_t total = uint32_t(out.size() - start + 4);
        le32(total);
        for (int i = 0; i < 4; ++i)
            out[start + 4 + size_t(i)] = uint8_t(total >> (8 * i));
    };
    block(0x0a0d0d0a, [&] {
        le32(0x1a2b3c4d);
        le16(1);
        le16(0);
        le32(0xffffffff); // section length unknown
        le32(0xffffffff);
    });
    block(1, [&] {
        le16(1); // LINKTYPE_ETHERNET
        le16(0);
        le32(65535);
        le16(9); // if_tsresol
        le16(1);
        out.push_back(9);
        pad4();
        le16(2); // if_name
        le16(4);
        for (char c : std::string("eth7"))
            out.push_back(uint8_t(c));
        le16(0); // opt_endofopt
        le16(0);
    });
    for (const Frame &f : frames) {
        block(6, [&] {
            le32(0);
            le32(uint32_t(uint64_t(f.epochNs) >> 32));
            le32(uint32_t(uint64_t(f.epochNs)));
            le32(uint32_t(f.data.size()));
            le32(uint32_t(f.data.size()));
            append(out, f.data);
        });
    }
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(out.data()), long(out.size()));
}

// A TCP connection (8 frames) on client port sport starting at t.
std::vector<Frame> conversation(int64_t t, uint16_t sport)
{
    std::vector<Frame> frames;
    auto c = [&](uint8_t flags, size_t n) { frames.push_back({t += 1000, tcpFrame("10.0.0.5", sport, "10.0.0.9", 80, flags, n)}); };
    auto s = [&](uint8_t flags, size_t n) { frames.push_back({t += 1000, tcpFrame("10.0.0.9", 80, "10.0.0.5", sport, flags, n)}); };
    c(kTcpSyn, 0);
    s(kTcpSyn | kTcpAck, 0);
    c(kTcpAck, 0);
    c(kTcpPsh | kTcpAck, 10);
    s(kTcpPsh | kTcpAck, 700);
    c(kTcpFin | kTcpAck, 0);
    s(kTcpFin | kTcpAck, 0);
    c(kTcpAck, 0);
    return frames;
}

struct Collected {
    std::vector<Flow> flows;
    std::vector<DnsRecord> dns;
    int calls = 0;
    FlowSink sink()
    {
        return [this](std::vector<Flow> &&f, std::vector<DnsRecord> &&d) -> Result<void> {
            ++calls;
            for (Flow &x : f)
                flows.push_back(std::move(x));
            for (DnsRecord &x : d)
                dns.push_back(std::move(x));
            return {};
        };
    }
};

uint64_t fileSize(const std::string &path) { return uint64_t(QFileInfo(QString::fromStdString(path)).size()); }
} // namespace

class TestCaptureFileReader : public QObject {
    Q_OBJECT

private slots:
    void init() { QVERIFY(m_dir.isValid()); }
    void pcapNanoseconds();
    void pcapMicroseconds();
    void pcapngBlocks();
    void flowsHandedOutWhileReading();
    void timestampOutOfRange();
    void truncatedPcap();
    void truncatedRecordHeader();
    void notACapture();
    void missingFile();
    void sinkFailureStops();

private:
    std::string path(const char *name) const { return m_dir.filePath(name).toStdString(); }
    QTemporaryDir m_dir;
};

void TestCaptureFileReader::pcapNanoseconds()
{
    const std::string file = path("nano.pcap");
    std::vector<Frame> frames = conversation(kT0, 40000);
    writePcap(file, frames);
    FlowAggregator aggregator;
    Collected got;
    Result<CaptureFileSummary> s = readCaptureFile(file, aggregator, got.sink());
    QVERIFY2(s, s ? "" : s.error().c_str());
    QCOMPARE(s->format, std::string("pcap"));
    QCOMPARE(s->linkType, DLT_EN10MB);
    QCOMPARE(s->frames, uint64_t(8));
    QCOMPARE(s->firstEpochNs, kT0 + 1000);
    QCOMPARE(s->lastEpochNs, kT0 + 8000);
    QVERIFY(s->complete);
    QCOMPARE(s->stoppedReason, std::string());
    QCOMPARE(got.flows.size(), size_t(1));
    QCOMPARE(got.flows[0].packetsOut, uint64_t(5));
    QCOMPARE(got.flows[0].packetsIn, uint64_t(3));
    QCOMPARE(got.flows[0].firstNs, kT0 + 1000); // a new session: bootToEpochNs = 0
    QVERIFY(got.flows[0].ended);
    QCOMPARE(got.flows[0].interfaceName, std::string()); // classic pcap names no interface
}

void TestCaptureFileReader::pcapMicroseconds()
{
    const std::string file = path("micro.pcap");
    writePcap(file, conversation(kT0, 40001), false, 60); // also a 60-byte snap length
    FlowAggregator aggregator;
    Collected got;
    Result<CaptureFileSummary> s = readCaptureFile(file, aggregator, got.sink());
    QVERIFY(s);
    QCOMPARE(s->firstEpochNs, (kT0 + 1000) / 1000 * 1000); // microseconds, scaled to ns
    QCOMPARE(got.flows.size(), size_t(1));
    // Bytes are wire lengths, not the 60 bytes kept: the 700-byte reply counts in full.
    QCOMPARE(got.flows[0].bytesIn, uint64_t(3 * 54 + 700));
}

void TestCaptureFileReader::pcapngBlocks()
{
    const std::string file = path("blocks.pcapng");
    std::vector<Frame> frames = conversation(kT0, 40002);
    for (const Frame &f : conversation(kT0 + kSec, 40003))
        frames.push_back(f);
    writePcapng(file, frames);
    FlowAggregator aggregator;
    Collected got;
    Result<CaptureFileSummary> s = readCaptureFile(file, aggregator, got.sink());
    QVERIFY2(s, s ? "" : s.error().c_str());
    QCOMPARE(s->format, std::string("pcapng"));
    QCOMPARE(s->linkType, DLT_EN10MB);
    QCOMPARE(s->frames, uint64_t(16));
    QCOMPARE(s->firstEpochNs, kT0 + 1000);
    QVERIFY(s->complete);
    QCOMPARE(got.flows.size(), size_t(2));
    QCOMPARE(got.flows[1].sport, uint16_t(40003));
    QCOMPARE(got.flows[1].firstNs, kT0 + kSec + 1000);
    QCOMPARE(got.flows[0].interfaceName, std::string("eth7")); // from the interface block's if_name
}

void TestCaptureFileReader::flowsHandedOutWhileReading()
{
    const std::string file = path("many.pcap");
    std::vector<Frame> frames;
    for (int i = 0; i < 3000; ++i) // 24000 frames, one connection every 10 ms
        for (const Frame &f : conversation(kT0 + i * 10'000'000LL, uint16_t(2000 + i)))
            frames.push_back(f);
    writePcap(file, frames);
    FlowAggregator aggregator;
    size_t peakOpen = 0;
    Collected got;
    FlowSink inner = got.sink();
    Result<CaptureFileSummary> s = readCaptureFile(file, aggregator, [&](std::vector<Flow> &&f, std::vector<DnsRecord> &&d) {
        peakOpen = std::max(peakOpen, aggregator.openFlows());
        return inner(std::move(f), std::move(d));
    });
    QVERIFY(s);
    QCOMPARE(s->frames, uint64_t(24000));
    QCOMPARE(got.flows.size(), size_t(3000));
    QVERIFY2(got.calls >= 5, qPrintable(QString::number(got.calls))); // every 4096 frames, and the end
    QVERIFY2(peakOpen < 1000, qPrintable(QString::number(peakOpen)));
}

void TestCaptureFileReader::timestampOutOfRange()
{
    // A corrupt pcapng timestamp (2^64 - 2^32 ns: 1.8e10 s, past what int64 ns hold) used
    // to overflow into a time before 1970: that frame is skipped and named, the rest counts.
    const std::string file = path("badtime.pcapng");
    std::vector<Frame> frames = conversation(kT0, 40004);
    frames.insert(frames.begin() + 3, Frame{int64_t(0xffffffff00000000ull), tcpFrame("10.0.0.5", 40004, "10.0.0.9", 80, kTcpAck)});
    writePcapng(file, frames);
    FlowAggregator aggregator;
    Collected got;
    Result<CaptureFileSummary> s = readCaptureFile(file, aggregator, got.sink());
    QVERIFY2(s, s ? "" : s.error().c_str());
    QVERIFY(s->complete);
    QCOMPARE(s->frames, uint64_t(8));
    QCOMPARE(s->damagedFrames, uint64_t(1));
    QCOMPARE(s->firstDamaged, std::string("frame 4: timestamp 18446744069 s out of range"));
    QCOMPARE(s->lastEpochNs, kT0 + 8000);
    QCOMPARE(got.flows.size(), size_t(1));
    QCOMPARE(got.flows[0].packets(), uint64_t(8));
    QCOMPARE(got.flows[0].lastNs, kT0 + 8000);
}

void TestCaptureFileReader::truncatedPcap()
{
    const std::string file = path("cut.pcap");
    std::vector<Frame> frames = conversation(kT0, 40004);
    writePcap(file, frames);
    // Cut inside the 6th record's data: 24-byte file header, 16-byte record headers.
    uint64_t sixthStart = 24;
    for (int i = 0; i < 5; ++i)
        sixthStart += 16 + frames[size_t(i)].data.size();
    const uint64_t cutAt = sixthStart + 16 + 10;
    QVERIFY(QFile::resize(QString::fromStdString(file), qint64(cutAt)));
    FlowAggregator aggregator;
    Collected got;
    Result<CaptureFileSummary> s = readCaptureFile(file, aggregator, got.sink());
    QVERIFY2(s, s ? "" : s.error().c_str());
    QVERIFY(!s->complete);
    QCOMPARE(s->frames, uint64_t(5));
    const std::string expected = "stopped after packet 5 at byte " + std::to_string(sixthStart) + " of " + std::to_string(cutAt) + ": ";
    QVERIFY2(s->stoppedReason.rfind(expected, 0) == 0, s->stoppedReason.c_str());
    QVERIFY2(s->stoppedReason.find("truncated dump file") != std::string::npos, s->stoppedReason.c_str());
    qInfo("%s", s->stoppedReason.c_str());
    // What was read is there: one flow of 5 packets, still open (no FIN from the server).
    QCOMPARE(got.flows.size(), size_t(1));
    QCOMPARE(got.flows[0].packets(), uint64_t(5));
    QVERIFY(!got.flows[0].ended);
}

void TestCaptureFileReader::truncatedRecordHeader()
{
    const std::string file = path("cut-header.pcapng");
    writePcapng(file, conversation(kT0, 40005));
    const uint64_t size = fileSize(file);
    QVERIFY(QFile::resize(QString::fromStdString(file), qint64(size - 20)));
    FlowAggregator aggregator;
    Collected got;
    Result<CaptureFileSummary> s = readCaptureFile(file, aggregator, got.sink());
    QVERIFY(s);
    QVERIFY(!s->complete);
    QCOMPARE(s->frames, uint64_t(7));
    QVERIFY2(s->stoppedReason.rfind("stopped after packet 7 at byte ", 0) == 0, s->stoppedReason.c_str());
    qInfo("%s", s->stoppedReason.c_str());
    QCOMPARE(got.flows.size(), size_t(1));
    QCOMPARE(got.flows[0].packets(), uint64_t(7));
}

void TestCaptureFileReader::notACapture()
{
    const std::string file = path("notes.txt");
    std::ofstream(file) << "these are my case notes, not a capture\n";
    FlowAggregator aggregator;
    Collected got;
    Result<CaptureFileSummary> s = readCaptureFile(file, aggregator, got.sink());
    QVERIFY(!s);
    QVERIFY2(s.error().rfind(file + " is not a pcap or pcapng capture file: ", 0) == 0, s.error().c_str());
    qInfo("%s", s.error().c_str());
    QCOMPARE(got.calls, 0);
    const std::string empty = path("empty.pcap");
    std::ofstream(empty).flush();
    s = readCaptureFile(empty, aggregator, got.sink());
    QVERIFY(!s);
    QVERIFY2(s.error().find("is not a pcap or pcapng capture file") != std::string::npos, s.error().c_str());
    s = readCaptureFile(m_dir.path().toStdString(), aggregator, got.sink());
    QVERIFY(!s);
    QVERIFY2(s.error().find("not a regular file") != std::string::npos, s.error().c_str());
    // A pcap magic but its file header cut short: a capture that cannot be read, said so.
    const std::string stub = path("stub.pcap");
    writePcap(stub, conversation(kT0, 40007));
    QVERIFY(QFile::resize(QString::fromStdString(stub), 10));
    s = readCaptureFile(stub, aggregator, got.sink());
    QVERIFY(!s);
    QVERIFY2(s.error().rfind("cannot read " + stub + ": ", 0) == 0, s.error().c_str());
    qInfo("%s", s.error().c_str());
    QCOMPARE(got.calls, 0);
}

void TestCaptureFileReader::missingFile()
{
    FlowAggregator aggregator;
    Collected got;
    Result<CaptureFileSummary> s = readCaptureFile(path("nope.pcap"), aggregator, got.sink());
    QVERIFY(!s);
    QCOMPARE(s.error(), "cannot open " + path("nope.pcap") + ": No such file or directory");
}

void TestCaptureFileReader::sinkFailureStops()
{
    const std::string file = path("sink.pcap");
    writePcap(file, conversation(kT0, 40006));
    FlowAggregator aggregator;
    Result<CaptureFileSummary> s = readCaptureFile(file, aggregator, [](std::vector<Flow> &&, std::vector<DnsRecord> &&) -> Result<void> {
        return makeError("disk full");
    });
    QVERIFY(!s);
    QCOMPARE(s.error(), std::string("disk full"));
}

QTEST_GUILESS_MAIN(TestCaptureFileReader)
#include "tst_capture_file_reader.moc"
