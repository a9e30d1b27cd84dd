#pragma once
// Adapts a ProcessTree to a QTreeView: one row per process instance under its
// parent, children by start time. The tree is immutable; setTree() resets.
#include "process_tree.h"

#include <QAbstractItemModel>

#include <memory>

namespace provscope {

class ProcessTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { ColProcess, ColImage, ColCommandLine, ColStart, ColEnd, ColExit, ColEvents,
                  ColSubtreeEvents, ColumnCount };
    // The node index in tree() of a row (Qt::UserRole); sort keys as numbers (SortRole).
    static constexpr int NodeRole = Qt::UserRole;
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit ProcessTreeModel(QObject *parent = nullptr);

    void setTree(std::shared_ptr<const ProcessTree> tree);
    const ProcessTree *tree() const { return m_tree.get(); }

    QModelIndex indexOfNode(int node, int column = 0) const;
    int nodeOf(const QModelIndex &index) const; // -1 when invalid

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "still running at end", "exited after 1.5 s", ... as shown in the End column.
    QString endText(int node) const;

private:
    const std::vector<int> &childrenOf(int node) const;
    QString imageText(const ProcessNode &node) const;

    std::shared_ptr<const ProcessTree> m_tree;
    std::vector<int> m_rowInParent; // by node: its row under its parent (or among roots)
};

} // namespace provscope
