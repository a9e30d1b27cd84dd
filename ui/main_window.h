#pragma once
// The provscope workstation: menus, the event table with its details pane, the
// provenance graph tab, the status bar and live capture.
#include "event.h"
#include "graph_tab.h"
#include "helper_launcher.h"
#include "point_of_interest.h"

#include <QMainWindow>
#include <QThreadPool>

#include <memory>
#include <optional>

class QAction;
class QDockWidget;
class QMenu;
class QTabWidget;
class QTableView;
class QTimer;

namespace provscope {

class CaptureController;
class EventDetailsView;
class EventTableModel;
class EventsTab;
class DashboardTab;
class FlowsTab;
class AnnotationActions;
class AnnotationSet;
class AnnotationsPanel;
struct Annotation;
class ProcessTreeTab;
class FilterBar;
class SessionReader;
class SessionStatusBar;
class TaskProgress;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // What prepareHelperBeforeQt() found (privilege status, helper fd).
    void setHelperLaunch(const HelperLaunch &launch);

    // Opens a session file; on failure reports the store's message and keeps the
    // current session. Returns whether it opened.
    bool openSession(const QString &path);
    // Opens it as the user does from File → Open: then shows the Dashboard.
    bool openSessionAtOverview(const QString &path);
    QString sessionPath() const { return m_sessionPath; }

    // Errors are shown in a message box unless disabled (tests); the last one is kept.
    void setErrorDialogsEnabled(bool enabled) { m_errorDialogs = enabled; }
    QString lastError() const { return m_lastError; }

    // Builds the graph of the selected event's process / file in the graph tab.
    void showGraphOfSelectedProcess();
    void showGraphOfSelectedFile();
    // Writes the graph tab's graph as PNG; reports the path (or the error).
    bool exportGraphPng(const QString &path);
    // Any format of GraphTab::exportJob, with progress and Cancel (false on failure).
    bool exportGraph(const QString &path, const GraphTab::ExportRequest &request);

    QTabWidget *tabs() const { return m_tabs; }
    EventsTab *eventsTab() const { return m_eventsTab; }
    DashboardTab *dashboard() const { return m_dashboard; }
    FlowsTab *flowsTab() const { return m_flowsTab; }
    ProcessTreeTab *processTree() const { return m_processTree; }
    AnnotationSet *annotations() const { return m_annotations; }
    AnnotationActions *annotationActions() const { return m_annotationActions; }
    AnnotationsPanel *annotationsPanel() const { return m_annotationsPanel; }
    QTableView *eventTable() const;
    EventTableModel *eventModel() const;
    EventDetailsView *detailsView() const;
    FilterBar *filterBar() const;
    TaskProgress *taskProgress() const { return m_progress; }
    GraphTab *graphTab() const { return m_graphTab; }
    SessionStatusBar *sessionStatusBar() const { return m_statusBar; }
    CaptureController *captureController() const { return m_capture; }

public slots:
    void openFileDialog();
    void exportGraphDialog();
    void startCapture();
    void stopCapture();
    void showAbout();
    void showShortcuts();
    // F5: a recording picks up new events; a finished file is read again.
    void refreshSession();
    // Drill-down from any view: the Events tab with this display filter applied.
    void showFilteredEvents(const QString &expression);
    void showGraphOf(const PointOfInterest &poi);
    // Jumps to what an annotation is on: its event, process or graph node.
    void showAnnotated(const provscope::Annotation &annotation);

signals:
    void errorReported(const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createMenus();
    void createCentralWidgets();
    Result<std::unique_ptr<SessionReader>> openReaderInBackground(const QString &path);
    void setReader(std::shared_ptr<SessionReader> reader, const QString &path);
    void reportError(const QString &title, const QString &message, const QString &command = QString());
    void rebuildRecentMenu();
    void onCurrentEventChanged(const Event *event);
    void onTabChanged();
    void onEventsAppended();
    void onCaptureStateChanged();
    void onCaptureFailed(const QString &message, const QString &command);
    void releaseSession();
    void stopSessionWork();
    void createAnnotationViews();
    // The Flows tab and its wiring to the event table (main_window_flows.cpp).
    void createFlowsTab();
    void syncFlowsTimeFormat();
    // Unsaved annotations: asks to save, discard or cancel; false: cancel.
    bool maybeSaveAnnotations();
    // Closing while the capture still runs: unsaved annotations would be lost; asks.
    bool confirmLosingRecordingAnnotations();
    void reopenFinishedSession(const QString &path);
    void updateStatusCounts();
    void updateTitle();
    std::optional<PointOfInterest> selectedProcessPoi() const;
    std::optional<PointOfInterest> selectedFilePoi() const;

    std::shared_ptr<SessionReader> m_reader;
    QString m_sessionPath;
    QString m_lastError;
    bool m_errorDialogs = true;
    std::optional<PointOfInterest> m_graphWanted; // follows the selection
    bool m_closeRequested = false;
    bool m_opening = false; // openReaderInBackground() runs its event loop
    QThreadPool m_workers;  // opening and exporting (Qt's shared pool also serves painting)

    QTabWidget *m_tabs = nullptr;
    EventsTab *m_eventsTab = nullptr;
    DashboardTab *m_dashboard = nullptr;
    FlowsTab *m_flowsTab = nullptr;
    ProcessTreeTab *m_processTree = nullptr;
    AnnotationSet *m_annotations = nullptr;
    AnnotationActions *m_annotationActions = nullptr;
    AnnotationsPanel *m_annotationsPanel = nullptr;
    QDockWidget *m_annotationsDock = nullptr;
    bool m_annotationsDockShownOnce = false;
    TaskProgress *m_progress = nullptr;
    GraphTab *m_graphTab = nullptr;
    SessionStatusBar *m_statusBar = nullptr;
    CaptureController *m_capture = nullptr;
    QTimer *m_rateTimer = nullptr;
    QTimer *m_closeTimeout = nullptr;           // a close waits this long for the capture to stop
    QMetaObject::Connection m_closeWhenIdle;    // ... or until it is idle

    QMenu *m_recentMenu = nullptr;
    QMenu *m_columnActionsSource = nullptr; // owns the View → Columns actions
    QAction *m_openAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_startAction = nullptr;
    QAction *m_stopAction = nullptr;
    QAction *m_graphProcessAction = nullptr;
    QAction *m_graphFileAction = nullptr;
    QAction *m_aboutAction = nullptr;
    QAction *m_shortcutsAction = nullptr;
    QAction *m_refreshAction = nullptr;
    QAction *m_filterAction = nullptr;
    QAction *m_findAction = nullptr;
    QAction *m_findNextAction = nullptr;
    QAction *m_findPreviousAction = nullptr;
};

} // namespace provscope
