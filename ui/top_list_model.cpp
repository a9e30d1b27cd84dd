#include "top_list_model.h"

#include <algorithm>

namespace provscope {

TopListModel::TopListModel(const QStringList &headers, int barColumn, QObject *parent)
    : QAbstractTableModel(parent)
    , m_headers(headers)
    , m_barColumn(barColumn)
{
}

void TopListModel::setRows(std::vector<Row> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    m_largest = 0;
    for (Row &row : m_rows) {
        while (row.texts.size() < m_headers.size())
            row.texts.append(QString());
        if (m_barColumn >= 1 && size_t(m_barColumn - 1) < row.values.size())
            m_largest = std::max(m_largest, row.values[size_t(m_barColumn - 1)]);
    }
    endResetModel();
}

QString TopListModel::filterAt(int row) const
{
    return row >= 0 && row < rowCount() ? m_rows[size_t(row)].filter : QString();
}

int TopListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TopListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_headers.size());
}

QVariant TopListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return row.texts.value(column);
    case Qt::ToolTipRole:
        return row.toolTip.isEmpty() ? row.texts.value(column) : row.toolTip;
    case Qt::TextAlignmentRole:
        return column == 0 ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                           : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case FilterRole:
        return row.filter;
    case ShareRole:
        if (column == m_barColumn && size_t(column - 1) < row.values.size() && m_largest > 0)
            return double(row.values[size_t(column - 1)]) / double(m_largest);
        return {};
    case SortRole:
        if (column >= 1 && size_t(column - 1) < row.values.size())
            return row.values[size_t(column - 1)];
        return {};
    default:
        return {};
    }
}

QVariant TopListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= m_headers.size())
        return {};
    if (role == Qt::DisplayRole)
        return m_headers[section];
    if (role == Qt::TextAlignmentRole)
        return section == 0 ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                            : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

} // namespace provscope
