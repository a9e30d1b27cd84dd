#include "event_table_model.h"

#include "event_format.h"
#include "session_reader.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

#include <algorithm>
#include <cstring>
#include <limits>

namespace provscope {

namespace {
int clampRows(int64_t rows)
{
    // A QAbstractItemModel row is an int; beyond that the table shows the first 2^31-1.
    return static_cast<int>(std::min<int64_t>(rows, std::numeric_limits<int>::max()));
}

QString lossSourceName(const std::string &source)
{
    if (source == "kernel-ringbuf")
        return EventTableModel::tr("kernel ring buffer");
    if (source == "user-queue")
        return EventTableModel::tr("user-space queue");
    if (source == "disk-full")
        return EventTableModel::tr("disk full");
    return QString::fromStdString(source);
}
} // namespace

EventTableModel::EventTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

EventTableModel::~EventTableModel() = default;

bool EventTableModel::loadLosses(std::vector<PlacedLoss> &out) const
{
    out.clear();
    if (!m_reader || m_reader->counts().lostEvents == 0)
        return true;
    auto losses = m_reader->placedLosses();
    if (!losses)
        return false;
    out = std::move(losses.value());
    return true;
}

void EventTableModel::setLosses(std::vector<PlacedLoss> losses)
{
    m_losses = std::move(losses);
    m_gapRows.clear();
    for (size_t i = 0; i < m_losses.size(); ++i) // events before it + gaps before it
        m_gapRows.push_back(clampRows(m_losses[i].beforeEventId - 1 + int64_t(i)));
}

void EventTableModel::setReader(std::shared_ptr<SessionReader> reader)
{
    beginResetModel();
    m_reader = std::move(reader);
    m_cache.clear();
    m_filtered = false;
    m_filteredIds.clear();
    m_eventCount = m_reader ? m_reader->counts().events : 0;
    std::vector<PlacedLoss> losses;
    (void)loadLosses(losses); // unreadable losses: the events are still shown
    setLosses(std::move(losses));
    m_rowCount = clampRows(m_eventCount + int64_t(m_losses.size()));
    m_bootToEpochNs = m_reader ? m_reader->meta().bootToEpochNs : 0;
    endResetModel();
}

int EventTableModel::refresh()
{
    if (!m_reader)
        return 0;
    const int64_t lostBefore = m_reader->counts().lostEvents;
    if (!m_reader->refresh())
        return 0;
    const int64_t newEvents = m_reader->counts().events;
    std::vector<PlacedLoss> losses = m_losses;
    if (m_reader->counts().lostEvents != lostBefore && !loadLosses(losses))
        losses = m_losses;
    const int newCount = clampRows(newEvents + int64_t(losses.size()));
    if (newCount <= m_rowCount)
        return 0;
    // Losses are stored where they are noticed, so new gaps follow every old row;
    // anything else (a 1.0 file placed by time) is shown by a reset.
    bool appendOnly = losses.size() >= m_losses.size();
    for (size_t i = 0; appendOnly && i < losses.size(); ++i) {
        if (i < m_losses.size() ? losses[i].beforeEventId != m_losses[i].beforeEventId
                                : losses[i].beforeEventId <= m_eventCount)
            appendOnly = false;
    }
    if (m_filtered) {
        // The filtered rows stay as they are; the full table has grown underneath.
        m_cache.invalidateFrom(m_eventCount);
        m_eventCount = newEvents;
        setLosses(std::move(losses));
        m_rowCount = newCount;
        return 0;
    }
    if (!appendOnly) {
        beginResetModel();
        m_cache.clear();
        m_eventCount = newEvents;
        setLosses(std::move(losses));
        m_rowCount = newCount;
        endResetModel();
        return newCount;
    }
    // The last cached block may be short; it is reread on the next access.
    m_cache.invalidateFrom(m_eventCount);
    const int added = newCount - m_rowCount;
    beginInsertRows(QModelIndex(), m_rowCount, newCount - 1);
    m_eventCount = newEvents;
    setLosses(std::move(losses));
    m_rowCount = newCount;
    endInsertRows();
    return added;
}

void EventTableModel::beginFilteredView()
{
    beginResetModel();
    m_filtered = true;
    m_filteredIds.clear();
    endResetModel();
}

void EventTableModel::appendFilteredIds(const std::vector<int64_t> &ids)
{
    if (!m_filtered || ids.empty())
        return;
    // Ids already shown (a query over a grown session may find them again) are skipped.
    auto from = ids.begin();
    if (!m_filteredIds.empty())
        from = std::upper_bound(ids.begin(), ids.end(), m_filteredIds.back());
    const int first = shownRows();
    const int last = clampRows(int64_t(m_filteredIds.size()) + int64_t(ids.end() - from)) - 1;
    if (last < first)
        return;
    beginInsertRows(QModelIndex(), first, last);
    m_filteredIds.insert(m_filteredIds.end(), from, from + (last - first + 1));
    endInsertRows();
}

void EventTableModel::clearFilteredView()
{
    if (!m_filtered)
        return;
    beginResetModel();
    m_filtered = false;
    m_filteredIds.clear();
    m_filteredIds.shrink_to_fit();
    endResetModel();
}

int EventTableModel::shownRows() const
{
    return m_filtered ? clampRows(int64_t(m_filteredIds.size())) : m_rowCount;
}

int64_t EventTableModel::itemAt(int row) const
{
    if (m_filtered)
        return m_filteredIds[size_t(row)];
    // Gaps at rows g0 < g1 < ...: the number of gaps at or before row decides.
    const auto after = std::upper_bound(m_gapRows.begin(), m_gapRows.end(), row);
    const int64_t gapsUpTo = after - m_gapRows.begin();
    if (gapsUpTo > 0 && *(after - 1) == row)
        return -gapsUpTo; // loss index gapsUpTo - 1
    return int64_t(row) - gapsUpTo + 1;
}

const Event *EventTableModel::eventAt(int row) const
{
    if (!m_reader || row < 0 || row >= shownRows())
        return nullptr;
    const int64_t id = itemAt(row);
    if (id <= 0)
        return nullptr;
    return m_cache.event(*m_reader, id);
}

const PlacedLoss *EventTableModel::lossAt(int row) const
{
    if (!m_reader || m_filtered || row < 0 || row >= m_rowCount || m_gapRows.empty())
        return nullptr;
    const int64_t id = itemAt(row);
    return id < 0 ? &m_losses[size_t(-id - 1)] : nullptr;
}

QString EventTableModel::lossText(const LossRecord &loss)
{
    QString where = lossSourceName(loss.source);
    if (loss.cpu >= 0)
        where += tr(", CPU %1").arg(loss.cpu);
    return tr("⚠ %1 events lost (%2)").arg(QLocale().toString(qulonglong(loss.count)), where);
}

QVariant EventTableModel::gapData(const PlacedLoss &placed, int column, int role) const
{
    const LossRecord &loss = placed.loss;
    const int64_t first = int64_t(loss.firstTsNs) + m_bootToEpochNs;
    const int64_t last = int64_t(loss.lastTsNs) + m_bootToEpochNs;
    switch (role) {
    case Qt::DisplayRole:
        // Column 0 carries the whole text: the view spans it across the row.
        if (column != 0)
            return {};
        return lossText(loss) + QStringLiteral("  ·  ") + formatClockTime(first) +
               (last != first ? QStringLiteral(" – ") + formatClockTime(last) : QString());
    case Qt::ToolTipRole:
        return tr("%1 between %2 and %3: these events were not recorded")
            .arg(lossText(loss), formatDateTime(first), formatDateTime(last));
    case Qt::BackgroundRole:
        return QBrush(QColor(0xff, 0xe0, 0x8a));
    case Qt::ForegroundRole:
        return QBrush(QColor(0x6b, 0x3a, 0x00));
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case IsGapRole:
        return true;
    default:
        return {};
    }
}

int EventTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : shownRows();
}

int EventTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventTableModel::displayText(const Event &event, int column) const
{
    switch (column) {
    case Time: return formatClockTime(int64_t(event.tsNs) + m_bootToEpochNs);
    case Pid: return QString::number(event.pid);
    case Ppid: return QString::number(event.ppid);
    case Process: return QString::fromStdString(event.comm);
    case Syscall: return QString::fromStdString(event.syscall);
    case Target: return formatTarget(event);
    case Ret: return formatResult(event);
    case Count: return QString::number(event.count);
    case Bytes: return event.bytes ? QLocale().toString(qulonglong(event.bytes)) : QString();
    default: return {};
    }
}

QVariant EventTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.column() >= ColumnCount)
        return {};
    if (const PlacedLoss *loss = lossAt(index.row()))
        return gapData(*loss, index.column(), role);
    const Event *event = eventAt(index.row());
    if (!event)
        return {};
    switch (role) {
    case Qt::DisplayRole:
        return displayText(*event, index.column());
    case Qt::ToolTipRole:
        switch (index.column()) {
        case Time: return formatDateTime(int64_t(event->tsNs) + m_bootToEpochNs);
        case Target: return formatTarget(*event);
        case Process: return QString::fromStdString(event->comm);
        case Ret: return event->ret < 0 ? formatResult(event->ret) + QStringLiteral(": ")
                                              + QString::fromLocal8Bit(strerror(int(-event->ret)))
                                        : QString();
        default: return {};
        }
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case Pid: case Ppid: case Count: case Bytes: case Ret:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        }
    case Qt::ForegroundRole:
        if (index.column() == Ret && event->ret < 0)
            return QBrush(QColor(0xb0, 0x00, 0x20));
        return {};
    case EventIdRole:
        return QVariant::fromValue<qlonglong>(event->id);
    case IsGapRole:
        return false;
    default:
        return {};
    }
}

QVariant EventTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical) {
        if (role != Qt::DisplayRole || section < 0 || section >= shownRows())
            return {};
        const int64_t id = itemAt(section);
        return id > 0 ? QVariant::fromValue<qlonglong>(id) : QVariant(QStringLiteral("⚠"));
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time: return tr("Time");
    case Pid: return tr("PID");
    case Ppid: return tr("PPID");
    case Process: return tr("Process");
    case Syscall: return tr("Syscall");
    case Target: return tr("Target");
    case Ret: return tr("Result");
    case Count: return tr("Count");
    case Bytes: return tr("Bytes");
    default: return {};
    }
}

} // namespace provscope
