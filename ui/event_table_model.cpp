#include "event_table_model.h"

#include "event_format.h"
#include "session_reader.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

#include <cstring>
#include <limits>

namespace provscope {

namespace {
int clampRows(int64_t events)
{
    // A QAbstractItemModel row is an int; beyond that the table shows the first 2^31-1.
    return static_cast<int>(std::min<int64_t>(events, std::numeric_limits<int>::max()));
}
} // namespace

EventTableModel::EventTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

EventTableModel::~EventTableModel() = default;

void EventTableModel::setReader(std::shared_ptr<SessionReader> reader)
{
    beginResetModel();
    m_reader = std::move(reader);
    m_cache.clear();
    m_rowCount = m_reader ? clampRows(m_reader->counts().events) : 0;
    m_bootToEpochNs = m_reader ? m_reader->meta().bootToEpochNs : 0;
    endResetModel();
}

int EventTableModel::refresh()
{
    if (!m_reader)
        return 0;
    if (!m_reader->refresh())
        return 0;
    const int newCount = clampRows(m_reader->counts().events);
    if (newCount <= m_rowCount)
        return 0;
    // The last cached block may be short; it is reread on the next access.
    m_cache.invalidateFrom(m_rowCount);
    const int added = newCount - m_rowCount;
    beginInsertRows(QModelIndex(), m_rowCount, newCount - 1);
    m_rowCount = newCount;
    endInsertRows();
    return added;
}

const Event *EventTableModel::eventAt(int row) const
{
    if (!m_reader || row < 0 || row >= m_rowCount)
        return nullptr;
    return m_cache.event(*m_reader, int64_t(row) + 1);
}

int EventTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rowCount;
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
    case Ret: return formatResult(event.ret);
    case Count: return QString::number(event.count);
    case Bytes: return event.bytes ? QLocale().toString(qulonglong(event.bytes)) : QString();
    default: return {};
    }
}

QVariant EventTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.column() >= ColumnCount)
        return {};
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
    default:
        return {};
    }
}

QVariant EventTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical) {
        if (role == Qt::DisplayRole)
            return section + 1; // the event id
        return {};
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
