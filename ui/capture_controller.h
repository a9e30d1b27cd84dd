#pragma once
// Capture → Start / Stop: gets a helper (DESIGN.md privileges), records everything it
// sends into a new session file with SessionWriter, and tells the views when rows
// were appended. The views read the same file through a SessionReader (WAL).
#include "capture_batch.h"
#include "capture_client.h"
#include "helper_launcher.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>
#include <optional>

namespace provscope {

class SessionWriter;

class CaptureController : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Connecting, Recording, Stopping };
    Q_ENUM(State)

    explicit CaptureController(QObject *parent = nullptr);
    ~CaptureController() override;

    // Events received but not yet written may not exceed this; beyond it the events of
    // a batch are dropped and stored as a "user-queue" loss record (never silently).
    void setPendingLimit(size_t events) { m_pendingLimit = events; }

    // What prepareHelperBeforeQt() found; used (and its fd consumed) on start().
    void setHelperLaunch(const HelperLaunch &launch);
    const HelperLaunch &helperLaunch() const { return m_launch; }
    QString privilegeText() const;

    // Where new sessions go (default: the home directory).
    void setOutputDirectory(const QString &directory);
    QString outputDirectory() const { return m_outputDirectory; }
    // ~/provscope-YYYYMMDD-HHMMSS.provscope (or in the output directory).
    QString newSessionPath() const;

    // Starts with an already connected helper socket (tests, or a caller that got one).
    void startWithFd(int fd);
    State state() const { return m_state; }
    bool isActive() const { return m_state != State::Idle; }
    QString sessionPath() const { return m_sessionPath; }
    const CaptureStats &stats() const { return m_stats; }

public slots:
    void start();
    void stop();

signals:
    void stateChanged(provscope::CaptureController::State state);
    // The session file exists and can be opened by a reader (WAL).
    void sessionCreated(const QString &path);
    // New events were committed to the session file.
    void eventsAppended();
    void statsChanged(const provscope::CaptureStats &stats);
    void warning(const QString &text);
    // Starting or recording failed. command is non-empty when the user must start the
    // helper by hand: the exact command to run.
    void failed(const QString &message, const QString &command);
    // Emitted (synchronously) just before the writer finishes the file: every reader
    // of the file must be closed now, or finishing cannot checkpoint it.
    void aboutToFinishSession(const QString &path);
    // Recording ended and the session file is finished (self-contained).
    void finished(const QString &path);

private:
    void setState(State state);
    void onHelperAcquired();
    void onStarted(const SessionMeta &meta);
    void onBatch(CaptureBatchPtr batch);
    void onFinished(const CaptureStats &stats);
    void onFailed(const QString &reason);
    void flushPending();
    void finishSession();

    HelperLaunch m_launch;
    QString m_outputDirectory;
    State m_state = State::Idle;
    std::unique_ptr<CaptureClient> m_client;
    std::unique_ptr<SessionWriter> m_writer;
    struct Acquired {
        bool ok = false;
        HelperConnection connection;
        QString error;
    };
    void useConnection(const Acquired &acquired);

    QFutureWatcher<Acquired> m_acquire;
    CaptureBatch m_pending;
    size_t m_pendingLimit = 1'000'000; // about 256 MiB of events
    std::optional<LossRecord> m_dropped; // events dropped since the last flush
    QTimer m_flushTimer;
    QString m_sessionPath;
    CaptureStats m_stats;
};

} // namespace provscope
