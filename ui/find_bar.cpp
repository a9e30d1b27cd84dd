#include "find_bar.h"

#include "event_query.h"
#include "event_table_model.h"
#include "filter_expression.h"
#include "matching_job.h"
#include "task_progress.h"

#include <QFile>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QThreadPool>
#include <QTimer>
#include <QToolButton>

#include <algorithm>

namespace provscope {

namespace {

// Paints the rows of find matches with a highlight behind the text.
class MatchDelegate : public QStyledItemDelegate {
public:
    MatchDelegate(const FindBar *bar, QObject *parent) : QStyledItemDelegate(parent), m_bar(bar) {}

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (m_bar->matchCount() == 0)
            return;
        const QVariant id = index.data(EventTableModel::EventIdRole);
        if (id.isValid() && m_bar->isMatch(id.toLongLong()))
            option->backgroundBrush = QBrush(QColor(0xff, 0xee, 0x80));
    }

private:
    const FindBar *m_bar;
};

} // namespace

FindBar::FindBar(QTableView *table, EventTableModel *model, QWidget *parent)
    : QWidget(parent)
    , m_table(table)
    , m_model(model)
    , m_delay(new QTimer(this))
    , m_pool(new QThreadPool(this))
    , m_generation(std::make_shared<std::atomic<int>>(0))
{
    m_pool->setMaxThreadCount(1);
    m_delay->setSingleShot(true);
    m_delay->setInterval(300); // a search per pause in typing, not per key
    connect(m_delay, &QTimer::timeout, this, &FindBar::startSearch);

    m_edit = new QLineEdit(this);
    m_edit->setObjectName(QStringLiteral("findEdit"));
    m_edit->setPlaceholderText(tr("Find: text in process, syscall or target, or a filter expression"));
    m_edit->setClearButtonEnabled(true);
    m_edit->installEventFilter(this);
    connect(m_edit, &QLineEdit::textChanged, this, [this] {
        ++*m_generation; // the old search no longer answers this text
        m_running = false;
        finishProgress();
        dropMatches();
        if (m_edit->text().trimmed().isEmpty()) {
            m_delay->stop();
            updateStatus();
            return;
        }
        m_delay->start();
        updateStatus();
    });

    m_previous = new QToolButton(this);
    m_previous->setArrowType(Qt::UpArrow);
    m_previous->setToolTip(tr("Previous match (Shift+Enter)"));
    m_previous->setObjectName(QStringLiteral("findPrevious"));
    connect(m_previous, &QToolButton::clicked, this, &FindBar::findPrevious);
    m_next = new QToolButton(this);
    m_next->setArrowType(Qt::DownArrow);
    m_next->setToolTip(tr("Next match (Enter)"));
    m_next->setObjectName(QStringLiteral("findNext"));
    connect(m_next, &QToolButton::clicked, this, &FindBar::findNext);
    QToolButton *close = new QToolButton(this);
    close->setText(QStringLiteral("✕"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Close (Escape)"));
    connect(close, &QToolButton::clicked, this, &FindBar::closeBar);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("findStatus"));
    m_status->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("999,999 of 9,999,999 matches")));

    QHBoxLayout *row = new QHBoxLayout(this);
    row->setContentsMargins(4, 2, 4, 2);
    row->addWidget(new QLabel(tr("Find:"), this));
    row->addWidget(m_edit, 1);
    row->addWidget(m_previous);
    row->addWidget(m_next);
    row->addWidget(m_status);
    row->addWidget(close);

    m_table->setItemDelegate(new MatchDelegate(this, this));
    // A sort or a new filtered view moves the rows: positions are counted again.
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_positionRow = -1;
        updateStatus();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &FindBar::updateStatus);
    updateStatus();
    hide();
}

FindBar::~FindBar()
{
    cancelAndWait();
}

QString FindBar::searchExpression(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return {};
    if (compileFilter(trimmed.toStdString()))
        return trimmed;
    const QString literal = FilterExpression::quoted(trimmed);
    return QStringLiteral("proc.name contains %1 or evt.type contains %1 or fd.name contains %1").arg(literal);
}

void FindBar::setSessionPath(const QString &path)
{
    cancelAndWait();
    m_sessionPath = path;
    m_displayFilter.clear();
    dropMatches();
    if (isVisible() && !m_edit->text().trimmed().isEmpty() && !path.isEmpty())
        m_delay->start();
    updateStatus();
}

void FindBar::setDisplayFilter(const QString &filter)
{
    if (filter == m_displayFilter)
        return;
    m_displayFilter = filter;
    ++*m_generation;
    m_running = false;
    finishProgress();
    dropMatches();
    if (isVisible() && !m_edit->text().trimmed().isEmpty())
        m_delay->start();
    updateStatus();
}

void FindBar::cancelAndWait()
{
    ++*m_generation;
    m_delay->stop();
    m_pool->waitForDone();
    m_running = false;
    finishProgress();
}

void FindBar::finishProgress()
{
    if (m_progress && m_progressToken)
        m_progress->finish(m_progressToken);
    m_progressToken = 0;
}

void FindBar::dropMatches()
{
    m_positionRow = -1;
    m_error.clear();
    m_cancelled = false;
    if (m_matches.empty())
        return;
    m_matches.clear();
    m_matches.shrink_to_fit();
    m_table->viewport()->update();
    emit matchesChanged();
}

bool FindBar::isMatch(int64_t eventId) const
{
    return std::binary_search(m_matches.begin(), m_matches.end(), eventId);
}

void FindBar::showBar()
{
    show();
    m_edit->setFocus(Qt::ShortcutFocusReason);
    m_edit->selectAll();
    if (m_matches.empty() && !m_running && !m_edit->text().trimmed().isEmpty())
        m_delay->start();
}

void FindBar::closeBar()
{
    ++*m_generation;
    m_delay->stop();
    m_running = false;
    finishProgress();
    dropMatches();
    hide();
    m_table->setFocus(Qt::OtherFocusReason);
}

void FindBar::cancel()
{
    if (!m_running)
        return;
    ++*m_generation;
    m_running = false;
    m_cancelled = true;
    m_moveOnFinish = false;
    finishProgress();
    updateStatus();
    emit searchFinished(matchCount());
}

bool FindBar::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_edit && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            if (key->modifiers() & Qt::ShiftModifier)
                findPrevious();
            else
                findNext();
            return true;
        }
        if (key->key() == Qt::Key_Escape) {
            closeBar();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void FindBar::startSearch()
{
    m_delay->stop();
    const QString find = searchExpression(m_edit->text());
    ++*m_generation;
    m_running = false;
    finishProgress();
    dropMatches();
    if (find.isEmpty() || m_sessionPath.isEmpty() || !m_model->reader()) {
        updateStatus();
        return;
    }
    // Within what the table shows: the display filter and the search together.
    const QString text = m_displayFilter.isEmpty() ? find : QStringLiteral("(%1) and (%2)").arg(m_displayFilter, find);
    auto compiled = compileFilter(text.toStdString());
    if (!compiled) {
        m_error = QString::fromStdString(compiled.error());
        updateStatus();
        return;
    }
    const int generation = ++*m_generation;
    m_shownGeneration = generation;
    m_running = true;
    if (m_progress) {
        m_progressToken = m_progress->begin(
            tr("Finding in %1 events").arg(QLocale().toString(qlonglong(m_model->eventCount()))),
            [this] { cancel(); });
    }
    updateStatus();

    MatchingJob job{QFile::encodeName(m_sessionPath).toStdString(), compiled.value(), m_generation, generation, 16384};
    startMatchingJob(
        m_pool, this, std::move(job), [this, generation](const std::vector<int64_t> &ids) { onChunk(generation, ids); },
        [this, generation](double fraction) {
            if (generation == m_generation->load() && m_progress && m_progressToken)
                m_progress->setProgress(m_progressToken, fraction);
        },
        [this, generation](const QString &error) { onFinished(generation, error); });
}

void FindBar::onChunk(int generation, const std::vector<int64_t> &ids)
{
    if (generation != m_shownGeneration || generation != m_generation->load())
        return;
    m_matches.insert(m_matches.end(), ids.begin(), ids.end());
    m_table->viewport()->update();
    updateStatus();
}

void FindBar::onFinished(int generation, const QString &error)
{
    if (generation != m_shownGeneration || generation != m_generation->load())
        return;
    m_running = false;
    m_error = error;
    finishProgress();
    emit matchesChanged();
    const bool move = m_moveOnFinish;
    m_moveOnFinish = false;
    if (move) {
        step(m_pendingStep);
    } else if (!m_matches.empty() && !isMatch(eventAtRow(m_table->currentIndex().row()))) {
        step(1); // as browsers do: the first match from where the user is
    }
    updateStatus();
    emit searchFinished(matchCount());
}

void FindBar::findNext()
{
    if (m_delay->isActive() || m_running) {
        if (m_delay->isActive())
            startSearch();
        m_moveOnFinish = true;
        m_pendingStep = 1;
        return;
    }
    step(1);
}

void FindBar::findPrevious()
{
    if (m_delay->isActive() || m_running) {
        if (m_delay->isActive())
            startSearch();
        m_moveOnFinish = true;
        m_pendingStep = -1;
        return;
    }
    step(-1);
}

int64_t FindBar::eventAtRow(int row) const
{
    return m_model->eventIdAt(row);
}

void FindBar::select(int row, int position)
{
    const int column = std::max(0, m_table->currentIndex().column());
    const QModelIndex index = m_model->index(row, column);
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index, QAbstractItemView::PositionAtCenter);
    m_positionRow = row;
    m_position = position;
    updateStatus();
}

int FindBar::positionInView(int row) const
{
    if (m_positionRow == row && m_position > 0)
        return m_position;
    if (m_model->sortColumn() < 0) {
        // Id order: the match's index among the ids.
        const int64_t id = eventAtRow(row);
        const auto it = std::lower_bound(m_matches.begin(), m_matches.end(), id);
        return id != 0 && it != m_matches.end() && *it == id ? int(it - m_matches.begin()) + 1 : 0;
    }
    // A sorted view: count the matches shown above (one pass, only for a match row).
    if (!isMatch(eventAtRow(row)))
        return 0;
    int position = 0;
    for (int r = 0; r <= row; ++r)
        position += isMatch(eventAtRow(r)) ? 1 : 0;
    m_positionRow = row;
    m_position = position;
    return position;
}

void FindBar::step(int direction)
{
    if (m_matches.empty()) {
        updateStatus();
        return;
    }
    const int currentRow = m_table->currentIndex().row();
    const int rows = m_model->rowCount();
    if (m_model->sortColumn() >= 0) {
        // Sorted: view order is not id order; walk the rows from the current one.
        const int known = positionInView(currentRow);
        const int start = currentRow >= 0 ? currentRow : (direction > 0 ? -1 : rows);
        for (int k = 1; k <= rows; ++k) {
            const int row = ((start + direction * k) % rows + rows) % rows;
            if (!isMatch(eventAtRow(row)))
                continue;
            // The place among the matches follows from the current one's (else it is counted).
            const bool wrapped = currentRow >= 0 && (direction > 0 ? row <= currentRow : row >= currentRow);
            int position = 0;
            if (wrapped)
                position = direction > 0 ? 1 : int(matchCount());
            else if (known > 0)
                position = known + direction;
            select(row, position);
            return;
        }
        updateStatus();
        return;
    }
    int64_t currentId = 0;
    for (int row = currentRow; row >= 0 && currentId == 0; --row)
        currentId = eventAtRow(row); // a gap row: the event before it
    const auto count = int64_t(m_matches.size());
    int64_t index; // into m_matches
    if (direction > 0) {
        index = std::upper_bound(m_matches.begin(), m_matches.end(), currentId) - m_matches.begin();
        if (currentRow < 0 || index == count)
            index = 0; // wraps to the first
    } else {
        index = (std::lower_bound(m_matches.begin(), m_matches.end(), currentId) - m_matches.begin()) - 1;
        if (currentRow < 0 || index < 0)
            index = count - 1; // wraps to the last
    }
    // A match the table does not show (a live session's newest events, a cancelled
    // display filter) is passed over, so Next never sticks on it.
    for (int64_t tried = 0; tried < count; ++tried) {
        const int row = m_model->rowOfEvent(m_matches[size_t(index)]);
        if (row >= 0) {
            select(row, int(index) + 1);
            return;
        }
        index = ((index + direction) % count + count) % count;
    }
    updateStatus();
}

void FindBar::updateStatus()
{
    const QLocale locale;
    const qint64 count = matchCount();
    QString text;
    bool bad = false;
    if (!m_error.isEmpty()) {
        text = m_error;
        bad = true;
    } else if (m_edit->text().trimmed().isEmpty()) {
        text.clear();
    } else if (m_running || m_delay->isActive()) {
        text = count ? tr("searching… %1 so far").arg(locale.toString(count)) : tr("searching…");
    } else if (count == 0) {
        text = m_cancelled ? tr("no match (cancelled)") : tr("no match");
        bad = !m_cancelled;
    } else {
        const int position = positionInView(m_table->currentIndex().row());
        const QString total = count == 1 ? tr("1 match") : tr("%1 matches").arg(locale.toString(count));
        text = position > 0 ? tr("%1 of %2").arg(locale.toString(position), total) : total;
        if (m_cancelled)
            text += tr(" (cancelled)");
    }
    m_status->setText(text);
    m_status->setToolTip(text);
    m_status->setStyleSheet(bad ? QStringLiteral("color: #b00020;") : QString());
    m_edit->setStyleSheet(bad && count == 0 && m_error.isEmpty() && !m_edit->text().isEmpty()
                              ? QStringLiteral("QLineEdit { background: #ffd7d7; color: #000; }")
                              : QString());
    m_next->setEnabled(count > 0 || m_running || m_delay->isActive());
    m_previous->setEnabled(count > 0 || m_running || m_delay->isActive());
}

} // namespace provscope
