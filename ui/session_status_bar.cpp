#include "session_status_bar.h"

#include <QLabel>
#include <QLocale>

namespace provscope {

namespace {
constexpr qint64 kRateWindowMs = 5000;

QLabel *makeLabel(QWidget *parent, const QString &tip, const char *widest = nullptr)
{
    auto *label = new QLabel(parent);
    // Room for the widest text up front: the bar does not grow labels as text changes.
    if (widest)
        label->setMinimumWidth(label->fontMetrics().horizontalAdvance(QString::fromUtf8(widest)) + 8);
    label->setToolTip(tip);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}
} // namespace

SessionStatusBar::SessionStatusBar(QWidget *parent)
    : QStatusBar(parent)
    , m_events(makeLabel(this, tr("Events in the session"), "100,000,000 events"))
    , m_lost(makeLabel(this, tr("Events the capture lost (kernel or queue drops)"), "1,000,000 lost"))
    , m_rate(makeLabel(this, tr("Events per second over the last seconds"), "100,000 ev/s"))
    , m_path(makeLabel(this, tr("Session file")))
    , m_privilege(makeLabel(this, tr("How the capture helper runs")))
    , m_state(makeLabel(this, tr("Capture state")))
{
    m_state->setStyleSheet(QStringLiteral("color: #b00020; font-weight: bold;"));
    addWidget(m_path, 1);
    addPermanentWidget(m_state);
    addPermanentWidget(m_events);
    addPermanentWidget(m_lost);
    addPermanentWidget(m_rate);
    addPermanentWidget(m_privilege);
    m_clock.start();
    setCounts(0, 0);
    setSessionPath(QString());
    setCaptureState(QString(), false);
}

void SessionStatusBar::setCounts(uint64_t events, uint64_t lost)
{
    const QLocale locale;
    m_events->setText(tr("%1 events").arg(locale.toString(qulonglong(events))));
    m_lost->setText(tr("%1 lost").arg(locale.toString(qulonglong(lost))));
    m_lost->setStyleSheet(lost > 0 ? QStringLiteral("color: #b00020; font-weight: bold;") : QString());
    m_samples.push_back({m_clock.elapsed(), events});
    updateRate();
}

void SessionStatusBar::resetRate()
{
    m_samples.clear();
    m_rate->setText(tr("0 ev/s"));
}

void SessionStatusBar::updateRate()
{
    const qint64 now = m_clock.elapsed();
    while (m_samples.size() > 2 && now - m_samples.front().ms > kRateWindowMs)
        m_samples.pop_front();
    double rate = 0;
    if (m_samples.size() >= 2) {
        const Sample &first = m_samples.front();
        const Sample &last = m_samples.back();
        const qint64 spanMs = last.ms - first.ms;
        if (spanMs > 0 && last.events >= first.events)
            rate = double(last.events - first.events) * 1000.0 / double(spanMs);
    }
    m_rate->setText(tr("%1 ev/s").arg(QLocale().toString(rate, 'f', 0)));
}

void SessionStatusBar::setCaptureState(const QString &text, bool recording)
{
    m_recording = recording;
    m_state->setText(text);
    m_state->setVisible(!text.isEmpty());
    m_rate->setVisible(recording);
    if (!recording)
        m_samples.clear();
}

void SessionStatusBar::setSessionPath(const QString &path)
{
    m_path->setText(path.isEmpty() ? tr("No session open") : path);
}

void SessionStatusBar::setPrivilegeText(const QString &text)
{
    m_privilege->setText(text);
    m_privilege->setVisible(!text.isEmpty());
}

QString SessionStatusBar::captureStateText() const { return m_state->text(); }
QString SessionStatusBar::eventText() const { return m_events->text(); }
QString SessionStatusBar::lostText() const { return m_lost->text(); }
QString SessionStatusBar::rateText() const { return m_rate->text(); }
QString SessionStatusBar::pathText() const { return m_path->text(); }
QString SessionStatusBar::privilegeText() const { return m_privilege->text(); }

} // namespace provscope
