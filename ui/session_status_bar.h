#pragma once
// The main window's status bar: event count, lost events, event rate,
// session path and the privilege status of capturing.
#include <QElapsedTimer>
#include <QStatusBar>

#include <deque>

class QLabel;

namespace provscope {

class SessionStatusBar : public QStatusBar {
    Q_OBJECT
public:
    explicit SessionStatusBar(QWidget *parent = nullptr);

    // Totals right now; the rate is computed from the last few seconds of these.
    void setCounts(uint64_t events, uint64_t lost);
    void setSessionPath(const QString &path);
    void setPrivilegeText(const QString &text);
    // The capture state ("● Recording", "Connecting…"; empty when idle). The event
    // rate is shown while recording.
    void setCaptureState(const QString &text, bool recording);
    QString captureStateText() const;
    void resetRate();

    QString eventText() const;
    QString lostText() const;
    QString rateText() const;
    QString pathText() const;
    QString privilegeText() const;
    bool isRecording() const { return m_recording; }

private:
    struct Sample {
        qint64 ms;
        uint64_t events;
    };
    void updateRate();

    QLabel *m_events;
    QLabel *m_lost;
    QLabel *m_rate;
    QLabel *m_path;
    QLabel *m_privilege;
    QLabel *m_state;
    bool m_recording = false;
    QElapsedTimer m_clock;
    std::deque<Sample> m_samples;
};

} // namespace provscope
