// Flow statistics on hand-built flows: exact tallies, bucket widths that follow the
// range, spreading of a long flow over buckets, rankings, local-time heatmap cells,
// and the selections and event filters the charts hand to the other tables.
#include "event_query.h"
#include "filter_parser.h"
#include "filter_sql.h"
#include "flow_selection.h"
#include "flow_statistics.h"
#include "session_samples.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>
#include <set>
#include <ctime>

using namespace provscope;

namespace {

constexpr int64_t kS = 1'000'000'000LL;

Flow flow(uint64_t key, uint8_t proto, std::string src, uint16_t sport, std::string dst, uint16_t dport,
          uint64_t bytesOut, uint64_t bytesIn, int64_t firstNs, int64_t lastNs, uint8_t flags = 0,
          std::string dns = {})
{
    Flow f;
    f.key = key;
    f.proto = proto;
    f.src = std::move(src);
    f.sport = sport;
    f.dst = std::move(dst);
    f.dport = dport;
    f.bytesOut = bytesOut;
    f.bytesIn = bytesIn;
    f.packetsOut = bytesOut ? (bytesOut + 99) / 100 : 0;
    f.packetsIn = bytesIn ? (bytesIn + 99) / 100 : 0;
    f.firstNs = firstNs;
    f.lastNs = lastNs;
    f.tcpFlags = flags;
    f.dnsName = std::move(dns);
    return f;
}

std::vector<Flow> sample()
{
    return {
        flow(1, kProtoTcp, "10.0.0.2", 40000, "93.184.216.34", 443, 1000, 9000, 0, 2 * kS,
             kTcpSyn | kTcpAck | kTcpFin, "example.com"),
        flow(2, kProtoTcp, "10.0.0.2", 40001, "93.184.216.34", 443, 500, 500, kS, kS, kTcpSyn | kTcpRst,
             "example.com"),
        flow(3, kProtoUdp, "10.0.0.3", 5353, "10.0.0.1", 53, 100, 200, 3 * kS, 3 * kS),
        flow(4, kProtoUdp, "10.0.0.2", 5000, "10.0.0.1", 53, 100, 0, 4 * kS, 4 * kS),
        flow(5, kProtoTcp, "10.0.0.3", 41000, "1.1.1.1", 80, 50, 50, 5 * kS, 9 * kS, kTcpSyn | kTcpAck,
             "one.one"),
    };
}

// Parses and compiles a filter with the real filter front end; the error otherwise.
QString compileError(const std::string &text)
{
    filter::ParseError parseError;
    auto root = filter::parseFilter(text, parseError);
    if (!root)
        return QString::fromStdString("parse: " + parseError.message);
    CompiledFilter compiled;
    filter::CompileError compileError;
    if (!filter::compileToSql(root.get(), compiled, compileError))
        return QString::fromStdString("compile: " + compileError.message);
    return {};
}

} // namespace

class TestFlowStatistics : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        // Heatmap cells are local time: a fixed zone with an offset that is not whole
        // days from UTC makes a wrong zone or a UTC shortcut visible.
        qputenv("TZ", "Asia/Kolkata"); // UTC+05:30, no daylight saving
        tzset();
    }

    void protocolsAndTotals()
    {
        const FlowStatistics s = computeFlowStatistics(sample(), 0, 0, 10 * kS);
        QCOMPARE(s.flowCount, size_t(5));
        QCOMPARE(s.bytes, uint64_t(11500));
        QCOMPARE(s.protocols.size(), size_t(2));
        QCOMPARE(s.protocols[0].key, std::string("tcp"));
        QCOMPARE(s.protocols[0].flows, uint64_t(3));
        QCOMPARE(s.protocols[0].bytes, uint64_t(11100));
        QCOMPARE(s.protocols[1].key, std::string("udp"));
        QCOMPARE(s.protocols[1].flows, uint64_t(2));
        QCOMPARE(s.protocols[1].bytes, uint64_t(400));
        QCOMPARE(flowProtocolName(1), std::string("proto 1"));
    }

    void topTalkersOrdering()
    {
        const auto flows = sample();
        const auto src = topSources(flows, 2);
        QCOMPARE(src.size(), size_t(2));
        QCOMPARE(src[0].key, std::string("10.0.0.2"));
        QCOMPARE(src[0].bytes, uint64_t(11100));
        QCOMPARE(src[0].flows, uint64_t(3));
        QCOMPARE(src[1].key, std::string("10.0.0.3"));
        QCOMPARE(src[1].bytes, uint64_t(400));
        const auto dst = topDestinations(flows, 10);
        QCOMPARE(dst.size(), size_t(3));
        QCOMPARE(dst[0].key, std::string("93.184.216.34"));
        QCOMPARE(dst[1].key, std::string("10.0.0.1")); // 400 bytes beat 1.1.1.1's 100
        QCOMPARE(dst[2].key, std::string("1.1.1.1"));
        const auto domains = topDomains(flows, 10);
        QCOMPARE(domains.size(), size_t(2)); // flows without a name are not a domain
        QCOMPARE(domains[0].key, std::string("example.com"));
        QCOMPARE(domains[0].flows, uint64_t(2));
        QCOMPARE(domains[0].bytes, uint64_t(11000));
        QCOMPARE(domains[1].key, std::string("one.one"));
    }

    void portsByFlowsAndBytes()
    {
        auto flows = sample();
        flows.push_back(flow(6, kProtoUdp, "10.0.0.4", 6000, "10.0.0.1", 53, 10, 10, 0, 0));
        const auto byFlows = topPortsByFlows(flows, 10);
        QCOMPARE(byFlows[0].number, uint64_t(53)); // 3 flows
        QCOMPARE(byFlows[0].flows, uint64_t(3));
        QCOMPARE(byFlows[1].number, uint64_t(443));
        QCOMPARE(byFlows[2].number, uint64_t(80));
        const auto byBytes = topPortsByBytes(flows, 2);
        QCOMPARE(byBytes.size(), size_t(2));
        QCOMPARE(byBytes[0].number, uint64_t(443));
        QCOMPARE(byBytes[0].bytes, uint64_t(11000));
        QCOMPARE(byBytes[1].number, uint64_t(53));
        QCOMPARE(byBytes[1].bytes, uint64_t(420));
    }

    void bucketAdaptsToRange()
    {
        QCOMPARE(trafficBucketNs(10 * kS), 1 * kS);
        QCOMPARE(trafficBucketNs(3600 * kS), 30 * kS);
        QCOMPARE(trafficBucketNs(3 * 86400 * kS), 3600 * kS);
        QCOMPARE(trafficBucketNs(100 * 86400 * kS), 86400 * kS);
        // Long ranges (an import of years of traffic): weeks, 30 days, 90 days, a year.
        QCOMPARE(trafficBucketNs(400 * 86400 * kS), 7 * 86400 * kS);
        QCOMPARE(trafficBucketNs(3 * 365 * 86400 * kS), 30 * 86400 * kS);
        QCOMPARE(trafficBucketNs(20 * 365 * 86400 * kS), 90 * 86400 * kS);
        QCOMPARE(trafficBucketNs(int64_t(100) * 365 * 86400 * kS), 365 * 86400 * kS);
        QVERIFY(int64_t(200) * 365 * 86400 * kS / trafficBucketNs(int64_t(200) * 365 * 86400 * kS) <= 120);
        const int64_t boot = 1'700'000'000LL * kS; // bootToEpochNs
        for (int64_t range : {10 * kS, 3600 * kS, 3 * 86400 * kS, 400 * 86400 * kS, 3 * 365 * 86400 * kS,
                              20 * 365 * 86400 * kS}) {
            const TrafficSeries t = trafficOverTime({}, boot, 0, range);
            const int64_t n = int64_t(t.buckets.size());
            QVERIFY2(n * t.bucketNs >= range, qPrintable(QString::number(n)));
            QVERIFY(n <= 121);
            if (range > 10 * kS)
                QVERIFY2(n >= (range <= 3 * 86400 * kS ? 60 : 30), qPrintable(QString::number(n)));
            QCOMPARE(t.buckets.front().endNs - t.buckets.front().startNs, t.bucketNs);
        }
        // 3 days in 1 h buckets that start on the local hour (UTC+05:30 here).
        const TrafficSeries days = trafficOverTime({}, boot, 0, 3 * 86400 * kS);
        const time_t start = time_t((days.buckets.front().startNs + boot) / kS);
        struct tm local {};
        localtime_r(&start, &local);
        QCOMPARE(local.tm_min, 0);
        QCOMPARE(local.tm_sec, 0);
        QVERIFY(days.buckets.front().startNs <= 0);
        // 400 days in weeks that start on a local Monday at midnight.
        const TrafficSeries weeks = trafficOverTime({}, boot, 0, 400 * 86400 * kS);
        QCOMPARE(weeks.bucketNs, 7 * 86400 * kS);
        QCOMPARE(hourOfWeekCell(weeks.buckets.front().startNs + boot), 0);
        QVERIFY(weeks.buckets.size() <= 120);
    }

    void trafficSpreadsOverDuration()
    {
        // 10 s range, 1 s buckets: flow 1 (10000 bytes over [0, 2 s]) gives 5000 to
        // bucket 0 and 5000 to bucket 1; flow 2 (zero duration at 1 s) counts whole in 1.
        const TrafficSeries t = trafficOverTime(sample(), 0, 0, 10 * kS);
        QCOMPARE(t.bucketNs, kS);
        QCOMPARE(t.buckets.size(), size_t(10));
        QCOMPARE(t.buckets[0].bytes, 5000.0);
        QCOMPARE(t.buckets[1].bytes, 5000.0 + 1000.0);
        QCOMPARE(t.buckets[1].flows, uint64_t(2));
        QCOMPARE(t.buckets[3].bytes, 300.0);
        QCOMPARE(t.buckets[5].bytes, 25.0); // flow 5: 100 bytes over 4 s
        QCOMPARE(t.buckets[9].bytes, 0.0);
        double total = 0;
        for (const TrafficBucket &b : t.buckets)
            total += b.bytes;
        QCOMPARE(total, 11500.0);
    }

    void durationsFlagsPoints()
    {
        const auto flows = sample();
        const auto bins = durationHistogram(flows);
        QCOMPARE(bins.size(), size_t(8));
        QCOMPARE(bins[0].flows, uint64_t(3)); // three zero-duration flows
        QCOMPARE(bins[4].flows, uint64_t(2)); // 2 s and 4 s
        QCOMPARE(bins[4].label, std::string("1–10 s"));
        QCOMPARE(bins[4].minNs, kS);
        QCOMPARE(bins[4].maxNs, 10 * kS);

        const auto flags = tcpFlagDistribution(flows);
        QCOMPARE(flags.size(), size_t(8));
        QCOMPARE(flags[1].name, std::string("SYN"));
        QCOMPARE(flags[1].flows, uint64_t(3));
        QCOMPARE(flags[4].name, std::string("ACK"));
        QCOMPARE(flags[4].flows, uint64_t(2));
        QCOMPARE(flags[2].flows, uint64_t(1)); // RST
        QCOMPARE(flags[0].flows, uint64_t(1)); // FIN

        const auto points = bytesVsPackets(flows, 2);
        QCOMPARE(points.size(), size_t(2));
        std::set<uint64_t> keys{points[0].key, points[1].key};
        QCOMPARE(keys, (std::set<uint64_t>{1, 2})); // the two biggest
    }

    void heatmapLocalTime()
    {
        // 2026-11-23 is a Monday. 2026-11-23 23:40 UTC is Tuesday 05:10 in UTC+05:30.
        QDateTime utc(QDate(2026, 11, 23), QTime(23, 40), Qt::UTC);
        const int64_t epochNs = utc.toMSecsSinceEpoch() * 1'000'000LL;
        QCOMPARE(hourOfWeekCell(epochNs), 1 * 24 + 5);
        const int64_t boot = epochNs - 100 * kS;
        std::vector<Flow> flows = {flow(1, kProtoTcp, "a", 1, "b", 2, 700, 300, 100 * kS, 200 * kS),
                                   flow(2, kProtoUdp, "a", 1, "b", 3, 5, 0, 100 * kS, 100 * kS)};
        const HourOfWeekMatrix m = hourOfWeek(flows, boot);
        QCOMPARE(m.bytes[1][5], uint64_t(1005));
        QCOMPARE(m.flows[1][5], uint64_t(2));
        uint64_t total = 0;
        for (const auto &row : m.flows)
            for (uint64_t v : row)
                total += v;
        QCOMPARE(total, uint64_t(2));

        FlowSelection hour;
        hour.kind = FlowSelection::Kind::HourOfDay;
        hour.number = 1 * 24 + 5;
        QVERIFY(hour.matches(flows[0], boot));
        QVERIFY(!hour.matches(flows[0], boot + 3600 * kS));
    }

    void selectionMatches()
    {
        const auto flows = sample();
        auto count = [&](const FlowSelection &s) {
            int n = 0;
            for (const Flow &f : flows)
                n += s.matches(f, 0) ? 1 : 0;
            return n;
        };
        using K = FlowSelection::Kind;
        QCOMPARE(count({K::All}), 5);
        QCOMPARE(count({K::Protocol, "udp"}), 2);
        QCOMPARE(count({K::Source, "10.0.0.3"}), 2);
        QCOMPARE(count({K::Destination, "10.0.0.1"}), 2);
        QCOMPARE(count({K::Port, {}, 443}), 2);
        QCOMPARE(count({K::Domain, "example.com"}), 2);
        QCOMPARE(count({K::TcpFlag, {}, kTcpRst}), 1);
        QCOMPARE(count({K::Flow, {}, 3}), 1);
        // Active in [1 s, 2 s): flows 1 (0..2 s) and 2 (at 1 s).
        QCOMPARE(count({K::TimeRange, {}, 0, kS, 2 * kS}), 2);
        QCOMPARE(count({K::Duration, {}, 0, kS, 10 * kS}), 2);
    }

    void eventFilterSelectsTheFlowsSockets()
    {
        // A real session: the client's connect/sendto (IPv4 socket), the server's accept
        // and read on a dual-stack socket (::ffff: spelling), an unrelated connection
        // and a file event. The flow's filter selects exactly its four socket events.
        using namespace provscope::test;
        QTemporaryDir dir;
        const std::string path = dir.filePath("flows.provscope").toStdString();
        CaptureBatch batch;
        for (uint32_t pid : {300u, 400u}) {
            ProcessInfo p;
            p.pid = pid;
            p.startNs = kBoot + pid;
            p.ppid = 1;
            p.comm = pid == 300 ? "curl" : "server";
            batch.processes.push_back(p);
        }
        auto socketEvent = [&](uint32_t pid, const char *syscall, std::string laddr, uint16_t lport, std::string raddr,
                               uint16_t rport) {
            Event e = makeEvent(pid, kBoot + pid, pid == 300 ? "curl" : "server", syscall,
                                kBoot + (batch.events.size() + 1) * 1'000'000'000ull);
            e.laddr = std::move(laddr);
            e.lport = lport;
            e.raddr = std::move(raddr);
            e.rport = rport;
            batch.events.push_back(e);
        };
        socketEvent(300, "connect", "10.0.0.2", 40000, "10.0.0.9", 443);                 // 1
        socketEvent(400, "accept4", "::ffff:10.0.0.9", 443, "::ffff:10.0.0.2", 40000);   // 2
        socketEvent(300, "sendto", "10.0.0.2", 40000, "10.0.0.9", 443);                  // 3
        socketEvent(400, "read", "::ffff:10.0.0.9", 443, "::ffff:10.0.0.2", 40000);      // 4
        socketEvent(300, "connect", "10.0.0.2", 40001, "10.0.0.7", 80);                  // 5: another flow
        socketEvent(400, "accept4", "::ffff:10.0.0.9", 443, "::ffff:10.0.0.3", 50000);   // 6: another client
        Event file = makeEvent(300, kBoot + 300, "curl", "openat", kBoot + 7'000'000'000ull);
        file.path = "/etc/hosts";
        batch.events.push_back(file);                                                    // 7
        {
            auto writer = SessionWriter::create(path, sampleMeta());
            QVERIFY2(writer.ok(), writer.ok() ? "" : writer.error().c_str());
            QVERIFY(writer.value()->append(batch).ok());
            QVERIFY(writer.value()->finish(kBoot + 100'000'000'000ull).ok());
        }
        auto query = EventQuery::open(path);
        QVERIFY2(query.ok(), query.ok() ? "" : query.error().c_str());
        auto ids = [&](const std::string &text) {
            std::vector<int64_t> out;
            auto compiled = compileFilter(text);
            if (!compiled)
                return std::vector<int64_t>{-1};
            auto done = query.value()->matchingIds(*compiled, [&](const std::vector<int64_t> &chunk) {
                out.insert(out.end(), chunk.begin(), chunk.end());
                return true;
            });
            return done ? out : std::vector<int64_t>{-2};
        };
        const Flow f = flow(1, kProtoTcp, "10.0.0.2", 40000, "10.0.0.9", 443, 100, 100, 0, kS);
        const Flow other = flow(2, kProtoTcp, "10.0.0.2", 40001, "10.0.0.7", 80, 100, 100, 0, kS);
        QCOMPARE(ids(eventFilterForFlows({f})), (std::vector<int64_t>{1, 2, 3, 4}));
        QCOMPARE(ids(eventFilterForFlows({f, other})), (std::vector<int64_t>{1, 2, 3, 4, 5}));
        // The address-list form (beyond maxFlows): never misses one of the flows' events.
        const std::vector<int64_t> wide = ids(eventFilterForFlows({f, other}, 1));
        for (int64_t id : {1, 2, 3, 4, 5})
            QVERIFY(std::find(wide.begin(), wide.end(), id) != wide.end());
        QVERIFY(std::find(wide.begin(), wide.end(), 7) == wide.end());
        // With the flows' times: only events within [first - 1 s, last + 1 s]. The flow
        // at 1.0-1.5 s keeps connect (1 s) and accept4 (2 s), not sendto (3 s) / read (4 s),
        // which a later use of the same 5-tuple would have.
        const int64_t boot = sampleMeta().bootToEpochNs;
        const Flow early = flow(1, kProtoTcp, "10.0.0.2", 40000, "10.0.0.9", 443, 100, 100, int64_t(kBoot) + kS,
                                int64_t(kBoot) + kS + kS / 2);
        QCOMPARE(ids(eventFilterForFlows({early}, 1, boot)), (std::vector<int64_t>{1, 2}));
        const Flow later = flow(3, kProtoTcp, "10.0.0.2", 40000, "10.0.0.9", 443, 100, 100, int64_t(kBoot) + 4 * kS,
                                int64_t(kBoot) + 4 * kS);
        QCOMPARE(ids(eventFilterForFlows({early, later}, 2, boot)), (std::vector<int64_t>{1, 2, 3, 4}));
        QCOMPARE(ids(eventFilterForFlows({later}, 1, boot)), (std::vector<int64_t>{3, 4}));
    }

    void manyFlowsStayQuick()
    {
        // 200,000 flows over a day (a busy host): every statistic at once.
        std::vector<Flow> flows;
        flows.reserve(200'000);
        for (uint64_t i = 0; i < 200'000; ++i) {
            const int64_t first = int64_t(i % 86'400) * kS;
            flows.push_back(flow(i + 1, i % 3 ? kProtoTcp : kProtoUdp, "10.0." + std::to_string(i % 200) + ".1",
                                 uint16_t(30000 + i % 30000), "192.0.2." + std::to_string(i % 250),
                                 uint16_t(i % 50 ? 443 : 53), 100 + i % 5000, 50 + i % 9000, first,
                                 first + int64_t(i % 600) * kS, kTcpSyn | kTcpAck,
                                 i % 4 ? "host" + std::to_string(i % 500) + ".example" : ""));
        }
        QElapsedTimer timer;
        timer.start();
        const FlowStatistics s = computeFlowStatistics(flows, 0, 0, 86'400 * kS);
        const qint64 ms = timer.elapsed();
        qInfo("computeFlowStatistics: 200000 flows in %lld ms", ms);
        QCOMPARE(s.flowCount, size_t(200'000));
        QCOMPARE(s.points.size(), size_t(2000));
        QCOMPARE(s.traffic.bucketNs, 900 * kS); // one day: 96 buckets of 15 min
        QCOMPARE(s.traffic.buckets.size(), size_t(96));
        QVERIFY2(ms < 3000, qPrintable(QString::number(ms)));
    }

    void eventFiltersParse()
    {
        auto flows = sample();
        const std::string one = eventFilterForFlows({flows[0]});
        // IPv4 in both spellings a socket may carry (dual-stack sockets: ::ffff:a.b.c.d).
        QCOMPARE(one, std::string("(fd.sip in (\"10.0.0.2\", \"::ffff:10.0.0.2\") and fd.sport == 40000 and "
                                  "fd.dip in (\"93.184.216.34\", \"::ffff:93.184.216.34\") and fd.dport == 443) or "
                                  "(fd.sip in (\"93.184.216.34\", \"::ffff:93.184.216.34\") and fd.sport == 443 and "
                                  "fd.dip in (\"10.0.0.2\", \"::ffff:10.0.0.2\") and fd.dport == 40000)"));
        Flow v6 = flows[0];
        v6.src = "2001:db8::1";
        v6.dst = "2001:db8::2";
        QVERIFY(eventFilterForFlows({v6}).find("fd.sip == \"2001:db8::1\"") != std::string::npos);
        QCOMPARE(compileError(eventFilterForFlows({v6})), QString());
        QCOMPARE(compileError(one), QString());
        QCOMPARE(compileError(eventFilterForFlows(flows)), QString());
        QVERIFY(eventFilterForFlows({}).empty());
        // Beyond maxFlows: address and port lists.
        const std::string many = eventFilterForFlows(flows, 2);
        QVERIFY2(many.find("fd.sip in (") == 0, many.c_str());
        QVERIFY(many.find("\"93.184.216.34\"") != std::string::npos);
        QVERIFY(many.find("\"::ffff:93.184.216.34\"") != std::string::npos);
        QVERIFY(many.find("fd.dport in (") != std::string::npos);
        QCOMPARE(compileError(many), QString());
        // A hostile address stays one quoted value.
        Flow odd = flows[0];
        odd.dst = "x\" or proc.name == \"y\\";
        const std::string quoted = eventFilterForFlows({odd});
        QVERIFY2(quoted.find("fd.dip == \"x\\\" or proc.name == \\\"y\\\\\"") != std::string::npos, quoted.c_str());
        QCOMPARE(compileError(quoted), QString());
        filter::ParseError e;
        auto root = filter::parseFilter(quoted, e);
        QVERIFY(root);
    }
};

QTEST_APPLESS_MAIN(TestFlowStatistics)
#include "tst_flow_statistics.moc"
