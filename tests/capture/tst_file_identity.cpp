// Live eBPF capture of file identity: a child opens a file, writes, renames it,
// writes through the old fd and through the new name, then creates a new file at
// the old name and execs /bin/true. Every event on the renamed file must carry the
// (dev, ino) stat() reports for it, the new file another one, the exec its image's;
// a session written from the capture keeps one file_ids row per (file, identity)
// change. Both with I/O coalescing (identity from the open, via the fd table) and
// raw (every write describes its fd). Needs root and a BTF kernel; skips loudly.
#include "evidence_digest.h"
#include "kernel_capture.h"
#include "session_clock.h"
#include "session_reader.h"
#include "session_writer.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <tuple>
#include <vector>

using namespace provscope;

namespace {

struct Identity {
    uint64_t dev = 0, ino = 0;
    bool operator==(const Identity &) const = default;
};

Identity statOf(const QString &path)
{
    struct stat st {};
    if (::stat(path.toLocal8Bit().constData(), &st) != 0)
        return {};
    return Identity{uint64_t(st.st_dev), uint64_t(st.st_ino)};
}

Identity idOf(const Event &e)
{
    return Identity{e.dev, e.ino};
}

Identity idOf(const FileIdentity &id)
{
    return Identity{id.dev, id.ino};
}

QByteArray text(const Event &e)
{
    return QByteArray::fromStdString(e.syscall + " fd " + std::to_string(e.fd) + " " + e.path + " dev " +
                                     std::to_string(e.dev) + " ino " + std::to_string(e.ino));
}

// The child: only raw syscalls between fork and exec.
[[noreturn]] void childScript(const char *a, const char *b, const char *exe)
{
    int fd = ::open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || ::write(fd, "1", 1) != 1)
        _exit(10);
    if (::rename(a, b) != 0)
        _exit(11);
    if (::write(fd, "2", 1) != 1) // through the fd opened under the old name
        _exit(12);
    int fd2 = ::open(b, O_WRONLY | O_APPEND);
    if (fd2 < 0 || ::write(fd2, "3", 1) != 1) // through the new name
        _exit(13);
    ::close(fd2);
    ::close(fd);
    int fd3 = ::open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644); // a new file at the old name
    if (fd3 < 0 || ::write(fd3, "4", 1) != 1)
        _exit(14);
    ::close(fd3);
    ::execl(exe, "true", static_cast<char *>(nullptr));
    _exit(15);
}

} // namespace

class TestFileIdentity : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void eventsCarryStatIdentity_data();
    void eventsCarryStatIdentity();
    void execCarriesImageIdentity_data();
    void execCarriesImageIdentity();
    void sessionKeepsOneRowPerChange_data();
    void sessionKeepsOneRowPerChange();

private:
    struct Run {
        std::vector<Event> events; // the child's
        std::vector<ProcessInfo> processes;
        QString a, b;
        Identity renamed, fresh; // stat() of the renamed file and of the new one
    };
    bool capture(bool raw, Run &run);
    void addModes();
    const Run &current() const;

    QTemporaryDir m_dir;
    Run m_runs[2]; // coalesced, raw
    QString m_exe;
};

void TestFileIdentity::initTestCase()
{
    if (geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: tst_file_identity must run as root to load eBPF programs");
    if (!QFileInfo::exists("/sys/kernel/btf/vmlinux"))
        QSKIP("LIVE CAPTURE NOT TESTED: this kernel has no BTF (/sys/kernel/btf/vmlinux missing)");
    QVERIFY(m_dir.isValid());
    m_exe = QFileInfo("/bin/true").canonicalFilePath();
    QVERIFY(!m_exe.isEmpty());
    QVERIFY(capture(false, m_runs[0]));
    QVERIFY(capture(true, m_runs[1]));
}

bool TestFileIdentity::capture(bool raw, Run &run)
{
    const QString sub = raw ? "raw" : "coalesced";
    if (!QDir(m_dir.path()).mkpath(sub))
        return false;
    run.a = m_dir.filePath(sub + "/a.txt");
    run.b = m_dir.filePath(sub + "/b.txt");
    KernelCaptureOptions options;
    options.excludeTgid = uint32_t(getpid());
    options.raw = raw;
    options.startupSnapshot = false;
    auto started = KernelCapture::start(options);
    if (!started) {
        qWarning("cannot start the capture: %s", started.error().c_str());
        return false;
    }
    std::unique_ptr<KernelCapture> capture = std::move(started.value());
    std::vector<Event> all;
    std::vector<ProcessInfo> processes;
    auto handler = [&](CaptureBatch &&batch) {
        for (Event &ev : batch.events)
            all.push_back(std::move(ev));
        for (ProcessInfo &p : batch.processes)
            processes.push_back(std::move(p));
    };

    const QByteArray a = run.a.toLocal8Bit(), b = run.b.toLocal8Bit(), exe = m_exe.toLocal8Bit();
    const pid_t child = fork();
    if (child < 0)
        return false;
    if (child == 0)
        childScript(a.constData(), b.constData(), exe.constData());
    int status = 0;
    for (int i = 0; i < 400 && waitpid(child, &status, WNOHANG) == 0; ++i) {
        if (!capture->poll(25, handler))
            return false;
    }
    for (int i = 0; i < 5; ++i) // the last records may still be in flight
        if (!capture->poll(50, handler))
            return false;
    if (!capture->stop(handler))
        return false;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        qWarning("the child failed: status %d", status);
        return false;
    }
    for (Event &ev : all)
        if (ev.pid == uint32_t(child))
            run.events.push_back(std::move(ev));
    for (ProcessInfo &p : processes)
        if (p.pid == uint32_t(child))
            run.processes.push_back(std::move(p));
    run.renamed = statOf(run.b);
    run.fresh = statOf(run.a);
    qInfo("%s: %zu events of the child; %s is dev %llu ino %llu, %s is ino %llu", qPrintable(sub),
          run.events.size(), qPrintable(run.b), (unsigned long long)run.renamed.dev,
          (unsigned long long)run.renamed.ino, qPrintable(run.a), (unsigned long long)run.fresh.ino);
    return run.renamed.ino != 0 && run.fresh.ino != 0 && !(run.renamed == run.fresh);
}

void TestFileIdentity::addModes()
{
    QTest::addColumn<int>("mode");
    QTest::newRow("coalesced") << 0;
    QTest::newRow("raw") << 1;
}

const TestFileIdentity::Run &TestFileIdentity::current() const
{
    QFETCH(int, mode);
    return m_runs[mode];
}

void TestFileIdentity::eventsCarryStatIdentity_data() { addModes(); }

void TestFileIdentity::eventsCarryStatIdentity()
{
    const Run &run = current();
    const std::string a = run.a.toStdString(), b = run.b.toStdString();
    // In the order the child made them: open a, write, rename, write (old fd), open b,
    // write, close, close, open a (new file), write, close.
    std::vector<const Event *> opens, writes;
    for (const Event &e : run.events) {
        if (e.path != a && e.path != b)
            continue;
        if (e.syscall == "openat" || e.syscall == "open")
            opens.push_back(&e);
        else if (e.syscall == "write")
            writes.push_back(&e);
        // Any event naming one of the files from an open fd has one of the two identities.
        if (e.ino != 0)
            QVERIFY2(idOf(e) == run.renamed || idOf(e) == run.fresh, text(e).constData());
    }
    QCOMPARE(int(opens.size()), 3);
    QCOMPARE(int(writes.size()), 4);
    // The kernel's s_dev came out in stat()'s st_dev encoding (ext4 on 254:0 is 0xfe00
    // for stat, 254 << 20 in the kernel).
    const Identity renamed = run.renamed;
    QVERIFY2(idOf(*opens[0]) == renamed, text(*opens[0]).constData());
    QCOMPARE(opens[0]->path, a);
    QVERIFY2(idOf(*opens[1]) == renamed, text(*opens[1]).constData()); // same file, new name
    QCOMPARE(opens[1]->path, b);
    QVERIFY2(idOf(*opens[2]) == run.fresh, text(*opens[2]).constData()); // new file, old name
    QCOMPARE(opens[2]->path, a);
    for (int i = 0; i < 3; ++i) // before the rename, through the old fd after it, through the new name
        QVERIFY2(idOf(*writes[i]) == renamed, text(*writes[i]).constData());
    QVERIFY2(idOf(*writes[3]) == run.fresh, text(*writes[3]).constData());
    // The rename itself names paths, not an open file: no identity claimed.
    auto rename = std::find_if(run.events.begin(), run.events.end(),
                               [](const Event &e) { return e.syscall == "rename"; });
    QVERIFY(rename != run.events.end());
    QCOMPARE(rename->path2, b);
    QCOMPARE(rename->ino, uint64_t(0));
}

void TestFileIdentity::execCarriesImageIdentity_data() { addModes(); }

void TestFileIdentity::execCarriesImageIdentity()
{
    const Run &run = current();
    auto exec = std::find_if(run.events.begin(), run.events.end(),
                             [](const Event &e) { return e.syscall == "execve"; });
    QVERIFY(exec != run.events.end());
    QCOMPARE(QString::fromStdString(exec->path), m_exe);
    QVERIFY2(idOf(*exec) == statOf(m_exe), text(*exec).constData());
}

void TestFileIdentity::sessionKeepsOneRowPerChange_data() { addModes(); }

void TestFileIdentity::sessionKeepsOneRowPerChange()
{
    const Run &run = current();
    QFETCH(int, mode);
    const std::string path = m_dir.filePath(QString("ids-%1.provscope").arg(mode)).toStdString();
    SessionMeta meta;
    meta.toolVersion = "test";
    meta.captureStartNs = bootTimeNowNs();
    {
        auto writer = SessionWriter::create(path, meta);
        QVERIFY2(writer, writer ? "" : writer.error().c_str());
        CaptureBatch batch;
        batch.events = run.events;
        batch.processes = run.processes;
        QVERIFY((*writer)->append(batch));
        QVERIFY((*writer)->finish(bootTimeNowNs()));
    }
    auto reader = SessionReader::open(path);
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    QCOMPARE((*reader)->meta().formatVersion, sessionFormatVersion());
    auto ids = (*reader)->fileIdentities();
    QVERIFY2(ids, ids ? "" : ids.error().c_str());
    const std::string a = run.a.toStdString(), b = run.b.toStdString();
    std::vector<FileIdentity> ours;
    for (const FileIdentity &id : *ids)
        if (id.path == a || id.path == b)
            ours.push_back(id);
    // a: the first file, then the new one; b: the renamed first file. Nothing else.
    QCOMPARE(int(ours.size()), 3);
    using Row = std::tuple<std::string, uint64_t, uint64_t>;
    std::vector<Row> rows;
    for (const FileIdentity &id : ours) {
        rows.emplace_back(id.path, id.dev, id.ino);
        auto e = (*reader)->event(id.firstEventId); // the event where the identity was first seen
        QVERIFY2(e, e ? "" : e.error().c_str());
        QCOMPARE(e->path, id.path);
    }
    QCOMPARE(rows[0], Row(a, run.renamed.dev, run.renamed.ino));
    QCOMPARE(rows[1], Row(b, run.renamed.dev, run.renamed.ino));
    QCOMPARE(rows[2], Row(a, run.fresh.dev, run.fresh.ino));
    QVERIFY(ours[0].firstEventId < ours[1].firstEventId && ours[1].firstEventId < ours[2].firstEventId);
    QCOMPARE(ours[0].fileId, ours[2].fileId);
    // The exec's image has its identity too; the digest covers it all.
    const bool image = std::any_of(ids->begin(), ids->end(), [&](const FileIdentity &id) {
        return QString::fromStdString(id.path) == m_exe && idOf(id) == statOf(m_exe);
    });
    QVERIFY(image);
    reader = makeError("closed");
    auto check = checkEvidence(path);
    QVERIFY2(check, check ? "" : check.error().c_str());
    QCOMPARE(int(check->state), int(EvidenceCheck::State::Unchanged));
    QCOMPARE(check->version, kEvidenceDigestVersion);
}

QTEST_GUILESS_MAIN(TestFileIdentity)
#include "tst_file_identity.moc"
