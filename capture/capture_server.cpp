#include "capture_server.h"

#include "frame_decoder.h"
#include "session_meta_factory.h"
#include "unix_socket.h"
#include "wire_protocol.h"

#include <cerrno>
#include <deque>
#include <cstring>
#include <iostream>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace provscope {

namespace {

constexpr int kHelloTimeoutMs = 10000;
constexpr int kSourcePollMs = 50;
constexpr size_t kFlushEventThreshold = 20000; // flush early when this much piles up

int64_t nowMs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void logLine(const std::string &text)
{
    std::cerr << "provscope-capture: " << text << std::endl;
}

bool uidAllowed(uid_t uid, const CaptureServerOptions &options)
{
    return uid == 0 || uid == options.allowedUid;
}

// One connected, allowed client: handshake, then Start/Stop cycles until it leaves.
class ClientSession {
public:
    enum class Outcome { Idle, ClientGone, StopRequested };

    ClientSession(int fd, int listenFd, const CaptureServerOptions &options, const SourceFactory &makeSource,
                  const std::atomic<bool> &stopRequested)
        : m_fd(fd), m_listenFd(listenFd), m_options(options), m_makeSource(makeSource), m_stop(stopRequested) {}

    Result<void> run()
    {
        auto hello = handshake();
        if (!hello)
            return hello;
        if (m_gone)
            return {};
        while (!m_gone) {
            if (m_stop.load()) {
                logLine("stop requested; closing the idle connection");
                return {};
            }
            if (m_inbox.empty()) {
                auto read = readMessages(200);
                if (!read)
                    return protocolError(read.error());
            }
            while (!m_inbox.empty()) {
                wire::Message message = std::move(m_inbox.front());
                m_inbox.pop_front();
                if (std::holds_alternative<wire::Start>(message)) {
                    auto outcome = capture();
                    if (!outcome)
                        return makeError(outcome.error());
                    if (outcome.value() != Outcome::Idle)
                        return {};
                } else if (std::holds_alternative<wire::Stop>(message)) {
                    (void)send(wire::Goodbye{CaptureStats{}, "not capturing"});
                } else if (const auto *hello = std::get_if<wire::Hello>(&message)) {
                    auto answered = answerHello(*hello); // a new client on the same connection
                    if (!answered)
                        return answered;
                } else {
                    return protocolError("unexpected " + typeName(message) + " frame from the client");
                }
            }
        }
        logLine("client disconnected");
        return {};
    }

private:
    static std::string typeName(const wire::Message &m)
    {
        return wire::messageTypeName(uint16_t(wire::messageType(m)));
    }

    // Tells the client (best effort), and fails: the connection is closed by the caller.
    Result<void> protocolError(const std::string &reason)
    {
        (void)send(wire::ErrorMessage{"protocol error: " + reason});
        logLine("closing the connection: " + reason);
        return makeError("closing the connection: " + reason);
    }

    Result<void> send(const wire::Message &message)
    {
        if (m_gone)
            return makeError("client disconnected");
        auto frame = wire::encodeFrame(message);
        if (!frame)
            return makeError(frame.error());
        auto sent = sendAll(m_fd, frame->data(), frame->size(), m_stop);
        if (!sent)
            m_gone = true;
        return sent;
    }

    Result<void> sendBatch(CaptureBatch &&batch)
    {
        if (batch.empty())
            return {};
        for (auto &part : wire::splitBatch(std::move(batch))) {
            auto sent = send(wire::Batch{std::move(part)});
            if (!sent)
                return sent;
        }
        return {};
    }

    // Waits up to timeoutMs for client bytes (refusing extra clients meanwhile) and
    // queues the complete messages in m_inbox; EOF sets m_gone. A bad frame is an error.
    Result<void> readMessages(int timeoutMs)
    {
        pollfd fds[2] = {{m_fd, POLLIN, 0}, {m_listenFd, POLLIN, 0}};
        const int n = poll(fds, m_listenFd >= 0 ? 2 : 1, timeoutMs);
        if (n < 0 && errno != EINTR)
            return makeError(std::string("poll failed: ") + std::strerror(errno));
        if (n > 0 && m_listenFd >= 0 && (fds[1].revents & POLLIN))
            refuseExtraClient();
        if (n <= 0 || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
            return {};
        uint8_t buf[16384];
        for (;;) {
            const ssize_t got = ::recv(m_fd, buf, sizeof buf, 0);
            if (got > 0) {
                m_decoder.feed(buf, size_t(got));
                continue;
            }
            if (got < 0 && errno == EINTR)
                continue;
            if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                m_gone = true;
            break;
        }
        for (;;) {
            auto next = m_decoder.next();
            if (!next)
                return makeError("bad frame from the client: " + next.error());
            if (!next->has_value())
                break;
            m_inbox.push_back(std::move(**next));
        }
        return {};
    }

    void refuseExtraClient()
    {
        const int fd = accept4(m_listenFd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        auto frame = wire::encodeFrame(wire::ErrorMessage{"another client is connected; one client at a time"});
        if (frame)
            (void)::send(fd, frame->data(), frame->size(), MSG_NOSIGNAL);
        ::close(fd);
        logLine("refused a second client (one client at a time)");
    }

    Result<void> handshake()
    {
        // A served socket must not be blocked by a silent client; an inherited socketpair
        // belongs to a GUI that may send Hello only when the user presses Capture->Start.
        const bool timed = m_listenFd >= 0;
        const int64_t deadline = nowMs() + kHelloTimeoutMs;
        while (!m_gone && !m_stop.load() && (!timed || nowMs() < deadline)) {
            auto read = readMessages(100);
            if (!read)
                return protocolError(read.error());
            if (m_inbox.empty())
                continue;
            const wire::Message first = std::move(m_inbox.front());
            m_inbox.pop_front();
            const auto *hello = std::get_if<wire::Hello>(&first);
            if (!hello)
                return protocolError("expected Hello, got " + typeName(first));
            return answerHello(*hello);
        }
        if (m_gone || m_stop.load())
            return {};
        return protocolError("no Hello within " + std::to_string(kHelloTimeoutMs / 1000) + " s");
    }

    Result<void> answerHello(const wire::Hello &hello)
    {
        if (hello.protocolVersion != wire::kProtocolVersion)
            return protocolError("client speaks protocol version " + std::to_string(hello.protocolVersion) +
                                 ", this helper speaks " + std::to_string(wire::kProtocolVersion));
        logLine("client \"" + hello.purpose + "\" (uid " + std::to_string(hello.clientUid) + ", pid " +
                std::to_string(hello.clientPid) + ") connected");
        wire::HelloAck ack;
        ack.serverPid = uint32_t(getpid());
        ack.meta = makeLiveSessionMeta("");
        (void)send(ack);
        return {};
    }

    // From Start until Stop (back to idle), client gone, stop request or failure.
    // A Hello ends the capture too: the GUI's socketpair (sudo) is shared by successive
    // CaptureClients, and a new one says Hello again (handled by run()).
    Result<Outcome> capture()
    {
        auto peer = peerCredentials(m_fd);
        auto made = m_makeSource(peer ? uint32_t(peer->pid) : 0);
        if (!made) {
            (void)send(wire::ErrorMessage{"cannot start the capture: " + made.error()});
            return makeError("cannot start the capture: " + made.error());
        }
        std::unique_ptr<CaptureSource> source = std::move(made).value();
        const SessionMeta meta = makeLiveSessionMeta(source->configJson());
        if (auto begun = source->begin(meta.bootToEpochNs); !begun) {
            (void)source->stop([](CaptureBatch &&) {});
            (void)send(wire::ErrorMessage{"cannot start the capture: " + begun.error()});
            return makeError("cannot start the capture: " + begun.error());
        }
        logLine("capture started");
        (void)send(wire::Started{meta});

        CaptureBatch pending;
        const auto collect = [&pending](CaptureBatch &&batch) { pending.append(std::move(batch)); };
        int64_t lastFlush = nowMs();
        int64_t lastStats = lastFlush;

        // Drains the source and says goodbye (when the client can still hear it).
        const auto finish = [&](const std::string &reason, bool sayGoodbye = true) -> Result<void> {
            auto stopped = source->stop(collect);
            if (!m_gone && sayGoodbye) {
                (void)sendBatch(std::move(pending));
                pending = CaptureBatch{};
                (void)send(wire::Stats{source->stats()});
                if (!stopped)
                    (void)send(wire::Warning{"stopping the capture: " + stopped.error()});
                (void)send(wire::Goodbye{source->stats(), reason});
            }
            logLine("capture stopped (" + reason + ")");
            return stopped;
        };

        while (!m_gone) {
            if (m_stop.load()) {
                (void)finish("helper stopped by signal");
                return Outcome::StopRequested;
            }
            auto polled = source->poll(kSourcePollMs, collect);
            if (!polled) {
                (void)send(wire::ErrorMessage{"capture failed: " + polled.error()});
                (void)source->stop([](CaptureBatch &&) {});
                return makeError("capture failed: " + polled.error());
            }
            const int64_t now = nowMs();
            if (now - lastFlush >= m_options.flushIntervalMs || pending.events.size() >= kFlushEventThreshold) {
                (void)sendBatch(std::move(pending));
                pending = CaptureBatch{};
                lastFlush = now;
            }
            if (now - lastStats >= m_options.statsIntervalMs) {
                (void)send(wire::Stats{source->stats()});
                lastStats = now;
            }
            auto read = readMessages(0);
            if (!read) {
                (void)finish("bad frame from the client", false);
                return makeError(protocolError(read.error()).error());
            }
            while (!m_inbox.empty()) {
                wire::Message message = std::move(m_inbox.front());
                m_inbox.pop_front();
                if (std::holds_alternative<wire::Stop>(message)) {
                    (void)finish("stopped by client");
                    return Outcome::Idle;
                }
                if (std::holds_alternative<wire::Start>(message)) {
                    (void)send(wire::Warning{"already capturing; Start ignored"});
                    continue;
                }
                if (std::holds_alternative<wire::Hello>(message)) {
                    (void)finish("a new client said Hello", false);
                    m_inbox.push_front(std::move(message));
                    return Outcome::Idle;
                }
                (void)finish("protocol error", false);
                return makeError(protocolError("unexpected " + typeName(message) + " frame while capturing").error());
            }
        }
        (void)finish("client disconnected");
        return Outcome::ClientGone;
    }

    int m_fd;
    int m_listenFd;
    const CaptureServerOptions &m_options;
    const SourceFactory &m_makeSource;
    const std::atomic<bool> &m_stop;
    wire::FrameDecoder m_decoder;
    std::deque<wire::Message> m_inbox;
    bool m_gone = false;
};

// SO_PEERCRED check; a refused client is told why and closed.
bool admit(int fd, const CaptureServerOptions &options, std::string *refusal)
{
    auto cred = peerCredentials(fd);
    if (cred && uidAllowed(cred->uid, options))
        return true;
    *refusal = cred ? "uid " + std::to_string(cred->uid) + " is not allowed" : cred.error();
    auto frame = wire::encodeFrame(wire::ErrorMessage{*refusal});
    if (frame)
        (void)::send(fd, frame->data(), frame->size(), MSG_NOSIGNAL);
    logLine("refused client" + (cred ? " pid " + std::to_string(cred->pid) : std::string()) + ": " + *refusal);
    return false;
}

Result<void> serveInheritedFd(const CaptureServerOptions &options, const SourceFactory &makeSource,
                              const std::atomic<bool> &stopRequested)
{
    const int fd = options.inheritedFd;
    if (auto nb = setNonBlocking(fd); !nb) {
        ::close(fd);
        return makeError("inherited fd " + std::to_string(fd) + ": " + nb.error());
    }
    std::string refusal;
    if (!admit(fd, options, &refusal)) {
        ::close(fd);
        return makeError(refusal);
    }
    auto served = ClientSession(fd, -1, options, makeSource, stopRequested).run();
    ::close(fd);
    return served;
}

Result<void> servePath(const CaptureServerOptions &options, const SourceFactory &makeSource,
                       const std::atomic<bool> &stopRequested)
{
    auto listening = listenOnUnixSocket(options.socketPath, options.allowedUid);
    if (!listening)
        return makeError(listening.error());
    const int listenFd = listening.value();
    struct Cleanup {
        int fd;
        const std::string &path;
        ~Cleanup()
        {
            ::close(fd);
            unlink(path.c_str());
        }
    } cleanup{listenFd, options.socketPath};

    while (!stopRequested.load()) {
        pollfd p{listenFd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        const int fd = accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            continue;
        std::string refusal;
        if (!admit(fd, options, &refusal)) {
            ::close(fd);
            continue; // keep listening for the right user
        }
        auto served = ClientSession(fd, listenFd, options, makeSource, stopRequested).run();
        ::close(fd);
        return served;
    }
    return {};
}

} // namespace

Result<void> runCaptureServer(const CaptureServerOptions &options, const SourceFactory &makeSource,
                              const std::atomic<bool> &stopRequested)
{
    if (options.inheritedFd >= 0)
        return serveInheritedFd(options, makeSource, stopRequested);
    if (options.socketPath.empty())
        return makeError("nothing to serve on: give a socket path or an inherited fd");
    return servePath(options, makeSource, stopRequested);
}

} // namespace provscope
