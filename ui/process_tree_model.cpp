#include "process_tree_model.h"

#include "event_format.h"

#include <QColor>
#include <QLocale>

namespace provscope {
namespace {

// "800 ns", "850 µs", "1.250 s", "3 min 05 s", "2 h 07 min".
QString formatDuration(uint64_t ns)
{
    if (ns < 1000)
        return QStringLiteral("%1 ns").arg(ns);
    if (ns < 1000000)
        return QStringLiteral("%1 µs").arg(ns / 1000);
    if (ns < 60000000000ULL)
        return QStringLiteral("%1 s").arg(double(ns) / 1e9, 0, 'f', 3);
    const uint64_t s = ns / 1000000000ULL;
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0'));
}

QString joinArgv(const std::vector<std::string> &argv)
{
    QStringList parts;
    for (const std::string &a : argv)
        parts << QString::fromStdString(a);
    return parts.join(QLatin1Char(' '));
}

} // namespace

ProcessTreeModel::ProcessTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

void ProcessTreeModel::setTree(std::shared_ptr<const ProcessTree> tree)
{
    beginResetModel();
    m_tree = std::move(tree);
    m_rowInParent.clear();
    if (m_tree) {
        m_rowInParent.assign(m_tree->nodes().size(), 0);
        for (size_t r = 0; r < m_tree->roots().size(); ++r)
            m_rowInParent[size_t(m_tree->roots()[r])] = int(r);
        for (const ProcessNode &node : m_tree->nodes()) {
            for (size_t r = 0; r < node.children.size(); ++r)
                m_rowInParent[size_t(node.children[r])] = int(r);
        }
    }
    endResetModel();
}

const std::vector<int> &ProcessTreeModel::childrenOf(int node) const
{
    return node < 0 ? m_tree->roots() : m_tree->nodes()[size_t(node)].children;
}

// internalId: node index + 1 (0 would be confused with "no pointer" by some views).
QModelIndex ProcessTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!m_tree || column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (parent.isValid() && parent.column() != 0)
        return {};
    const std::vector<int> &children = childrenOf(parent.isValid() ? nodeOf(parent) : -1);
    if (row >= int(children.size()))
        return {};
    return createIndex(row, column, quintptr(children[size_t(row)]) + 1);
}

QModelIndex ProcessTreeModel::parent(const QModelIndex &child) const
{
    const int node = nodeOf(child);
    if (node < 0)
        return {};
    const int p = m_tree->nodes()[size_t(node)].parent;
    if (p < 0)
        return {};
    return createIndex(m_rowInParent[size_t(p)], 0, quintptr(p) + 1);
}

int ProcessTreeModel::rowCount(const QModelIndex &parent) const
{
    if (!m_tree)
        return 0;
    if (!parent.isValid())
        return int(m_tree->roots().size());
    if (parent.column() != 0)
        return 0;
    return int(m_tree->nodes()[size_t(nodeOf(parent))].children.size());
}

int ProcessTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

int ProcessTreeModel::nodeOf(const QModelIndex &index) const
{
    if (!m_tree || !index.isValid() || index.model() != this || index.internalId() == 0)
        return -1;
    return int(index.internalId() - 1);
}

QModelIndex ProcessTreeModel::indexOfNode(int node, int column) const
{
    if (!m_tree || node < 0 || node >= int(m_tree->nodes().size()))
        return {};
    return createIndex(m_rowInParent[size_t(node)], column, quintptr(node) + 1);
}

QString ProcessTreeModel::imageText(const ProcessNode &node) const
{
    // Every image the process exec'd in the session, in order; else what its record says.
    if (node.execs.size() > 1) {
        QStringList images;
        for (const ProcessExec &exec : node.execs)
            images << QString::fromStdString(exec.image);
        return images.join(QStringLiteral(" → "));
    }
    if (!node.info.exe.empty())
        return QString::fromStdString(node.info.exe);
    return node.execs.empty() ? QString() : QString::fromStdString(node.execs.front().image);
}

QString ProcessTreeModel::endText(int nodeIndex) const
{
    const ProcessInfo &info = m_tree->nodes()[size_t(nodeIndex)].info;
    const int64_t offset = m_tree->bootToEpochNs();
    if (info.exitTsNs) {
        const uint64_t lived = info.exitTsNs > info.startNs ? info.exitTsNs - info.startNs : 0;
        return tr("%1 (%2)").arg(formatClockTime(int64_t(info.exitTsNs) + offset), formatDuration(lived));
    }
    if (m_tree->captureEndNs() && m_tree->captureEndNs() > info.startNs)
        return tr("still running at end (%1+)").arg(formatDuration(m_tree->captureEndNs() - info.startNs));
    return tr("still running");
}

QVariant ProcessTreeModel::data(const QModelIndex &index, int role) const
{
    const int n = nodeOf(index);
    if (n < 0)
        return {};
    const ProcessNode &node = m_tree->nodes()[size_t(n)];
    const ProcessInfo &info = node.info;
    const int64_t offset = m_tree->bootToEpochNs();
    if (role == NodeRole)
        return n;
    if (role == Qt::DisplayRole) {
        const QLocale locale;
        switch (index.column()) {
        case ColProcess:
            return QStringLiteral("%1 (%2)").arg(QString::fromStdString(info.comm)).arg(info.pid);
        case ColImage:
            return imageText(node);
        case ColCommandLine:
            return joinArgv(info.argv);
        case ColStart:
            return formatDateTime(int64_t(info.startNs) + offset);
        case ColEnd:
            return endText(n);
        case ColExit:
            return info.exitTsNs ? QString::fromStdString(ProcessTree::describeExit(info.exitCode)) : QString();
        case ColEvents:
            return locale.toString(qlonglong(node.ownEvents));
        case ColSubtreeEvents:
            return locale.toString(qlonglong(node.subtreeEvents));
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case ColProcess:
            return info.pid;
        case ColStart:
            return qulonglong(info.startNs);
        case ColEnd:
            return qulonglong(info.exitTsNs);
        case ColExit:
            return info.exitCode;
        case ColEvents:
            return qlonglong(node.ownEvents);
        case ColSubtreeEvents:
            return qlonglong(node.subtreeEvents);
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == ColImage && !node.execs.empty()) {
            QStringList lines;
            for (const ProcessExec &exec : node.execs)
                lines << tr("%1  exec %2  %3").arg(formatClockTime(int64_t(exec.tsNs) + offset),
                                                   QString::fromStdString(exec.image), joinArgv(exec.argv));
            return lines.join(QLatin1Char('\n'));
        }
        if (index.column() == ColProcess) {
            QString tip = tr("pid %1, started %2, parent pid %3, uid %4")
                              .arg(info.pid)
                              .arg(formatDateTime(int64_t(info.startNs) + offset))
                              .arg(info.ppid)
                              .arg(info.uid);
            if (node.pidInstances > 1)
                tip += tr("\npid %1 was used by %2 processes in this session").arg(info.pid).arg(node.pidInstances);
            if (node.parent < 0)
                tip += tr("\nits parent (pid %1) is not in the session").arg(info.ppid);
            return tip;
        }
        if (index.column() == ColCommandLine || index.column() == ColEnd)
            return data(index, Qt::DisplayRole);
    }
    if (role == Qt::TextAlignmentRole &&
        (index.column() == ColEvents || index.column() == ColSubtreeEvents || index.column() == ColExit))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == ColExit && info.exitTsNs && info.exitCode != 0)
        return QColor(Qt::darkRed);
    return {};
}

QVariant ProcessTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ColProcess:
        return tr("Process");
    case ColImage:
        return tr("Image");
    case ColCommandLine:
        return tr("Command line");
    case ColStart:
        return tr("Start");
    case ColEnd:
        return tr("End / duration");
    case ColExit:
        return tr("Exit");
    case ColEvents:
        return tr("Events (own)");
    case ColSubtreeEvents:
        return tr("Events (subtree)");
    }
    return {};
}

} // namespace provscope
