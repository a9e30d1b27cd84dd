// BackTrack-compatible export: a real session (SessionWriter) exported with the
// real exporter and compared with BackTrack's documented example lines
// (tests/fixtures/backtrack, copied from BackTrack's README).
#include "../ui/session_fixture.h"

#include "backtrack_export.h"
#include "backtrack_log_writer.h"
#include "backtrack_syscall_map.h"
#include "session_reader.h"
#include "session_writer.h"
#include "syscall_names.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/syscall.h>

using namespace provscope;

namespace {

constexpr uint32_t kSedPid = 31136;
constexpr uint64_t kSedStart = 7000000000ULL;
constexpr uint64_t kExecNs = 9000000000ULL;              // boot ns of the execve
constexpr int64_t kExecEpochUs = 1746787902665785LL;     // BackTrack's example Timestamp
constexpr int64_t kBootToEpoch = kExecEpochUs * 1000 - int64_t(kExecNs);

QList<QJsonObject> readLines(const QString &path)
{
    QList<QJsonObject> lines;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return lines;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.isEmpty())
            continue;
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (!doc.isObject()) {
            qWarning("not a JSON object: %s (%s)", line.constData(), qPrintable(error.errorString()));
            return {};
        }
        lines.append(doc.object());
    }
    return lines;
}

// From ctest (PROVSCOPE_SOURCE_DIR) or run by hand (beside this source file).
QString fixture(const QString &name)
{
    const QString source = qEnvironmentVariable("PROVSCOPE_SOURCE_DIR");
    const QString dir = source.isEmpty() ? QFileInfo(QStringLiteral(__FILE__)).absolutePath() + "/../fixtures/backtrack"
                                         : source + "/tests/fixtures/backtrack";
    if (!QFileInfo::exists(dir + "/" + name))
        qWarning("BackTrack fixture missing: %s", qPrintable(dir + "/" + name));
    return dir + "/" + name;
}

// key -> JSON type, the shape consumers rely on.
QMap<QString, QJsonValue::Type> shape(const QJsonObject &object)
{
    QMap<QString, QJsonValue::Type> out;
    for (auto it = object.begin(); it != object.end(); ++it)
        out.insert(it.key(), it.value().type());
    return out;
}

QJsonObject withoutUuids(QJsonObject object)
{
    object.remove("UUID");
    object.remove("FromUUID");
    object.remove("ToUUID");
    return object;
}

// The session behind BackTrack's example: sed (pid 31136) execs /usr/bin/sed and
// opens /etc/ld.so.cache with O_RDONLY|O_CLOEXEC relative to AT_FDCWD.
QString writeSedSession(const QString &path)
{
    SessionMeta meta;
    meta.toolVersion = "test";
    meta.bootId = "8f2c1d9e-0000-4000-8000-000000000042";
    meta.bootToEpochNs = kBootToEpoch;
    meta.captureStartNs = kExecNs - 1000;
    meta.captureConfig = "{}";
    auto writer = SessionWriter::create(path.toStdString(), meta);
    if (!writer)
        return QString::fromStdString(writer.error());
    CaptureBatch batch;
    ProcessInfo sed;
    sed.pid = kSedPid;
    sed.startNs = kSedStart;
    sed.ppid = 31000;
    sed.comm = "sed";
    sed.exe = "/usr/bin/sed";
    batch.processes = {sed};
    Event exec;
    exec.tsNs = exec.lastTsNs = kExecNs;
    exec.pid = exec.tid = kSedPid;
    exec.ppid = 31000;
    exec.procStartNs = kSedStart;
    exec.comm = "sed";
    exec.syscall = "execve";
    exec.ret = 0;
    exec.path = "/usr/bin/sed";
    exec.argv = {"sed", "-n", "1p"};
    Event open = exec;
    open.argv.clear();
    open.tsNs = open.lastTsNs = kExecNs + 85000; // 1746787902665870 us
    open.syscall = "openat";
    open.ret = 3;
    open.fd = 3;
    open.path = "/etc/ld.so.cache";
    open.flags = O_RDONLY | O_CLOEXEC;
    open.mode = 0;
    batch.events = {exec, open};
    if (auto appended = writer.value()->append(batch); !appended)
        return QString::fromStdString(appended.error());
    if (auto finished = writer.value()->finish(kExecNs + 100000); !finished)
        return QString::fromStdString(finished.error());
    return {};
}

} // namespace

class TestBacktrackExport : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void rawLinesEqualBacktrackExamples();
    void trackerLinesHaveBacktrackShape();
    void nodesComeBeforeTheirEdges();
    void exportIsDeterministic();
    void edgesFollowInformationFlow_data();
    void edgesFollowInformationFlow();
    void failedCallsMakeNoEdge();
    void coalescedEventIsOneLineWithCountAndBytes();
    void syscallIdsAreX86_64Numbers();
    void openFlagsAsBacktrackWritesThem_data();
    void openFlagsAsBacktrackWritesThem();
    void missingDirectoryIsCreated();
    void existingLogsAreRefusedAndKept();
    void symlinkDirectoryIsRefused();

private:
    QString exportTo(const QString &session, const QString &dir);

    QTemporaryDir m_tmp;
    QString m_sedSession;
    QString m_fixtureSession;
    QList<QJsonObject> m_sedRaw, m_sedTracker;
    QList<QJsonObject> m_fixtureTracker, m_fixtureRaw;
};

QString TestBacktrackExport::exportTo(const QString &session, const QString &dir)
{
    auto reader = SessionReader::open(session.toStdString());
    if (!reader)
        return QString::fromStdString(reader.error());
    auto exported = exportBacktrackJsonl(**reader, dir.toStdString());
    return exported ? QString() : QString::fromStdString(exported.error());
}

void TestBacktrackExport::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_sedSession = m_tmp.filePath("sed.provscope");
    const QString written = writeSedSession(m_sedSession);
    QVERIFY2(written.isEmpty(), qPrintable(written));
    const QString out = exportTo(m_sedSession, m_tmp.filePath("sed"));
    QVERIFY2(out.isEmpty(), qPrintable(out));
    m_sedRaw = readLines(m_tmp.filePath("sed/raw_syscalls.jsonl"));
    m_sedTracker = readLines(m_tmp.filePath("sed/tracker.jsonl"));

    m_fixtureSession = m_tmp.filePath("fixture.provscope");
    const QString fixtureWritten = test::writeFixtureSession(m_fixtureSession);
    QVERIFY2(fixtureWritten.isEmpty(), qPrintable(fixtureWritten));
    const QString fixtureOut = exportTo(m_fixtureSession, m_tmp.filePath("fixture"));
    QVERIFY2(fixtureOut.isEmpty(), qPrintable(fixtureOut));
    m_fixtureRaw = readLines(m_tmp.filePath("fixture/raw_syscalls.jsonl"));
    m_fixtureTracker = readLines(m_tmp.filePath("fixture/tracker.jsonl"));
}

void TestBacktrackExport::rawLinesEqualBacktrackExamples()
{
    const QList<QJsonObject> expected = readLines(fixture("raw_syscalls.jsonl"));
    QCOMPARE(expected.size(), 2);
    QCOMPARE(m_sedRaw.size(), expected.size());
    for (int i = 0; i < expected.size(); ++i) {
        // Same keys with the same JSON types (SyscallID a string, Timestamp an
        // integer, Arguments an object with the same keys) ...
        QCOMPARE(shape(m_sedRaw[i]), shape(expected[i]));
        QCOMPARE(shape(m_sedRaw[i]["Arguments"].toObject()), shape(expected[i]["Arguments"].toObject()));
        // ... and, for the same syscalls by the same process, the same values.
        QCOMPARE(m_sedRaw[i], expected[i]);
    }
}

void TestBacktrackExport::trackerLinesHaveBacktrackShape()
{
    const QList<QJsonObject> expected = readLines(fixture("tracker.jsonl"));
    QCOMPARE(expected.size(), 3);
    const QJsonObject expectedNode = expected[0];
    QList<QJsonObject> expectedEdges = {expected[1], expected[2]};

    QList<QJsonObject> nodes, edges;
    for (const QJsonObject &line : m_sedTracker)
        (line["LogType"].toString() == "node" ? nodes : edges).append(line);
    QVERIFY(!nodes.isEmpty());
    for (const QJsonObject &node : nodes)
        QCOMPARE(shape(node), shape(expectedNode));
    // The process node is BackTrack's, but for the UUID (ours, deterministic).
    const auto process = std::find_if(nodes.begin(), nodes.end(),
                                      [](const QJsonObject &n) { return n["NodeType"] == "process"; });
    QVERIFY(process != nodes.end());
    QCOMPARE(withoutUuids(*process), withoutUuids(expectedNode));
    QVERIFY((*process)["UUID"].toString().endsWith("-000000031136"));

    QCOMPARE(edges.size(), expectedEdges.size());
    for (int i = 0; i < edges.size(); ++i) {
        QCOMPARE(shape(edges[i]), shape(expectedEdges[i]));
        QCOMPARE(withoutUuids(edges[i]), withoutUuids(expectedEdges[i]));
        // file -> process, as in BackTrack's example
        QCOMPARE(edges[i]["ToUUID"], (*process)["UUID"]);
    }
}

void TestBacktrackExport::nodesComeBeforeTheirEdges()
{
    for (const QList<QJsonObject> *log : {&m_sedTracker, &m_fixtureTracker}) {
        QSet<QString> seen;
        int edges = 0;
        for (const QJsonObject &line : *log) {
            if (line["LogType"] == "node") {
                seen.insert(line["UUID"].toString());
                continue;
            }
            QCOMPARE(line["LogType"].toString(), QString("edge"));
            ++edges;
            QVERIFY2(seen.contains(line["FromUUID"].toString()), "an edge names a node not yet written");
            QVERIFY2(seen.contains(line["ToUUID"].toString()), "an edge names a node not yet written");
        }
        QVERIFY(edges > 0);
    }
}

void TestBacktrackExport::exportIsDeterministic()
{
    const QString second = exportTo(m_fixtureSession, m_tmp.filePath("fixture-again"));
    QVERIFY2(second.isEmpty(), qPrintable(second));
    for (const QString name : {"raw_syscalls.jsonl", "tracker.jsonl"}) {
        QFile a(m_tmp.filePath("fixture/" + name)), b(m_tmp.filePath("fixture-again/" + name));
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        const QByteArray first = a.readAll();
        QVERIFY(!first.isEmpty());
        QCOMPARE(first, b.readAll());
    }
}

void TestBacktrackExport::edgesFollowInformationFlow_data()
{
    QTest::addColumn<QString>("event");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    // NodeName of each end: processes by name, files by path, sockets by endpoints.
    QTest::newRow("clone: parent -> child") << "CLONE" << "bash" << "bash";
    QTest::newRow("exec: file -> process") << "EXECVE" << "/usr/bin/python3" << "python3";
    QTest::newRow("open for reading: file -> process") << "OPEN" << "/tmp/work/input.txt" << "python3";
    QTest::newRow("read: file -> process") << "READ" << "/tmp/work/input.txt" << "python3";
    QTest::newRow("open O_WRONLY: process -> file") << "OPEN" << "python3" << "/tmp/work/out.tmp";
    QTest::newRow("write: process -> file") << "WRITE" << "python3" << "/tmp/work/out.tmp";
    QTest::newRow("rename: old -> new") << "RENAME" << "/tmp/work/out.tmp" << "/tmp/work/out.txt";
    QTest::newRow("connect: process -> socket") << "CONNECT" << "python3" << "127.0.0.1:40000->127.0.0.1:8080";
}

void TestBacktrackExport::edgesFollowInformationFlow()
{
    QFETCH(QString, event);
    QFETCH(QString, from);
    QFETCH(QString, to);
    QMap<QString, QString> nameOf; // UUID -> last NodeName written
    QStringList found;
    for (const QJsonObject &line : m_fixtureTracker) {
        if (line["LogType"] == "node") {
            nameOf[line["UUID"].toString()] = line["NodeName"].toString();
            continue;
        }
        if (line["EventName"].toString() != event)
            continue;
        QCOMPARE(line["FromName"].toString(), nameOf[line["FromUUID"].toString()]);
        found << nameOf[line["FromUUID"].toString()] + " => " + nameOf[line["ToUUID"].toString()];
    }
    QVERIFY2(found.contains(from + " => " + to), qPrintable(found.join("; ")));
}

void TestBacktrackExport::failedCallsMakeNoEdge()
{
    // The fixture's failed openat of /tmp/work/missing.cfg: a raw line, no edge.
    bool raw = false;
    for (const QJsonObject &line : m_fixtureRaw) {
        if (line["Arguments"].toObject()["Pathname"] == "/tmp/work/missing.cfg") {
            raw = true;
            QCOMPARE(line["ReturnValue"].toInteger(), -2);
            QCOMPARE(line["EventName"].toString(), QString("OPEN_FILE"));
        }
    }
    QVERIFY(raw);
    for (const QJsonObject &line : m_fixtureTracker)
        QVERIFY(line["FromName"] != "/tmp/work/missing.cfg" && line["NodeName"] != "/tmp/work/missing.cfg");
}

void TestBacktrackExport::coalescedEventIsOneLineWithCountAndBytes()
{
    int writes = 0;
    for (const QJsonObject &line : m_fixtureRaw) {
        if (line["EventName"] != "WRITE")
            continue;
        ++writes;
        const QJsonObject args = line["Arguments"].toObject();
        QCOMPARE(args["Count"].type(), QJsonValue::Double);
        QCOMPARE(args["Count"].toInteger(), 3);
        QCOMPARE(args["Bytes"].toInteger(), 600);
        QCOMPARE(args["FD"].toInteger(), 4);
        QCOMPARE(args["Pathname"].toString(), QString("/tmp/work/out.tmp"));
    }
    QCOMPARE(writes, 1); // three syscalls, one line
    // A single syscall has no Count/Bytes: ReturnValue says it.
    for (const QJsonObject &line : m_fixtureRaw) {
        if (line["EventName"] == "READ")
            QVERIFY(!line["Arguments"].toObject().contains("Count"));
    }
}

void TestBacktrackExport::syscallIdsAreX86_64Numbers()
{
#if !defined(__x86_64__)
    QSKIP("BackTrack's SyscallID values are x86_64 numbers; this build cannot check them against <sys/syscall.h>");
#else
    const QMap<QString, long> reference = {
        {"read", SYS_read}, {"write", SYS_write}, {"open", SYS_open}, {"openat", SYS_openat},
        {"execve", SYS_execve}, {"execveat", SYS_execveat}, {"clone", SYS_clone}, {"clone3", SYS_clone3},
        {"connect", SYS_connect}, {"accept4", SYS_accept4}, {"rename", SYS_rename},
        {"renameat2", SYS_renameat2}, {"unlinkat", SYS_unlinkat}, {"sendmmsg", SYS_sendmmsg},
        {"recvmmsg", SYS_recvmmsg}, {"close_range", SYS_close_range}, {"openat2", SYS_openat2},
        {"memfd_create", SYS_memfd_create}, {"copy_file_range", SYS_copy_file_range},
        {"process_vm_writev", SYS_process_vm_writev}, {"finit_module", SYS_finit_module},
        {"mq_timedreceive", SYS_mq_timedreceive}, {"pwritev2", SYS_pwritev2}, {"tgkill", SYS_tgkill},
        {"setresgid", SYS_setresgid}, {"mknodat", SYS_mknodat}, {"shmdt", SYS_shmdt}, {"exit", SYS_exit},
        {"exit_group", SYS_exit_group}, {"splice", SYS_splice}, {"fchownat", SYS_fchownat},
    };
    size_t count = 0;
    const BacktrackSyscall *table = backtrackSyscallTable(count);
    // Every syscall kind we record has its BackTrack name and number.
    for (uint32_t kind = 1; kind < syscallKindCount(); ++kind)
        QVERIFY2(findBacktrackSyscall(syscallName(kind)), std::string(syscallName(kind)).c_str());
    QCOMPARE(count, size_t(syscallKindCount() - 1));
    for (auto it = reference.begin(); it != reference.end(); ++it) {
        const BacktrackSyscall *entry = findBacktrackSyscall(it.key().toStdString());
        QVERIFY2(entry, qPrintable(it.key()));
        QCOMPARE(entry->number, int(it.value()));
    }
    // Every syscall is a distinct number; the rest (snapshot records) are -1.
    QSet<int> numbers;
    size_t syscalls = 0;
    for (size_t i = 0; i < count; ++i) {
        if (table[i].number < 0)
            continue;
        ++syscalls;
        numbers.insert(table[i].number);
    }
    QCOMPARE(size_t(numbers.size()), syscalls);
    QVERIFY(syscalls >= 100);
#endif
}

void TestBacktrackExport::openFlagsAsBacktrackWritesThem_data()
{
    QTest::addColumn<uint>("flags");
    QTest::addColumn<QString>("text");
    QTest::newRow("BackTrack's example") << uint(O_RDONLY | O_CLOEXEC) << "O_RDONLY O_CLOEXEC ";
    QTest::newRow("create for writing") << uint(O_WRONLY | O_CREAT | O_TRUNC) << "O_WRONLY O_CREAT O_TRUNC ";
    QTest::newRow("read-write append") << uint(O_RDWR | O_APPEND | O_NONBLOCK) << "O_RDWR O_APPEND O_NONBLOCK ";
    QTest::newRow("O_SYNC is not also O_DSYNC") << uint(O_WRONLY | O_SYNC) << "O_WRONLY O_SYNC ";
    QTest::newRow("O_TMPFILE is not also O_DIRECTORY") << uint(O_RDWR | O_TMPFILE) << "O_RDWR O_TMPFILE ";
    QTest::newRow("directory") << uint(O_RDONLY | O_DIRECTORY | O_NOFOLLOW) << "O_RDONLY O_DIRECTORY O_NOFOLLOW ";
    QTest::newRow("unknown bit") << uint(O_RDONLY | 0x40000000) << "O_RDONLY 0x40000000 ";
}

void TestBacktrackExport::openFlagsAsBacktrackWritesThem()
{
    QFETCH(uint, flags);
    QFETCH(QString, text);
    QCOMPARE(QString::fromStdString(backtrackOpenFlags(flags)), text);
}

void TestBacktrackExport::missingDirectoryIsCreated()
{
    const QString dir = m_tmp.filePath("new/");
    QVERIFY(!QFileInfo::exists(dir));
    const QString out = exportTo(m_sedSession, dir);
    QVERIFY2(out.isEmpty(), qPrintable(out));
    QVERIFY(QFileInfo(dir).isDir());
    QCOMPARE(QDir(dir).entryList(QDir::Files | QDir::Hidden),
             QStringList({"raw_syscalls.jsonl", "tracker.jsonl"})); // no temporary files left
}

void TestBacktrackExport::existingLogsAreRefusedAndKept()
{
    for (const QString name : {"raw_syscalls.jsonl", "tracker.jsonl"}) {
        const QString dir = m_tmp.filePath("existing-" + name);
        QVERIFY(QDir().mkpath(dir));
        QFile old(dir + "/" + name);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("keep me\n");
        old.close();
        const QString out = exportTo(m_sedSession, dir);
        QVERIFY2(out.contains("already exists"), qPrintable(out));
        QVERIFY2(out.contains(name), qPrintable(out));
        QCOMPARE(QDir(dir).entryList(QDir::Files | QDir::Hidden), QStringList({name})); // nothing added
        QVERIFY(old.open(QIODevice::ReadOnly));
        QCOMPARE(old.readAll(), QByteArray("keep me\n"));
    }
}

void TestBacktrackExport::symlinkDirectoryIsRefused()
{
    const QString real = m_tmp.filePath("real");
    const QString link = m_tmp.filePath("link");
    QVERIFY(QDir().mkpath(real));
    QVERIFY(QFile::link(real, link));
    const QString out = exportTo(m_sedSession, link);
    QVERIFY2(out.contains("symlink"), qPrintable(out));
    QVERIFY(QDir(real).isEmpty());
}

QTEST_GUILESS_MAIN(TestBacktrackExport)
#include "tst_backtrack_export.moc"
