#pragma once
// One top-N list of the dashboard (syscalls, processes, files written, remote
// addresses, failures) as a table: a name column and count columns. Every row carries
// the display filter that shows its events, and the share of one count in the
// largest of the list (drawn as a bar behind that count).
#include <QAbstractTableModel>
#include <QStringList>

#include <vector>

namespace provscope {

class TopListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role {
        FilterRole = Qt::UserRole + 1, // QString: the display filter of the row
        ShareRole,                     // double in [0, 1] on the bar column: value / largest value
        SortRole,                      // qlonglong of a count column
    };
    struct Row {
        QStringList texts;        // one per column
        std::vector<qint64> values; // the count columns' numbers (columns 1..n)
        QString filter;
        QString toolTip;
    };

    // barColumn: the count column (>= 1) drawn with a share bar.
    TopListModel(const QStringList &headers, int barColumn, QObject *parent = nullptr);

    void setRows(std::vector<Row> rows);
    void clear() { setRows({}); }
    QString filterAt(int row) const;
    const Row &rowAt(int row) const { return m_rows[size_t(row)]; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QStringList m_headers;
    std::vector<Row> m_rows;
    int m_barColumn;
    qint64 m_largest = 0;
};

} // namespace provscope
