#include "capture_controller.h"

#include "session_writer.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <ctime>
#include <unistd.h>

namespace provscope {

namespace {
constexpr int kFlushIntervalMs = 250; // events appear in the views well within a second

uint64_t bootTimeNowNs()
{
    timespec now {};
    clock_gettime(CLOCK_BOOTTIME, &now);
    return uint64_t(now.tv_sec) * 1000000000ull + uint64_t(now.tv_nsec);
}

} // namespace

CaptureController::CaptureController(QObject *parent)
    : QObject(parent)
    , m_outputDirectory(QDir::homePath())
{
    m_launch.mode = HelperMode::Unprivileged;
    m_flushTimer.setInterval(kFlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &CaptureController::flushPending);
    connect(&m_acquire, &QFutureWatcher<Acquired>::finished, this, &CaptureController::onHelperAcquired);
}

CaptureController::~CaptureController()
{
    if (m_acquire.isRunning())
        m_acquire.waitForFinished();
    if (m_client)
        m_client->close();
    finishSession();
}

void CaptureController::setHelperLaunch(const HelperLaunch &launch)
{
    m_launch = launch;
}

QString CaptureController::privilegeText() const
{
    return QString::fromStdString(m_launch.statusText);
}

void CaptureController::setOutputDirectory(const QString &directory)
{
    m_outputDirectory = directory;
}

QString CaptureController::newSessionPath() const
{
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    const QDir dir(m_outputDirectory.isEmpty() ? QDir::homePath() : m_outputDirectory);
    QString path = dir.filePath(QStringLiteral("provscope-%1.provscope").arg(stamp));
    for (int n = 2; QFileInfo::exists(path); ++n)
        path = dir.filePath(QStringLiteral("provscope-%1-%2.provscope").arg(stamp).arg(n));
    return path;
}

void CaptureController::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void CaptureController::start()
{
    if (m_state != State::Idle)
        return;
    setState(State::Connecting);
    if (m_launch.mode != HelperMode::Unprivileged) {
        // A socketpair to a helper we (or sudo) started: quick, no need for a thread.
        auto connection = acquireHelperConnection(m_launch);
        Acquired acquired;
        acquired.ok = connection.ok();
        if (connection.ok())
            acquired.connection = connection.value();
        else
            acquired.error = QString::fromStdString(connection.error());
        useConnection(acquired);
        return;
    }
    // Connecting may wait for pkexec and a password: keep the window responsive.
    HelperLaunch launch = m_launch;
    m_acquire.setFuture(QtConcurrent::run([launch]() mutable {
        Acquired acquired;
        auto connection = acquireHelperConnection(launch);
        acquired.ok = connection.ok();
        if (connection.ok())
            acquired.connection = connection.value();
        else
            acquired.error = QString::fromStdString(connection.error());
        return acquired;
    }));
}

void CaptureController::onHelperAcquired()
{
    useConnection(m_acquire.result());
}

void CaptureController::useConnection(const Acquired &acquired)
{
    if (!acquired.ok) {
        setState(State::Idle);
        QString command;
        if (m_launch.mode == HelperMode::Unprivileged) {
            const std::string binary = m_launch.captureBinary.empty() ? defaultCaptureBinary()
                                                                      : m_launch.captureBinary;
            command = QString::fromStdString(manualHelperCommand(binary, getuid()));
        }
        // The launcher appends its own "start it with ..." text; the dialog shows the
        // command itself, so keep only what went wrong before it.
        QString message = acquired.error;
        const int manual = message.indexOf(QLatin1String("No capture helper is running"));
        if (!command.isEmpty() && manual >= 0)
            message = message.left(manual).trimmed();
        emit failed(message, command);
        return;
    }
    startWithFd(acquired.connection.fd);
}

void CaptureController::startWithFd(int fd)
{
    setState(State::Connecting);
    m_stats = {};
    m_client = std::make_unique<CaptureClient>();
    connect(m_client.get(), &CaptureClient::connected, this, [this](const SessionMeta &) {
        if (auto started = m_client->start(); !started)
            onFailed(QString::fromStdString(started.error()));
    });
    connect(m_client.get(), &CaptureClient::started, this, &CaptureController::onStarted);
    connect(m_client.get(), &CaptureClient::batchReceived, this, &CaptureController::onBatch);
    connect(m_client.get(), &CaptureClient::statsReceived, this, [this](const CaptureStats &stats) {
        m_stats = stats;
        emit statsChanged(stats);
    });
    connect(m_client.get(), &CaptureClient::warning, this, &CaptureController::warning);
    connect(m_client.get(), &CaptureClient::failed, this, &CaptureController::onFailed);
    connect(m_client.get(), &CaptureClient::finished, this, &CaptureController::onFinished);
    if (auto adopted = m_client->adoptFd(fd); !adopted)
        onFailed(QString::fromStdString(adopted.error()));
}

void CaptureController::onStarted(const SessionMeta &meta)
{
    const QString path = newSessionPath();
    auto writer = SessionWriter::create(path.toStdString(), meta);
    if (!writer) {
        const QString message = QString::fromStdString(writer.error());
        m_client->close();
        setState(State::Idle);
        emit failed(tr("Cannot create the session file: %1").arg(message), QString());
        return;
    }
    m_writer = std::move(writer.value());
    m_sessionPath = path;
    m_pending = {};
    m_dropped.reset();
    setState(State::Recording);
    m_flushTimer.start();
    emit sessionCreated(path);
}

void CaptureController::onBatch(CaptureBatchPtr batch)
{
    if (!batch || !m_writer)
        return;
    if (!m_pending.events.empty() && m_pending.events.size() + batch->events.size() > m_pendingLimit) {
        // The disk is slower than the capture: count the events, keep the rest (few and small).
        for (const Event &e : batch->events) {
            const uint64_t last = std::max(e.tsNs, e.lastTsNs);
            if (!m_dropped) {
                m_dropped = LossRecord{e.tsNs, last, -1, 0, "user-queue"};
            } else {
                m_dropped->firstTsNs = std::min(m_dropped->firstTsNs, e.tsNs);
                m_dropped->lastTsNs = std::max(m_dropped->lastTsNs, last);
            }
            ++m_dropped->count;
        }
        CaptureBatch kept;
        kept.processes = batch->processes;
        kept.losses = batch->losses;
        kept.flows = batch->flows;
        kept.dnsRecords = batch->dnsRecords;
        m_pending.append(std::move(kept));
        return;
    }
    m_pending.append(CaptureBatch(*batch)); // the batch is shared: copy it
}

void CaptureController::flushPending()
{
    if (!m_writer || (m_pending.empty() && !m_dropped))
        return;
    // One transaction per flush: far cheaper than one per received batch.
    CaptureBatch batch = std::move(m_pending);
    m_pending = {};
    if (m_dropped) { // after the events kept: they were received first
        batch.losses.push_back(*m_dropped);
        m_dropped.reset();
    }
    if (auto appended = m_writer->append(batch); !appended) {
        emit warning(tr("Writing the session failed: %1").arg(QString::fromStdString(appended.error())));
        return;
    }
    if (!batch.events.empty() || !batch.losses.empty() || !batch.flows.empty())
        emit eventsAppended();
}

void CaptureController::stop()
{
    if (m_state == State::Connecting && !m_client) {
        return; // still waiting for a helper; it is used when it arrives
    }
    if (!m_client || m_state == State::Stopping || m_state == State::Idle)
        return;
    if (m_state == State::Connecting) {
        m_client->close();
        m_client.reset();
        setState(State::Idle);
        return;
    }
    setState(State::Stopping);
    if (auto stopped = m_client->stop(); !stopped)
        onFailed(QString::fromStdString(stopped.error()));
}

void CaptureController::onFinished(const CaptureStats &stats)
{
    m_stats = stats;
    emit statsChanged(stats);
    finishSession();
    if (m_client) {
        m_client->close();
        m_client.release()->deleteLater();
    }
    setState(State::Idle);
    if (!m_sessionPath.isEmpty())
        emit finished(m_sessionPath);
}

void CaptureController::onFailed(const QString &reason)
{
    const bool hadSession = m_writer != nullptr;
    finishSession();
    if (m_client)
        m_client.release()->deleteLater();
    setState(State::Idle);
    emit failed(tr("The capture helper failed: %1").arg(reason), QString());
    // Keep what was recorded: it is a finished, valid session.
    if (hadSession)
        emit finished(m_sessionPath);
}

void CaptureController::finishSession()
{
    m_flushTimer.stop();
    if (!m_writer)
        return;
    flushPending();
    emit aboutToFinishSession(m_sessionPath);
    if (auto done = m_writer->finish(bootTimeNowNs()); !done)
        emit warning(tr("Finishing the session failed: %1").arg(QString::fromStdString(done.error())));
    m_writer.reset();
}

} // namespace provscope
