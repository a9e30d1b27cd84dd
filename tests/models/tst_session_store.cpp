// Session store: what an investigator relies on when a session file is carried
// to another machine and opened years later.
#include "session_samples.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

#include <sys/stat.h>
#include <unistd.h>

using namespace provscope;
using namespace provscope::test;

class TestSessionStore : public QObject {
    Q_OBJECT

private slots:
    void roundTrip();
    void filters();
    void rejectsForeignFiles_data();
    void rejectsForeignFiles();
    void writerRefusesExistingFileAndSymlink();
    void finishedSessionOpensReadOnly();
    void liveSessionFollowsGrowth();
    void awkwardPaths_data();
    void awkwardPaths();
};

void TestSessionStore::roundTrip()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("case.provscope").toStdString();
    const std::vector<Event> written = writeSample(path);
    QCOMPARE(written.size(), size_t(14));
    for (size_t i = 0; i < written.size(); ++i)
        QCOMPARE(written[i].id, int64_t(i + 1)); // dense ids, assigned in order

    auto reader = SessionReader::open(path);
    QVERIFY2(reader, reader.ok() ? "" : reader.error().c_str());
    const SessionReader &r = **reader;
    const SessionMeta want = sampleMeta();
    QCOMPARE(r.meta().formatVersion, std::string("1.3"));
    QCOMPARE(r.meta().toolVersion, want.toolVersion);
    QCOMPARE(r.meta().host, want.host);
    QCOMPARE(r.meta().kernel, want.kernel);
    QCOMPARE(r.meta().bootId, want.bootId);
    QCOMPARE(r.meta().bootToEpochNs, want.bootToEpochNs);
    QCOMPARE(r.meta().captureStartNs, want.captureStartNs);
    QCOMPARE(r.meta().captureEndNs, kBoot + 10000);
    QCOMPARE(r.meta().captureConfig, want.captureConfig);
    QVERIFY(!r.isRecording());

    const SessionCounts counts = r.counts();
    QCOMPARE(counts.events, int64_t(14));
    QCOMPARE(counts.processes, int64_t(5)); // 100, 200, 200 (reused), 300, 400
    // /usr/bin/bash, /usr/bin/cat, deep path, /etc/shadow, /dev/pts/0, a.txt, b.txt, odd
    QCOMPARE(counts.files, int64_t(8));
    QCOMPARE(counts.sockets, int64_t(2));
    QCOMPARE(counts.lostEvents, int64_t(20));

    auto events = r.eventsByIdRange(1, 100);
    QVERIFY2(events, events.ok() ? "" : events.error().c_str());
    QCOMPARE(events->size(), written.size());
    for (size_t i = 0; i < written.size(); ++i)
        compareEvent((*events)[i], written[i]);
    auto one = r.event(6);
    QVERIFY(one);
    compareEvent(*one, written[5]);
    QVERIFY(!r.event(15));
    auto tail = r.eventsByIdRange(13, 5);
    QVERIFY(tail);
    QCOMPARE(tail->size(), size_t(2));

    // Processes: fork record merged with the exec and exit records that followed.
    auto child = r.process(200, kBoot + 100);
    QVERIFY(child && child->has_value());
    const ProcessInfo &c = **child;
    QCOMPARE(c.ppid, 100u);
    QCOMPARE(c.parentStartNs, kBoot + 10);
    QCOMPARE(c.comm, std::string("cat"));
    QCOMPARE(c.exe, std::string("/usr/bin/cat"));
    QCOMPARE(c.argv, written[0].argv);
    QCOMPARE(c.exitTsNs, kBoot + 5000);
    QCOMPARE(c.exitCode, 256);
    auto latest = r.process(200);
    QVERIFY(latest && latest->has_value());
    QCOMPARE((*latest)->startNs, kBoot + 9000); // reused pid: the latest instance
    QCOMPARE((*latest)->comm, std::string("sshd"));
    auto shell = r.process(100, kBoot + 10);
    QVERIFY(shell && shell->has_value());
    QCOMPARE((*shell)->argv, (std::vector<std::string>{"bash", "-c", "run it"}));
    QCOMPARE((*shell)->uid, 1000u);
    auto missing = r.process(999);
    QVERIFY(missing && !missing->has_value());
    auto all = r.processes();
    QVERIFY(all);
    QCOMPARE(all->size(), size_t(5));
    auto inContainer = r.process(400);
    QVERIFY(inContainer && inContainer->has_value());
    QCOMPARE((*inContainer)->mntNs, 4026532300u);
    QCOMPARE((*inContainer)->pidNs, 4026532301u);
    QCOMPARE((*inContainer)->nsPid, 7u);
    QCOMPARE((*inContainer)->cgroupId, 0x1234567890ull);
    QCOMPARE((*shell)->mntNs, 0u); // not known: 0

    auto losses = r.losses();
    QVERIFY(losses);
    QCOMPARE(losses->size(), size_t(2));
    QCOMPARE((*losses)[0].firstTsNs, kBoot + 610);
    QCOMPARE((*losses)[0].lastTsNs, kBoot + 620);
    QCOMPARE((*losses)[0].cpu, 1);
    QCOMPARE((*losses)[0].count, uint64_t(17));
    QCOMPARE((*losses)[0].source, std::string("kernel-ringbuf"));
    QCOMPARE((*losses)[1].cpu, -1);
    QCOMPARE((*losses)[1].source, std::string("user-queue"));
}

void TestSessionStore::filters()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("case.provscope").toStdString();
    QVERIFY(!writeSample(path).empty());
    auto reader = SessionReader::open(path);
    QVERIFY(reader);
    auto ids = [&](const EventFilter &filter) {
        std::vector<int64_t> result;
        auto done = (*reader)->forEachEvent(filter, [&](const Event &e) {
            result.push_back(e.id);
            return true;
        });
        if (!done)
            qWarning("%s", done.error().c_str());
        return result;
    };
    using Ids = std::vector<int64_t>;
    EventFilter f;
    QCOMPARE(ids(f).size(), size_t(14));
    f.pid = 200;
    QCOMPARE(ids(f), (Ids{1, 2, 3, 9, 10})); // both processes that had pid 200
    f.procStartNs = kBoot + 9000;
    QCOMPARE(ids(f), (Ids{9, 10}));
    f = {};
    f.syscall = "openat";
    QCOMPARE(ids(f), (Ids{2, 4, 10}));
    f.pid = 100;
    QCOMPARE(ids(f), (Ids{4}));
    f = {};
    f.path = "/tmp/b \"quoted\".txt"; // rename's new name
    QCOMPARE(ids(f), (Ids{6}));
    f.path = "/home/user/very/deep/path";
    QCOMPARE(ids(f), (Ids{2, 3}));
    f.path = "/nowhere";
    QCOMPARE(ids(f), Ids{});
    f = {};
    f.syscall = "'; DROP TABLE events; --"; // bound, never pasted into SQL
    QCOMPARE(ids(f), Ids{});
    f = {};
    f.firstId = 4;
    f.limit = 3;
    QCOMPARE(ids(f), (Ids{4, 5, 6}));
    f = {};
    int visited = 0;
    QVERIFY((*reader)->forEachEvent(f, [&](const Event &) { return ++visited < 2; }));
    QCOMPARE(visited, 2); // the visitor stops the walk
}

void TestSessionStore::rejectsForeignFiles_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expectedError");
    QTest::newRow("random bytes") << "random" << "is not a provscope session (not an SQLite database)";
    QTest::newRow("empty file") << "empty" << "is not a provscope session (empty file)";
    QTest::newRow("foreign sqlite") << "foreign" << "is an SQLite database but not a provscope session";
    QTest::newRow("truncated session") << "truncated" << "is damaged: truncated";
    QTest::newRow("corrupted page") << "corrupted" << "is damaged:";
    QTest::newRow("missing table") << "missing-table" << "is damaged: table events is missing";
}

void TestSessionStore::rejectsForeignFiles()
{
    QFETCH(QString, kind);
    QFETCH(QString, expectedError);
    QTemporaryDir dir;
    const QString path = dir.filePath("evidence.provscope");
    if (kind == "random") {
        QRandomGenerator generator(12345); // fixed seed: the same bytes every run
        QByteArray bytes(64 * 1024, '\0');
        for (char &c : bytes)
            c = char(generator.bounded(256));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(bytes);
    } else if (kind == "empty") {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
    } else if (kind == "foreign") {
        QVERIFY(execSql(path, "CREATE TABLE recipes(name TEXT, minutes INTEGER);"
                              "INSERT INTO recipes VALUES ('bread', 240);"));
    } else if (kind == "truncated" || kind == "corrupted" || kind == "missing-table") {
        QVERIFY(!writeSample(path.toStdString()).empty());
        // Enough rows that the session spans several pages.
        if (kind == "missing-table") {
            QVERIFY(execSql(path, "DROP TABLE events; PRAGMA journal_mode = DELETE;"));
        } else {
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadWrite));
            const qint64 size = file.size();
            QVERIFY(size >= 4 * 4096);
            if (kind == "truncated") {
                QVERIFY(file.resize(size / 2 / 4096 * 4096)); // cut in half at a page
            } else {
                // Scribble over a b-tree page in the middle.
                QVERIFY(file.seek(size / 2 / 4096 * 4096));
                file.write(QByteArray(4096, '\x5a'));
            }
        }
    }
    const QByteArray before = sha256(path);
    const QStringList filesBefore = listing(dir.path());
    {
        auto reader = SessionReader::open(path.toStdString());
        QVERIFY(!reader);
        const QString message = QString::fromStdString(reader.error());
        QVERIFY2(message.startsWith(path + " "), qPrintable(message));
        QVERIFY2(message.contains(expectedError), qPrintable(message));
    }
    QCOMPARE(sha256(path), before);
    QCOMPARE(listing(dir.path()), filesBefore); // no -journal, -wal or -shm left beside it
}

void TestSessionStore::writerRefusesExistingFileAndSymlink()
{
    QTemporaryDir dir;
    const QString existing = dir.filePath("existing.provscope");
    {
        QFile file(existing);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("precious evidence");
    }
    auto writer = SessionWriter::create(existing.toStdString(), sampleMeta());
    QVERIFY(!writer);
    QVERIFY2(QString::fromStdString(writer.error()).contains("already exists"), writer.error().c_str());
    QFile file(existing);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("precious evidence"));

    // A symlink (dangling or not) is never followed: it could point at /etc/passwd.
    const QString target = dir.filePath("target");
    const QString link = dir.filePath("link.provscope");
    QVERIFY(QFile::link(target, link));
    writer = SessionWriter::create(link.toStdString(), sampleMeta());
    QVERIFY(!writer);
    QVERIFY2(QString::fromStdString(writer.error()).contains("symbolic link"), writer.error().c_str());
    QVERIFY(!QFile::exists(target));

    const QString fresh = dir.filePath("fresh.provscope");
    writer = SessionWriter::create(fresh.toStdString(), sampleMeta());
    QVERIFY2(writer, writer.ok() ? "" : writer.error().c_str());
}

void TestSessionStore::finishedSessionOpensReadOnly()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("done.provscope");
    QVERIFY(!writeSample(path.toStdString()).empty());
    // One self-contained file once recording ends.
    QCOMPARE(listing(dir.path()), QStringList{"done.provscope"});
    const QByteArray before = sha256(path);
    {
        auto reader = SessionReader::open(path.toStdString());
        QVERIFY2(reader, reader.ok() ? "" : reader.error().c_str());
        QVERIFY(!(*reader)->isRecording());
        QVERIFY((*reader)->eventsByIdRange(1, 100));
        QVERIFY((*reader)->processes());
        QVERIFY((*reader)->losses());
        QVERIFY((*reader)->refresh());
        QCOMPARE(listing(dir.path()), QStringList{"done.provscope"});
        // Another writer cannot take the file over.
        QVERIFY(!SessionWriter::create(path.toStdString(), sampleMeta()));
    }
    QCOMPARE(sha256(path), before);
    QCOMPARE(listing(dir.path()), QStringList{"done.provscope"});

    // A write-protected copy (evidence on read-only media) opens too.
    QVERIFY(::chmod(path.toLocal8Bit().constData(), 0444) == 0);
    auto reader = SessionReader::open(path.toStdString());
    QVERIFY2(reader, reader.ok() ? "" : reader.error().c_str());
    QCOMPARE((*reader)->counts().events, int64_t(14));
}

void TestSessionStore::liveSessionFollowsGrowth()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("live.provscope").toStdString();
    auto writer = SessionWriter::create(path, sampleMeta());
    QVERIFY2(writer, writer.ok() ? "" : writer.error().c_str());
    std::vector<CaptureBatch> batches = sampleBatches();
    QVERIFY((*writer)->append(batches[0]));
    QCOMPARE((*writer)->counts().events, int64_t(5));

    // The GUI keeps its reader open across the whole recording and past its end.
    auto reader = SessionReader::open(path);
    QVERIFY2(reader, reader.ok() ? "" : reader.error().c_str());
    SessionReader &r = **reader;
    QVERIFY(r.isRecording());
    QCOMPARE(r.counts().events, int64_t(5));
    QCOMPARE(r.meta().captureEndNs, uint64_t(0));
    QVERIFY(r.event(5));
    QVERIFY(!r.event(6));

    QVERIFY((*writer)->append(batches[1]));
    QCOMPARE(r.counts().events, int64_t(5)); // counts change on refresh() only
    QVERIFY(r.refresh());
    QCOMPARE(r.counts().events, int64_t(14));
    QCOMPARE(r.counts().lostEvents, int64_t(20));
    auto events = r.eventsByIdRange(6, 100);
    QVERIFY(events);
    QCOMPARE(events->size(), size_t(9));
    compareEvent(events->back(), batches[1].events.back());

    const auto finished = (*writer)->finish(kBoot + 10000);
    QVERIFY2(finished, finished.error().c_str());
    QVERIFY(!(*writer)->append(batches[0])); // finished: nothing more goes in
    QCOMPARE(listing(dir.path()), QStringList{"live.provscope"});
    const QByteArray done = sha256(QString::fromStdString(path));

    // The same reader carries on, now over the finished, immutable file.
    QVERIFY(r.refresh());
    QVERIFY(!r.isRecording());
    QCOMPARE(r.meta().captureEndNs, kBoot + 10000);
    QCOMPARE(r.counts().events, int64_t(14));
    QVERIFY(r.event(14));
    QCOMPARE(listing(dir.path()), QStringList{"live.provscope"});
    QCOMPARE(sha256(QString::fromStdString(path)), done);

    auto reopened = SessionReader::open(path);
    QVERIFY(reopened);
    QVERIFY(!(*reopened)->isRecording());
    QCOMPARE((*reopened)->counts().events, int64_t(14));
}

void TestSessionStore::awkwardPaths_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("relative");
    QTest::newRow("spaces") << "case 42 (copy).provscope" << false;
    QTest::newRow("uri characters") << "a?b#c%20d&mode=rw.provscope" << false;
    QTest::newRow("unicode") << "fall-ä-🔍.provscope" << false;
    QTest::newRow("relative") << "rel?x.provscope" << true;
}

void TestSessionStore::awkwardPaths()
{
    // Session names come from users: nothing in them may be read as SQLite URI syntax.
    QFETCH(QString, name);
    QFETCH(bool, relative);
    QTemporaryDir dir;
    const QString previous = QDir::currentPath();
    if (relative)
        QVERIFY(QDir::setCurrent(dir.path()));
    const std::string path = QFile::encodeName(relative ? name : dir.filePath(name)).toStdString();
    const bool written = !writeSample(path).empty();
    auto reader = SessionReader::open(path);
    if (relative)
        QDir::setCurrent(previous);
    QVERIFY(written);
    QVERIFY2(reader, reader.ok() ? "" : reader.error().c_str());
    QCOMPARE((*reader)->counts().events, int64_t(14));
    QCOMPARE(listing(dir.path()), QStringList{name});
}

QTEST_GUILESS_MAIN(TestSessionStore)
#include "tst_session_store.moc"
