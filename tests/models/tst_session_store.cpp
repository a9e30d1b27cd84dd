// Session store: what an investigator relies on when a session file is carried
// to another machine and opened years later.
#include "session_reader.h"
#include "session_writer.h"

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

namespace {

constexpr uint64_t kBoot = 5'000'000'000'000ull; // boot ns at capture start

SessionMeta sampleMeta()
{
    SessionMeta meta;
    meta.toolVersion = "0.1.0-test";
    meta.host = "lab-host";
    meta.kernel = "6.1.0-test";
    meta.bootId = "8a7f0c5e-1111-2222-3333-444455556666";
    meta.bootToEpochNs = 1'700'000'000'000'000'000ll;
    meta.captureStartNs = kBoot;
    meta.captureConfig = R"({"syscalls":["execve","openat"],"exclude_tgid":42})";
    return meta;
}

Event makeEvent(uint32_t pid, uint64_t start, const char *comm, const char *syscall, uint64_t ts)
{
    Event e;
    e.pid = pid;
    e.tid = pid;
    e.ppid = 1;
    e.uid = 1000;
    e.euid = 1000;
    e.gid = 1000;
    e.nsPid = pid;
    e.procStartNs = start;
    e.comm = comm;
    e.syscall = syscall;
    e.tsNs = ts;
    e.lastTsNs = ts;
    return e;
}

// Two batches covering every field: exec argv, rename, sockets (v4, v6), coalesced
// I/O, threads, a comm change, reparenting, a uid change, odd bytes in a path, losses.
std::vector<CaptureBatch> sampleBatches()
{
    CaptureBatch first;
    ProcessInfo shell;
    shell.pid = 100;
    shell.startNs = kBoot + 10;
    shell.ppid = 1;
    shell.parentStartNs = 7;
    shell.uid = 1000;
    shell.comm = "bash";
    shell.exe = "/usr/bin/bash";
    shell.argv = {"bash", "-c", "run it"};
    first.processes.push_back(shell);
    ProcessInfo child;
    child.pid = 200;
    child.startNs = kBoot + 100;
    child.ppid = 100;
    child.parentStartNs = shell.startNs;
    child.uid = 1000;
    child.comm = "bash";
    first.processes.push_back(child);

    Event exec = makeEvent(200, child.startNs, "cat", "execve", kBoot + 200);
    exec.ppid = 100;
    exec.path = "/usr/bin/cat";
    exec.argv = {"cat", "", "a b\tc", "ünïcode"};
    exec.fd = -1;
    first.events.push_back(exec);
    Event open = makeEvent(200, child.startNs, "cat", "openat", kBoot + 300);
    open.ppid = 100;
    open.path = "/home/user/very/deep/path";
    open.pathTruncated = true;
    open.fd = 3;
    open.ret = 3;
    open.flags = 0x241;
    open.mode = 0644;
    first.events.push_back(open);
    Event read = makeEvent(200, child.startNs, "cat", "read", kBoot + 400);
    read.ppid = 100;
    read.path = "/home/user/very/deep/path";
    read.fd = 3;
    read.ret = 4096;
    read.count = 5;
    read.bytes = 20480;
    read.lastTsNs = kBoot + 900;
    first.events.push_back(read);
    Event failed = makeEvent(100, shell.startNs, "bash", "openat", kBoot + 500);
    failed.path = "/etc/shadow";
    failed.ret = -13;
    failed.fd = -1;
    first.events.push_back(failed);
    Event thread = makeEvent(100, shell.startNs, "bash", "write", kBoot + 600);
    thread.tid = 101;
    thread.fd = 1;
    thread.ret = 12;
    thread.bytes = 12;
    thread.path = "/dev/pts/0";
    first.events.push_back(thread);
    first.losses.push_back({kBoot + 610, kBoot + 620, 1, 17, "kernel-ringbuf"});

    CaptureBatch second;
    ProcessInfo childExec = child; // exec then exit: fills in exe, argv, exit
    childExec.comm = "cat";
    childExec.exe = "/usr/bin/cat";
    childExec.argv = exec.argv;
    childExec.exitTsNs = kBoot + 5000;
    childExec.exitCode = 256;
    second.processes.push_back(childExec);
    ProcessInfo reused; // pid 200 again later: a different process instance
    reused.pid = 200;
    reused.startNs = kBoot + 9000;
    reused.ppid = 100;
    reused.uid = 0;
    reused.comm = "sshd";
    second.processes.push_back(reused);

    Event rename = makeEvent(100, shell.startNs, "bash", "renameat2", kBoot + 1000);
    rename.path = "/tmp/a.txt";
    rename.path2 = "/tmp/b \"quoted\".txt";
    rename.flags = 1;
    rename.fd = -1;
    second.events.push_back(rename);
    Event connect = makeEvent(100, shell.startNs, "bash", "connect", kBoot + 1100);
    connect.fd = 4;
    connect.laddr = "127.0.0.1";
    connect.lport = 40000;
    connect.raddr = "127.0.0.1";
    connect.rport = 8080;
    second.events.push_back(connect);
    Event send = connect;
    send.syscall = "sendto";
    send.tsNs = send.lastTsNs = kBoot + 1200;
    send.bytes = 77;
    send.ret = 77;
    second.events.push_back(send);
    Event accept = makeEvent(200, reused.startNs, "sshd", "accept4", kBoot + 9100);
    accept.uid = 0;
    accept.ppid = 100;
    accept.fd = 5;
    accept.ret = 5;
    accept.laddr = "::1";
    accept.lport = 22;
    accept.raddr = "fe80::1";
    accept.rport = 51234;
    accept.flags = 0x80800;
    second.events.push_back(accept);
    Event setuid = makeEvent(200, reused.startNs, "sshd-session", "openat", kBoot + 9200);
    setuid.uid = 1000;  // differs from the process row
    setuid.ppid = 1;    // reparented to init
    setuid.path = std::string("/tmp/odd\x01\xff name");
    setuid.fd = 6;
    setuid.ret = 6;
    second.events.push_back(setuid);
    Event unknownProcess = makeEvent(300, kBoot + 50, "", "close", kBoot + 9300);
    unknownProcess.fd = 6;
    unknownProcess.uid = 0;
    unknownProcess.ppid = 0;
    unknownProcess.euid = 0;
    second.events.push_back(unknownProcess);
    // 1.1 fields, each away from its default once, and back.
    ProcessInfo container; // pid 400 is pid 7 inside its own namespaces
    container.pid = 400;
    container.startNs = kBoot + 9400;
    container.ppid = 100;
    container.uid = 0;
    container.comm = "nginx";
    container.mntNs = 4026532300u;
    container.pidNs = 4026532301u;
    container.nsPid = 7;
    container.cgroupId = 0x1234567890ull;
    second.processes.push_back(container);
    Event suid = makeEvent(400, container.startNs, "nginx", "setresuid", kBoot + 9410);
    suid.uid = 0;
    suid.euid = 33;            // differs from uid
    suid.gid = 33;
    suid.nsPid = 7;
    suid.cgroupId = container.cgroupId;
    suid.aux1 = 33;
    suid.aux2 = 0xFFFFFFFFFFFFFFFFull; // -1 as passed: "unchanged"
    second.events.push_back(suid);
    Event dup = suid;          // same identity as the process's first event
    dup.euid = 0;
    dup.gid = 33;
    dup.syscall = "dup2";
    dup.tsNs = dup.lastTsNs = kBoot + 9420;
    dup.fd = 3;
    dup.fd2 = 1;
    dup.ret = 1;
    dup.aux1 = dup.aux2 = 0;
    second.events.push_back(dup);
    Event moved = dup;         // moved to another cgroup, a thread with another ns pid
    moved.syscall = "pipe2";
    moved.tsNs = moved.lastTsNs = kBoot + 9430;
    moved.tid = 401;
    moved.nsPid = 8;
    moved.gid = 0;
    moved.cgroupId = 0x1234567891ull;
    moved.fd = 0;
    moved.fd2 = 0;             // 0 is a real fd, not "none"
    moved.ret = 0;
    second.events.push_back(moved);
    second.losses.push_back({kBoot + 9400, kBoot + 9500, -1, 3, "user-queue"});
    return {first, second};
}

void compareEvent(const Event &got, const Event &want)
{
    QCOMPARE(got.id, want.id);
    QCOMPARE(got.tsNs, want.tsNs);
    QCOMPARE(got.lastTsNs, want.lastTsNs);
    QCOMPARE(got.pid, want.pid);
    QCOMPARE(got.tid, want.tid);
    QCOMPARE(got.ppid, want.ppid);
    QCOMPARE(got.uid, want.uid);
    QCOMPARE(got.procStartNs, want.procStartNs);
    QCOMPARE(got.comm, want.comm);
    QCOMPARE(got.syscall, want.syscall);
    QCOMPARE(got.ret, want.ret);
    QCOMPARE(got.fd, want.fd);
    QCOMPARE(got.path, want.path);
    QCOMPARE(got.path2, want.path2);
    QCOMPARE(got.pathTruncated, want.pathTruncated);
    QCOMPARE(got.laddr, want.laddr);
    QCOMPARE(got.lport, want.lport);
    QCOMPARE(got.raddr, want.raddr);
    QCOMPARE(got.rport, want.rport);
    QCOMPARE(got.flags, want.flags);
    QCOMPARE(got.mode, want.mode);
    QCOMPARE(got.count, want.count);
    QCOMPARE(got.bytes, want.bytes);
    QCOMPARE(got.argv, want.argv);
    QCOMPARE(got.euid, want.euid);
    QCOMPARE(got.gid, want.gid);
    QCOMPARE(got.nsPid, want.nsPid);
    QCOMPARE(got.cgroupId, want.cgroupId);
    QCOMPARE(got.fd2, want.fd2);
    QCOMPARE(got.aux1, want.aux1);
    QCOMPARE(got.aux2, want.aux2);
}

QByteArray sha256(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
}

QStringList listing(const QString &dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::System, QDir::Name);
}

// Writes the sample batches into path and finishes; returns the events as stored.
std::vector<Event> writeSample(const std::string &path)
{
    std::vector<Event> written;
    auto writer = SessionWriter::create(path, sampleMeta());
    if (!writer) {
        qWarning("%s", writer.error().c_str());
        return written;
    }
    for (CaptureBatch &batch : sampleBatches()) {
        if (auto done = (*writer)->append(batch); !done) {
            qWarning("%s", done.error().c_str());
            return {};
        }
        written.insert(written.end(), batch.events.begin(), batch.events.end());
    }
    if (auto done = (*writer)->finish(kBoot + 10000); !done) {
        qWarning("%s", done.error().c_str());
        return {};
    }
    return written;
}

bool execSql(const QString &path, const char *sql)
{
    sqlite3 *db = nullptr;
    bool ok = sqlite3_open(path.toLocal8Bit().constData(), &db) == SQLITE_OK &&
              sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

} // namespace

class TestSessionStore : public QObject {
    Q_OBJECT

private slots:
    void roundTrip();
    void filters();
    void versionCheck_data();
    void versionCheck();
    void rejectsForeignFiles_data();
    void rejectsForeignFiles();
    void writerRefusesExistingFileAndSymlink();
    void finishedSessionOpensReadOnly();
    void liveSessionFollowsGrowth();
    void awkwardPaths_data();
    void awkwardPaths();
    void bytesPerEvent();
    void lossesArePlaced();
    void opensFormat10();
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
    QCOMPARE(r.meta().formatVersion, std::string("1.1"));
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

void TestSessionStore::lossesArePlaced()
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

void TestSessionStore::opensFormat10()
{
    // A session written by the 1.0 writer (its schema verbatim): opens, its values
    // read back, the 1.1 fields take their defaults, losses are placed by time.
    QTemporaryDir dir;
    const QString path = dir.filePath("old.provscope");
    const QByteArray sql = QByteArray("PRAGMA application_id = ") + QByteArray::number(kSessionApplicationId) +
                           ";" + schema::createStatements10() + R"sql(
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

void TestSessionStore::versionCheck_data()
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

void TestSessionStore::versionCheck()
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

void TestSessionStore::bytesPerEvent()
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
        if (i % 6 < 4)
            e.path = "/var/lib/app/data-" + std::to_string(i % 300) + ".db";
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
    QVERIFY2(perEvent <= 64.0, qPrintable(QString::number(perEvent)));
}

QTEST_GUILESS_MAIN(TestSessionStore)
#include "tst_session_store.moc"
