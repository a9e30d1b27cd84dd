// MainWindow's annotation side: the set, its actions and panel wired to the views,
// jumping to what an annotation is on, and never losing unsaved ones silently.
#include "main_window.h"

#include "annotation.h"
#include "annotation_actions.h"
#include "annotation_set.h"
#include "annotations_panel.h"
#include "event_table_model.h"
#include "events_tab.h"
#include "graph_tab.h"
#include "process_tree_tab.h"
#include "session_status_bar.h"

#include <QDockWidget>
#include <QFileInfo>
#include <QMessageBox>
#include <QTabWidget>

namespace provscope {

void MainWindow::createAnnotationViews()
{
    // Annotations are edited in memory; the file changes only on Save (Ctrl+Shift+S).
    m_annotations = new AnnotationSet(this);
    m_annotationActions = new AnnotationActions(m_annotations, this);
    EventTableModel *model = m_eventsTab->model();
    model->setEventMarker([set = m_annotations](int64_t id) { return set->eventMark(id); });
    connect(m_annotations, &AnnotationSet::changed, model, &EventTableModel::marksChanged);
    connect(m_annotations, &AnnotationSet::unsavedChangesChanged, this, &MainWindow::updateTitle);
    // A save touches only the annotations table: the views' immutable readers of the
    // evidence stay valid (tst_annotation_store), so nothing is read again or rebuilt.
    connect(m_annotations, &AnnotationSet::saved, this, [this] {
        m_statusBar->showMessage(tr("Annotations saved to %1").arg(m_sessionPath), 10000);
    });
    connect(m_eventsTab, &EventsTab::currentEventChanged, m_annotationActions, &AnnotationActions::setCurrentEvent);
    connect(m_annotationActions, &AnnotationActions::saveFailed, this, [this](const QString &message) {
        reportError(tr("Save Annotations"), message);
    });
    m_graphTab->setAnnotationSet(m_annotations);

    m_annotationsPanel = new AnnotationsPanel(this);
    m_annotationsPanel->setAnnotationSet(m_annotations);
    connect(m_annotationsPanel, &AnnotationsPanel::saveFailed, this, [this](const QString &message) {
        reportError(tr("Save Annotations"), message);
    });
    connect(m_annotationsPanel, &AnnotationsPanel::activated, this, &MainWindow::showAnnotated);
    m_annotationsDock = new QDockWidget(tr("Annotations"), this);
    m_annotationsDock->setObjectName(QStringLiteral("annotationsDock"));
    m_annotationsDock->setWidget(m_annotationsPanel);
    addDockWidget(Qt::BottomDockWidgetArea, m_annotationsDock);
    m_annotationsDock->hide();
    // The panel comes up by itself the first time there is something to list.
    connect(m_annotations, &AnnotationSet::changed, this, [this] {
        if (m_annotations->size() > 0 && !m_annotationsDockShownOnce) {
            m_annotationsDockShownOnce = true;
            m_annotationsDock->show();
        }
    });
}

void MainWindow::showAnnotated(const Annotation &annotation)
{
    if (const auto id = annotation.eventId()) {
        m_tabs->setCurrentWidget(m_eventsTab);
        if (!m_eventsTab->selectEventId(*id))
            m_statusBar->showMessage(tr("Event %1 is not in the filtered view; clear the filter to see it.").arg(*id), 8000);
        return;
    }
    uint32_t pid = 0;
    uint64_t startNs = 0;
    if (annotation.processIdentity(pid, startNs)) {
        m_tabs->setCurrentWidget(m_processTree);
        m_processTree->selectProcess(pid, startNs);
        return;
    }
    if (const auto poi = annotationPointOfInterest(annotation))
        showGraphOf(*poi);
}

bool MainWindow::maybeSaveAnnotations()
{
    // Called before the session goes away (open another, quit): never lose notes silently.
    if (!m_annotations->hasUnsavedChanges() || !m_errorDialogs)
        return true;
    const auto answer = QMessageBox::question(
        this, tr("Unsaved annotations"),
        tr("The annotations of %1 have changes that are not saved in the session.\n\n"
           "Save them into the session file?").arg(QFileInfo(m_sessionPath).fileName()),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Cancel)
        return false;
    if (answer == QMessageBox::Save) {
        if (auto saved = m_annotations->saveToSession(); !saved) {
            reportError(tr("Save Annotations"), QString::fromStdString(saved.error()));
            return false;
        }
    }
    return true;
}

bool MainWindow::confirmLosingRecordingAnnotations()
{
    // The helper did not finish in time: the session cannot take annotations yet.
    if (!m_annotations->hasUnsavedChanges() || !m_errorDialogs)
        return true;
    return QMessageBox::warning(this, tr("Unsaved annotations"),
                                tr("The recording has not finished yet, so its annotations cannot be "
                                   "saved into it. Close anyway and lose them?"),
                                QMessageBox::Close | QMessageBox::Cancel, QMessageBox::Cancel)
           == QMessageBox::Close;
}

} // namespace provscope
