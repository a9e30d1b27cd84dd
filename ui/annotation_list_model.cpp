#include "annotation_list_model.h"

#include "annotation_set.h"

#include <QDateTime>

namespace provscope {

AnnotationListModel::AnnotationListModel(QObject *parent) : QAbstractTableModel(parent) {}

void AnnotationListModel::setAnnotationSet(AnnotationSet *set)
{
    beginResetModel();
    if (m_set)
        disconnect(m_set, nullptr, this, nullptr);
    m_set = set;
    if (m_set) {
        connect(m_set, &AnnotationSet::changed, this, [this] {
            beginResetModel();
            endResetModel();
        });
        connect(m_set, &QObject::destroyed, this, [this] {
            beginResetModel();
            m_set = nullptr;
            endResetModel();
        });
    }
    endResetModel();
}

const Annotation *AnnotationListModel::annotationAt(int row) const
{
    if (!m_set || row < 0 || row >= m_set->size())
        return nullptr;
    return &m_set->annotations()[size_t(row)];
}

int AnnotationListModel::rowOf(int64_t id) const
{
    for (int row = 0; m_set && row < m_set->size(); ++row) {
        if (m_set->annotations()[size_t(row)].id == id)
            return row;
    }
    return -1;
}

int AnnotationListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_set ? 0 : m_set->size();
}

int AnnotationListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AnnotationListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    const Annotation *a = annotationAt(index.row());
    if (!a)
        return {};
    if (role == IdRole)
        return QVariant::fromValue<qint64>(a->id);
    const QString text = QString::fromStdString(a->text);
    if (role == Qt::ToolTipRole) {
        if (index.column() == TargetColumn)
            return m_set->describeTarget(*a);
        if (index.column() == TextColumn && !text.isEmpty())
            return text;
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case KindColumn: {
        const auto name = annotationKindName(a->kind);
        return AnnotationSet::kindMark(a->kind) + QLatin1Char(' ')
            + QString::fromLatin1(name.data(), qsizetype(name.size()));
    }
    case TargetColumn: return m_set->describeTarget(*a);
    case TextColumn: {
        // One line in the table; the whole text in the tooltip and the editor.
        QString line = text.section(QLatin1Char('\n'), 0, 0);
        if (line.size() < text.size())
            line += QStringLiteral(" \u2026");
        return line;
    }
    case AuthorColumn: return QString::fromStdString(a->author);
    case TimeColumn:
        return QDateTime::fromMSecsSinceEpoch(a->createdNs / 1000000, Qt::LocalTime)
            .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    default: return {};
    }
}

QVariant AnnotationListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case KindColumn: return tr("Kind");
    case TargetColumn: return tr("On");
    case TextColumn: return tr("Text");
    case AuthorColumn: return tr("Author");
    case TimeColumn: return tr("Created");
    default: return {};
    }
}

} // namespace provscope
