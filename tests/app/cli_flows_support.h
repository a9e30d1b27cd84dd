#pragma once
// What the provscope-cli import/flows tests share: running the CLI, a small scripted
// exchange written by libpcap (pcap_dump), and a recorded session of the machine
// that made it.
#include "../models/packet_builders.h"
#include "../models/session_samples.h"
#include "../models/test_session_file.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <pcap/pcap.h>

namespace provscope::test::cli {

using ::test::Bytes;


constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 1'700'000'000 * kSec + 123'456'789; // epoch ns of the first frame
constexpr int64_t kBootToEpoch = 1'699'990'000 * kSec;     // the recorded session's offset

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

inline Run runCli(const QStringList &args)
{
    Run run;
    QProcess process;
    process.start(qEnvironmentVariable("PROVSCOPE_BIN_DIR") + "/provscope-cli", args);
    if (!process.waitForFinished(60000))
        return run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

struct Frame {
    int64_t epochNs;
    Bytes data;
};

// A DNS lookup of www.example.org (answer 127.0.0.2), a TCP connection to that address
// (100 bytes out, 200 back, closed by FIN both ways) and a UDP exchange (2 out, 1 in).
inline std::vector<Frame> exchange()
{
    using namespace ::test;
    Bytes query = dnsHeader(0x0100, 1, 0);
    append(query, dnsName("www.example.org"));
    put16(query, 1);
    put16(query, 1);
    const Bytes response = dnsResponse("www.example.org", 1, {{dnsPointer(12), 1, 300, address("127.0.0.2")}});
    const uint8_t syn = 0x02, ack = 0x10, psh = 0x08, fin = 0x01;
    return {
        {kT0, udpFrame("127.0.0.1", 40053, "127.0.0.53", 53, query)},
        {kT0 + 1 * kMs, udpFrame("127.0.0.53", 53, "127.0.0.1", 40053, response)},
        {kT0 + 10 * kMs, tcpFrame("127.0.0.1", 41000, "127.0.0.2", 8080, syn)},
        {kT0 + 11 * kMs, tcpFrame("127.0.0.2", 8080, "127.0.0.1", 41000, syn | ack)},
        {kT0 + 12 * kMs, tcpFrame("127.0.0.1", 41000, "127.0.0.2", 8080, ack)},
        {kT0 + 13 * kMs, tcpFrame("127.0.0.1", 41000, "127.0.0.2", 8080, psh | ack, 100)},
        {kT0 + 14 * kMs, tcpFrame("127.0.0.2", 8080, "127.0.0.1", 41000, psh | ack, 200)},
        {kT0 + 15 * kMs, tcpFrame("127.0.0.1", 41000, "127.0.0.2", 8080, fin | ack)},
        {kT0 + 16 * kMs, tcpFrame("127.0.0.2", 8080, "127.0.0.1", 41000, fin | ack)},
        {kT0 + 17 * kMs, tcpFrame("127.0.0.1", 41000, "127.0.0.2", 8080, ack)},
        {kT0 + 20 * kMs, udpFrame("127.0.0.1", 50000, "127.0.0.1", 9999, filler(10))},
        {kT0 + 21 * kMs, udpFrame("127.0.0.1", 9999, "127.0.0.1", 50000, filler(20))},
        {kT0 + 22 * kMs, udpFrame("127.0.0.1", 50000, "127.0.0.1", 9999, filler(10))},
    };
}

inline bool writePcap(const QString &path, const std::vector<Frame> &frames)
{
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
    if (!dead)
        return false;
    pcap_dumper_t *dumper = pcap_dump_open(dead, path.toLocal8Bit().constData());
    if (!dumper) {
        pcap_close(dead);
        return false;
    }
    for (const Frame &f : frames) {
        pcap_pkthdr h{};
        h.ts.tv_sec = f.epochNs / kSec;
        h.ts.tv_usec = f.epochNs % kSec; // nanoseconds with the NANO precision
        h.len = h.caplen = uint32_t(f.data.size());
        pcap_dump(reinterpret_cast<u_char *>(dumper), &h, f.data.data());
    }
    pcap_dump_close(dumper);
    pcap_close(dead);
    return true;
}

inline QList<QJsonObject> jsonLines(const QByteArray &out)
{
    QList<QJsonObject> lines;
    for (const QByteArray &line : out.split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonDocument doc = QJsonDocument::fromJson(line);
        lines.append(doc.isObject() ? doc.object() : QJsonObject{{"unparsed", QString::fromUtf8(line)}});
    }
    return lines;
}

// The keys of a JSON line in the order printed.
inline QStringList keysInOrder(const QByteArray &line)
{
    QStringList keys;
    const QRegularExpression key("\"([a-z_]+)\":");
    for (auto it = key.globalMatch(QString::fromUtf8(line)); it.hasNext();)
        keys << it.next().captured(1);
    return keys;
}

// A recorded session of the machine that made the exchange: curl (100) connected to
// the server (200); nobody's socket events for the DNS lookup or the UDP exchange.
inline QString recordSession(const QString &path)
{
    auto boot = [](int64_t epochNs) { return uint64_t(epochNs - kBootToEpoch); };
    CaptureBatch batch;
    batch.processes.push_back(processInfo(100, 77, 1, 0, "curl", "/usr/bin/curl"));
    batch.processes.push_back(processInfo(200, 88, 1, 0, "server", "/usr/bin/python3"));
    Event connect = makeEvent(100, 77, "curl", "connect", boot(kT0 + 10 * kMs));
    connect.laddr = "127.0.0.1", connect.lport = 41000, connect.raddr = "127.0.0.2", connect.rport = 8080;
    Event accept = makeEvent(200, 88, "server", "accept4", boot(kT0 + 12 * kMs));
    accept.laddr = "127.0.0.2", accept.lport = 8080, accept.raddr = "127.0.0.1", accept.rport = 41000;
    batch.events = {connect, accept};
    return writeSession(path, testSessionMeta("lab", "boot-1", kBootToEpoch, boot(kT0 - kSec)), {batch},
                        boot(kT0 + kSec));
}

} // namespace provscope::test::cli
