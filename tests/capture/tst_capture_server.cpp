// The capture server (provscope-capture --serve) against an in-test capture source:
// the GUI's CaptureClient handshakes, receives batches and stats, stops and gets the
// final stats; a vanished client stops the capture; a wrong uid is refused; garbage
// from a client closes the connection with a logged reason.
#include "capture_client.h"
#include "capture_server.h"
#include "frame_decoder.h"
#include "wire_protocol.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace provscope;

namespace {

struct SourceLog {
    std::atomic<int> started{0};
    std::atomic<int> stopped{0};
    std::atomic<uint64_t> produced{0};
};

// Produces three events every poll and one last "drained" event at stop.
class TestSource final : public CaptureSource {
public:
    explicit TestSource(SourceLog &log) : m_log(log) { ++m_log.started; }

    Result<void> poll(int timeoutMs, const BatchHandler &handler) override
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeoutMs, 10)));
        CaptureBatch batch;
        for (int i = 0; i < 3; ++i)
            batch.events.push_back(event("openat", "/tmp/ünïcode file " + std::to_string(m_next)));
        if (m_next == 3) {
            ProcessInfo p;
            p.pid = 777;
            p.comm = "worker";
            p.argv = {"worker", "--flag"};
            batch.processes.push_back(p);
            batch.losses.push_back(LossRecord{1, 2, 0, 5, "kernel-ringbuf"});
        }
        handler(std::move(batch));
        return {};
    }
    Result<void> stop(const BatchHandler &handler) override
    {
        CaptureBatch batch;
        batch.events.push_back(event("close", "drained at stop"));
        handler(std::move(batch));
        ++m_log.stopped;
        return {};
    }
    CaptureStats stats() const override { return CaptureStats{m_log.produced.load(), 5, m_log.produced.load() * 64}; }
    std::string configJson() const override { return R"({"source":"test"})"; }

private:
    Event event(const char *syscall, std::string path)
    {
        Event e;
        e.id = int64_t(++m_next);
        e.tsNs = 1000 + m_next;
        e.lastTsNs = e.tsNs;
        e.pid = 4242;
        e.tid = 4242;
        e.comm = "tester";
        e.syscall = syscall;
        e.path = std::move(path);
        e.argv = {"a", "b c"};
        ++m_log.produced;
        return e;
    }

    SourceLog &m_log;
    uint64_t m_next = 0;
};

// runCaptureServer on its own thread.
struct ServerThread {
    SourceLog log;
    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    std::string error;
    bool ok = false;
    std::thread thread;

    void start(CaptureServerOptions options)
    {
        thread = std::thread([this, options] {
            const SourceFactory factory = [this](uint32_t) -> Result<std::unique_ptr<CaptureSource>> {
                return std::unique_ptr<CaptureSource>(std::make_unique<TestSource>(log));
            };
            auto r = runCaptureServer(options, factory, stop);
            ok = r.ok();
            if (!r)
                error = r.error();
            done = true;
        });
    }
    ~ServerThread()
    {
        stop = true;
        if (thread.joinable())
            thread.join();
    }
};

bool rawSend(int fd, const wire::Message &m)
{
    auto frame = wire::encodeFrame(m);
    return frame && ::send(fd, frame->data(), frame->size(), MSG_NOSIGNAL) == ssize_t(frame->size());
}

// Reads frames until one of type `want` arrives, EOF, an error or the timeout.
// Returns the messages seen (including the wanted one) and whether EOF was reached.
struct RawRead {
    std::vector<wire::Message> messages;
    bool eof = false;
    std::string error;
};

RawRead rawReadUntil(int fd, wire::MessageType want, int timeoutMs = 5000)
{
    RawRead out;
    wire::FrameDecoder decoder;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        uint8_t buf[65536];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            out.eof = true;
            return out;
        }
        decoder.feed(buf, size_t(n));
        for (;;) {
            auto next = decoder.next();
            if (!next) {
                out.error = next.error();
                return out;
            }
            if (!next->has_value())
                break;
            out.messages.push_back(std::move(**next));
            if (wire::messageType(out.messages.back()) == want)
                return out;
        }
    }
    return out;
}

template <class T>
const T *lastOf(const RawRead &r)
{
    for (auto it = r.messages.rbegin(); it != r.messages.rend(); ++it)
        if (auto *m = std::get_if<T>(&*it))
            return m;
    return nullptr;
}

int connectTo(const std::string &path)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0)
        return fd;
    if (fd >= 0)
        ::close(fd);
    return -1;
}

} // namespace

class TstCaptureServer : public QObject {
    Q_OBJECT
private slots:
    void clientHandshakeBatchesStopGoodbye();
    void secondCaptureOnSameConnection();
    void successiveClientsShareTheSudoSocketpair();
    void clientDisconnectStopsCapture();
    void stopRequestSaysGoodbye();
    void garbageFromClientClosesConnection_data();
    void garbageFromClientClosesConnection();
    void wrongUidIsRefused();
    void symlinkedSocketDirectoryRefused();
};

void TstCaptureServer::clientHandshakeBatchesStopGoodbye()
{
    int sv[2];
    QVERIFY(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    ServerThread server;
    CaptureServerOptions options;
    options.inheritedFd = sv[1];
    options.allowedUid = getuid();
    server.start(options);

    CaptureClient client;
    QSignalSpy connectedSpy(&client, &CaptureClient::connected);
    QSignalSpy startedSpy(&client, &CaptureClient::started);
    QSignalSpy statsSpy(&client, &CaptureClient::statsReceived);
    QSignalSpy finishedSpy(&client, &CaptureClient::finished);
    QSignalSpy failedSpy(&client, &CaptureClient::failed);
    std::vector<CaptureBatchPtr> batches;
    QElapsedTimer sinceStart;
    qint64 firstBatchMs = -1;
    connect(&client, &CaptureClient::batchReceived, this, [&](CaptureBatchPtr b) {
        if (firstBatchMs < 0)
            firstBatchMs = sinceStart.elapsed();
        batches.push_back(b);
    });

    auto adopted = client.adoptFd(sv[0]);
    QVERIFY2(adopted.ok(), adopted.ok() ? "" : adopted.error().c_str());
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 1, 5000);
    const auto meta = connectedSpy.at(0).at(0).value<SessionMeta>();
    QVERIFY2(!meta.host.empty(), "HelloAck must name the host");
    QCOMPARE(meta.bootId.size(), size_t(36));
    QVERIFY(meta.bootToEpochNs > 1'000'000'000LL * 1'000'000'000LL); // after 2001
    QCOMPARE(client.state(), CaptureClient::State::Idle);
    QCOMPARE(server.log.started.load(), 0); // nothing is captured before Start

    sinceStart.start();
    QVERIFY(client.start().ok());
    QTRY_COMPARE_WITH_TIMEOUT(startedSpy.count(), 1, 5000);
    const auto startedMeta = startedSpy.at(0).at(0).value<SessionMeta>();
    QCOMPARE(QString::fromStdString(startedMeta.captureConfig), QStringLiteral(R"({"source":"test"})"));
    QVERIFY(startedMeta.captureStartNs > 0);

    // Batches within well under a second (flushed every 100 ms), stats every second.
    QTRY_VERIFY_WITH_TIMEOUT(!batches.empty(), 2000);
    QVERIFY2(firstBatchMs < 800, qPrintable(QString("first batch after %1 ms").arg(firstBatchMs)));
    QTRY_VERIFY_WITH_TIMEOUT(statsSpy.count() >= 1, 3000);
    QVERIFY(statsSpy.last().at(0).value<CaptureStats>().eventsReceived > 0);

    QVERIFY(client.stop().ok());
    QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 1, 5000);
    QCOMPARE(failedSpy.count(), 0);
    const auto finalStats = finishedSpy.at(0).at(0).value<CaptureStats>();
    QCOMPARE(server.log.stopped.load(), 1);

    // Every produced event arrived, in order, including the one drained at stop.
    std::vector<Event> events;
    size_t processes = 0, losses = 0;
    for (const auto &b : batches) {
        events.insert(events.end(), b->events.begin(), b->events.end());
        processes += b->processes.size();
        losses += b->losses.size();
    }
    QCOMPARE(uint64_t(events.size()), finalStats.eventsReceived);
    QCOMPARE(uint64_t(events.size()), server.log.produced.load());
    for (size_t i = 0; i < events.size(); ++i)
        QCOMPARE(events[i].id, int64_t(i + 1));
    QCOMPARE(QString::fromStdString(events.back().path), QStringLiteral("drained at stop"));
    QCOMPARE(QString::fromStdString(events.front().path), QStringLiteral("/tmp/ünïcode file 0"));
    QCOMPARE(events.front().argv, (std::vector<std::string>{"a", "b c"}));
    QCOMPARE(processes, size_t(1));
    QCOMPARE(losses, size_t(1));

    // Closing the connection ends the server cleanly.
    client.close();
    QTRY_VERIFY_WITH_TIMEOUT(server.done.load(), 5000);
    QVERIFY2(server.ok, server.error.c_str());
}

void TstCaptureServer::secondCaptureOnSameConnection()
{
    // The sudo-started helper serves one socketpair for the GUI's whole life:
    // Capture->Start after a Stop must work on the same connection.
    int sv[2];
    QVERIFY(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    ServerThread server;
    CaptureServerOptions options;
    options.inheritedFd = sv[1];
    options.allowedUid = getuid(); // lets the suite run unprivileged too
    server.start(options);

    CaptureClient client;
    QSignalSpy connectedSpy(&client, &CaptureClient::connected);
    QSignalSpy finishedSpy(&client, &CaptureClient::finished);
    QSignalSpy batchSpy(&client, &CaptureClient::batchReceived);
    QVERIFY(client.adoptFd(sv[0]).ok());
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 1, 5000);
    for (int round = 1; round <= 2; ++round) {
        batchSpy.clear();
        QVERIFY(client.start().ok());
        QTRY_VERIFY_WITH_TIMEOUT(batchSpy.count() > 0, 3000);
        QVERIFY(client.stop().ok());
        QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), round, 5000);
    }
    QCOMPARE(server.log.started.load(), 2);
    QCOMPARE(server.log.stopped.load(), 2);
}

void TstCaptureServer::successiveClientsShareTheSudoSocketpair()
{
    // Under sudo the GUI keeps one socketpair to its helper and gives every capture a dup
    // (acquireHelperConnection); a closed CaptureClient must not end the helper, and a
    // client abandoned mid-handshake must not confuse the next one.
    int sv[2];
    QVERIFY(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    ServerThread server;
    CaptureServerOptions options;
    options.inheritedFd = sv[1];
    options.allowedUid = getuid(); // lets the suite run unprivileged too
    server.start(options);

    for (int round = 1; round <= 2; ++round) {
        CaptureClient client;
        QSignalSpy connectedSpy(&client, &CaptureClient::connected);
        QSignalSpy finishedSpy(&client, &CaptureClient::finished);
        QSignalSpy batchSpy(&client, &CaptureClient::batchReceived);
        QSignalSpy failedSpy(&client, &CaptureClient::failed);
        QVERIFY(client.adoptFd(fcntl(sv[0], F_DUPFD_CLOEXEC, 3)).ok());
        QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 1, 5000);
        QVERIFY(client.start().ok());
        QTRY_VERIFY_WITH_TIMEOUT(batchSpy.count() > 0, 3000);
        QVERIFY(client.stop().ok());
        QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 1, 5000);
        QVERIFY(failedSpy.isEmpty());
        if (round == 1) {
            // An impatient user: Capture->Start, then Stop before the helper answered.
            CaptureClient abandoned;
            QVERIFY(abandoned.adoptFd(fcntl(sv[0], F_DUPFD_CLOEXEC, 3)).ok());
            abandoned.close();
            QTest::qWait(200);
        }
        client.close();
        QVERIFY2(!server.done.load(), "the helper ended although the GUI still holds the socketpair");
    }
    QCOMPARE(server.log.started.load(), 2);
    QCOMPARE(server.log.stopped.load(), 2);
    ::close(sv[0]); // the GUI exits
    QTRY_VERIFY_WITH_TIMEOUT(server.done.load(), 5000);
    QVERIFY2(server.ok, server.error.c_str());
}

void TstCaptureServer::clientDisconnectStopsCapture()
{
    int sv[2];
    QVERIFY(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    ServerThread server;
    CaptureServerOptions options;
    options.inheritedFd = sv[1];
    options.allowedUid = getuid(); // lets the suite run unprivileged too
    server.start(options);

    QVERIFY(rawSend(sv[0], wire::Hello{wire::kProtocolVersion, getuid(), uint32_t(getpid()), "test"}));
    QVERIFY(lastOf<wire::HelloAck>(rawReadUntil(sv[0], wire::MessageType::HelloAck)));
    QVERIFY(rawSend(sv[0], wire::Start{}));
    const auto started = rawReadUntil(sv[0], wire::MessageType::Batch);
    QVERIFY2(lastOf<wire::Batch>(started), "no batch after Start");
    ::close(sv[0]); // the GUI vanishes mid-capture (crash, kill -9)

    QTRY_VERIFY_WITH_TIMEOUT(server.done.load(), 5000);
    QVERIFY2(server.ok, server.error.c_str());
    QCOMPARE(server.log.stopped.load(), 1);
}

void TstCaptureServer::stopRequestSaysGoodbye()
{
    int sv[2];
    QVERIFY(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    ServerThread server;
    CaptureServerOptions options;
    options.inheritedFd = sv[1];
    options.allowedUid = getuid(); // lets the suite run unprivileged too
    server.start(options);
    QVERIFY(rawSend(sv[0], wire::Hello{wire::kProtocolVersion, getuid(), uint32_t(getpid()), "test"}));
    QVERIFY(rawSend(sv[0], wire::Start{})); // pipelined right behind Hello
    QVERIFY(lastOf<wire::Batch>(rawReadUntil(sv[0], wire::MessageType::Batch)));
    server.stop = true; // SIGTERM in main
    const auto end = rawReadUntil(sv[0], wire::MessageType::Goodbye);
    const auto *bye = lastOf<wire::Goodbye>(end);
    QVERIFY2(bye, "no Goodbye after a stop request");
    QCOMPARE(QString::fromStdString(bye->reason), QStringLiteral("helper stopped by signal"));
    QCOMPARE(bye->stats.eventsReceived, server.log.produced.load());
    QTRY_VERIFY_WITH_TIMEOUT(server.done.load(), 5000);
    QVERIFY(server.ok);
    ::close(sv[0]);
}

void TstCaptureServer::garbageFromClientClosesConnection_data()
{
    QTest::addColumn<bool>("afterStart");
    QTest::addColumn<QByteArray>("garbage");
    QTest::addColumn<QString>("reason");
    QTest::newRow("http instead of Hello") << false << QByteArray("GET / HTTP/1.1\r\n\r\n") << "bad frame magic";
    QByteArray oversized("PSWP\x09\x00\x01\x00\xff\xff\xff\x7f", 12);
    oversized[6] = char(wire::kProtocolVersion); // a valid header but for its size
    QTest::newRow("oversized frame while capturing") << true << oversized << "exceeds the cap";
    QByteArray unknown("PSWP\x63\x00\x01\x00\x00\x00\x00\x00", 12);
    unknown[6] = char(wire::kProtocolVersion);
    QTest::newRow("unknown type while capturing") << true << unknown << "frame type 99 unknown";
}

void TstCaptureServer::garbageFromClientClosesConnection()
{
    QFETCH(bool, afterStart);
    QFETCH(QByteArray, garbage);
    QFETCH(QString, reason);
    int sv[2];
    QVERIFY(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    ServerThread server;
    CaptureServerOptions options;
    options.inheritedFd = sv[1];
    options.allowedUid = getuid(); // lets the suite run unprivileged too
    server.start(options);
    if (afterStart) {
        QVERIFY(rawSend(sv[0], wire::Hello{wire::kProtocolVersion, getuid(), uint32_t(getpid()), "test"}));
        QVERIFY(rawSend(sv[0], wire::Start{}));
        QVERIFY(lastOf<wire::Batch>(rawReadUntil(sv[0], wire::MessageType::Batch)));
    }
    QVERIFY(::send(sv[0], garbage.constData(), size_t(garbage.size()), MSG_NOSIGNAL) == garbage.size());

    const auto end = rawReadUntil(sv[0], wire::MessageType::Error);
    const auto *error = lastOf<wire::ErrorMessage>(end);
    QVERIFY2(error, "the client was not told why it is being closed");
    QVERIFY2(QString::fromStdString(error->text).contains(reason), error->text.c_str());
    QVERIFY2(!lastOf<wire::Goodbye>(end), "a broken connection must not look like a clean stop");
    QVERIFY2(rawReadUntil(sv[0], wire::MessageType::Hello, 3000).eof, "the server kept the connection open");
    QTRY_VERIFY_WITH_TIMEOUT(server.done.load(), 5000);
    QVERIFY2(!server.ok, "a malformed frame must end the serve run with an error (logged by main)");
    QVERIFY2(QString::fromStdString(server.error).contains(reason), server.error.c_str());
    QCOMPARE(server.log.stopped.load(), server.log.started.load()); // a started capture was stopped
    ::close(sv[0]);
}

void TstCaptureServer::wrongUidIsRefused()
{
    if (geteuid() != 0)
        QSKIP("NEEDS ROOT: this test forks a child that switches to uid 65534 and serves from a "
              "root-owned directory; run the suite as root (sudo ctest) to check the SO_PEERCRED refusal");

    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::string dir = tmp.path().toStdString() + "/run";
    const std::string path = dir + "/provscope.sock";
    QVERIFY(::chmod(tmp.path().toLocal8Bit().constData(), 0755) == 0);
    ServerThread server;
    CaptureServerOptions options;
    options.socketPath = path;
    options.allowedUid = 4321; // somebody who is not uid 65534
    server.start(options);

    struct stat st{};
    QTRY_VERIFY_WITH_TIMEOUT(::lstat(path.c_str(), &st) == 0, 5000);
    QVERIFY(S_ISSOCK(st.st_mode));
    QCOMPARE(int(st.st_mode & 07777), 0600);
    QCOMPARE(st.st_uid, uid_t(4321));
    struct stat dst{};
    QVERIFY(::lstat(dir.c_str(), &dst) == 0);
    QCOMPARE(dst.st_uid, uid_t(0));
    QCOMPARE(int(dst.st_mode & 07777), 0755);

    // Open the file mode up so the kernel lets the stranger connect: then only the
    // server's SO_PEERCRED check stands between it and the capture.
    QVERIFY(::chmod(path.c_str(), 0666) == 0);
    int pipeFds[2];
    QVERIFY(pipe(pipeFds) == 0);
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        ::close(pipeFds[0]);
        std::string verdict = "setuid failed";
        if (setgroups(0, nullptr) == 0 && setgid(65534) == 0 && setuid(65534) == 0) {
            const int fd = connectTo(path);
            if (fd < 0) {
                verdict = std::string("connect failed: ") + std::strerror(errno);
            } else {
                rawSend(fd, wire::Hello{wire::kProtocolVersion, 65534, uint32_t(getpid()), "intruder"});
                const auto r = rawReadUntil(fd, wire::MessageType::Error, 5000);
                const auto *e = lastOf<wire::ErrorMessage>(r);
                const bool gotAck = lastOf<wire::HelloAck>(r) != nullptr;
                verdict = gotAck ? "HelloAck" : e ? e->text : "no answer";
            }
        }
        (void)!write(pipeFds[1], verdict.data(), verdict.size());
        _exit(0);
    }
    ::close(pipeFds[1]);
    int status = 0;
    QVERIFY(waitpid(child, &status, 0) == child);
    char buf[512] = {};
    const ssize_t n = read(pipeFds[0], buf, sizeof buf - 1);
    ::close(pipeFds[0]);
    const QString verdict = QString::fromUtf8(buf, int(std::max<ssize_t>(n, 0)));
    QCOMPARE(verdict, QStringLiteral("uid 65534 is not allowed"));

    // The server keeps listening for the right user (root is always allowed).
    QVERIFY(!server.done.load());
    const int fd = connectTo(path);
    QVERIFY(fd >= 0);
    QVERIFY(rawSend(fd, wire::Hello{wire::kProtocolVersion, 0, uint32_t(getpid()), "test"}));
    QVERIFY(lastOf<wire::HelloAck>(rawReadUntil(fd, wire::MessageType::HelloAck)));
    ::close(fd);
    QTRY_VERIFY_WITH_TIMEOUT(server.done.load(), 5000);
    QVERIFY2(server.ok, server.error.c_str());
    QVERIFY2(::lstat(path.c_str(), &st) != 0, "the socket file must be removed when the server ends");
}

void TstCaptureServer::symlinkedSocketDirectoryRefused()
{
    if (geteuid() != 0)
        QSKIP("NEEDS ROOT: the serve directory must be root-owned; run the suite as root");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::string real = tmp.path().toStdString() + "/real";
    const std::string link = tmp.path().toStdString() + "/link";
    QVERIFY(::mkdir(real.c_str(), 0755) == 0);
    QVERIFY(::symlink(real.c_str(), link.c_str()) == 0);
    std::atomic<bool> stop{false};
    CaptureServerOptions options;
    options.socketPath = link + "/provscope.sock";
    auto r = runCaptureServer(options, [](uint32_t) { return Result<std::unique_ptr<CaptureSource>>(makeError("unused")); }, stop);
    QVERIFY(!r.ok());
    QVERIFY2(QString::fromStdString(r.error()).contains("symlink"), r.error().c_str());
    struct stat st{};
    QVERIFY2(::lstat((real + "/provscope.sock").c_str(), &st) != 0, "nothing may be created through the symlink");

    // A world-writable directory is refused too.
    QVERIFY(::chmod(real.c_str(), 0777) == 0);
    options.socketPath = real + "/provscope.sock";
    auto r2 = runCaptureServer(options, [](uint32_t) { return Result<std::unique_ptr<CaptureSource>>(makeError("unused")); }, stop);
    QVERIFY(!r2.ok());
    QVERIFY2(QString::fromStdString(r2.error()).contains("writable by group or others"), r2.error().c_str());
}

QTEST_GUILESS_MAIN(TstCaptureServer)
#include "tst_capture_server.moc"
