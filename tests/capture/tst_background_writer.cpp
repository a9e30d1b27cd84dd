// The headless writer's queue: when the disk is slower than the capture, events are
// dropped and counted into a "user-queue" loss record with their time range and
// exact count, never silently; a size limit asks the recording to stop.
#include "background_writer.h"
#include "session_reader.h"

#include <QTemporaryDir>
#include <QtTest>

#include <condition_variable>
#include <mutex>

using namespace provscope;

namespace {

constexpr uint64_t kBoot = 7'000'000'000ull;

SessionMeta sampleMeta()
{
    SessionMeta meta;
    meta.bootToEpochNs = 1'700'000'000'000'000'000ll;
    meta.captureStartNs = kBoot;
    return meta;
}

// n events of one process starting at ts, 10 ns apart.
CaptureBatch makeBatch(int n, uint64_t ts, const char *syscall = "read")
{
    CaptureBatch batch;
    for (int i = 0; i < n; ++i) {
        Event e;
        e.pid = e.tid = e.nsPid = 4242;
        e.procStartNs = kBoot - 1;
        e.uid = e.euid = e.gid = 1000;
        e.comm = "busy";
        e.syscall = syscall;
        e.tsNs = e.lastTsNs = ts + uint64_t(i) * 10;
        e.fd = 0;
        e.path = "/dev/zero";
        batch.events.push_back(std::move(e));
    }
    return batch;
}

// Blocks the writer thread in beforeAppend until released: a disk that stalls.
struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    int entered = 0;
    bool open = false;

    void pass()
    {
        std::unique_lock lock(mutex);
        ++entered;
        changed.notify_all();
        changed.wait(lock, [this] { return open; });
    }
    bool waitEntered(int n)
    {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(5), [&] { return entered >= n; });
    }
    void release()
    {
        std::lock_guard lock(mutex);
        open = true;
        changed.notify_all();
    }
};

} // namespace

class TstBackgroundWriter : public QObject {
    Q_OBJECT

private slots:
    void fullQueueDropsAndCounts();
    void roomAgainAfterDrops();
    void sizeLimitAsksToStop();
};

void TstBackgroundWriter::fullQueueDropsAndCounts()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("queue.provscope").toStdString();
    Gate gate;
    BackgroundWriterOptions options;
    options.maxQueueBytes = 1; // one batch at a time
    options.beforeAppend = [&gate] { gate.pass(); };
    auto started = BackgroundWriter::start(path, sampleMeta(), std::nullopt, options);
    QVERIFY2(started, started ? "" : started.error().c_str());
    BackgroundWriter &writer = **started;

    writer.enqueue(makeBatch(100, kBoot + 1000));
    QVERIFY(gate.waitEntered(1)); // the writer holds the first batch and stalls
    writer.enqueue(makeBatch(30, kBoot + 5000));
    CaptureBatch withProcess = makeBatch(20, kBoot + 9000);
    ProcessInfo child;
    child.pid = 4343;
    child.startNs = kBoot + 8000;
    child.comm = "child";
    withProcess.processes.push_back(child);
    withProcess.losses.push_back({kBoot + 8500, kBoot + 8600, 1, 9, "kernel-ringbuf"});
    writer.enqueue(std::move(withProcess));
    gate.release();
    auto summary = writer.finish(kBoot + 20000);
    QVERIFY2(summary, summary ? "" : summary.error().c_str());
    QCOMPARE(summary->events, int64_t(100));
    QCOMPARE(summary->queueDroppedEvents, int64_t(50));
    QCOMPARE(summary->lostEvents, int64_t(50 + 9));

    auto reader = SessionReader::open(path);
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    QCOMPARE((*reader)->counts().events, int64_t(100));
    QCOMPARE((*reader)->counts().lostEvents, int64_t(59));
    auto losses = (*reader)->losses();
    QVERIFY(losses);
    QCOMPARE(losses->size(), size_t(2));
    const LossRecord *queue = nullptr;
    for (const LossRecord &l : *losses)
        if (l.source == "user-queue")
            queue = &l;
    QVERIFY2(queue, "no user-queue loss record");
    QCOMPARE(queue->count, uint64_t(50));                // exact: both dropped batches
    QCOMPARE(queue->firstTsNs, kBoot + 5000);            // first dropped event
    QCOMPARE(queue->lastTsNs, kBoot + 9000 + 19 * 10);   // last dropped event
    QCOMPARE(queue->cpu, -1);
    // The dropped batch's process and kernel loss record were kept.
    auto kept = (*reader)->process(4343);
    QVERIFY(kept && kept->has_value());
}

void TstBackgroundWriter::roomAgainAfterDrops()
{
    // Drops merge into one record, stored before the events accepted after them.
    QTemporaryDir dir;
    const std::string path = dir.filePath("gap.provscope").toStdString();
    Gate gate;
    BackgroundWriterOptions options;
    options.maxQueueBytes = 1;
    options.beforeAppend = [&gate] { gate.pass(); };
    auto started = BackgroundWriter::start(path, sampleMeta(), std::nullopt, options);
    QVERIFY(started);
    BackgroundWriter &writer = **started;
    writer.enqueue(makeBatch(10, kBoot + 100));
    QVERIFY(gate.waitEntered(1));
    writer.enqueue(makeBatch(7, kBoot + 200));
    writer.enqueue(makeBatch(8, kBoot + 300));
    gate.release();
    // Once the stalled batch is stored the queue is empty: the next batch is accepted.
    QTRY_COMPARE_WITH_TIMEOUT(writer.queuedBytes(), uint64_t(0), 5000);
    writer.enqueue(makeBatch(5, kBoot + 400, "write"));
    auto summary = writer.finish(kBoot + 1000);
    QVERIFY2(summary, summary ? "" : summary.error().c_str());
    QCOMPARE(summary->events, int64_t(15));
    auto reader = SessionReader::open(path);
    QVERIFY(reader);
    auto placed = (*reader)->placedLosses();
    QVERIFY(placed);
    QCOMPARE(placed->size(), size_t(1));
    QCOMPARE((*placed)[0].loss.count, uint64_t(15));
    QCOMPARE((*placed)[0].loss.source, std::string("user-queue"));
    QCOMPARE((*placed)[0].beforeEventId, int64_t(11)); // between the kept batches
    auto after = (*reader)->event(11);
    QVERIFY(after);
    QCOMPARE(after->syscall, std::string("write"));
}

void TstBackgroundWriter::sizeLimitAsksToStop()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("limit.provscope").toStdString();
    BackgroundWriterOptions options;
    options.maxFileBytes = 256 * 1024;
    auto started = BackgroundWriter::start(path, sampleMeta(), std::nullopt, options);
    QVERIFY(started);
    BackgroundWriter &writer = **started;
    uint64_t ts = kBoot;
    for (int i = 0; i < 200 && !writer.shouldStop(); ++i) {
        writer.enqueue(makeBatch(500, ts));
        ts += 10000;
        QTest::qWait(5);
    }
    QTRY_VERIFY_WITH_TIMEOUT(writer.shouldStop(), 5000);
    QVERIFY(!writer.diskFull());
    auto summary = writer.finish(ts);
    QVERIFY2(summary, summary ? "" : summary.error().c_str());
    QVERIFY(summary->sizeLimitReached);
    QVERIFY2(summary->fileBytes >= options.maxFileBytes, QByteArray::number(qulonglong(summary->fileBytes)));
    QVERIFY2(summary->fileBytes < 4 * options.maxFileBytes, QByteArray::number(qulonglong(summary->fileBytes)));
    QCOMPARE(summary->lostEvents, int64_t(0));
    auto reader = SessionReader::open(path);
    QVERIFY(reader);
    QVERIFY(!(*reader)->isRecording());
}

QTEST_GUILESS_MAIN(TstBackgroundWriter)
#include "tst_background_writer.moc"
