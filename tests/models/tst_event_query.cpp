// Display filters run against a real session written by SessionWriter: every field
// and operator selects exactly the expected events, in id order.
#include "event_query.h"
#include "session_samples.h"

#include <QTemporaryDir>

using namespace provscope;
using namespace provscope::test;

namespace {

constexpr uint64_t kSecond = 1'000'000'000ull;

// Nine events; event i happens at kBoot + i seconds, i.e. at 2023-11-14T23:36:(40+i)Z.
std::vector<CaptureBatch> filterBatches()
{
    CaptureBatch batch;
    auto process = [&](uint32_t pid, uint32_t ppid, const char *comm, const char *exe,
                       std::vector<std::string> argv) {
        ProcessInfo p;
        p.pid = pid;
        p.startNs = kBoot + pid;
        p.ppid = ppid;
        p.uid = 1000;
        p.comm = comm;
        p.exe = exe;
        p.argv = std::move(argv);
        batch.processes.push_back(p);
    };
    process(100, 1, "bash", "/usr/bin/bash", {"bash", "-c", "run it"});
    process(200, 100, "cat", "/usr/bin/cat", {"cat", "/etc/passwd"});
    process(300, 100, "curl", "/usr/bin/curl", {"curl", "https://example.org"});
    auto event = [&](uint32_t pid, const char *comm, const char *syscall, int64_t ret,
                     const char *path = "") {
        Event e = makeEvent(pid, kBoot + pid, comm, syscall, kBoot + (batch.events.size() + 1) * kSecond);
        e.ppid = pid == 100 ? 1 : 100;
        e.ret = ret;
        e.path = path;
        batch.events.push_back(e);
        return &batch.events.back();
    };
    event(100, "bash", "openat", 3, "/etc/passwd");          // 1
    event(200, "cat", "openat", -13, "/etc/shadow");         // 2 EACCES
    event(200, "cat", "read", 100, "/etc/passwd");           // 3
    event(100, "bash", "openat", -2, "/home/u/missing");     // 4 ENOENT
    event(100, "bash", "renameat2", 0, "/tmp/a.txt")->path2 = "/tmp/b \"q\".txt"; // 5
    for (const char *syscall : {"connect", "sendto"}) {      // 6, 7
        Event *e = event(300, "curl", syscall, 0);
        e->laddr = "10.0.0.5";
        e->lport = 40000;
        e->raddr = "93.184.216.34";
        e->rport = 443;
    }
    event(300, "curl", "openat", 4, "/tmp/it's");            // 8
    event(200, "cat", "close", 0);                           // 9
    return {batch};
}

QByteArray fileHash(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

} // namespace

class TestEventQuery : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void selects_data();
    void selects();
    void eventsInIdOrder();
    void chunksAndCancel();
    void injectionLeavesFileUnchanged();
    void pidFilterUsesIndex();

private:
    std::vector<int64_t> ids(const QString &text);
    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<EventQuery> m_query;
};

void TestEventQuery::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath("filter.provscope");
    auto writer = SessionWriter::create(m_path.toStdString(), sampleMeta());
    QVERIFY2(writer.ok(), writer.ok() ? "" : writer.error().c_str());
    for (CaptureBatch &batch : filterBatches())
        QVERIFY(writer.value()->append(batch).ok());
    QVERIFY(writer.value()->finish(kBoot + 100 * kSecond).ok());
    auto query = EventQuery::open(m_path.toStdString());
    QVERIFY2(query.ok(), query.ok() ? "" : query.error().c_str());
    m_query = std::move(query.value());
}

std::vector<int64_t> TestEventQuery::ids(const QString &text)
{
    std::vector<int64_t> result;
    auto compiled = compileFilter(text.toStdString());
    if (!compiled) {
        qWarning("%s", compiled.error().c_str());
        return {-1};
    }
    auto done = m_query->matchingIds(*compiled, [&](const std::vector<int64_t> &chunk) {
        result.insert(result.end(), chunk.begin(), chunk.end());
        return true;
    });
    if (!done) {
        qWarning("%s", done.error().c_str());
        return {-2};
    }
    return result;
}

void TestEventQuery::selects_data()
{
    using Ids = std::vector<int64_t>;
    QTest::addColumn<QString>("text");
    QTest::addColumn<Ids>("expected");
    QTest::newRow("empty") << "" << Ids{1, 2, 3, 4, 5, 6, 7, 8, 9};
    QTest::newRow("proc.name ==") << "proc.name == \"cat\"" << Ids{2, 3, 9};
    QTest::newRow("proc.name !=") << "proc.name != cat" << Ids{1, 4, 5, 6, 7, 8};
    QTest::newRow("proc.name startswith") << "proc.name startswith \"cu\"" << Ids{6, 7, 8};
    QTest::newRow("proc.pid ==") << "proc.pid == 200" << Ids{2, 3, 9};
    QTest::newRow("proc.pid in") << "proc.pid in (100, 300)" << Ids{1, 4, 5, 6, 7, 8};
    QTest::newRow("proc.pid >") << "proc.pid > 100" << Ids{2, 3, 6, 7, 8, 9};
    QTest::newRow("proc.pid <=") << "proc.pid <= 200" << Ids{1, 2, 3, 4, 5, 9};
    QTest::newRow("proc.pid unknown") << "proc.pid == 4242" << Ids{};
    QTest::newRow("proc.ppid") << "proc.ppid == 100" << Ids{2, 3, 6, 7, 8, 9};
    QTest::newRow("proc.exe") << "proc.exe == \"/usr/bin/curl\"" << Ids{6, 7, 8};
    QTest::newRow("proc.cmdline contains") << "proc.cmdline contains \"run it\"" << Ids{1, 4, 5};
    QTest::newRow("proc.cmdline ==") << "proc.cmdline == \"cat /etc/passwd\"" << Ids{2, 3, 9};
    QTest::newRow("evt.type ==") << "evt.type == openat" << Ids{1, 2, 4, 8};
    QTest::newRow("evt.type startswith") << "evt.type startswith \"rena\"" << Ids{5};
    QTest::newRow("evt.type in") << "evt.type in (\"read\", \"close\")" << Ids{3, 9};
    QTest::newRow("evt.res ENOENT") << "evt.res == \"ENOENT\"" << Ids{4};
    QTest::newRow("evt.res EACCES bare") << "evt.res == EACCES" << Ids{2};
    QTest::newRow("evt.res != ENOENT") << "evt.res != ENOENT" << Ids{1, 2, 3, 5, 6, 7, 8, 9};
    QTest::newRow("evt.res < 0") << "evt.res < 0" << Ids{2, 4};
    QTest::newRow("evt.res number") << "evt.res == -13" << Ids{2};
    QTest::newRow("evt.res in errnos") << "evt.res in (ENOENT, \"EACCES\", 100)" << Ids{2, 3, 4};
    QTest::newRow("fd.name == path") << "fd.name == \"/etc/passwd\"" << Ids{1, 3};
    QTest::newRow("fd.name == path2") << "fd.name == \"/tmp/b \\\"q\\\".txt\"" << Ids{5};
    QTest::newRow("fd.name contains") << "fd.name contains \"passwd\"" << Ids{1, 3};
    QTest::newRow("fd.name startswith") << "fd.name startswith \"/tmp/\"" << Ids{5, 8};
    QTest::newRow("fd.name != (has a name)") << "fd.name != \"/etc/passwd\"" << Ids{2, 4, 5, 6, 7, 8};
    QTest::newRow("not fd.name ==") << "not fd.name == \"/etc/passwd\"" << Ids{2, 4, 5, 6, 7, 8, 9};
    QTest::newRow("fd.name != path2") << "fd.name != \"/tmp/a.txt\"" << Ids{1, 2, 3, 4, 6, 7, 8};
    QTest::newRow("fd.name socket") << "fd.name == \"10.0.0.5:40000->93.184.216.34:443\"" << Ids{6, 7};
    QTest::newRow("fd.directory ==") << "fd.directory == \"/etc\"" << Ids{1, 2, 3};
    QTest::newRow("fd.directory tmp") << "fd.directory == \"/tmp\"" << Ids{5, 8};
    QTest::newRow("fd.directory contains") << "fd.directory contains \"home\"" << Ids{4};
    QTest::newRow("fd.sip") << "fd.sip == \"10.0.0.5\"" << Ids{6, 7};
    QTest::newRow("fd.sip bare") << "fd.sip == 10.0.0.5" << Ids{6, 7};
    QTest::newRow("fd.sport") << "fd.sport == 40000" << Ids{6, 7};
    QTest::newRow("fd.dip") << "fd.dip startswith \"93.\"" << Ids{6, 7};
    QTest::newRow("fd.dport") << "fd.dport == 443" << Ids{6, 7};
    QTest::newRow("fd.dport >") << "fd.dport > 1000" << Ids{};
    QTest::newRow("time >= Z") << "evt.time >= \"2023-11-14T23:36:45Z\"" << Ids{5, 6, 7, 8, 9};
    QTest::newRow("time offset") << "evt.time >= \"2023-11-15T00:36:45+01:00\"" << Ids{5, 6, 7, 8, 9};
    QTest::newRow("time negative offset") << "evt.time < \"2023-11-14T18:36:43-05:00\"" << Ids{1, 2};
    QTest::newRow("time fraction") << "evt.time > \"2023-11-14T23:36:44.5Z\"" << Ids{5, 6, 7, 8, 9};
    QTest::newRow("time ns") << "evt.time < \"2023-11-14T23:36:44.000000001Z\"" << Ids{1, 2, 3, 4};
    QTest::newRow("time ==") << "evt.time == \"2023-11-14T23:36:43Z\"" << Ids{3};
    QTest::newRow("time range") << "evt.time > \"2023-11-14T23:36:42Z\" and evt.time <= \"2023-11-14T23:36:44Z\""
                                << Ids{3, 4};
    QTest::newRow("and binds tighter than or")
        << "proc.name == bash or proc.name == cat and evt.type == read" << Ids{1, 3, 4, 5};
    QTest::newRow("parentheses") << "(proc.name == bash or proc.name == cat) and evt.type == read" << Ids{3};
    QTest::newRow("not binds tightest") << "not proc.name == bash and evt.type == openat" << Ids{2, 8};
    QTest::newRow("not of group") << "not (proc.name == bash or evt.type == openat)" << Ids{3, 6, 7, 9};
    QTest::newRow("double not") << "not not proc.pid == 300" << Ids{6, 7, 8};
    QTest::newRow("symbols") << "!(proc.pid == 100) && (fd.dport == 443 || evt.res == EACCES)" << Ids{2, 6, 7};
    QTest::newRow("injection quote") << "fd.name == \"x' OR 1=1 --\"" << Ids{};
    QTest::newRow("injection double quote") << "proc.name == \"\\\" OR 1=1 --\"" << Ids{};
    QTest::newRow("injection in contains") << "fd.name contains \"') OR 1=1 --\"" << Ids{};
    QTest::newRow("quote is literal") << "fd.name == \"/tmp/it's\"" << Ids{8};
    QTest::newRow("contains quote") << "fd.name contains \"'\"" << Ids{8};
}

void TestEventQuery::selects()
{
    QFETCH(QString, text);
    QFETCH(std::vector<int64_t>, expected);
    QCOMPARE(ids(text), expected);
}

void TestEventQuery::eventsInIdOrder()
{
    auto compiled = compileFilter("proc.pid == 200 or fd.dport == 443");
    QVERIFY(compiled.ok());
    std::vector<Event> events;
    auto done = m_query->forEachMatching(*compiled, 3, [&](const Event &e) {
        events.push_back(e);
        return true;
    });
    QVERIFY(done.ok());
    QCOMPARE(events.size(), size_t(3)); // the limit
    QCOMPARE(events[0].id, 2);
    QCOMPARE(events[0].path, std::string("/etc/shadow"));
    QCOMPARE(events[0].ret, -13);
    QCOMPARE(events[1].id, 3);
    QCOMPARE(events[2].id, 6);
    QCOMPARE(events[2].raddr, std::string("93.184.216.34"));
    QCOMPARE(events[2].comm, std::string("curl"));
    // From an id on.
    events.clear();
    QVERIFY(m_query->forEachMatching(*compiled, -1, [&](const Event &e) {
        events.push_back(e);
        return true;
    }, 7).ok());
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[0].id, 7);
    QCOMPARE(events[1].id, 9);
}

void TestEventQuery::chunksAndCancel()
{
    auto all = compileFilter("");
    QVERIFY(all.ok());
    std::vector<std::vector<int64_t>> chunks;
    QVERIFY(m_query->matchingIds(*all, [&](const std::vector<int64_t> &chunk) {
        if (!chunk.empty())
            chunks.push_back(chunk);
        return true;
    }, 4).ok());
    QCOMPARE(chunks.size(), size_t(3));
    QCOMPARE(chunks[0], (std::vector<int64_t>{1, 2, 3, 4}));
    QCOMPARE(chunks[2], (std::vector<int64_t>{9}));
    chunks.clear();
    QVERIFY(m_query->matchingIds(*all, [&](const std::vector<int64_t> &chunk) {
        chunks.push_back(chunk);
        return false; // cancel
    }, 4).ok());
    QCOMPARE(chunks.size(), size_t(1));
}

void TestEventQuery::injectionLeavesFileUnchanged()
{
    const QByteArray before = fileHash(m_path);
    QVERIFY(!before.isEmpty());
    for (const char *text : {"fd.name == \"x'; DROP TABLE events; --\"",
                             "proc.name == \"a\\\"); DELETE FROM events; --\"",
                             "fd.name contains \"%' OR '1'='1\""}) {
        QCOMPARE(ids(text), std::vector<int64_t>{});
    }
    QCOMPARE(ids(""), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
    QCOMPARE(fileHash(m_path), before);
    QVERIFY(!QFile::exists(m_path + "-journal"));
    QVERIFY(!QFile::exists(m_path + "-wal"));
}

void TestEventQuery::pidFilterUsesIndex()
{
    // proc.pid == N maps the pid to process rows first, then reads events by the
    // events_by_proc index (no scan of the events table).
    auto compiled = compileFilter("proc.pid == 200");
    QVERIFY(compiled.ok());
    sqlite3 *db = nullptr;
    QCOMPARE(sqlite3_open_v2(m_path.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    const std::string sql = "EXPLAIN QUERY PLAN SELECT e.id FROM events e WHERE e.id >= 1 AND (" +
                            compiled->whereSql + ") ORDER BY e.id";
    sqlite3_stmt *st = nullptr;
    QCOMPARE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
    QString plan;
    while (sqlite3_step(st) == SQLITE_ROW)
        plan += QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(st, 3))) + "\n";
    sqlite3_finalize(st);
    sqlite3_close(db);
    QVERIFY2(plan.contains("events_by_proc"), qPrintable(plan));
}

QTEST_GUILESS_MAIN(TestEventQuery)
#include "tst_event_query.moc"
