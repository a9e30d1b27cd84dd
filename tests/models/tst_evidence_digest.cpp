// The evidence digest stored when recording ends, recomputed by verify, and the
// custody log an import appends to.
#include "custody_log.h"
#include "evidence_digest.h"
#include "session_samples.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <QDateTime>
#include <QTemporaryDir>
#include <QtTest>

#include <pwd.h>
#include <unistd.h>

using namespace provscope;
using namespace provscope::test;

namespace {

QString copyOf(const QString &from, const QString &to)
{
    QFile::remove(to);
    return QFile::copy(from, to) ? to : QString();
}

// The sample batches with what a capture adds on files opened by fd (format 1.2):
// an identity per path, one of them replaced by a new file half-way.
std::vector<CaptureBatch> batchesWithIds()
{
    std::vector<CaptureBatch> batches = sampleBatches();
    uint64_t n = 0;
    for (CaptureBatch &batch : batches) {
        for (Event &e : batch.events) {
            if (e.path.empty())
                continue;
            e.dev = 0xfe00;
            e.ino = 4000 + std::hash<std::string>()(e.path) % 1000 + (++n > 6 ? 1 : 0);
        }
    }
    // Format 1.3: the flow of the sample's connect (attributed to bash) and a DNS answer.
    Flow flow;
    flow.key = 1;
    flow.proto = kProtoTcp;
    flow.src = "127.0.0.1";
    flow.sport = 40000;
    flow.dst = "127.0.0.1";
    flow.dport = 8080;
    flow.packetsOut = 4;
    flow.bytesOut = 300;
    flow.packetsIn = 3;
    flow.bytesIn = 2000;
    flow.tcpFlags = kTcpSyn | kTcpAck | kTcpFin;
    flow.firstNs = int64_t(kBoot + 1050);
    flow.lastNs = int64_t(kBoot + 1300);
    flow.ended = true;
    flow.interfaceName = "lo";
    flow.dnsName = "svc.example";
    batches.back().flows.push_back(flow);
    DnsRecord dns;
    dns.tsNs = int64_t(kBoot + 1000);
    dns.name = "svc.example";
    dns.type = kDnsTypeA;
    dns.value = "127.0.0.1";
    dns.ttl = 60;
    dns.queryName = "svc.example";
    dns.server = "127.0.0.53";
    batches.back().dnsRecords.push_back(dns);
    return batches;
}

bool writeWithIds(const QString &path)
{
    auto writer = SessionWriter::create(path.toStdString(), sampleMeta());
    if (!writer)
        return false;
    for (CaptureBatch &batch : batchesWithIds())
        if (!(*writer)->append(batch))
            return false;
    return bool((*writer)->finish(kBoot + 10000));
}

} // namespace

class TestEvidenceDigest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void recordedWhenRecordingEnds();
    void deterministic();
    void tamperingIsDetected_data();
    void tamperingIsDetected();
    void format11VerifiesAsBefore();
    void format12VerifiesAsBefore();
    void nonEvidenceMetaIgnored();
    void verifyLeavesFileUntouched();
    void noDigest();
    void custodyEntryAfterImport();
    void custodyRefusesRecording();

private:
    QTemporaryDir m_dir;
    QString m_session;
    std::string m_digest;
};

void TestEvidenceDigest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_session = m_dir.filePath("case.provscope");
    QVERIFY(writeWithIds(m_session));
    auto reader = SessionReader::open(m_session.toStdString());
    QVERIFY(reader);
    auto ids = (*reader)->fileIdentities();
    QVERIFY(ids);
    QVERIFY2(ids->size() > 3, "the sample has no file identities to cover");
}

void TestEvidenceDigest::recordedWhenRecordingEnds()
{
    auto recorded = readRecordedDigest(m_session.toStdString());
    QVERIFY2(recorded, recorded ? "" : recorded.error().c_str());
    QVERIFY(recorded->has_value());
    m_digest = (*recorded)->sha256;
    QCOMPARE(int(m_digest.size()), 64);
    QVERIFY(QByteArray::fromStdString(m_digest).toLower() == QByteArray::fromStdString(m_digest));
    QCOMPARE((*recorded)->version, kEvidenceDigestVersion);

    auto check = checkEvidence(m_session.toStdString());
    QVERIFY2(check, check ? "" : check.error().c_str());
    QCOMPARE(int(check->state), int(EvidenceCheck::State::Unchanged));
    QCOMPARE(check->recorded, m_digest);
    QCOMPARE(check->current, m_digest);
    QVERIFY(check->custody.empty());
    QCOMPARE(check->version, kEvidenceDigestVersion);
    // A 1.x session every reader opens.
    auto reader = SessionReader::open(m_session.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    QCOMPARE((*reader)->meta().formatVersion, sessionFormatVersion());
}

void TestEvidenceDigest::deterministic()
{
    // Reopened: the same digest again.
    auto again = checkEvidence(m_session.toStdString());
    QVERIFY(again);
    QCOMPARE(again->current, m_digest);
    // A second session written from the same batches: the same digest.
    const QString twin = m_dir.filePath("twin.provscope");
    QVERIFY(writeWithIds(twin));
    auto twinDigest = readRecordedDigest(twin.toStdString());
    QVERIFY(twinDigest && twinDigest->has_value());
    QCOMPARE((*twinDigest)->sha256, m_digest);
    // Different evidence (one event less): a different digest.
    const QString other = m_dir.filePath("other.provscope");
    auto writer = SessionWriter::create(other.toStdString(), sampleMeta());
    QVERIFY(writer);
    auto batches = sampleBatches();
    batches[0].events.pop_back();
    for (CaptureBatch &batch : batches)
        QVERIFY((*writer)->append(batch));
    QVERIFY((*writer)->finish(kBoot + 10000));
    auto otherDigest = readRecordedDigest(other.toStdString());
    QVERIFY(otherDigest && otherDigest->has_value());
    QVERIFY((*otherDigest)->sha256 != m_digest);
}

void TestEvidenceDigest::tamperingIsDetected_data()
{
    QTest::addColumn<QString>("sql");
    QTest::newRow("event ret") << "UPDATE events SET ret = ret + 1 WHERE id = 4";
    QTest::newRow("event deleted") << "DELETE FROM events WHERE id = (SELECT MAX(id) FROM events)";
    QTest::newRow("file path") << "UPDATE files SET path = '/etc/shadoW' WHERE path = '/etc/shadow'";
    QTest::newRow("process argv") << "UPDATE processes SET argv = NULL WHERE pid = 100";
    QTest::newRow("socket port") << "UPDATE sockets SET rport = 8081 WHERE rport = 8080";
    QTest::newRow("loss removed") << "DELETE FROM losses WHERE source = 'user-queue'";
    QTest::newRow("same value, other type") << "UPDATE events SET fd = CAST('3' AS BLOB) WHERE id = 2";
    QTest::newRow("host") << "UPDATE meta SET value = 'other-host' WHERE key = 'host'";
    QTest::newRow("event count") << "UPDATE meta SET value = '3' WHERE key = 'event_count'";
    QTest::newRow("file identity ino") << "UPDATE file_ids SET ino = ino + 1 WHERE id = 2";
    QTest::newRow("file identity moved") << "UPDATE file_ids SET first_event = first_event + 1 WHERE id = 1";
    QTest::newRow("file identity removed") << "DELETE FROM file_ids WHERE id = (SELECT MAX(id) FROM file_ids)";
    QTest::newRow("file identities dropped") << "DROP TABLE file_ids";
    QTest::newRow("flow bytes") << "UPDATE flows SET bytes_in = bytes_in + 1";
    QTest::newRow("flow process") << "UPDATE flows SET proc = NULL";
    QTest::newRow("flow removed") << "DELETE FROM flows";
    QTest::newRow("dns value") << "UPDATE dns SET value = (SELECT id FROM strings WHERE text = 'bash')";
    QTest::newRow("dns removed") << "DELETE FROM dns";
    QTest::newRow("flow count") << "UPDATE meta SET value = '7' WHERE key = 'flow_count'";
    QTest::newRow("flows dropped") << "DROP TABLE flows";
}

void TestEvidenceDigest::tamperingIsDetected()
{
    QFETCH(QString, sql);
    const QString copy = copyOf(m_session, m_dir.filePath("tampered.provscope"));
    QVERIFY(!copy.isEmpty());
    QVERIFY(execSql(copy, sql.toUtf8().constData()));
    auto check = checkEvidence(copy.toStdString());
    QVERIFY2(check, check ? "" : check.error().c_str());
    QCOMPARE(int(check->state), int(EvidenceCheck::State::Changed));
    QCOMPARE(check->recorded, m_digest);
    QVERIFY(check->current != m_digest);
    QCOMPARE(int(check->current.size()), 64);
}

void TestEvidenceDigest::format11VerifiesAsBefore()
{
    // A 1.1 session (no file_ids) keeps its version-1 digest: verify recomputes version 1,
    // and version 2 of such a session is the same value (nothing more to cover).
    const QString old = copyOf(m_session, m_dir.filePath("v11.provscope"));
    QVERIFY(execSql(old, "DROP TABLE file_ids; UPDATE meta SET value = '1.1' WHERE key = 'format_version';"));
    std::string v1, v2;
    {
        auto db = SqliteDatabase::open(old.toStdString(), SQLITE_OPEN_READWRITE);
        QVERIFY(db);
        auto one = computeEvidenceDigest(**db, 1);
        auto two = computeEvidenceDigest(**db, 2);
        QVERIFY(one && two);
        v1 = *one;
        v2 = *two;
        QVERIFY(!computeEvidenceDigest(**db, kEvidenceDigestVersion + 1));
        QVERIFY((*db)->exec("UPDATE meta SET value = '" + v1 + "' WHERE key = 'evidence_sha256';"
                            " UPDATE meta SET value = '1' WHERE key = 'evidence_digest_version'"));
    }
    QCOMPARE(v2, v1);
    auto check = checkEvidence(old.toStdString());
    QVERIFY2(check, check ? "" : check.error().c_str());
    QCOMPARE(int(check->state), int(EvidenceCheck::State::Unchanged));
    QCOMPARE(check->version, 1);
    QCOMPARE(check->current, v1);
    // Version 1 never looked at file_ids: a 1.2 session's version-2 digest differs from it.
    auto db = SqliteDatabase::open(m_session.toStdString(), SQLITE_OPEN_READONLY);
    QVERIFY(db);
    auto v1Of12 = computeEvidenceDigest(**db, 1);
    QVERIFY(v1Of12);
    QVERIFY(*v1Of12 != m_digest);
    // Tampering with a 1.1 session is still seen.
    QVERIFY(execSql(old, "UPDATE events SET ret = 99 WHERE id = 1"));
    auto tampered = checkEvidence(old.toStdString());
    QVERIFY(tampered);
    QCOMPARE(int(tampered->state), int(EvidenceCheck::State::Changed));
}

void TestEvidenceDigest::format12VerifiesAsBefore()
{
    // A 1.2 session (no flows, no dns) recorded a version-2 digest: it still verifies,
    // and its version-3 digest is the same value. A 1.3 session's version 3 covers flows.
    {
        auto db = SqliteDatabase::open(m_session.toStdString(), SQLITE_OPEN_READONLY);
        QVERIFY(db);
        auto v2Of13 = computeEvidenceDigest(**db, 2);
        QVERIFY(v2Of13);
        QVERIFY(*v2Of13 != m_digest);
        auto flows = SqliteStatement::prepare(**db, "SELECT COUNT(*) FROM flows WHERE proc IS NOT NULL");
        QVERIFY(flows && *flows->step());
        QCOMPARE(flows->columnInt64(0), int64_t(1)); // the sample's flow is attributed
    }
    const QString old = copyOf(m_session, m_dir.filePath("v12.provscope"));
    QVERIFY(execSql(old, "DROP TABLE flows; DROP TABLE dns; DELETE FROM meta WHERE key IN ('flow_count', 'dns_count');"
                         " UPDATE meta SET value = '1.2' WHERE key = 'format_version';"));
    std::string v2, v3;
    {
        auto db = SqliteDatabase::open(old.toStdString(), SQLITE_OPEN_READWRITE);
        QVERIFY(db);
        auto two = computeEvidenceDigest(**db, 2);
        auto three = computeEvidenceDigest(**db, 3);
        QVERIFY(two && three);
        v2 = *two;
        v3 = *three;
        QVERIFY((*db)->exec("UPDATE meta SET value = '" + v2 + "' WHERE key = 'evidence_sha256';"
                            " UPDATE meta SET value = '2' WHERE key = 'evidence_digest_version'"));
    }
    QCOMPARE(v3, v2);
    auto check = checkEvidence(old.toStdString());
    QVERIFY2(check, check ? "" : check.error().c_str());
    QCOMPARE(int(check->state), int(EvidenceCheck::State::Unchanged));
    QCOMPARE(check->version, 2);
    QVERIFY(execSql(old, "UPDATE events SET ret = 99 WHERE id = 1"));
    auto tampered = checkEvidence(old.toStdString());
    QVERIFY(tampered);
    QCOMPARE(int(tampered->state), int(EvidenceCheck::State::Changed));
}

void TestEvidenceDigest::nonEvidenceMetaIgnored()
{
    const QString copy = copyOf(m_session, m_dir.filePath("noted.provscope"));
    QVERIFY(execSql(copy, "INSERT INTO meta(key, value) VALUES ('last_filter', 'proc.pid == 1');"
                          "CREATE TABLE annotations(id INTEGER PRIMARY KEY, note TEXT);"
                          "INSERT INTO annotations(note) VALUES ('suspicious');"));
    auto check = checkEvidence(copy.toStdString());
    QVERIFY(check);
    QCOMPARE(int(check->state), int(EvidenceCheck::State::Unchanged));
    QCOMPARE(check->current, m_digest);
}

void TestEvidenceDigest::verifyLeavesFileUntouched()
{
    const QByteArray before = sha256(m_session);
    const QStringList filesBefore = listing(m_dir.path());
    for (int i = 0; i < 2; ++i) {
        auto check = checkEvidence(m_session.toStdString());
        QVERIFY(check);
    }
    QCOMPARE(sha256(m_session), before);
    QCOMPARE(listing(m_dir.path()), filesBefore);
    for (const QString &name : listing(m_dir.path()))
        QVERIFY2(!name.endsWith("-journal") && !name.endsWith("-wal") && !name.endsWith("-shm"),
                 qPrintable(name));
}

void TestEvidenceDigest::noDigest()
{
    // Written by an older provscope: no digest keys.
    const QString old = copyOf(m_session, m_dir.filePath("old.provscope"));
    QVERIFY(execSql(old, "DELETE FROM meta WHERE key IN ('evidence_sha256', 'evidence_digest_version')"));
    auto check = checkEvidence(old.toStdString());
    QVERIFY2(check, check ? "" : check.error().c_str());
    QCOMPARE(int(check->state), int(EvidenceCheck::State::NoDigest));
    QVERIFY(check->recorded.empty());

    // Still being recorded: no digest until finish().
    QTemporaryDir liveDir;
    const std::string live = liveDir.filePath("live.provscope").toStdString();
    auto writer = SessionWriter::create(live, sampleMeta());
    QVERIFY(writer);
    auto batches = batchesWithIds();
    QVERIFY((*writer)->append(batches[0]));
    auto during = checkEvidence(live);
    QVERIFY2(during, during ? "" : during.error().c_str());
    QCOMPARE(int(during->state), int(EvidenceCheck::State::NoDigest));
    QVERIFY((*writer)->append(batches[1]));
    QVERIFY((*writer)->finish(kBoot + 10000));
    auto after = checkEvidence(live);
    QVERIFY(after);
    QCOMPARE(int(after->state), int(EvidenceCheck::State::Unchanged));
    QCOMPARE(after->current, m_digest);
}

void TestEvidenceDigest::custodyEntryAfterImport()
{
    const QString copy = copyOf(m_session, m_dir.filePath("imported.provscope"));
    const qint64 startNs = QDateTime::currentMSecsSinceEpoch() * 1'000'000;
    {
        auto db = openSessionForEvidenceUpdate(copy.toStdString());
        QVERIFY2(db, db ? "" : db.error().c_str());
        // What an importer would add: one event of a known process, one loss, the counts.
        {
            auto insert = SqliteStatement::prepare(
                **db, "INSERT INTO events(id, ts, dt, proc, syscall, ret, fd, flags, mode, count, bytes, truncated)"
                      " VALUES ((SELECT MAX(id) + 1 FROM events), ?1, 0, 1, 1, ?2, -1, 0, 0, 1, 0, 0)");
            QVERIFY(insert);
            insert->bindInt64(1, int64_t(kBoot + 9999));
            insert->bindInt64(2, -2);
            QVERIFY(insert->run());
            auto loss = SqliteStatement::prepare(
                **db, "INSERT INTO losses(first_ts, last_ts, cpu, count, source) VALUES (?1, ?1, -1, 4, ?2)");
            QVERIFY(loss);
            loss->bindInt64(1, int64_t(kBoot + 9998));
            loss->bindText(2, "import");
            QVERIFY(loss->run());
        } // statements finalized: the connection can close
        QVERIFY((*db)->exec("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'event_count';"
                            "UPDATE meta SET value = CAST(value AS INTEGER) + 4 WHERE key = 'lost_events'"));
        // Before the entry: the evidence no longer matches the recorded digest.
        auto changed = checkEvidence(copy.toStdString());
        QVERIFY(changed);
        QCOMPARE(int(changed->state), int(EvidenceCheck::State::Changed));

        auto entry = appendCustodyEntry(**db, "import", "events from host B");
        QVERIFY2(entry, entry ? "" : entry.error().c_str());
        QCOMPARE(entry->oldDigest, m_digest);
        QVERIFY(entry->newDigest != m_digest);
        QVERIFY((*db)->close());
    }
    auto check = checkEvidence(copy.toStdString());
    QVERIFY2(check, check ? "" : check.error().c_str());
    QCOMPARE(int(check->state), int(EvidenceCheck::State::Unchanged));
    QVERIFY(check->recorded != m_digest);
    QCOMPARE(int(check->custody.size()), 1);
    const CustodyEntry &e = check->custody[0];
    QCOMPARE(e.id, int64_t(1));
    QCOMPARE(e.action, std::string("import"));
    QCOMPARE(e.note, std::string("events from host B"));
    QCOMPARE(e.oldDigest, m_digest);
    QCOMPARE(e.newDigest, check->recorded);
    const passwd *pw = getpwuid(geteuid());
    QVERIFY(pw);
    QCOMPARE(e.user, std::string(pw->pw_name));
    QVERIFY(e.timeNs >= startNs - 1'000'000'000 && e.timeNs <= startNs + 60'000'000'000);
    // The imported event is what a reader sees.
    auto reader = SessionReader::open(copy.toStdString());
    QVERIFY(reader);
    QCOMPARE((*reader)->counts().events, int64_t(15));
    reader->reset();

    // A second entry chains from the first; by path this time.
    auto second = appendCustodyEntry(copy.toStdString(), "import", "");
    QVERIFY2(second, second ? "" : second.error().c_str());
    QCOMPARE(second->oldDigest, check->recorded);
    QCOMPARE(second->newDigest, check->recorded); // nothing added meanwhile
    auto after = checkEvidence(copy.toStdString());
    QVERIFY(after);
    QCOMPARE(int(after->custody.size()), 2);
    QCOMPARE(int(after->state), int(EvidenceCheck::State::Unchanged));
    // The custody log is not evidence; tampering with evidence is still seen.
    QVERIFY(execSql(copy, "UPDATE events SET ret = 99 WHERE id = 1"));
    auto tampered = checkEvidence(copy.toStdString());
    QVERIFY(tampered);
    QCOMPARE(int(tampered->state), int(EvidenceCheck::State::Changed));
    QCOMPARE(int(tampered->custody.size()), 2);
}

void TestEvidenceDigest::custodyRefusesRecording()
{
    QTemporaryDir liveDir;
    const std::string live = liveDir.filePath("live.provscope").toStdString();
    auto writer = SessionWriter::create(live, sampleMeta());
    QVERIFY(writer);
    auto batches = sampleBatches();
    QVERIFY((*writer)->append(batches[0]));
    auto db = openSessionForEvidenceUpdate(live);
    QVERIFY(!db);
    QVERIFY2(QString::fromStdString(db.error()).contains("being recorded"), db.error().c_str());
    auto notSession = appendCustodyEntry(m_dir.filePath("missing.provscope").toStdString(), "import", "");
    QVERIFY(!notSession);
    QVERIFY((*writer)->finish(kBoot + 10000));
}

QTEST_GUILESS_MAIN(TestEvidenceDigest)
#include "tst_evidence_digest.moc"
