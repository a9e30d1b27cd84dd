#pragma once
// GUI side of the wire protocol: talks to a provscope-capture helper over a connected
// Unix stream socket without blocking the event loop (QSocketNotifier + FrameDecoder).
//
// Usage: adoptFd() or connectToPath() -> sends Hello; on HelloAck emits connected();
// start() -> Started emits started(meta) (create the session file here), then
// batchReceived()/statsReceived()/warning(); stop() -> Goodbye emits finished(stats).
// After finished() start() may be called again on the same connection.
// failed() is emitted once when the connection breaks (helper error, EOF, bad frame);
// the client is closed afterwards.
#include "capture_batch.h"
#include "event.h"
#include "result.h"

#include <QObject>
#include <QString>

#include <memory>
#include <vector>

class QSocketNotifier;

namespace provscope {

namespace wire {
class FrameDecoder;
}

using CaptureBatchPtr = std::shared_ptr<const CaptureBatch>;

class CaptureClient : public QObject {
    Q_OBJECT
public:
    enum class State { Closed, Handshaking, Idle, Capturing, Stopping };
    Q_ENUM(State)

    explicit CaptureClient(QObject *parent = nullptr);
    ~CaptureClient() override;

    // Takes ownership of a connected stream socket (e.g. from HelperConnection) and
    // sends Hello. The fd is closed on failure too.
    Result<void> adoptFd(int fd, const QString &purpose = QStringLiteral("gui"));
    // Connects to a served socket (e.g. /run/provscope/provscope.sock) and sends Hello.
    Result<void> connectToPath(const QString &socketPath, const QString &purpose = QStringLiteral("gui"));

    // Asks the helper to start capturing (valid in state Idle).
    Result<void> start();
    // Asks the helper to stop; finished() follows when it has flushed everything.
    Result<void> stop();
    // Drops the connection immediately (the helper then stops its capture by itself).
    void close();

    State state() const { return m_state; }
    bool isOpen() const { return m_state != State::Closed; }
    // The server's facts after connected(); complete (config, start) after started().
    const SessionMeta &meta() const { return m_meta; }
    const CaptureStats &lastStats() const { return m_lastStats; }

signals:
    void connected(const provscope::SessionMeta &meta);
    void started(const provscope::SessionMeta &meta);
    void batchReceived(provscope::CaptureBatchPtr batch);
    void statsReceived(const provscope::CaptureStats &stats);
    void warning(const QString &text);
    void failed(const QString &reason);
    void finished(const provscope::CaptureStats &finalStats);

private:
    void onReadable();
    void onWritable();
    Result<void> send(const std::vector<uint8_t> &frame);
    void handleMessages();
    void fail(const QString &reason);

    int m_fd = -1;
    State m_state = State::Closed;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    std::unique_ptr<wire::FrameDecoder> m_decoder;
    std::vector<uint8_t> m_outBuffer;
    SessionMeta m_meta;
    CaptureStats m_lastStats;
};

} // namespace provscope

Q_DECLARE_METATYPE(provscope::SessionMeta)
Q_DECLARE_METATYPE(provscope::CaptureStats)
Q_DECLARE_METATYPE(provscope::CaptureBatchPtr)
