#include "quick_filter_bar.h"

#include "filter_expression.h"
#include "session_values.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QFile>
#include <QHBoxLayout>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>
#include <limits>

namespace provscope {

namespace {

// "2026-11-22T10:15:00+01:00": the local time the edit shows, with its offset, so
// the bar reads like the edit.
QString isoLocal(const QDateTime &time)
{
    const int offset = time.offsetFromUtc();
    QString text = time.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss"));
    if (offset == 0)
        return text + QLatin1Char('Z');
    const int minutes = std::abs(offset) / 60;
    return text + (offset < 0 ? QLatin1Char('-') : QLatin1Char('+'))
           + QStringLiteral("%1:%2").arg(minutes / 60, 2, 10, QLatin1Char('0')).arg(minutes % 60, 2, 10, QLatin1Char('0'));
}

int64_t floorSeconds(int64_t epochNs)
{
    return epochNs >= 0 ? epochNs / 1'000'000'000 : -((-epochNs + 999'999'999) / 1'000'000'000);
}

} // namespace

QuickFilterBar::QuickFilterBar(QWidget *parent)
    : QWidget(parent)
    , m_pool(new QThreadPool(this))
    , m_generation(std::make_shared<std::atomic<int>>(0))
{
    m_pool->setMaxThreadCount(1);
    const auto timeEdit = [this](const QString &name, const QString &tip) {
        auto *edit = new QDateTimeEdit(this);
        edit->setObjectName(name);
        edit->setTimeSpec(Qt::LocalTime);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        edit->setToolTip(tip);
        edit->setKeyboardTracking(false);
        return edit;
    };
    m_from = timeEdit(QStringLiteral("quickFrom"), tr("Events at or after this time (local time)"));
    m_to = timeEdit(QStringLiteral("quickTo"), tr("Events up to the end of this second (local time)"));
    const auto combo = [this](const QString &name, const QString &tip) {
        auto *box = new QComboBox(this);
        box->setObjectName(name);
        box->setToolTip(tip);
        box->setMinimumContentsLength(7);
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMaxVisibleItems(25);
        return box;
    };
    m_syscall = combo(QStringLiteral("quickSyscall"), tr("Only this syscall"));
    m_process = combo(QStringLiteral("quickProcess"), tr("Only processes of this name"));
    const auto number = [this](const QString &name, const QString &tip) {
        auto *edit = new QLineEdit(this);
        edit->setObjectName(name);
        edit->setToolTip(tip);
        edit->setPlaceholderText(tr("any"));
        edit->setValidator(new QIntValidator(0, std::numeric_limits<int>::max(), edit));
        edit->setFixedWidth(fontMetrics().horizontalAdvance(QStringLiteral("9999999")) + 24);
        edit->setClearButtonEnabled(true);
        return edit;
    };
    m_pid = number(QStringLiteral("quickPid"), tr("Only this process id (Enter applies)"));
    m_ppid = number(QStringLiteral("quickPpid"), tr("Only children of this process id (Enter applies)"));
    m_clear = new QPushButton(tr("Clear"), this);
    m_clear->setObjectName(QStringLiteral("quickClear"));
    m_clear->setToolTip(tr("Every quick filter back to any"));

    // Times apply after a pause (arrow keys step through seconds); the others at once.
    QTimer *timeDelay = new QTimer(this);
    timeDelay->setSingleShot(true);
    timeDelay->setInterval(400);
    connect(timeDelay, &QTimer::timeout, this, &QuickFilterBar::changed);
    for (QDateTimeEdit *edit : {m_from, m_to}) {
        connect(edit, &QDateTimeEdit::dateTimeChanged, this, [this, timeDelay] {
            if (!m_updating)
                timeDelay->start();
        });
    }
    for (QComboBox *box : {m_syscall, m_process})
        connect(box, &QComboBox::activated, this, &QuickFilterBar::changed);
    for (QLineEdit *edit : {m_pid, m_ppid}) {
        connect(edit, &QLineEdit::editingFinished, this, &QuickFilterBar::changed);
        connect(edit, &QLineEdit::textChanged, this, [this, edit](const QString &text) {
            if (text.isEmpty() && !m_updating && !edit->hasFocus())
                changed(); // the clear button
        });
    }
    connect(m_clear, &QPushButton::clicked, this, &QuickFilterBar::clearFilters);

    QHBoxLayout *row = new QHBoxLayout(this);
    row->setContentsMargins(4, 2, 4, 2);
    row->setSpacing(4);
    const auto label = [this, row](const QString &text) { row->addWidget(new QLabel(text, this)); };
    label(tr("From"));
    row->addWidget(m_from);
    label(tr("to"));
    row->addWidget(m_to);
    row->addSpacing(8);
    label(tr("Syscall"));
    row->addWidget(m_syscall, 1);
    label(tr("Process"));
    row->addWidget(m_process, 1);
    label(tr("PID"));
    row->addWidget(m_pid);
    label(tr("PPID"));
    row->addWidget(m_ppid);
    row->addWidget(m_clear);
    setSession(QString(), 0, 0);
}

QuickFilterBar::~QuickFilterBar()
{
    cancelAndWait();
}

void QuickFilterBar::cancelAndWait()
{
    ++*m_generation;
    m_pool->waitForDone();
}

void QuickFilterBar::setSession(const QString &path, int64_t firstEpochNs, int64_t lastEpochNs)
{
    cancelAndWait();
    m_sessionPath = path;
    m_firstSecond = floorSeconds(firstEpochNs);
    m_lastSecond = std::max(m_firstSecond, floorSeconds(lastEpochNs));
    m_hasSpan = firstEpochNs != 0 || lastEpochNs != 0;
    m_updating = true;
    const QDateTime first = QDateTime::fromSecsSinceEpoch(m_firstSecond, Qt::LocalTime);
    const QDateTime last = QDateTime::fromSecsSinceEpoch(m_lastSecond, Qt::LocalTime);
    for (QDateTimeEdit *edit : {m_from, m_to}) {
        edit->setDateTimeRange(first, last);
        edit->setEnabled(!path.isEmpty());
    }
    m_updating = false;
    m_valuesLoaded = false;
    for (QComboBox *box : {m_syscall, m_process}) {
        box->clear();
        box->addItem(path.isEmpty() ? tr("any") : tr("loading…"));
        box->setEnabled(false);
    }
    m_pid->setEnabled(!path.isEmpty());
    m_ppid->setEnabled(!path.isEmpty());
    reset();
    if (!path.isEmpty())
        loadValues();
}

void QuickFilterBar::extendSpan(int64_t firstEpochNs, int64_t lastEpochNs)
{
    if (firstEpochNs == 0 && lastEpochNs == 0)
        return; // no events yet
    widenSpan(firstEpochNs, lastEpochNs);
}

void QuickFilterBar::widenSpan(int64_t firstEpochNs, int64_t lastEpochNs)
{
    if (m_sessionPath.isEmpty())
        return;
    int64_t first = floorSeconds(std::min(firstEpochNs, lastEpochNs));
    int64_t last = floorSeconds(std::max(firstEpochNs, lastEpochNs));
    if (m_hasSpan) {
        first = std::min(first, m_firstSecond);
        last = std::max(last, m_lastSecond);
        if (first == m_firstSecond && last == m_lastSecond)
            return;
    }
    // Without a span yet (1970 at both ends) From and To take the new one.
    const bool fromAtStart = !m_hasSpan || m_from->dateTime().toSecsSinceEpoch() <= m_firstSecond;
    const bool toAtEnd = !m_hasSpan || m_to->dateTime().toSecsSinceEpoch() >= m_lastSecond;
    m_hasSpan = true;
    m_firstSecond = first;
    m_lastSecond = last;
    m_updating = true;
    const QDateTime start = QDateTime::fromSecsSinceEpoch(first, Qt::LocalTime);
    const QDateTime end = QDateTime::fromSecsSinceEpoch(last, Qt::LocalTime);
    for (QDateTimeEdit *edit : {m_from, m_to})
        edit->setDateTimeRange(start, end);
    if (fromAtStart)
        m_from->setDateTime(start);
    if (toAtEnd)
        m_to->setDateTime(end);
    m_updating = false;
    noteTimeRange();
}

void QuickFilterBar::loadValues()
{
    const int generation = ++*m_generation;
    const std::shared_ptr<std::atomic<int>> current = m_generation;
    const std::string path = QFile::encodeName(m_sessionPath).toStdString();
    m_pool->start([this, current, generation, path] {
        auto values = readSessionValues(path, [&] { return current->load() != generation; });
        if (current->load() != generation)
            return;
        QStringList syscalls, processes;
        if (values) {
            for (const std::string &name : values.value().syscalls)
                syscalls << QString::fromStdString(name);
            for (const std::string &name : values.value().processNames)
                processes << QString::fromStdString(name);
        }
        QMetaObject::invokeMethod(this, [this, generation, syscalls, processes] {
            if (m_generation->load() != generation)
                return;
            m_updating = true;
            const auto fill = [this](QComboBox *box, const QStringList &items) {
                box->clear();
                box->addItem(tr("any"));
                box->addItems(items);
                box->setEnabled(true);
            };
            fill(m_syscall, syscalls);
            fill(m_process, processes);
            m_updating = false;
            m_valuesLoaded = true;
            emit valuesReady();
        }, Qt::QueuedConnection);
    });
}

void QuickFilterBar::reset(bool keepTime)
{
    m_updating = true;
    if (!keepTime) {
        m_from->setDateTime(m_from->minimumDateTime());
        m_to->setDateTime(m_to->maximumDateTime());
    }
    m_syscall->setCurrentIndex(0);
    m_process->setCurrentIndex(0);
    m_pid->clear();
    m_ppid->clear();
    m_updating = false;
    m_lastEmitted.clear();
    noteTimeRange();
}

bool QuickFilterBar::hasTimeRange() const
{
    return !m_sessionPath.isEmpty()
           && (m_from->dateTime().toSecsSinceEpoch() > m_firstSecond || m_to->dateTime().toSecsSinceEpoch() < m_lastSecond);
}

std::pair<int64_t, int64_t> QuickFilterBar::timeRange() const
{
    std::pair<int64_t, int64_t> range{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
    if (m_sessionPath.isEmpty())
        return range;
    if (const int64_t from = m_from->dateTime().toSecsSinceEpoch(); from > m_firstSecond)
        range.first = from * 1'000'000'000;
    if (const int64_t to = m_to->dateTime().toSecsSinceEpoch(); to < m_lastSecond)
        range.second = (to + 1) * 1'000'000'000; // through the end of that second
    return range;
}

QString QuickFilterBar::timeExpression() const
{
    QStringList parts;
    if (m_sessionPath.isEmpty())
        return {};
    if (m_from->dateTime().toSecsSinceEpoch() > m_firstSecond)
        parts << QStringLiteral("evt.time >= ") + FilterExpression::quoted(isoLocal(m_from->dateTime()));
    if (m_to->dateTime().toSecsSinceEpoch() < m_lastSecond) // through the end of that second
        parts << QStringLiteral("evt.time < ") + FilterExpression::quoted(isoLocal(m_to->dateTime().addSecs(1)));
    return parts.join(QStringLiteral(" and "));
}

void QuickFilterBar::setTimeRange(int64_t fromEpochNs, int64_t toEpochNs)
{
    if (m_sessionPath.isEmpty())
        return;
    // INT64_MIN / INT64_MAX (as timeRange() gives them): that end of the span.
    const bool openStart = fromEpochNs == std::numeric_limits<int64_t>::min();
    const bool openEnd = toEpochNs == std::numeric_limits<int64_t>::max();
    const int64_t from = openStart ? m_firstSecond : std::clamp(floorSeconds(fromEpochNs), m_firstSecond, m_lastSecond);
    const int64_t to = openEnd ? m_lastSecond
                               : std::clamp(floorSeconds(std::max(fromEpochNs, toEpochNs - 1)), from, m_lastSecond);
    m_updating = true;
    m_from->setDateTime(QDateTime::fromSecsSinceEpoch(from, Qt::LocalTime));
    m_to->setDateTime(QDateTime::fromSecsSinceEpoch(to, Qt::LocalTime));
    m_updating = false;
    changed();
}

void QuickFilterBar::noteTimeRange()
{
    const std::pair<int64_t, int64_t> range = timeRange();
    if (range == m_lastRange)
        return;
    m_lastRange = range;
    emit timeRangeChanged();
}

QString QuickFilterBar::expression() const
{
    if (m_sessionPath.isEmpty())
        return {};
    QStringList parts;
    if (const QString time = timeExpression(); !time.isEmpty())
        parts << time;
    if (m_syscall->currentIndex() > 0)
        parts << QStringLiteral("evt.type == ") + FilterExpression::quoted(m_syscall->currentText());
    if (m_process->currentIndex() > 0)
        parts << QStringLiteral("proc.name == ") + FilterExpression::quoted(m_process->currentText());
    // The validator lets "1,234" through in some locales: the expression takes digits only.
    const auto number = [](const QLineEdit *edit) {
        QString digits;
        for (const QChar c : edit->text())
            if (c.isDigit())
                digits += c;
        return digits;
    };
    if (const QString pid = number(m_pid); !pid.isEmpty())
        parts << QStringLiteral("proc.pid == ") + pid;
    if (const QString ppid = number(m_ppid); !ppid.isEmpty())
        parts << QStringLiteral("proc.ppid == ") + ppid;
    return parts.join(QStringLiteral(" and "));
}

void QuickFilterBar::changed()
{
    if (m_updating)
        return;
    // From after To: the other end follows, so the range is never empty by accident.
    if (m_from->dateTime() > m_to->dateTime()) {
        m_updating = true;
        if (sender() == m_to)
            m_from->setDateTime(m_to->dateTime());
        else
            m_to->setDateTime(m_from->dateTime());
        m_updating = false;
    }
    const QString text = expression();
    if (text == m_lastEmitted)
        return;
    m_lastEmitted = text;
    emit expressionChanged(text);
    noteTimeRange();
}

void QuickFilterBar::clearFilters()
{
    const bool wasSet = !expression().isEmpty() || !m_lastEmitted.isEmpty();
    reset();
    if (wasSet)
        emit expressionChanged(QString());
}

void QuickFilterBar::followFilter(const QString &text)
{
    if (text.trimmed() == expression())
        return;
    // A drill-down within the time range (the Flows tab's "... and evt.time ...")
    // keeps it: the range still describes that part of the filter.
    const QString time = timeExpression();
    reset(!time.isEmpty() && text.trimmed().endsWith(time));
}

} // namespace provscope
