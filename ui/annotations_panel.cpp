#include "annotations_panel.h"

#include "annotation_list_model.h"
#include "annotation_set.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace provscope {

AnnotationsPanel::AnnotationsPanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new AnnotationListModel(this))
    , m_view(new QTableView(this))
    , m_status(new QLabel(this))
    , m_edit(new QPushButton(tr("Edit…"), this))
    , m_remove(new QPushButton(tr("Remove"), this))
    , m_revert(new QPushButton(tr("Revert"), this))
    , m_save(new QPushButton(tr("Save to Session"), this))
{
    setObjectName(QStringLiteral("annotationsPanel"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->horizontalHeader()->setStretchLastSection(false);
    m_view->horizontalHeader()->setSectionResizeMode(AnnotationListModel::TargetColumn, QHeaderView::Stretch);
    m_view->horizontalHeader()->setSectionResizeMode(AnnotationListModel::TextColumn, QHeaderView::Stretch);
    m_view->horizontalHeader()->setSectionResizeMode(AnnotationListModel::KindColumn, QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(AnnotationListModel::AuthorColumn, QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(AnnotationListModel::TimeColumn, QHeaderView::ResizeToContents);
    m_status->setWordWrap(true);
    m_edit->setToolTip(tr("Change the text of the selected annotation"));
    m_remove->setToolTip(tr("Remove the selected annotation"));
    m_revert->setToolTip(tr("Drop the unsaved changes: the annotations as saved in the session"));
    m_save->setToolTip(tr("Write the annotations into the session file (the evidence stays unchanged)"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_status, 1);
    buttons->addWidget(m_edit);
    buttons->addWidget(m_remove);
    buttons->addWidget(m_revert);
    buttons->addWidget(m_save);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_view, 1);
    layout->addLayout(buttons);

    connect(m_view, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        if (const Annotation *a = m_model->annotationAt(index.row()))
            emit activated(*a);
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &AnnotationsPanel::updateState);
    connect(m_model, &QAbstractItemModel::modelReset, this, &AnnotationsPanel::updateState);
    connect(m_edit, &QPushButton::clicked, this, &AnnotationsPanel::editSelected);
    connect(m_remove, &QPushButton::clicked, this, &AnnotationsPanel::removeSelected);
    connect(m_revert, &QPushButton::clicked, this, &AnnotationsPanel::revert);
    connect(m_save, &QPushButton::clicked, this, &AnnotationsPanel::save);
    updateState();
}

void AnnotationsPanel::setAnnotationSet(AnnotationSet *set)
{
    if (m_set)
        disconnect(m_set, nullptr, this, nullptr);
    m_set = set;
    m_error.clear();
    m_model->setAnnotationSet(set);
    if (m_set) {
        connect(m_set, &AnnotationSet::changed, this, [this] {
            m_error.clear();
            updateState();
        });
        connect(m_set, &QObject::destroyed, this, [this] { m_set = nullptr; });
    }
    updateState();
}

int AnnotationsPanel::selectedRow() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.front().row();
}

void AnnotationsPanel::editSelected()
{
    const Annotation *a = m_model->annotationAt(selectedRow());
    if (!a || !m_set)
        return;
    const int64_t id = a->id;
    const auto text = m_prompt(this, a->kind, m_set->describeTarget(*a), QString::fromStdString(a->text));
    if (text)
        m_set->setText(id, *text);
    const int row = m_model->rowOf(id);
    if (row >= 0)
        m_view->selectRow(row);
}

void AnnotationsPanel::removeSelected()
{
    const int row = selectedRow();
    const Annotation *a = m_model->annotationAt(row);
    if (!a || !m_set)
        return;
    m_set->remove(a->id);
    if (m_model->rowCount() > 0)
        m_view->selectRow(std::min(row, m_model->rowCount() - 1));
}

bool AnnotationsPanel::save()
{
    if (!m_set)
        return false;
    auto saved = m_set->saveToSession();
    if (!saved) {
        m_error = QString::fromStdString(saved.error());
        updateState();
        emit saveFailed(m_error);
        return false;
    }
    return true;
}

bool AnnotationsPanel::revert()
{
    if (!m_set || m_set->sessionPath().isEmpty())
        return false;
    if (auto loaded = m_set->load(m_set->sessionPath()); !loaded) {
        m_error = QString::fromStdString(loaded.error());
        updateState();
        return false;
    }
    return true;
}

QString AnnotationsPanel::statusText() const
{
    return m_status->text();
}

void AnnotationsPanel::updateState()
{
    const bool open = m_set && !m_set->sessionPath().isEmpty();
    const bool selected = selectedRow() >= 0;
    const bool unsaved = m_set && m_set->hasUnsavedChanges();
    m_edit->setEnabled(open && selected);
    m_remove->setEnabled(open && selected);
    m_save->setEnabled(open && unsaved);
    m_revert->setEnabled(open && unsaved);
    QString text;
    if (!open) {
        text = tr("No session open.");
    } else {
        text = m_set->size() == 0 ? tr("No annotations. Bookmark events, tag or comment events, processes and graph nodes from their context menus.")
                                  : m_set->size() == 1 ? tr("1 annotation")
                                                       : tr("%1 annotations").arg(m_set->size());
        if (unsaved)
            text += tr(" \u2014 <b>unsaved changes</b>: the session file is unchanged until you save.");
        else if (m_set->size() > 0)
            text += tr(" \u2014 saved in the session.");
    }
    if (!m_error.isEmpty())
        text += QStringLiteral("<br><span style=\"color:#c0392b\">%1</span>").arg(m_error.toHtmlEscaped());
    m_status->setText(text);
}

} // namespace provscope
