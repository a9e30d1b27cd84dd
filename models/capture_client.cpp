#include "capture_client.h"

#include "frame_decoder.h"
#include "wire_protocol.h"

#include <QSocketNotifier>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace provscope {

namespace {

QString fromStd(const std::string &s) { return QString::fromStdString(s); }

void registerMetaTypes()
{
    static const bool done = [] {
        qRegisterMetaType<provscope::SessionMeta>("provscope::SessionMeta");
        qRegisterMetaType<provscope::CaptureStats>("provscope::CaptureStats");
        qRegisterMetaType<provscope::CaptureBatchPtr>("provscope::CaptureBatchPtr");
        return true;
    }();
    (void)done;
}

} // namespace

CaptureClient::CaptureClient(QObject *parent) : QObject(parent)
{
    registerMetaTypes();
}

CaptureClient::~CaptureClient()
{
    close();
}

Result<void> CaptureClient::adoptFd(int fd, const QString &purpose)
{
    if (fd < 0)
        return makeError("no helper connection (invalid fd)");
    if (m_fd >= 0) {
        ::close(fd);
        return makeError("the capture client is already connected");
    }
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        return makeError("cannot configure the helper socket: " + why);
    }
    m_fd = fd;
    m_decoder = std::make_unique<wire::FrameDecoder>();
    m_outBuffer.clear();
    m_meta = SessionMeta{};
    m_lastStats = CaptureStats{};
    m_readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &CaptureClient::onReadable);
    m_writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &CaptureClient::onWritable);
    m_state = State::Handshaking;

    wire::Hello hello;
    hello.clientUid = getuid();
    hello.clientPid = uint32_t(getpid());
    hello.purpose = purpose.toStdString();
    auto frame = wire::encodeFrame(hello);
    if (!frame) {
        close();
        return makeError(frame.error());
    }
    auto sent = send(frame.value());
    if (!sent) {
        close();
        return sent;
    }
    return {};
}

Result<void> CaptureClient::connectToPath(const QString &socketPath, const QString &purpose)
{
    const QByteArray path = socketPath.toLocal8Bit();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (size_t(path.size()) >= sizeof(addr.sun_path))
        return makeError("socket path too long: " + path.toStdString());
    std::memcpy(addr.sun_path, path.constData(), size_t(path.size()));
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return makeError(std::string("socket: ") + std::strerror(errno));
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) < 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        return makeError("cannot connect to the capture helper at " + path.toStdString() + ": " + why);
    }
    return adoptFd(fd, purpose);
}

Result<void> CaptureClient::start()
{
    if (m_state != State::Idle)
        return makeError(m_state == State::Handshaking ? "still connecting to the capture helper"
                                                       : "no idle connection to a capture helper");
    auto frame = wire::encodeFrame(wire::Start{});
    if (!frame)
        return makeError(frame.error());
    m_state = State::Capturing;
    return send(frame.value());
}

Result<void> CaptureClient::stop()
{
    if (m_state != State::Capturing)
        return makeError("not capturing");
    auto frame = wire::encodeFrame(wire::Stop{});
    if (!frame)
        return makeError(frame.error());
    m_state = State::Stopping;
    return send(frame.value());
}

void CaptureClient::close()
{
    delete m_readNotifier;
    m_readNotifier = nullptr;
    delete m_writeNotifier;
    m_writeNotifier = nullptr;
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
    m_state = State::Closed;
    m_outBuffer.clear();
}

Result<void> CaptureClient::send(const std::vector<uint8_t> &frame)
{
    if (m_fd < 0)
        return makeError("not connected to a capture helper");
    m_outBuffer.insert(m_outBuffer.end(), frame.begin(), frame.end());
    onWritable();
    return m_fd >= 0 ? Result<void>() : Result<void>(makeError("connection to the capture helper lost"));
}

void CaptureClient::onWritable()
{
    while (!m_outBuffer.empty() && m_fd >= 0) {
        const ssize_t n = ::send(m_fd, m_outBuffer.data(), m_outBuffer.size(), MSG_NOSIGNAL);
        if (n > 0) {
            m_outBuffer.erase(m_outBuffer.begin(), m_outBuffer.begin() + n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        fail(QStringLiteral("cannot send to the capture helper: %1").arg(fromStd(std::strerror(errno))));
        return;
    }
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(!m_outBuffer.empty());
}

void CaptureClient::onReadable()
{
    if (m_fd < 0)
        return;
    uint8_t buf[64 * 1024];
    // Bounded per wake-up so a fast helper cannot starve the event loop.
    for (int rounds = 0; rounds < 64 && m_fd >= 0; ++rounds) {
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n > 0) {
            m_decoder->feed(buf, size_t(n));
            handleMessages();
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n == 0) {
            fail(m_state == State::Idle ? QStringLiteral("the capture helper closed the connection")
                                        : QStringLiteral("the capture helper exited unexpectedly"));
        } else {
            fail(QStringLiteral("reading from the capture helper failed: %1").arg(fromStd(std::strerror(errno))));
        }
        return;
    }
}

void CaptureClient::handleMessages()
{
    while (m_fd >= 0) {
        auto next = m_decoder->next();
        if (!next) {
            fail(QStringLiteral("bad frame from the capture helper: %1").arg(fromStd(next.error())));
            return;
        }
        if (!next->has_value())
            return;
        wire::Message &message = **next;
        // On a connection shared with an earlier client (the sudo-started helper's
        // socketpair), frames meant for that client may still arrive before our
        // HelloAck: only HelloAck and Error matter until then.
        const bool stale = m_state == State::Handshaking && !std::holds_alternative<wire::HelloAck>(message) &&
                           !std::holds_alternative<wire::ErrorMessage>(message);
        if (stale)
            continue;
        if (auto *ack = std::get_if<wire::HelloAck>(&message)) {
            if (m_state != State::Handshaking)
                continue; // an earlier client's handshake answer
            m_meta = ack->meta;
            m_state = State::Idle;
            emit connected(m_meta);
        } else if (auto *started = std::get_if<wire::Started>(&message)) {
            m_meta = started->meta;
            emit this->started(m_meta);
        } else if (auto *batch = std::get_if<wire::Batch>(&message)) {
            emit batchReceived(std::make_shared<const CaptureBatch>(std::move(batch->batch)));
        } else if (auto *stats = std::get_if<wire::Stats>(&message)) {
            m_lastStats = stats->stats;
            emit statsReceived(m_lastStats);
        } else if (auto *warn = std::get_if<wire::Warning>(&message)) {
            emit warning(fromStd(warn->text));
        } else if (auto *error = std::get_if<wire::ErrorMessage>(&message)) {
            fail(fromStd(error->text));
            return;
        } else if (auto *bye = std::get_if<wire::Goodbye>(&message)) {
            m_lastStats = bye->stats;
            m_state = State::Idle;
            emit finished(m_lastStats);
        } else {
            fail(QStringLiteral("unexpected %1 frame from the capture helper")
                     .arg(fromStd(wire::messageTypeName(uint16_t(wire::messageType(message))))));
            return;
        }
    }
}

void CaptureClient::fail(const QString &reason)
{
    close();
    emit failed(reason);
}

} // namespace provscope
