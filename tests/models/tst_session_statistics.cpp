// Session statistics over a real session written with SessionWriter: counts, top
// lists, failures, rate buckets, and incremental tallies equal to one full scan.
#include "session_statistics.h"
#include "statistics_session.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace provscope;
namespace st = provscope::test::stats;

namespace {

StatisticsAccumulator tally(SessionStatistics &stats, int64_t first = 1, int64_t last = -1)
{
    StatisticsAccumulator acc;
    auto done = stats.aggregate(acc, first, last);
    if (!done || !*done)
        qFatal("aggregate failed: %s", done ? "cancelled" : done.error().c_str());
    return acc;
}

StatisticsReport reportOf(SessionStatistics &stats, const StatisticsAccumulator &acc, size_t topN = 10)
{
    auto r = stats.report(acc, topN);
    if (!r)
        qFatal("report failed: %s", r.error().c_str());
    return r.value();
}

// A printable digest of everything a report shows, to compare two reports.
QString describe(const StatisticsReport &r)
{
    QStringList out;
    out << QStringLiteral("events %1 calls %2 bytes %3 failed %4 span %5..%6 syscalls %7")
               .arg(r.scannedEvents).arg(r.calls).arg(r.bytes).arg(r.failedEvents)
               .arg(r.firstTsNs).arg(r.lastTsNs).arg(r.distinctSyscalls);
    QStringList rate;
    for (const RateBucket &b : r.rate)
        rate << QStringLiteral("%1+%2:%3").arg(b.startNs).arg(b.endNs - b.startNs).arg(b.events);
    out << rate.join(' ');
    for (const SyscallStat &s : r.topSyscalls)
        out << QStringLiteral("sc %1 %2 %3 %4").arg(QString::fromStdString(s.name)).arg(s.tally.events)
                   .arg(s.tally.calls).arg(s.tally.bytes);
    for (const ProcessStat &p : r.topProcesses)
        out << QStringLiteral("proc %1 %2 %3 %4").arg(p.pid).arg(QString::fromStdString(p.name))
                   .arg(p.instances).arg(p.events);
    for (const FileWriteStat &f : r.topFilesWritten)
        out << QStringLiteral("file %1 %2 %3 %4 %5").arg(QString::fromStdString(f.path))
                   .arg(f.tally.events).arg(f.tally.writeEvents).arg(f.tally.writeCalls)
                   .arg(f.tally.bytesWritten);
    for (const RemoteStat &s : r.topRemotes)
        out << QStringLiteral("remote %1:%2 %3 %4 %5 %6 %7").arg(QString::fromStdString(s.address))
                   .arg(s.port).arg(s.tally.events).arg(s.tally.connects).arg(s.tally.sends)
                   .arg(s.tally.bytesSent).arg(s.tally.bytesReceived);
    for (const FailureStat &f : r.topFailures)
        out << QStringLiteral("fail %1 %2 %3").arg(QString::fromStdString(f.syscall)).arg(f.result)
                   .arg(f.events);
    return out.join('\n');
}

} // namespace

class TestSessionStatistics : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void counts();
    void topSyscalls();
    void topProcesses();
    void topFilesWritten();
    void topRemotes();
    void failures();
    void rateBucketsSumToEvents();
    void incrementalEqualsFull_data();
    void incrementalEqualsFull();
    void liveSessionRefresh();
    void cancel();
    void histogramWidens();
    void histogramMergeOfDifferentWidths();
    void notASession();

private:
    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<SessionStatistics> m_stats;
    StatisticsReport m_report;
};

void TestSessionStatistics::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath("stats.provscope");
    const QString error = st::writeSession(m_path);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    auto stats = SessionStatistics::open(m_path.toStdString());
    QVERIFY2(stats.ok(), stats.ok() ? "" : stats.error().c_str());
    m_stats = std::move(stats.value());
    m_report = reportOf(*m_stats, tally(*m_stats));
}

void TestSessionStatistics::counts()
{
    QCOMPARE(st::eventCount(), 109);
    QCOMPARE(m_report.scannedEvents, 109);
    QCOMPARE(m_report.counts.events, 109);
    QCOMPARE(m_report.counts.processes, 4); // python3 twice (pid reuse)
    QCOMPARE(m_report.counts.lostEvents, 17);
    QCOMPARE(m_report.losses.size(), size_t(1));
    QCOMPARE(m_report.losses[0].count, 17);
    QCOMPARE(m_report.losses[0].source, std::string("kernel-ringbuf"));
    QVERIFY(m_report.losses[0].firstNs > m_report.firstTsNs && m_report.losses[0].lastNs < m_report.lastTsNs);
    QVERIFY(m_report.finished);
    QVERIFY(!m_report.recording);
    QCOMPARE(m_report.failedEvents, 7);
    QCOMPARE(m_report.distinctSyscalls, size_t(9));
    // Earliest event 10 ms after the start; the latest at 9 s.
    QCOMPARE(m_report.firstTsNs, int64_t(st::kBoot + 10 * st::kMs) + st::kBootToEpochNs);
    QCOMPARE(m_report.lastTsNs, int64_t(st::kBoot + 9000 * st::kMs) + st::kBootToEpochNs);
    QCOMPARE(m_report.captureStartNs, int64_t(st::kBoot) + st::kBootToEpochNs);
    QCOMPARE(m_report.captureEndNs, int64_t(st::kBoot + 10'000 * st::kMs) + st::kBootToEpochNs);
}

void TestSessionStatistics::topSyscalls()
{
    const auto &top = m_report.topSyscalls;
    QCOMPARE(top.size(), size_t(9));
    QCOMPARE(top[0].name, std::string("write"));
    QCOMPARE(top[0].tally.events, 63);
    QCOMPARE(top[0].tally.calls, 67); // a coalesced run of 5 counts 5 calls
    QCOMPARE(top[1].name, std::string("read"));
    QCOMPARE(top[1].tally.events, 21);
    QCOMPARE(top[2].name, std::string("openat"));
    QCOMPARE(top[2].tally.events, 8);
    int64_t sum = 0;
    for (const SyscallStat &s : top)
        sum += s.tally.events;
    QCOMPARE(sum, 109);
    // Top 3 only.
    const StatisticsReport three = reportOf(*m_stats, tally(*m_stats), 3);
    QCOMPARE(three.topSyscalls.size(), size_t(3));
    QCOMPARE(three.topSyscalls[2].name, std::string("openat"));
}

void TestSessionStatistics::topProcesses()
{
    const auto &top = m_report.topProcesses;
    QCOMPARE(top.size(), size_t(3));
    QCOMPARE(top[0].pid, 300u);
    QCOMPARE(top[0].name, std::string("python3"));
    QCOMPARE(top[0].exe, std::string("/usr/bin/python3"));
    QCOMPARE(top[0].instances, 2);
    QCOMPARE(top[0].events, 49);
    QCOMPARE(top[1].pid, 100u);
    QCOMPARE(top[1].name, std::string("bash"));
    QCOMPARE(top[1].events, 46);
    QCOMPARE(top[2].pid, 200u);
    QCOMPARE(top[2].events, 14);
}

void TestSessionStatistics::topFilesWritten()
{
    const auto &top = m_report.topFilesWritten;
    QStringList paths;
    for (const FileWriteStat &f : top)
        paths << QString::fromStdString(f.path);
    QCOMPARE(paths.size(), 7);
    QCOMPARE(paths.mid(0, 3), (QStringList{"/var/log/app.log", "/tmp/out.log", "/dev/pts/0"}));
    QCOMPARE(paths[3], QStringLiteral("/tmp/services.copy")); // copy_file_range's sink
    QCOMPARE(top[3].tally.bytesWritten, 150);
    QVERIFY(!paths.contains("/etc/services"));       // its source, only read
    QVERIFY(paths.contains("/tmp/final.log"));      // a rename's target
    QVERIFY(paths.contains("/tmp/trunc"));          // ftruncate
    QVERIFY(!paths.contains("/etc/hosts"));         // opened read-only and read
    QVERIFY(!paths.contains("/etc/missing.conf"));  // failed opens
    QVERIFY(!paths.contains("pipe:[4242]"));        // written, but a pipe
    QCOMPARE(top[0].tally.bytesWritten, 10000);
    QCOMPARE(top[0].tally.writeEvents, 11); // the O_WRONLY open and 10 writes
    QCOMPARE(top[0].tally.events, 11);
    QCOMPARE(top[1].tally.bytesWritten, 3400);
    QCOMPARE(top[1].tally.writeCalls, 35);
    QCOMPARE(top[1].tally.events, 32); // the open, 30 writes and the rename from it
    QCOMPARE(top[2].tally.bytesWritten, 200);
    QCOMPARE(top[2].tally.writeEvents, 20);
    QCOMPARE(top[2].tally.events, 40); // reads too
}

void TestSessionStatistics::topRemotes()
{
    const auto &top = m_report.topRemotes;
    QCOMPARE(top.size(), size_t(2));
    QCOMPARE(top[0].address, std::string("10.0.0.1"));
    QCOMPARE(top[0].port, 443);
    QCOMPARE(top[0].tally.events, 12); // two sockets to the same remote end
    QCOMPARE(top[0].tally.connects, 2);
    QCOMPARE(top[0].tally.sends, 5);
    QCOMPARE(top[0].tally.bytesSent, 1000);
    QCOMPARE(top[0].tally.bytesReceived, 5000);
    QCOMPARE(top[1].address, std::string("192.168.1.5"));
    QCOMPARE(top[1].port, 80);
    QCOMPARE(top[1].tally.events, 2);
    QCOMPARE(top[1].tally.bytesSent, 50);
}

void TestSessionStatistics::failures()
{
    const auto &top = m_report.topFailures;
    QCOMPARE(top.size(), size_t(3));
    QCOMPARE(top[0].syscall, std::string("openat"));
    QCOMPARE(top[0].result, -2);
    QCOMPARE(top[0].errnoName, std::string("ENOENT"));
    QCOMPARE(top[0].events, 5);
    QStringList rest;
    for (size_t i = 1; i < top.size(); ++i)
        rest << QString::fromStdString(top[i].syscall + " " + top[i].errnoName) + " " +
                    QString::number(top[i].events);
    rest.sort();
    QCOMPARE(rest, (QStringList{"connect ECONNREFUSED 1", "write EBADF 1"}));
}

void TestSessionStatistics::rateBucketsSumToEvents()
{
    const auto &rate = m_report.rate;
    QVERIFY(rate.size() >= 20);
    QVERIFY(rate.size() <= 200);
    int64_t sum = 0;
    for (size_t i = 0; i < rate.size(); ++i) {
        sum += rate[i].events;
        QVERIFY(rate[i].endNs > rate[i].startNs);
        QCOMPARE(rate[i].endNs - rate[i].startNs, rate[0].endNs - rate[0].startNs);
        if (i)
            QCOMPARE(rate[i].startNs, rate[i - 1].endNs); // contiguous, gaps are zero bars
    }
    QCOMPARE(sum, 109);
    QVERIFY(rate.front().startNs <= m_report.firstTsNs);
    QVERIFY(rate.back().endNs > int64_t(st::kBoot + 9000 * st::kMs) + st::kBootToEpochNs);
    // Round boundaries: a 1-2-5 multiple of a power of ten, aligned to it.
    const int64_t width = rate[0].endNs - rate[0].startNs;
    QCOMPARE(rate[0].startNs % width, 0);
    int64_t mantissa = width;
    while (mantissa % 10 == 0)
        mantissa /= 10;
    QVERIFY(mantissa == 1 || mantissa == 2 || mantissa == 5);
}

void TestSessionStatistics::incrementalEqualsFull_data()
{
    QTest::addColumn<QList<int>>("splits");
    QTest::newRow("halves") << QList<int>{54};
    QTest::newRow("first alone") << QList<int>{1};
    QTest::newRow("last alone") << QList<int>{108};
    QTest::newRow("many") << QList<int>{3, 17, 40, 77, 91, 100};
}

void TestSessionStatistics::incrementalEqualsFull()
{
    QFETCH(QList<int>, splits);
    StatisticsAccumulator merged;
    int64_t first = 1;
    splits.append(109);
    for (int last : splits) {
        StatisticsAccumulator part = tally(*m_stats, first, last);
        QCOMPARE(part.events, last - first + 1);
        merged.merge(part);
        first = last + 1;
    }
    QCOMPARE(merged.firstId, 1);
    QCOMPARE(merged.lastId, 109);
    QCOMPARE(describe(reportOf(*m_stats, merged)), describe(m_report));
}

void TestSessionStatistics::liveSessionRefresh()
{
    const QString path = m_dir.filePath("live.provscope");
    std::unique_ptr<SessionWriter> writer;
    QString error = st::writeSession(path, 1, false, &writer);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(writer);
    auto stats = SessionStatistics::open(path.toStdString());
    QVERIFY2(stats.ok(), stats.ok() ? "" : stats.error().c_str());
    StatisticsAccumulator acc = tally(**stats);
    QCOMPARE(acc.events, 77);
    QCOMPARE(acc.lastId, 77);
    StatisticsReport live = reportOf(**stats, acc);
    QVERIFY(live.recording);
    QVERIFY(!live.finished);
    QCOMPARE(live.counts.events, 77);

    // The session grows: a refresh tallies only the new ids.
    std::vector<CaptureBatch> more = st::batches();
    QVERIFY(writer->append(more[1]).ok());
    QVERIFY(writer->append(more[2]).ok());
    StatisticsAccumulator added = tally(**stats, acc.lastId + 1);
    QCOMPARE(added.events, 32);
    QCOMPARE(added.firstId, 78);
    acc.merge(added);
    QCOMPARE(acc.lastId, 109);
    // The writer can still finish (no reader held open) and the result equals a full scan.
    QVERIFY(writer->finish(st::kBoot + 10'000 * st::kMs).ok());
    StatisticsReport after = reportOf(**stats, acc);
    QVERIFY(after.finished);
    QVERIFY(!after.recording);
    QCOMPARE(describe(after), describe(m_report));
}

void TestSessionStatistics::cancel()
{
    StatisticsAccumulator acc;
    int calls = 0;
    auto done = m_stats->aggregate(acc, 1, -1, [&](double fraction) {
        ++calls;
        return fraction < 0.0; // cancels at the first report (0.0 is not < 0)
    });
    QVERIFY(done.ok());
    QCOMPARE(*done, false);
    QCOMPARE(calls, 1);

    double lastFraction = -1;
    StatisticsAccumulator full;
    auto all = m_stats->aggregate(full, 1, -1, [&](double fraction) {
        lastFraction = fraction;
        return true;
    });
    QVERIFY(all.ok() && *all);
    QCOMPARE(lastFraction, 1.0);
}

void TestSessionStatistics::histogramWidens()
{
    RateHistogram h;
    const int64_t start = 1'795'338'000'000'000'000LL; // 09:00:00Z
    const int64_t hour = 3'600'000'000'000LL;
    for (int64_t i = 0; i <= 3600; ++i)
        h.add(start + i * (hour / 3600), 2);
    QCOMPARE(h.total(), 7202);
    QVERIFY(h.counts.size() <= RateHistogram::kMaxBuckets);
    QCOMPARE(h.widthNs, 1'000'000'000LL); // one hour at 1 s fits in 4000 buckets
    const auto b = h.buckets(200);
    QVERIFY(b.size() <= 200 && b.size() >= 100);
    QCOMPARE(b.front().endNs - b.front().startNs, 20'000'000'000LL); // 20 s bars
    int64_t sum = 0;
    for (const RateBucket &x : b)
        sum += x.events;
    QCOMPARE(sum, 7202);
    // An event before the first widens the range backwards.
    h.add(start - hour, 1);
    QCOMPARE(h.total(), 7203);
    QVERIFY(h.counts.size() <= RateHistogram::kMaxBuckets);
    QCOMPARE(h.firstIndex * h.widthNs, start - hour);
}

void TestSessionStatistics::histogramMergeOfDifferentWidths()
{
    const int64_t start = 1'795'338'000'000'000'000LL;
    RateHistogram fine, coarse, whole;
    for (int i = 0; i < 100; ++i) {
        fine.add(start + i * 1000, 1); // 100 µs of events: 1 µs buckets
        whole.add(start + i * 1000, 1);
    }
    for (int i = 0; i < 100; ++i) {
        coarse.add(start + int64_t(i) * 60'000'000'000LL, 3); // 100 minutes
        whole.add(start + int64_t(i) * 60'000'000'000LL, 3);
    }
    QVERIFY(fine.widthNs < coarse.widthNs);
    RateHistogram a = fine;
    a.merge(coarse);
    RateHistogram b = coarse;
    b.merge(fine);
    QCOMPARE(a.total(), 400);
    QCOMPARE(a.widthNs, whole.widthNs);
    QCOMPARE(a.firstIndex, whole.firstIndex);
    QCOMPARE(a.counts, whole.counts);
    QCOMPARE(b.counts, whole.counts);
}

void TestSessionStatistics::notASession()
{
    const QString path = m_dir.filePath("text.provscope");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("hello, not a database\n");
    f.close();
    auto stats = SessionStatistics::open(path.toStdString());
    QVERIFY(!stats.ok());
    QVERIFY2(QString::fromStdString(stats.error()).contains("not a provscope session"),
             stats.error().c_str());
}

QTEST_GUILESS_MAIN(TestSessionStatistics)
#include "tst_session_statistics.moc"
