// How the workstation gets its helper: under sudo it starts the helper as root and
// then really becomes the invoking user; as plain root it starts the real
// provscope-capture over a socketpair and handshakes; unprivileged without a
// polkit agent it tells the exact command to run.
#include "capture_client.h"
#include "helper_launcher.h"
#include "privilege_drop.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace provscope;

namespace {

// This test binary doubles as a fake helper: `--serve --fd N --allow-uid U` writes who
// it runs as and its arguments to fd N, then waits for the GUI to hang up.
int fakeHelper(int argc, char **argv)
{
    int fd = -1;
    std::string line = "uid=" + std::to_string(getuid()) + " euid=" + std::to_string(geteuid()) + " args=";
    for (int i = 1; i < argc; ++i) {
        line += std::string(i > 1 ? " " : "") + argv[i];
        if (std::strcmp(argv[i], "--fd") == 0 && i + 1 < argc)
            fd = std::atoi(argv[i + 1]);
    }
    if (fd < 0)
        return 2;
    line += "\n";
    (void)!write(fd, line.data(), line.size());
    char c;
    while (read(fd, &c, 1) > 0) {
    }
    return 0;
}

std::string readAll(int fd, int timeoutMs)
{
    std::string out;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        char buf[1024];
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        out.append(buf, size_t(n));
        if (!out.empty() && out.back() == '\n')
            break;
    }
    return out;
}

// Runs fn in a forked child (privilege drops cannot be undone) and returns what it
// printed to the pipe.
template <class Fn>
QString inChild(Fn fn)
{
    int p[2];
    if (pipe(p) != 0)
        return "pipe failed";
    const pid_t pid = fork();
    if (pid == 0) {
        ::close(p[0]);
        const std::string report = fn();
        (void)!write(p[1], report.data(), report.size());
        _exit(0);
    }
    ::close(p[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0)
        out.append(buf, size_t(n));
    ::close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return QString::fromStdString(out);
}

std::string selfExe()
{
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

} // namespace

class TstHelperLauncher : public QObject {
    Q_OBJECT
private slots:
    void manualCommandIsExact_data();
    void manualCommandIsExact();
    void sudoStartsHelperThenDrops();
    void unprivilegedWithoutAgentTellsCommand();
    void plainRootStartsRealHelper();
    void servedSocketOfTheManualCommand();
};

void TstHelperLauncher::manualCommandIsExact_data()
{
    QTest::addColumn<QString>("binary");
    QTest::addColumn<int>("uid");
    QTest::addColumn<QString>("command");
    QTest::newRow("plain") << "/opt/provscope/bin/provscope-capture" << 1000
                           << "sudo /opt/provscope/bin/provscope-capture --serve --allow-uid 1000";
    QTest::newRow("space and quote") << "/home/bob/my build's/provscope-capture" << 1001
                                     << "sudo '/home/bob/my build'\\''s/provscope-capture' --serve --allow-uid 1001";
}

void TstHelperLauncher::manualCommandIsExact()
{
    QFETCH(QString, binary);
    QFETCH(int, uid);
    QFETCH(QString, command);
    QCOMPARE(QString::fromStdString(manualHelperCommand(binary.toStdString(), uid_t(uid))), command);
}

void TstHelperLauncher::sudoStartsHelperThenDrops()
{
    if (geteuid() != 0)
        QSKIP("NEEDS ROOT: simulates `sudo provscope` (SUDO_UID=65534) and checks the real privilege drop");
    const std::string self = selfExe();
    const QString report = inChild([&self]() -> std::string {
        setenv("SUDO_UID", "65534", 1);
        unsetenv("PKEXEC_UID");
        HelperLaunch launch = prepareHelperBeforeQt(self);
        std::string r;
        r += "mode=" + std::to_string(int(launch.mode)) + "\n";
        r += "error=" + launch.error + "\n";
        r += "status=" + launch.statusText + "\n";
        r += "ids=" + std::to_string(getuid()) + "," + std::to_string(geteuid()) + "," +
             std::to_string(getgid()) + "," + std::to_string(getegid()) + "\n";
        r += "groups=" + std::to_string(getgroups(0, nullptr)) + "\n";
        r += std::string("regain=") + (setuid(0) == 0 || seteuid(0) == 0 ? "yes" : "no") + "\n";
        r += std::string("HOME=") + (getenv("HOME") ? getenv("HOME") : "") + "\n";
        r += std::string("USER=") + (getenv("USER") ? getenv("USER") : "") + "\n";
        r += std::string("SUDO_UID=") + (getenv("SUDO_UID") ? getenv("SUDO_UID") : "") + "\n";
        r += "cloexec=" + std::to_string(launch.fd >= 0 && (fcntl(launch.fd, F_GETFD) & FD_CLOEXEC)) + "\n";
        r += "helper: " + (launch.fd >= 0 ? readAll(launch.fd, 5000) : std::string("no fd\n"));
        if (launch.fd >= 0)
            ::close(launch.fd);
        int status = -1;
        if (launch.helperPid > 0)
            waitpid(launch.helperPid, &status, 0);
        r += "helperExit=" + std::to_string(status) + "\n";
        return r;
    });
    qInfo().noquote() << report;
    QVERIFY2(report.contains("mode=" + QString::number(int(HelperMode::SudoStarted)) + "\n"), qPrintable(report));
    QVERIFY(report.contains("error=\n"));
    QVERIFY(report.contains("status=Helper started through sudo; GUI runs as nobody\n"));
    QVERIFY2(report.contains("ids=65534,65534,65534,65534\n"), "the GUI must run as the invoking user");
    QVERIFY(report.contains("regain=no\n"));
    QVERIFY(report.contains("HOME=/nonexistent\n"));
    QVERIFY(report.contains("USER=nobody\n"));
    QVERIFY(report.contains("SUDO_UID=\n"));
    QVERIFY2(report.contains("cloexec=1\n"), "our end must not leak into programs the GUI starts");
    // The helper itself runs as root and was told who may connect.
    QVERIFY2(report.contains(QRegularExpression("helper: uid=0 euid=0 args=--serve --fd \\d+ --allow-uid 65534\n")),
             qPrintable(report));
    QVERIFY2(report.contains("helperExit=0\n"), "the helper must end when the GUI hangs up");
}

void TstHelperLauncher::unprivilegedWithoutAgentTellsCommand()
{
    if (geteuid() != 0)
        QSKIP("NEEDS ROOT: switches a child to uid 65534 to see what an unprivileged user is told");
    if (::access(kHelperSocketPath, F_OK) == 0)
        QSKIP("a helper is serving at /run/provscope/provscope.sock right now; cannot test the no-helper path");
    const QString report = inChild([]() -> std::string {
        unsetenv("DISPLAY");
        unsetenv("WAYLAND_DISPLAY");
        unsetenv("SUDO_UID");
        if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            return "setuid failed";
        HelperLaunch launch = prepareHelperBeforeQt("/opt/provscope/bin/provscope-capture");
        auto c = acquireHelperConnection(launch, 1000);
        return "mode=" + std::to_string(int(launch.mode)) + "\nstatus=" + launch.statusText +
               "\nerror=" + (c ? std::string("none") : c.error());
    });
    QVERIFY2(report.contains("mode=" + QString::number(int(HelperMode::Unprivileged))), qPrintable(report));
    QVERIFY2(report.contains("status=Running as nobody"), qPrintable(report));
    QVERIFY2(report.contains("\n  sudo /opt/provscope/bin/provscope-capture --serve --allow-uid 65534\n"),
             qPrintable(report));
}

void TstHelperLauncher::plainRootStartsRealHelper()
{
    if (geteuid() != 0)
        QSKIP("NEEDS ROOT: plain-root mode starts the real provscope-capture helper");
    const QByteArray binDir = qgetenv("PROVSCOPE_BIN_DIR");
    const std::string binary = binDir.toStdString() + "/provscope-capture";
    if (binDir.isEmpty() || ::access(binary.c_str(), X_OK) != 0)
        QSKIP("provscope-capture not built (PROVSCOPE_BIN_DIR unset or binary missing); run through ctest");
    qunsetenv("SUDO_UID");
    qunsetenv("PKEXEC_UID");
    HelperLaunch launch = prepareHelperBeforeQt(binary);
    QCOMPARE(int(launch.mode), int(HelperMode::PlainRoot));
    QCOMPARE(QString::fromStdString(launch.statusText), QStringLiteral("Running as root (no invoking user)"));

    auto connection = acquireHelperConnection(launch);
    QVERIFY2(connection.ok(), connection.ok() ? "" : connection.error().c_str());
    QVERIFY(connection->helperPid > 0);
    CaptureClient client;
    QSignalSpy connectedSpy(&client, &CaptureClient::connected);
    QSignalSpy failedSpy(&client, &CaptureClient::failed);
    QVERIFY(client.adoptFd(connection->fd).ok());
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 1, 10000);
    const auto meta = connectedSpy.at(0).at(0).value<SessionMeta>();
    QCOMPARE(QString::fromStdString(meta.toolVersion), QStringLiteral(PROVSCOPE_VERSION));
    QCOMPARE(failedSpy.count(), 0);

    // A live capture through the real helper: a child's file open shows up, and
    // nothing of ours (the client is excluded from its own capture).
    if (qEnvironmentVariableIsSet("PROVSCOPE_SKIP_LIVE")) {
        qInfo("PROVSCOPE_SKIP_LIVE set: not starting a live eBPF capture");
    } else {
        QSignalSpy startedSpy(&client, &CaptureClient::started);
        QSignalSpy finishedSpy(&client, &CaptureClient::finished);
        bool seen = false;
        bool sawOurselves = false;
        const std::string marker = "/tmp/provscope-launcher-marker-" + std::to_string(getpid());
        connect(&client, &CaptureClient::batchReceived, this, [&](CaptureBatchPtr batch) {
            for (const auto &e : batch->events) {
                if (e.pid != uint32_t(getpid()) && e.path == marker)
                    seen = true;
                if (e.pid == uint32_t(getpid()))
                    sawOurselves = true;
            }
        });
        QVERIFY(client.start().ok());
        QTRY_VERIFY_WITH_TIMEOUT(startedSpy.count() == 1 || failedSpy.count() > 0, 30000);
        QVERIFY2(failedSpy.isEmpty(), failedSpy.isEmpty() ? "" : qPrintable(failedSpy.at(0).at(0).toString()));
        QVERIFY(!startedSpy.at(0).at(0).value<SessionMeta>().captureConfig.empty());
        for (int i = 0; i < 50 && !seen; ++i) {
            QProcess::execute(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral(": > \"$1\""),
                                                          QStringLiteral("sh"), QString::fromStdString(marker)});
            QTest::qWait(100);
        }
        ::unlink(marker.c_str());
        QVERIFY2(seen, "the live capture never delivered a child's open of the marker file");
        QVERIFY2(!sawOurselves, "the client was recorded although it is excluded");
        QVERIFY(client.stop().ok());
        QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 1, 10000);
        QVERIFY(finishedSpy.at(0).at(0).value<CaptureStats>().eventsReceived > 0);
    }

    // Hanging up ends the helper cleanly.
    client.close();
    int status = -1;
    bool reaped = false;
    QTRY_VERIFY_WITH_TIMEOUT(reaped || (reaped = waitpid(connection->helperPid, &status, WNOHANG) ==
                                                 connection->helperPid),
                             10000);
    QVERIFY2(WIFEXITED(status) && WEXITSTATUS(status) == 0,
             qPrintable(QString("helper exit status %1").arg(status)));
}

void TstHelperLauncher::servedSocketOfTheManualCommand()
{
    // What the user runs by hand (`sudo provscope-capture --serve --allow-uid UID`), on
    // a private path: the socket belongs to that user with mode 0600, the GUI connects
    // with connectToPath(), and the helper ends and removes the socket when it hangs up.
    if (geteuid() != 0)
        QSKIP("NEEDS ROOT: runs the real provscope-capture --serve on a socket path");
    const QByteArray binDir = qgetenv("PROVSCOPE_BIN_DIR");
    const std::string binary = binDir.toStdString() + "/provscope-capture";
    if (binDir.isEmpty() || ::access(binary.c_str(), X_OK) != 0)
        QSKIP("provscope-capture not built (PROVSCOPE_BIN_DIR unset or binary missing); run through ctest");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::string path = tmp.path().toStdString() + "/run/provscope.sock";
    const pid_t pid = fork();
    QVERIFY(pid >= 0);
    if (pid == 0) {
        execl(binary.c_str(), binary.c_str(), "--serve", "--socket", path.c_str(), "--allow-uid", "4321",
              static_cast<char *>(nullptr));
        _exit(127);
    }
    struct stat st{};
    QTRY_VERIFY_WITH_TIMEOUT(::lstat(path.c_str(), &st) == 0, 10000);
    QCOMPARE(st.st_uid, uid_t(4321));
    QCOMPARE(int(st.st_mode & 07777), 0600);

    CaptureClient client;
    QSignalSpy connectedSpy(&client, &CaptureClient::connected);
    auto connected = client.connectToPath(QString::fromStdString(path));
    QVERIFY2(connected.ok(), connected.ok() ? "" : connected.error().c_str());
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 1, 10000);
    QVERIFY(!connectedSpy.at(0).at(0).value<SessionMeta>().bootId.empty());
    client.close();

    int status = -1;
    bool reaped = false;
    QTRY_VERIFY_WITH_TIMEOUT(reaped || (reaped = waitpid(pid, &status, WNOHANG) == pid), 10000);
    QVERIFY2(WIFEXITED(status) && WEXITSTATUS(status) == 0, qPrintable(QString("exit status %1").arg(status)));
    QVERIFY2(::lstat(path.c_str(), &st) != 0, "the helper must remove its socket when it ends");
}

int main(int argc, char **argv)
{
    if (argc > 1 && std::strcmp(argv[1], "--serve") == 0)
        return fakeHelper(argc, argv);
    QCoreApplication app(argc, argv);
    TstHelperLauncher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_helper_launcher.moc"
