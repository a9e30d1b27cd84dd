#pragma once
// The Annotations panel (a dock): every bookmark, tag and comment of the open
// session with what it is on, its text, author and time. Double-click (or Enter)
// asks the window to show the target (activated); Edit changes the text, Remove
// deletes; Save writes them to the session: the only way edits reach the file;
// Revert drops the unsaved edits.
#include "annotation.h"
#include "annotation_prompt.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;

namespace provscope {

class AnnotationListModel;
class AnnotationSet;

class AnnotationsPanel : public QWidget {
    Q_OBJECT
public:
    explicit AnnotationsPanel(QWidget *parent = nullptr);

    void setAnnotationSet(AnnotationSet *set);
    AnnotationSet *annotationSet() const { return m_set; }
    // Tests answer here instead of a modal dialog.
    void setTextPrompt(AnnotationTextPrompt prompt) { m_prompt = std::move(prompt); }

    QTableView *view() const { return m_view; }
    AnnotationListModel *model() const { return m_model; }
    QString statusText() const;
    QPushButton *saveButton() const { return m_save; }
    QPushButton *revertButton() const { return m_revert; }

public slots:
    // On the selected row.
    void editSelected();
    void removeSelected();
    // Writes the annotations to the session; false (and the reason shown) on failure.
    bool save();
    // Drops the unsaved edits: the annotations as saved in the session.
    bool revert();

signals:
    // The user wants to see what the annotation is on (event, process or node).
    void activated(const provscope::Annotation &annotation);
    void saveFailed(const QString &message);

private:
    int selectedRow() const;
    void updateState();

    AnnotationSet *m_set = nullptr;
    AnnotationListModel *m_model;
    QTableView *m_view;
    QLabel *m_status;
    QPushButton *m_edit;
    QPushButton *m_remove;
    QPushButton *m_revert;
    QPushButton *m_save;
    QString m_error;
    AnnotationTextPrompt m_prompt = askAnnotationText;
};

} // namespace provscope
