#include "event_table_model.h"

#include "event_format.h"
#include "session_reader.h"

#include <QBrush>
#include <QColor>
#include <QLocale>
#include <QTimer>

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_map>

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
    , m_resortTimer(new QTimer(this))
{
    // A filter's chunks arrive every few ms; a sorted view takes them in a few times a second.
    m_resortTimer->setSingleShot(true);
    m_resortTimer->setInterval(150);
    connect(m_resortTimer, &QTimer::timeout, this, &EventTableModel::rebuildSortedFilter);
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
    m_resortTimer->stop();
    m_sortColumn = -1;
    m_sortOrder = Qt::AscendingOrder;
    std::vector<uint32_t>().swap(m_sortAsc);
    std::vector<uint32_t>().swap(m_sortedFiltered);
    m_referenceId = m_referenceTsNs = m_startTsNs = 0;
    m_eventCount = m_reader ? m_reader->counts().events : 0;
    std::vector<PlacedLoss> losses;
    (void)loadLosses(losses); // unreadable losses: the events are still shown
    setLosses(std::move(losses));
    m_rowCount = clampRows(m_eventCount + int64_t(m_losses.size()));
    m_bootToEpochNs = m_reader ? m_reader->meta().bootToEpochNs : 0;
    if (const Event *first = m_reader ? m_cache.event(*m_reader, 1) : nullptr)
        m_startTsNs = int64_t(first->tsNs);
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
    if (m_eventCount == 0 && newEvents > 0) // a live session's first event
        if (const Event *first = m_cache.event(*m_reader, 1))
            m_startTsNs = int64_t(first->tsNs);
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
    if (m_filtered || isSorted()) {
        // The filtered or sorted rows stay as they are; the full table has grown
        // underneath (a sort takes the new events in when it runs again).
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
    m_sortedFiltered.clear();
    m_resortTimer->stop();
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
    if (isSorted()) {
        // Shown at once after the rows in order (the count is right at every
        // moment); the timer puts them in their places, a few times a second.
        m_filteredIds.insert(m_filteredIds.end(), from, ids.end());
        const std::vector<uint32_t> known(from, ids.end());
        const int shown = shownRows();
        const int added = clampRows(int64_t(shown) + int64_t(known.size())) - shown;
        if (added <= 0)
            return;
        // Descending reads the vector backwards: its end is the top of the table.
        const int first = m_sortOrder == Qt::AscendingOrder ? shown : 0;
        beginInsertRows(QModelIndex(), first, first + added - 1);
        m_sortedFiltered.insert(m_sortedFiltered.end(), known.begin(), known.begin() + added);
        endInsertRows();
        if (!m_resortTimer->isActive())
            m_resortTimer->start();
        return;
    }
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
    std::vector<uint32_t>().swap(m_sortedFiltered);
    m_resortTimer->stop();
    endResetModel();
}

int EventTableModel::shownRows() const
{
    if (isSorted())
        return clampRows(int64_t(sortedRows().size()));
    return m_filtered ? clampRows(int64_t(m_filteredIds.size())) : m_rowCount;
}

int64_t EventTableModel::itemAt(int row) const
{
    if (isSorted()) {
        const std::vector<uint32_t> &rows = sortedRows();
        return rows[m_sortOrder == Qt::AscendingOrder ? size_t(row) : rows.size() - 1 - size_t(row)];
    }
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
    // A sort by pid or syscall scatters neighbouring rows over the whole session.
    if (isSorted() && m_sortColumn != Time)
        return m_cache.single(*m_reader, id);
    return m_cache.event(*m_reader, id);
}

const PlacedLoss *EventTableModel::lossAt(int row) const
{
    if (!m_reader || m_filtered || isSorted() || row < 0 || row >= m_rowCount || m_gapRows.empty())
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

int64_t EventTableModel::referenceTsNs() const
{
    if (m_timeFormat == TimeFormat::RelativeToReference && m_referenceId > 0)
        return m_referenceTsNs;
    return m_startTsNs;
}

QVariant EventTableModel::timeText(const Event &event) const
{
    QString text;
    if (m_timeFormat == TimeFormat::Absolute)
        text = formatClockTime(int64_t(event.tsNs) + m_bootToEpochNs);
    else if (m_timeFormat == TimeFormat::RelativeToReference && m_referenceId > 0 && event.id == m_referenceId)
        text = QStringLiteral("*REF*");
    else
        text = formatRelativeTime(int64_t(event.tsNs) - referenceTsNs());
    if (m_marker) {
        const QString mark = m_marker(event.id);
        if (!mark.isEmpty())
            return mark + QLatin1Char(' ') + text;
    }
    return text;
}

QVariant EventTableModel::displayText(const Event &event, int column) const
{
    switch (column) {
    case Time: return timeText(event);
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
    case Qt::BackgroundRole:
        if (m_marker && !m_marker(event->id).isEmpty())
            return QBrush(QColor(0xd8, 0xe8, 0xff)); // marked (bookmarked, annotated)
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
    case Time:
        switch (m_timeFormat) {
        case TimeFormat::Absolute: return tr("Time");
        case TimeFormat::RelativeToStart: return tr("Time (+s from start)");
        case TimeFormat::RelativeToReference:
            return m_referenceId > 0 ? tr("Time (+s from #%1)").arg(m_referenceId) : tr("Time (+s from start)");
        }
        return {};
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

void EventTableModel::setTimeFormat(TimeFormat format)
{
    if (format == m_timeFormat)
        return;
    m_timeFormat = format;
    emit headerDataChanged(Qt::Horizontal, Time, Time);
    if (shownRows() > 0)
        emit dataChanged(index(0, Time), index(shownRows() - 1, Time), {Qt::DisplayRole});
}

void EventTableModel::setTimeReference(int64_t eventId)
{
    const Event *event = m_reader && eventId > 0 ? m_cache.event(*m_reader, eventId) : nullptr;
    m_referenceId = event ? eventId : 0;
    m_referenceTsNs = event ? int64_t(event->tsNs) : 0;
    if (m_referenceId > 0 && m_timeFormat != TimeFormat::RelativeToReference) {
        setTimeFormat(TimeFormat::RelativeToReference); // repaints
        return;
    }
    emit headerDataChanged(Qt::Horizontal, Time, Time);
    if (shownRows() > 0)
        emit dataChanged(index(0, Time), index(shownRows() - 1, Time), {Qt::DisplayRole});
}

void EventTableModel::setEventMarker(std::function<QString(int64_t)> marker)
{
    m_marker = std::move(marker);
    marksChanged();
}

void EventTableModel::marksChanged()
{
    // Views repaint only what they show, whatever the range.
    if (shownRows() > 0)
        emit dataChanged(index(0, 0), index(shownRows() - 1, ColumnCount - 1),
                         {Qt::DisplayRole, Qt::BackgroundRole});
}

void EventTableModel::sort(int column, Qt::SortOrder order)
{
    if (!isSortable(column) || !m_reader)
        return;
    if (column != m_sortColumn || int64_t(m_sortAsc.size()) < m_eventCount) {
        emit sortRequested(column, order);
        return;
    }
    if (order == m_sortOrder)
        return;
    // The other direction: the same rows read backwards.
    emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const int rows = shownRows();
    const QModelIndexList before = persistentIndexList();
    QModelIndexList after;
    for (const QModelIndex &index : before)
        after << (index.row() < rows ? createIndex(rows - 1 - index.row(), index.column()) : QModelIndex());
    m_sortOrder = order;
    changePersistentIndexList(before, after);
    emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void EventTableModel::setSortedIds(int column, Qt::SortOrder order, std::vector<uint32_t> ascendingIds)
{
    if (!isSortable(column))
        return;
    beginResetModel();
    m_sortColumn = column;
    m_sortOrder = order;
    m_sortAsc = std::move(ascendingIds);
    m_sortedFiltered = m_filtered ? sortedFilterRows() : std::vector<uint32_t>();
    m_resortTimer->stop();
    endResetModel();
}

void EventTableModel::clearSort()
{
    if (!isSorted())
        return;
    beginResetModel();
    m_sortColumn = -1;
    m_sortOrder = Qt::AscendingOrder;
    std::vector<uint32_t>().swap(m_sortAsc);
    std::vector<uint32_t>().swap(m_sortedFiltered);
    m_resortTimer->stop();
    endResetModel();
}

std::vector<uint32_t> EventTableModel::sortedFilterRows() const
{
    // The permutation restricted to the filter's ids: one pass, O(events).
    std::vector<bool> wanted(m_sortAsc.size() + 1, false);
    for (int64_t id : m_filteredIds)
        if (id > 0 && size_t(id) < wanted.size())
            wanted[size_t(id)] = true;
    std::vector<uint32_t> rows;
    rows.reserve(m_filteredIds.size());
    for (uint32_t id : m_sortAsc)
        if (wanted[id])
            rows.push_back(id);
    // Events newer than the sort (a live session; it runs again) follow in id order.
    for (auto it = std::upper_bound(m_filteredIds.begin(), m_filteredIds.end(), int64_t(m_sortAsc.size()));
         it != m_filteredIds.end(); ++it)
        rows.push_back(uint32_t(*it));
    return rows;
}

void EventTableModel::rebuildSortedFilter()
{
    if (!isSorted() || !m_filtered)
        return;
    std::vector<uint32_t> rows = sortedFilterRows();
    if (rows.size() != m_sortedFiltered.size() || rows == m_sortedFiltered) {
        if (rows.size() != m_sortedFiltered.size()) { // cannot happen: every id was shown
            beginResetModel();
            m_sortedFiltered = std::move(rows);
            endResetModel();
        }
        return;
    }
    // Same rows, new places: a layout change keeps the selection and the scroll.
    emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    std::unordered_map<int64_t, int> newRow; // ids of persistent indexes -> their new row
    for (const QModelIndex &index : before)
        newRow.emplace(itemAt(index.row()), -1);
    const int count = int(rows.size());
    for (int i = 0; i < count; ++i) {
        auto it = newRow.find(rows[size_t(i)]);
        if (it != newRow.end())
            it->second = m_sortOrder == Qt::AscendingOrder ? i : count - 1 - i;
    }
    QModelIndexList after;
    for (const QModelIndex &index : before) {
        const int row = newRow[itemAt(index.row())];
        after << (row >= 0 ? createIndex(row, index.column()) : QModelIndex());
    }
    m_sortedFiltered = std::move(rows);
    changePersistentIndexList(before, after);
    emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

int EventTableModel::rowOfEvent(int64_t eventId) const
{
    if (eventId < 1)
        return -1;
    if (isSorted()) {
        const std::vector<uint32_t> &rows = sortedRows();
        const auto it = std::find(rows.begin(), rows.end(), uint32_t(eventId));
        if (it == rows.end())
            return -1;
        const size_t at = size_t(it - rows.begin());
        const int64_t row = int64_t(m_sortOrder == Qt::AscendingOrder ? at : rows.size() - 1 - at);
        return row < shownRows() ? int(row) : -1;
    }
    if (m_filtered) {
        const auto it = std::lower_bound(m_filteredIds.begin(), m_filteredIds.end(), eventId);
        if (it == m_filteredIds.end() || *it != eventId)
            return -1;
        const int64_t row = it - m_filteredIds.begin();
        return row < shownRows() ? int(row) : -1;
    }
    if (eventId > m_eventCount)
        return -1;
    // Gap rows before the event: the losses placed before it or before an earlier one.
    const auto gaps = std::upper_bound(m_losses.begin(), m_losses.end(), eventId,
                                       [](int64_t id, const PlacedLoss &loss) { return id < loss.beforeEventId; })
                      - m_losses.begin();
    const int64_t row = eventId - 1 + gaps;
    return row < shownRows() ? int(row) : -1;
}

int64_t EventTableModel::eventIdAt(int row) const
{
    if (row < 0 || row >= shownRows())
        return 0;
    const int64_t id = itemAt(row);
    return id > 0 ? id : 0;
}

} // namespace provscope
