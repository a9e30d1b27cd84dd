#pragma once
// The annotations of an AnnotationSet as a table: kind (with its mark), what it is
// on, text, author, time. Follows the set (reset on every change: a few hundred
// rows at most).
#include <QAbstractTableModel>

#include <cstdint>

namespace provscope {

class AnnotationSet;
struct Annotation;

class AnnotationListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { KindColumn, TargetColumn, TextColumn, AuthorColumn, TimeColumn, ColumnCount };
    static constexpr int IdRole = Qt::UserRole + 1; // the annotation's id (qint64)

    explicit AnnotationListModel(QObject *parent = nullptr);

    void setAnnotationSet(AnnotationSet *set);
    AnnotationSet *annotationSet() const { return m_set; }
    // The annotation shown in row (null when out of range).
    const Annotation *annotationAt(int row) const;
    int rowOf(int64_t id) const; // -1 when absent

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    AnnotationSet *m_set = nullptr;
};

} // namespace provscope
