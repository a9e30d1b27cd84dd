// provscope-capture -o as a user runs it: a real eBPF capture of a real workload into a
// real session file, then the session read back. Needs root and BTF.
#include "session_reader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace provscope;

class TestHeadlessCapture : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void workloadEventsAreInTheSession();
    void sessionIsOneFinishedFile();
    void fileBelongsToTheInvokingUser();
    void refusesSymlinkAndExistingFile();
    void sigtermStopsCleanly();

private:
    QString binary(const QString &name) const { return m_binDir + "/" + name; }
    std::vector<Event> workloadEvents(const QString &syscall) const;

    QString m_binDir;
    QTemporaryDir m_dir;
    QString m_session;
    QJsonObject m_workload; // what the workload says it did
    std::unique_ptr<SessionReader> m_reader;
};

void TestHeadlessCapture::initTestCase()
{
    if (geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: tst_headless_capture must run as root to load eBPF programs");
    if (!QFileInfo::exists("/sys/kernel/btf/vmlinux"))
        QSKIP("LIVE CAPTURE NOT TESTED: this kernel has no BTF (/sys/kernel/btf/vmlinux)");
    m_binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath());
    QVERIFY(m_dir.isValid());
    const QString scratch = m_dir.filePath("scratch");
    QVERIFY(QDir().mkpath(scratch));
    m_session = m_dir.filePath("workload.provscope");

    QProcess capture;
    capture.start(binary("provscope-capture"),
                  {"-o", m_session, "--", binary("provscope-workload"), scratch});
    QVERIFY2(capture.waitForFinished(60000), "provscope-capture did not stop when its command exited");
    const QByteArray err = capture.readAllStandardError();
    QVERIFY2(capture.exitCode() == 0, err.constData());
    // stdout: the workload's report, then the session path on the last line.
    const QList<QByteArray> lines = capture.readAllStandardOutput().trimmed().split('\n');
    QVERIFY(lines.size() >= 2);
    QCOMPARE(QString::fromUtf8(lines.last()), m_session);
    m_workload = QJsonDocument::fromJson(lines.first()).object();
    QVERIFY2(m_workload.contains("pid"), lines.first().constData());

    auto opened = SessionReader::open(m_session.toStdString());
    QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().c_str());
    m_reader = std::move(opened).value();
}

std::vector<Event> TestHeadlessCapture::workloadEvents(const QString &syscall) const
{
    std::vector<Event> found;
    for (const char *key : {"pid", "child_pid"}) {
        EventFilter filter;
        filter.pid = uint32_t(m_workload.value(key).toInt());
        filter.syscall = syscall.toStdString();
        auto visited = m_reader->forEachEvent(filter, [&](const Event &event) {
            found.push_back(event);
            return true;
        });
        if (!visited.ok())
            qWarning("%s", visited.error().c_str());
    }
    return found;
}

void TestHeadlessCapture::workloadEventsAreInTheSession()
{
    const uint32_t pid = uint32_t(m_workload.value("pid").toInt());
    const uint32_t child = uint32_t(m_workload.value("child_pid").toInt());
    const std::string exec = QFileInfo(m_workload.value("exec").toString()).canonicalFilePath().toStdString();

    const auto execs = workloadEvents("execve");
    QVERIFY(std::any_of(execs.begin(), execs.end(), [&](const Event &e) {
        return e.pid == child && e.ppid == pid && e.path == exec && e.ret == 0;
    }));

    const auto opens = workloadEvents("openat");
    const std::string viaDirFd = m_workload.value("dirfd_file").toString().toStdString();
    QVERIFY2(std::any_of(opens.begin(), opens.end(),
                         [&](const Event &e) { return e.pid == pid && e.path == viaDirFd && e.ret >= 0; }),
             "the open through a directory fd is missing or has no absolute path");

    const std::string written = m_workload.value("written").toString().toStdString();
    const auto writes = workloadEvents("write");
    QVERIFY(std::any_of(writes.begin(), writes.end(), [&](const Event &e) {
        return e.path == written && e.bytes == uint64_t(m_workload.value("payload_bytes").toInt());
    }));

    const std::string renamed = m_workload.value("renamed").toString().toStdString();
    const auto renames = workloadEvents("rename");
    QVERIFY(std::any_of(renames.begin(), renames.end(),
                        [&](const Event &e) { return e.path == written && e.path2 == renamed && e.ret == 0; }));

    const auto unlinks = workloadEvents("unlink");
    QVERIFY(std::any_of(unlinks.begin(), unlinks.end(), [&](const Event &e) { return e.path == renamed; }));

    const auto connects = workloadEvents("connect");
    const uint16_t port = uint16_t(m_workload.value("port").toInt());
    QVERIFY(std::any_of(connects.begin(), connects.end(),
                        [&](const Event &e) { return e.raddr == "127.0.0.1" && e.rport == port; }));

    auto process = m_reader->process(pid);
    QVERIFY(process.ok() && process.value().has_value());
    QCOMPARE(process.value()->exe, QFileInfo(binary("provscope-workload")).canonicalFilePath().toStdString());
    QCOMPARE(m_reader->counts().lostEvents, int64_t(0));
}

void TestHeadlessCapture::sessionIsOneFinishedFile()
{
    QVERIFY(!m_reader->isRecording());
    const SessionMeta &meta = m_reader->meta();
    QCOMPARE(meta.formatVersion, sessionFormatVersion());
    QVERIFY(meta.captureEndNs > meta.captureStartNs);
    QVERIFY(!meta.bootId.empty());
    for (const char *suffix : {"-wal", "-shm", "-journal"})
        QVERIFY2(!QFileInfo::exists(m_session + suffix), suffix);
}

void TestHeadlessCapture::fileBelongsToTheInvokingUser()
{
    // As if started through sudo by user 65534: the session is theirs, not root's.
    QDir().mkpath(m_dir.filePath("shared"));
    QVERIFY(::chmod(QFile::encodeName(m_dir.path()).constData(), 0755) == 0);
    QVERIFY(::chmod(QFile::encodeName(m_dir.filePath("shared")).constData(), 01777) == 0);
    const QString path = m_dir.filePath("shared/nobody.provscope");
    QProcess capture;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("SUDO_UID", "65534");
    env.insert("SUDO_GID", "65534");
    capture.setProcessEnvironment(env);
    capture.start(binary("provscope-capture"), {"-o", path, "--duration", "0.5"});
    QVERIFY(capture.waitForFinished(30000));
    QVERIFY2(capture.exitCode() == 0, capture.readAllStandardError().constData());
    struct stat st {};
    QVERIFY(::stat(QFile::encodeName(path).constData(), &st) == 0);
    QCOMPARE(st.st_uid, uid_t(65534));
}

void TestHeadlessCapture::refusesSymlinkAndExistingFile()
{
    const QString target = m_dir.filePath("victim");
    QFile victim(target);
    QVERIFY(victim.open(QIODevice::WriteOnly));
    victim.write("precious");
    victim.close();
    const QString link = m_dir.filePath("link.provscope");
    QVERIFY(QFile::link(target, link));

    for (const QString &out : {link, target}) {
        QProcess capture;
        capture.start(binary("provscope-capture"), {"-o", out, "--duration", "0.2"});
        QVERIFY(capture.waitForFinished(30000));
        QVERIFY2(capture.exitCode() != 0, qPrintable(out + " was not refused"));
        QVERIFY(!capture.readAllStandardError().isEmpty());
        QFile check(target);
        QVERIFY(check.open(QIODevice::ReadOnly));
        QCOMPARE(check.readAll(), QByteArray("precious"));
    }
}

void TestHeadlessCapture::sigtermStopsCleanly()
{
    const QString path = m_dir.filePath("stopped.provscope");
    QProcess capture;
    capture.start(binary("provscope-capture"), {"-o", path, "--duration", "120"});
    QVERIFY(capture.waitForStarted());
    // The session file is created once the programs are attached (and the start-up
    // snapshot is taken), which takes longer on a loaded machine.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(path), 30000);
    // Activity just before the stop must survive it: everything is flushed.
    const QString marker = m_dir.filePath("written-before-sigterm.txt");
    QFile file(marker);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("x");
    file.close();
    QTest::qWait(200);
    capture.terminate(); // SIGTERM
    QVERIFY2(capture.waitForFinished(30000), "SIGTERM did not stop the capture");
    QCOMPARE(capture.exitCode(), 0);
    auto opened = SessionReader::open(path.toStdString());
    QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().c_str());
    QVERIFY(!opened.value()->isRecording());
    EventFilter filter;
    filter.pid = uint32_t(getpid());
    filter.path = marker.toStdString();
    bool sawWrite = false;
    auto visited = opened.value()->forEachEvent(filter, [&](const Event &event) {
        sawWrite = sawWrite || event.syscall == "write";
        return true;
    });
    QVERIFY(visited.ok());
    QVERIFY2(sawWrite, "the write made just before SIGTERM is not in the session");
}

QTEST_GUILESS_MAIN(TestHeadlessCapture)
#include "tst_headless_capture.moc"
