// Session format: what a file says about its version, how old files still open,
// where loss records are shown, and how small rows are.
#include "custody_log.h"
#include "evidence_digest.h"
#include "session_samples.h"
#include "sqlite_database.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <tuple>

using namespace provscope;
using namespace provscope::test;

namespace {

// The CREATE statements of format 1.0, verbatim: old sessions are written with them.
const char *createStatements10()
{
    return R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE strings(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE sockets(
    id INTEGER PRIMARY KEY,
    family INTEGER NOT NULL,
    laddr TEXT NOT NULL, lport INTEGER NOT NULL,
    raddr TEXT NOT NULL, rport INTEGER NOT NULL,
    UNIQUE(family, laddr, lport, raddr, rport));
CREATE TABLE processes(
    id INTEGER PRIMARY KEY,
    pid INTEGER NOT NULL, start_ns INTEGER NOT NULL,
    ppid INTEGER NOT NULL, parent_start_ns INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    comm INTEGER REFERENCES strings(id),
    exe INTEGER REFERENCES files(id),
    argv BLOB,
    exit_ts_ns INTEGER NOT NULL DEFAULT 0, exit_code INTEGER NOT NULL DEFAULT 0,
    base_ppid INTEGER NOT NULL, base_uid INTEGER NOT NULL, base_comm INTEGER,
    UNIQUE(pid, start_ns));
CREATE TABLE events(
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    dt INTEGER NOT NULL,
    proc INTEGER NOT NULL REFERENCES processes(id),
    tid INTEGER,
    syscall INTEGER NOT NULL REFERENCES strings(id),
    ret INTEGER NOT NULL,
    fd INTEGER NOT NULL,
    file INTEGER REFERENCES files(id),
    file2 INTEGER REFERENCES files(id),
    socket INTEGER REFERENCES sockets(id),
    flags INTEGER NOT NULL,
    mode INTEGER NOT NULL,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    argv BLOB,
    comm INTEGER,
    ppid INTEGER,
    uid INTEGER);
CREATE INDEX events_by_proc ON events(proc);
CREATE INDEX events_by_file ON events(file) WHERE file IS NOT NULL;
CREATE INDEX events_by_file2 ON events(file2) WHERE file2 IS NOT NULL;
CREATE TABLE losses(
    id INTEGER PRIMARY KEY,
    first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,
    cpu INTEGER NOT NULL, count INTEGER NOT NULL, source TEXT NOT NULL);
)sql";
}

// A file's identity as a capture sees it: the same file under a path (x2), a new
// file at that path (x3), an event naming a path argument (no identity).
Event onFile(const char *syscall, const std::string &path, uint64_t ino, uint64_t ts)
{
    Event e = makeEvent(100, kBoot + 10, "bash", syscall, ts);
    e.path = path;
    e.ino = ino;
    e.dev = ino ? 0xfe00 : 0;
    return e;
}

std::vector<CaptureBatch> identityBatches()
{
    std::vector<CaptureBatch> batches(2);
    auto &first = batches[0].events, &second = batches[1].events;
    first.push_back(onFile("openat", "/tmp/a", 501, kBoot + 100));           // 1: (a, 501)
    first.push_back(onFile("write", "/tmp/a", 501, kBoot + 110));            // 2: same
    first.push_back(onFile("renameat2", "/tmp/a", 0, kBoot + 120));          // 3: path argument
    first.back().path2 = "/tmp/b";
    first.push_back(onFile("openat", "/tmp/b", 501, kBoot + 130));           // 4: (b, 501)
    second.push_back(onFile("openat", "/tmp/a", 777, kBoot + 140));          // 5: (a, 777) a new file
    second.push_back(onFile("close", "/tmp/b", 501, kBoot + 150));           // 6: same as before
    second.push_back(onFile("openat", "/tmp/a", 777, kBoot + 160));          // 7: same
    Event big = onFile("read", "/mnt/big", ~uint64_t(0) - 4, kBoot + 170);   // 8: ino above INT64_MAX
    big.dev = (uint64_t(0x1234) << 32) | 0xfe01;
    second.push_back(big);
    return batches;
}

// A 1.1 session as the 1.1 writer left it: no file_ids, format 1.1, digest version 1.
bool downgradeTo11(const QString &path)
{
    if (!execSql(path, "DROP TABLE file_ids; UPDATE meta SET value = '1.1' WHERE key = 'format_version';"
                       " PRAGMA journal_mode = DELETE;"))
        return false;
    auto db = SqliteDatabase::open(path.toStdString(), SQLITE_OPEN_READWRITE);
    if (!db)
        return false;
    auto digest = computeEvidenceDigest(**db, 1);
    return digest && (*db)->exec("UPDATE meta SET value = '" + *digest + "' WHERE key = 'evidence_sha256';"
                                 " UPDATE meta SET value = '1' WHERE key = 'evidence_digest_version';");
}

} // namespace

class TestSessionFormat : public QObject {
    Q_OBJECT

private slots:
    void versionCheck_data();
    void versionCheck();
    void opensFormat10();
    void writesFormat12FileIds();
    void opensFormat11();
    void opensFormat12WithoutFlows();
    void lossesArePlaced();
    void bytesPerEvent();
};

void TestSessionFormat::lossesArePlaced()
{
    // Each loss is shown where it was noticed: after the events written before it.
    QTemporaryDir dir;
    const std::string path = dir.filePath("gaps.provscope").toStdString();
    QVERIFY(!writeSample(path).empty());
    auto reader = SessionReader::open(path);
    QVERIFY(reader);
    auto placed = (*reader)->placedLosses();
    QVERIFY2(placed, placed.ok() ? "" : placed.error().c_str());
    QCOMPARE(placed->size(), size_t(2));
    QCOMPARE((*placed)[0].beforeEventId, int64_t(6));  // after the first batch's 5 events
    QCOMPARE((*placed)[0].loss.count, uint64_t(17));
    QCOMPARE((*placed)[0].loss.source, std::string("kernel-ringbuf"));
    QCOMPARE((*placed)[1].beforeEventId, int64_t(15)); // after the last event
    QCOMPARE((*placed)[1].loss.source, std::string("user-queue"));
}

void TestSessionFormat::opensFormat10()
{
    // A session written by the 1.0 writer (its schema verbatim): opens, its values
    // read back, the 1.1 fields take their defaults, losses are placed by time.
    QTemporaryDir dir;
    const QString path = dir.filePath("old.provscope");
    const QByteArray sql = QByteArray("PRAGMA application_id = ") + QByteArray::number(kSessionApplicationId) +
                           ";" + createStatements10() + R"sql(
INSERT INTO meta VALUES ('format_version', '1.0'), ('tool_version', '0.1.0'), ('host', 'old-host'),
  ('kernel', '6.1'), ('boot_id', 'b'), ('boot_to_epoch_ns', '1700000000000000000'),
  ('capture_start_ns', '1000'), ('capture_end_ns', '9000'), ('capture_config', '{}'),
  ('event_count', '3'), ('process_count', '1'), ('file_count', '1'), ('socket_count', '0'),
  ('lost_events', '42');
INSERT INTO strings VALUES (1, 'cat'), (2, 'openat'), (3, 'read');
INSERT INTO files VALUES (1, '/etc/passwd');
INSERT INTO processes(id, pid, start_ns, ppid, parent_start_ns, uid, comm, exe, argv, base_ppid,
  base_uid, base_comm) VALUES (1, 77, 500, 1, 0, 1000, 1, NULL, NULL, 1, 1000, 1);
INSERT INTO events(id, ts, dt, proc, syscall, ret, fd, file, flags, mode, count, bytes, truncated)
  VALUES (1, 2000, 0, 1, 2, 3, 3, 1, 0, 0, 1, 0, 0), (2, 3000, 500, 1, 3, 10, 3, 1, 0, 0, 4, 40, 0),
         (3, 5000, 0, 1, 3, 0, 3, 1, 0, 0, 1, 0, 0);
INSERT INTO losses(first_ts, last_ts, cpu, count, source) VALUES (4000, 4500, 0, 42, 'kernel-ringbuf');
)sql";
    QVERIFY(execSql(path, sql.constData()));
    auto reader = SessionReader::open(path.toStdString());
    QVERIFY2(reader, reader.ok() ? "" : reader.error().c_str());
    const SessionReader &r = **reader;
    QCOMPARE(r.meta().formatVersion, std::string("1.0"));
    QCOMPARE(r.counts().events, int64_t(3));
    auto events = r.eventsByIdRange(1, 10);
    QVERIFY2(events, events.ok() ? "" : events.error().c_str());
    QCOMPARE(events->size(), size_t(3));
    const Event &read = (*events)[1];
    QCOMPARE(read.syscall, std::string("read"));
    QCOMPARE(read.path, std::string("/etc/passwd"));
    QCOMPARE(read.count, uint64_t(4));
    QCOMPARE(read.lastTsNs, uint64_t(3500));
    QCOMPARE(read.uid, 1000u);
    QCOMPARE(read.fd2, -1); // 1.1 fields: Event's defaults
    QCOMPARE(read.nsPid, 0u);
    QCOMPARE(read.cgroupId, uint64_t(0));
    QCOMPARE(read.aux1, uint64_t(0));
    int visited = 0;
    QVERIFY(r.forEachEvent(EventFilter{}, [&](const Event &e) { visited += e.fd2 == -1; return true; }));
    QCOMPARE(visited, 3);
    auto process = r.process(77);
    QVERIFY(process && process->has_value());
    QCOMPARE((*process)->comm, std::string("cat"));
    QCOMPARE((*process)->mntNs, 0u);
    auto placed = r.placedLosses();
    QVERIFY2(placed, placed.ok() ? "" : placed.error().c_str());
    QCOMPARE(placed->size(), size_t(1));
    QCOMPARE((*placed)[0].beforeEventId, int64_t(3)); // ts 4000: between events 2 and 3
    QCOMPARE((*placed)[0].loss.count, uint64_t(42));
}

void TestSessionFormat::writesFormat12FileIds()
{
    // One row per change of a file's identity, at the event that showed it.
    QTemporaryDir dir;
    const std::string path = dir.filePath("ids.provscope").toStdString();
    {
        auto writer = SessionWriter::create(path, sampleMeta());
        QVERIFY(writer);
        for (CaptureBatch &batch : identityBatches())
            QVERIFY((*writer)->append(batch));
        QVERIFY((*writer)->finish(kBoot + 1000));
    }
    auto reader = SessionReader::open(path);
    QVERIFY2(reader, reader.ok() ? "" : reader.error().c_str());
    QCOMPARE((*reader)->meta().formatVersion, std::string("1.3"));
    QCOMPARE(sessionFormatVersion(), std::string("1.3"));
    auto ids = (*reader)->fileIdentities();
    QVERIFY2(ids, ids.ok() ? "" : ids.error().c_str());
    using Row = std::tuple<std::string, uint64_t, uint64_t, int64_t>;
    std::vector<Row> rows;
    for (const FileIdentity &id : *ids)
        rows.emplace_back(id.path, id.dev, id.ino, id.firstEventId);
    const std::vector<Row> want = {
        {"/tmp/a", 0xfe00, 501, 1},
        {"/tmp/b", 0xfe00, 501, 4},
        {"/tmp/a", 0xfe00, 777, 5},
        {"/mnt/big", (uint64_t(0x1234) << 32) | 0xfe01, ~uint64_t(0) - 4, 8},
    };
    QCOMPARE(rows, want);
    QCOMPARE((*ids)[0].fileId, (*ids)[2].fileId);
    QVERIFY((*ids)[0].fileId != (*ids)[1].fileId);
    // Events do not carry the identity themselves: rows stay as small as in 1.1.
    auto e = (*reader)->event(1);
    QVERIFY(e);
    QCOMPARE(e->path, std::string("/tmp/a"));
    QCOMPARE(e->ino, uint64_t(0));
    QCOMPARE((*reader)->counts().events, int64_t(8));
}

void TestSessionFormat::opensFormat11()
{
    // A 1.1 file (no file_ids): opens, reads, has no identities, verifies as before.
    QTemporaryDir dir;
    const QString path = dir.filePath("v11.provscope");
    const std::vector<Event> written = writeSample(path.toStdString());
    QVERIFY(!written.empty());
    QVERIFY(downgradeTo11(path));
    auto reader = SessionReader::open(path.toStdString());
    QVERIFY2(reader, reader.ok() ? "" : reader.error().c_str());
    QCOMPARE((*reader)->meta().formatVersion, std::string("1.1"));
    auto ids = (*reader)->fileIdentities();
    QVERIFY2(ids, ids.ok() ? "" : ids.error().c_str());
    QVERIFY(ids->empty());
    auto events = (*reader)->eventsByIdRange(1, 100);
    QVERIFY(events);
    QCOMPARE(events->size(), written.size());
    for (size_t i = 0; i < written.size(); ++i)
        compareEvent((*events)[i], written[i]);
    reader = makeError("closed");
    auto check = checkEvidence(path.toStdString());
    QVERIFY2(check, check.ok() ? "" : check.error().c_str());
    QCOMPARE(int(check->state), int(EvidenceCheck::State::Unchanged));
    QCOMPARE(check->version, 1);
}

void TestSessionFormat::opensFormat12WithoutFlows()
{
    // A 1.2 file (no flows, no dns tables): opens, its flows are "not recorded" (no
    // tables, no counts), not an error; its events read as before and it verifies.
    QTemporaryDir dir;
    const QString path = dir.filePath("v12.provscope");
    const std::vector<Event> written = writeSample(path.toStdString());
    QVERIFY(!written.empty());
    {
        auto fresh = SessionReader::open(path.toStdString());
        QVERIFY(fresh);
        QVERIFY((*fresh)->hasFlowTables());
    }
    QVERIFY(execSql(path, "DROP TABLE flows; DROP TABLE dns; DELETE FROM meta WHERE key IN ('flow_count', 'dns_count');"
                          " UPDATE meta SET value = '1.2' WHERE key = 'format_version'; PRAGMA journal_mode = DELETE;"));
    {
        auto db = SqliteDatabase::open(path.toStdString(), SQLITE_OPEN_READWRITE);
        QVERIFY(db);
        auto digest = computeEvidenceDigest(**db, 2);
        QVERIFY(digest);
        QVERIFY((*db)->exec("UPDATE meta SET value = '" + *digest + "' WHERE key = 'evidence_sha256';"
                            " UPDATE meta SET value = '2' WHERE key = 'evidence_digest_version';"));
    }
    auto reader = SessionReader::open(path.toStdString());
    QVERIFY2(reader, reader.ok() ? "" : reader.error().c_str());
    QCOMPARE((*reader)->meta().formatVersion, std::string("1.2"));
    QVERIFY(!(*reader)->hasFlowTables());
    auto flows = (*reader)->flows();
    auto dns = (*reader)->dnsRecords();
    QVERIFY2(flows && dns, flows.ok() ? "dns" : flows.error().c_str());
    QVERIFY(flows->empty() && dns->empty());
    QCOMPARE((*reader)->counts().flows, int64_t(0));
    QCOMPARE((*reader)->counts().dnsRecords, int64_t(0));
    auto events = (*reader)->eventsByIdRange(1, 100);
    QVERIFY(events);
    QCOMPARE(events->size(), written.size());
    reader = makeError("closed");
    auto check = checkEvidence(path.toStdString());
    QVERIFY2(check, check.ok() ? "" : check.error().c_str());
    QCOMPARE(int(check->state), int(EvidenceCheck::State::Unchanged));
    QCOMPARE(check->version, 2);
}

void TestSessionFormat::versionCheck_data()
{
    QTest::addColumn<QString>("version");
    QTest::addColumn<QString>("expectedError"); // empty: opens
    QTest::newRow("newer major") << "2.0"
                                 << "was written by a newer provscope (format 2.0); this "
                                    "version reads 1.x";
    QTest::newRow("newer minor") << "1.7" << "";
    QTest::newRow("same") << "1.0" << "";
    QTest::newRow("garbage") << "one" << "is damaged: its format version";
}

void TestSessionFormat::versionCheck()
{
    QFETCH(QString, version);
    QFETCH(QString, expectedError);
    QTemporaryDir dir;
    const QString path = dir.filePath("future.provscope");
    QVERIFY(!writeSample(path.toStdString()).empty());
    const QByteArray sql = "UPDATE meta SET value = '" + version.toUtf8() +
                           "' WHERE key = 'format_version'; CREATE TABLE future_things(x);"
                           " PRAGMA journal_mode = DELETE;";
    QVERIFY(execSql(path, sql.constData()));
    const QByteArray before = sha256(path);
    auto reader = SessionReader::open(path.toStdString());
    if (expectedError.isEmpty()) {
        QVERIFY2(reader, reader.ok() ? "" : reader.error().c_str());
        QCOMPARE(QString::fromStdString((*reader)->meta().formatVersion), version);
        QCOMPARE((*reader)->counts().events, int64_t(14));
        QVERIFY((*reader)->event(14));
    } else {
        QVERIFY(!reader);
        const QString message = QString::fromStdString(reader.error());
        QVERIFY2(message.startsWith(path + " "), qPrintable(message));
        QVERIFY2(message.contains(expectedError), qPrintable(message));
    }
    reader = makeError("closed");
    QCOMPARE(sha256(path), before);
    QCOMPARE(listing(dir.path()), QStringList{"future.provscope"});
}

void TestSessionFormat::bytesPerEvent()
{
    // DESIGN.md: at most 64 bytes per captured syscall. Mixed rows, one per syscall.
    QTemporaryDir dir;
    const QString path = dir.filePath("size.provscope");
    auto writer = SessionWriter::create(path.toStdString(), sampleMeta());
    QVERIFY(writer);
    const char *syscalls[] = {"read", "write", "openat", "close", "connect", "sendto"};
    constexpr int kEvents = 100000;
    CaptureBatch batch;
    for (int i = 0; i < kEvents; ++i) {
        const uint32_t pid = 1000 + uint32_t(i % 20);
        Event e = makeEvent(pid, kBoot + pid, "worker", syscalls[i % 6], kBoot + 1000 + uint64_t(i) * 1537);
        e.fd = 3 + i % 5;
        e.ret = i % 6 == 3 ? 0 : 512;
        e.bytes = i % 6 < 2 ? 512 : 0;
        if (i % 6 < 4) {
            e.path = "/var/lib/app/data-" + std::to_string(i % 300) + ".db";
            e.dev = 0xfe00; // 1.2: an identity per file, kept once (file_ids), not per event
            e.ino = 100000 + uint64_t(i % 300);
        }
        else
            e.laddr = "10.0.0.1", e.lport = 40000, e.raddr = "10.0.0.2", e.rport = 443;
        batch.events.push_back(std::move(e));
        if (batch.events.size() == 5000) {
            QVERIFY((*writer)->append(batch));
            batch = {};
        }
    }
    QVERIFY((*writer)->finish(kBoot + 10'000'000'000ull));
    const double perEvent = double(QFileInfo(path).size()) / kEvents;
    qInfo("session size: %.1f bytes per event", perEvent);
    auto reader = SessionReader::open(path.toStdString());
    QVERIFY(reader);
    auto ids = (*reader)->fileIdentities();
    QVERIFY(ids);
    QCOMPARE(int(ids->size()), 200); // the paths of reads, writes, opens and closes
    QVERIFY2(perEvent <= 64.0, qPrintable(QString::number(perEvent)));
}

QTEST_GUILESS_MAIN(TestSessionFormat)
#include "tst_session_format.moc"
