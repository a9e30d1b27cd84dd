#include "filter_bar.h"

#include "event_query.h"
#include "event_table_model.h"
#include "matching_job.h"
#include "task_progress.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QFile>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QStringListModel>
#include <QThreadPool>
#include <QToolButton>
#include <QVBoxLayout>

namespace provscope {

namespace {
const char *const kHistoryKey = "filter/history";

// The field name being typed before the cursor: letters, digits, '.' and '_'.
int wordStart(const QString &text, int cursor)
{
    int start = cursor;
    while (start > 0) {
        const QChar c = text.at(start - 1);
        if (!(c.isLetterOrNumber() || c == QLatin1Char('.') || c == QLatin1Char('_')))
            break;
        --start;
    }
    return start;
}
} // namespace

FilterBar::FilterBar(EventTableModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_pool(new QThreadPool(this))
    , m_generation(std::make_shared<std::atomic<int>>(0))
{
    m_pool->setMaxThreadCount(1);

    m_edit = new QLineEdit(this);
    m_edit->setObjectName(QStringLiteral("filterEdit"));
    m_edit->setPlaceholderText(tr("Display filter, e.g. evt.type == \"openat\" and proc.name contains \"py\"  (Ctrl+L)"));
    m_edit->setClearButtonEnabled(false);
    QFont mono = m_edit->font();
    mono.setFamily(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_edit->setFont(mono);

    m_clear = new QPushButton(tr("Clear"), this);
    m_clear->setToolTip(tr("Show every event again"));
    QPushButton *applyButton = new QPushButton(tr("Apply"), this);
    applyButton->setToolTip(tr("Apply the filter (Enter)"));

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("filterStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setContentsMargins(4, 0, 4, 0);

    QStringList fields;
    for (const std::string &name : filterFieldNames())
        fields << QString::fromStdString(name);
    m_completer = new QCompleter(new QStringListModel(fields, this), this);
    m_completer->setWidget(m_edit);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    connect(m_edit, &QLineEdit::textEdited, this, [this] {
        const QString text = m_edit->text();
        const int cursor = m_edit->cursorPosition();
        const QString prefix = text.mid(wordStart(text, cursor), cursor - wordStart(text, cursor));
        if (prefix.isEmpty() || prefix.at(0).isDigit()) {
            m_completer->popup()->hide();
            return;
        }
        m_completer->setCompletionPrefix(prefix);
        if (m_completer->completionCount() == 0
            || (m_completer->completionCount() == 1 && m_completer->currentCompletion() == prefix)) {
            m_completer->popup()->hide();
            return;
        }
        m_completer->complete();
        // Enter takes the first field; a second Enter applies the filter.
        m_completer->popup()->setCurrentIndex(m_completer->completionModel()->index(0, 0));
    });
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this, [this](const QString &field) {
        const QString text = m_edit->text();
        const int cursor = m_edit->cursorPosition();
        const int start = wordStart(text, cursor);
        m_edit->setText(text.left(start) + field + text.mid(cursor));
        m_edit->setCursorPosition(start + int(field.size()));
    });
    connect(m_edit, &QLineEdit::returnPressed, this, [this] {
        if (!m_completer->popup()->isVisible())
            apply();
    });
    connect(m_edit, &QLineEdit::textChanged, this, [this] { setErrorState(false); });
    connect(m_edit, &QLineEdit::textEdited, this, [this] { m_historyIndex = -1; });
    m_edit->installEventFilter(this);

    m_historyMenu = new QMenu(this);
    m_historyButton = new QToolButton(this);
    m_historyButton->setObjectName(QStringLiteral("filterHistoryButton"));
    m_historyButton->setArrowType(Qt::DownArrow);
    m_historyButton->setToolTip(tr("Recent filters (Up/Down in the filter bar)"));
    m_historyButton->setPopupMode(QToolButton::InstantPopup);
    m_historyButton->setMenu(m_historyMenu);
    connect(m_historyMenu, &QMenu::aboutToShow, this, &FilterBar::rebuildHistoryMenu);
    connect(applyButton, &QPushButton::clicked, this, &FilterBar::apply);
    connect(m_clear, &QPushButton::clicked, this, &FilterBar::clear);

    QHBoxLayout *row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(new QLabel(tr("Filter:"), this));
    row->addWidget(m_edit, 1);
    row->addWidget(m_historyButton);
    row->addWidget(applyButton);
    row->addWidget(m_clear);
    QVBoxLayout *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 2);
    layout->setSpacing(2);
    layout->addLayout(row);
    layout->addWidget(m_status);
    m_status->hide();
}

FilterBar::~FilterBar()
{
    cancelAndWait();
}

void FilterBar::cancelAndWait()
{
    ++*m_generation;
    m_pool->waitForDone();
    m_running = false;
    finishProgress();
}

QStringList FilterBar::history() const
{
    return QSettings().value(QLatin1String(kHistoryKey)).toStringList();
}

void FilterBar::remember(const QString &text)
{
    const QString filter = text.trimmed();
    QStringList list = history();
    list.removeAll(filter);
    list.prepend(filter);
    while (list.size() > kHistorySize)
        list.removeLast();
    QSettings().setValue(QLatin1String(kHistoryKey), list);
}

void FilterBar::rebuildHistoryMenu()
{
    m_historyMenu->clear();
    const QStringList list = history();
    if (list.isEmpty()) {
        m_historyMenu->addAction(tr("No recent filters"))->setEnabled(false);
        return;
    }
    for (const QString &filter : list) {
        QString shown = filter;
        shown.replace(QLatin1Char('&'), QStringLiteral("&&")); // not a mnemonic
        QAction *action = m_historyMenu->addAction(shown);
        action->setToolTip(filter);
        connect(action, &QAction::triggered, this, [this, filter] { applyFilter(filter); });
    }
    m_historyMenu->addSeparator();
    connect(m_historyMenu->addAction(tr("Clear History")), &QAction::triggered, this,
            [] { QSettings().remove(QLatin1String(kHistoryKey)); });
}

bool FilterBar::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_edit && event->type() == QEvent::KeyPress && !m_completer->popup()->isVisible()) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_Up || key == Qt::Key_Down) {
            const QStringList list = history();
            int index = m_historyIndex + (key == Qt::Key_Up ? 1 : -1);
            if (index >= int(list.size()))
                return true; // at the oldest
            if (m_historyIndex == -1 && index == 0)
                m_typedText = m_edit->text();
            m_historyIndex = std::max(-1, index);
            m_edit->setText(m_historyIndex == -1 ? m_typedText : list.at(m_historyIndex));
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

QString FilterBar::appliedFilter() const
{
    return m_active ? QString::fromStdString(m_filter.text) : QString();
}

void FilterBar::applyFilter(const QString &text)
{
    m_edit->setText(text);
    m_historyIndex = -1;
    apply();
}

void FilterBar::prepareFilter(const QString &text)
{
    m_edit->setText(text);
    m_historyIndex = -1;
    m_edit->setFocus(Qt::OtherFocusReason);
    m_edit->setCursorPosition(int(text.size()));
}

void FilterBar::finishProgress()
{
    if (m_progress && m_progressToken)
        m_progress->finish(m_progressToken);
    m_progressToken = 0;
}

void FilterBar::cancel()
{
    if (!m_running)
        return;
    ++*m_generation; // the worker stops at its next chunk or progress check
    m_running = false;
    m_morePending = false;
    m_cancelled = true;
    finishProgress();
    updateCountText();
}

void FilterBar::setSessionPath(const QString &path)
{
    cancelAndWait();
    const bool reapply = m_active && path == m_sessionPath && !path.isEmpty();
    m_active = false;
    m_morePending = false;
    m_sessionPath = path;
    if (reapply) {
        // The same session reopened (a finished capture): the filter stays.
        m_edit->setText(m_filter.text.empty() ? m_edit->text() : QString::fromStdString(m_filter.text));
        apply();
        return;
    }
    m_edit->clear();
    m_status->clear();
    m_status->hide();
    setErrorState(false);
}

void FilterBar::focusFilter()
{
    m_edit->setFocus(Qt::ShortcutFocusReason);
    m_edit->selectAll();
}

void FilterBar::setErrorState(bool error)
{
    m_edit->setStyleSheet(error ? QStringLiteral("QLineEdit { background: #ffd7d7; color: #000; }") : QString());
    m_status->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
}

void FilterBar::showError(const QString &text)
{
    m_status->setText(text);
    m_status->show();
    setErrorState(true);
}

void FilterBar::apply()
{
    const QString text = m_edit->text();
    if (text.trimmed().isEmpty()) {
        clear();
        return;
    }
    FilterError error;
    auto compiled = compileFilter(text.toStdString(), &error);
    if (!compiled) {
        // The table keeps what it shows.
        showError(tr("column %1: %2").arg(error.column).arg(QString::fromStdString(error.message)));
        m_edit->setCursorPosition(std::max(0, error.column - 1));
        return;
    }
    setErrorState(false);
    if (m_sessionPath.isEmpty() || !m_model->reader()) {
        m_status->setText(tr("Open a session to filter its events."));
        m_status->show();
        return;
    }
    ++*m_generation; // cancels a running query
    m_historyIndex = -1;
    remember(text);
    m_filter = compiled.value();
    m_active = true;
    m_morePending = false;
    m_matches = 0;
    m_model->beginFilteredView();
    startQuery(1);
    emit filterApplied(text.trimmed());
}

void FilterBar::eventsAppended()
{
    // A cancelled filter stays partial: scanning only the new events would make the
    // count look complete while the middle of the session was never searched.
    if (!m_active || m_cancelled)
        return;
    if (m_running) {
        m_morePending = true;
        return;
    }
    if (m_model->eventCount() >= m_nextUnscanned)
        startQuery(m_nextUnscanned);
}

void FilterBar::startQuery(int64_t firstId)
{
    const int generation = ++*m_generation;
    m_shownGeneration = generation;
    m_running = true;
    m_cancelled = false;
    finishProgress();
    if (m_progress && firstId == 1) {
        // A whole-session scan can take seconds on 10M events; the new events of a
        // live session are few.
        m_progressToken = m_progress->begin(
            tr("Filtering %1 events").arg(QLocale().toString(qlonglong(m_model->eventCount()))),
            [this] { cancel(); });
    }
    // The query sees at least the events the model knows of now; ids it finds twice
    // (appended meanwhile) are dropped by the model.
    m_nextUnscanned = m_model->eventCount() + 1;
    updateCountText();

    // A newer filter (or clear) increments m_generation and so stops this one.
    MatchingJob job{QFile::encodeName(m_sessionPath).toStdString(), m_filter, m_generation, generation, 4096, firstId};
    startMatchingJob(
        m_pool, this, std::move(job), [this, generation](const std::vector<int64_t> &ids) { onChunk(generation, ids); },
        [this, generation](double fraction) { onProgress(generation, fraction); },
        [this, generation](const QString &error) { onFinished(generation, error); });
}

void FilterBar::onChunk(int generation, const std::vector<int64_t> &ids)
{
    if (generation != m_shownGeneration || generation != m_generation->load())
        return;
    m_model->appendFilteredIds(ids);
    m_matches = m_model->rowCount();
    updateCountText();
}

void FilterBar::onProgress(int generation, double fraction)
{
    if (generation == m_shownGeneration && generation == m_generation->load() && m_progress && m_progressToken)
        m_progress->setProgress(m_progressToken, fraction);
}

void FilterBar::onFinished(int generation, const QString &error)
{
    if (generation != m_shownGeneration || generation != m_generation->load())
        return;
    m_running = false;
    finishProgress();
    if (!error.isEmpty()) {
        showError(tr("The filter could not run: %1").arg(error));
        return;
    }
    updateCountText();
    emit filterFinished(m_matches, m_model->eventCount());
    if (m_morePending) {
        m_morePending = false;
        eventsAppended();
    }
}

void FilterBar::updateCountText()
{
    const QLocale locale;
    const QString total = locale.toString(qlonglong(m_model->eventCount()));
    const QString matches = locale.toString(qlonglong(m_matches));
    if (m_running)
        m_status->setText(tr("Filtering… %1 of %2 events match so far").arg(matches, total));
    else if (m_cancelled)
        m_status->setText(tr("Cancelled: %1 matching events shown; not all of the %2 events were searched")
                              .arg(matches, total));
    else
        m_status->setText(m_matches == 1 ? tr("1 of %1 events matches").arg(total)
                                         : tr("%1 of %2 events match").arg(matches, total));
    m_status->show();
}

void FilterBar::clear()
{
    ++*m_generation; // cancels a running query; its late chunks are ignored
    const bool wasActive = m_active;
    m_running = false;
    m_cancelled = false;
    finishProgress();
    m_active = false;
    m_morePending = false;
    m_edit->clear();
    m_status->clear();
    m_status->hide();
    setErrorState(false);
    m_model->clearFilteredView();
    if (wasActive)
        emit filterApplied(QString());
}

} // namespace provscope
