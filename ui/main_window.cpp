#include "main_window.h"

#include "capture_controller.h"
#include "event_details_view.h"
#include "event_table_model.h"
#include "annotation_actions.h"
#include "background_task.h"
#include "annotation_set.h"
#include "dashboard_tab.h"
#include "events_tab.h"
#include "flows_tab.h"
#include "process_tree_tab.h"
#include "filter_bar.h"
#include "graph_tab.h"
#include "helper_command_dialog.h"
#include "recent_files.h"
#include "session_reader.h"
#include "session_status_bar.h"
#include "shortcuts_dialog.h"
#include "task_progress.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDir>
#include <QFileDialog>
#include <QInputDialog>
#include <QLineEdit>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

namespace provscope {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_statusBar(new SessionStatusBar(this))
    , m_capture(new CaptureController(this))
    , m_rateTimer(new QTimer(this))
    , m_closeTimeout(new QTimer(this))
{
    // While recording the rate is refreshed even when no events arrive (it drops to 0).
    m_rateTimer->setInterval(1000);
    m_closeTimeout->setSingleShot(true);
    m_closeTimeout->setInterval(10000);
    connect(m_closeTimeout, &QTimer::timeout, this, &QWidget::close);
    connect(m_rateTimer, &QTimer::timeout, this, &MainWindow::updateStatusCounts);
    setStatusBar(m_statusBar);
    m_progress = new TaskProgress(this);
    m_statusBar->addPermanentWidget(m_progress);
    createCentralWidgets();
    createActions();
    createMenus();
    resize(1280, 800);
    updateTitle();

    connect(m_capture, &CaptureController::stateChanged, this, &MainWindow::onCaptureStateChanged);
    connect(m_capture, &CaptureController::sessionCreated, this, [this](const QString &path) {
        openSession(path);
    });
    connect(m_capture, &CaptureController::eventsAppended, this, &MainWindow::onEventsAppended);
    connect(m_capture, &CaptureController::statsChanged, this, &MainWindow::updateStatusCounts);
    connect(m_capture, &CaptureController::warning, this, [this](const QString &text) {
        m_statusBar->showMessage(text, 10000);
    });
    connect(m_capture, &CaptureController::failed, this, &MainWindow::onCaptureFailed);
    connect(m_capture, &CaptureController::aboutToFinishSession, this, &MainWindow::releaseSession);
    connect(m_capture, &CaptureController::finished, this, &MainWindow::reopenFinishedSession);
    onCaptureStateChanged();
}

MainWindow::~MainWindow()
{
    // Finish a running capture with every reader closed, before the children go.
    m_capture->disconnect(this);
    stopSessionWork();
    m_reader.reset();
    delete m_capture;
}

void MainWindow::releaseSession()
{
    // The writer checkpoints the file next: close every reader of it (table, graph job).
    stopSessionWork();
    m_reader.reset();
}

void MainWindow::stopSessionWork()
{
    // Every worker with a connection to the file stops and lets go of it.
    m_eventsTab->releaseSession();
    m_dashboard->cancelAndWait();
    m_flowsTab->cancelAndWait();
    m_processTree->cancelAndWait();
    m_graphTab->waitUntilIdle();
}

void MainWindow::reopenFinishedSession(const QString &path)
{
    // Reopen the finished, self-contained file read-only; the events tab keeps its position.
    if (openSession(path))
        m_statusBar->showMessage(tr("Capture saved to %1").arg(path), 10000);
}

void MainWindow::createCentralWidgets()
{
    m_dashboard = new DashboardTab(this);
    m_dashboard->setTaskProgress(m_progress);
    m_eventsTab = new EventsTab(this);
    m_eventsTab->setTaskProgress(m_progress);
    m_processTree = new ProcessTreeTab(this);
    m_processTree->setTaskProgress(m_progress);
    m_graphTab = new GraphTab(this);
    m_graphTab->setTaskProgress(m_progress);
    createAnnotationViews();

    connect(m_eventsTab, &EventsTab::currentEventChanged, this, &MainWindow::onCurrentEventChanged);
    connect(m_eventsTab, &EventsTab::sortFailed, this, [this](const QString &message) {
        reportError(tr("Sort"), message);
    });
    // Every view drills into the Events tab through a display filter shown in its bar.
    connect(m_dashboard, &DashboardTab::filterRequested, this, &MainWindow::showFilteredEvents);
    connect(m_processTree, &ProcessTreeTab::filterRequested, this, &MainWindow::showFilteredEvents);
    connect(m_processTree, &ProcessTreeTab::graphRequested, this, &MainWindow::showGraphOf);
    EventDetailsView *details = m_eventsTab->details();
    connect(details, &EventDetailsView::showGraphRequested, this, &MainWindow::showGraphOf);
    // Graph -> events: a selected node or edge selects its events in the table (the
    // reverse is in onCurrentEventChanged). The display filter is left as it is.
    connect(m_graphTab, &GraphTab::eventsSelected, this, [this](const std::vector<int64_t> &ids) {
        if (ids.empty())
            return;
        const EventsTab::EventSelection shown = m_eventsTab->selectEvents(ids);
        if (shown.hidden > 0)
            m_statusBar->showMessage(tr("%1 of the %2 events of the graph selection are hidden by the display "
                                        "filter.").arg(shown.hidden).arg(shown.requested), 10000);
        else
            m_statusBar->showMessage(tr("%1 events of the graph selection selected in the Events tab%2.")
                                         .arg(shown.selected)
                                         .arg(shown.selected < shown.requested ? tr(" (the first ones)") : QString()),
                                     5000);
    });
    connect(details, &EventDetailsView::showProcessRequested, this, [this](uint32_t pid, uint64_t startNs) {
        m_tabs->setCurrentWidget(m_processTree);
        if (!m_processTree->selectProcess(pid, startNs))
            m_statusBar->showMessage(tr("Process %1 is not in the process tree.").arg(pid), 5000);
    });

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_dashboard, tr("Dashboard"));
    m_tabs->addTab(m_eventsTab, tr("Events"));
    createFlowsTab(); // after Events
    m_tabs->addTab(m_processTree, tr("Process Tree"));
    m_tabs->addTab(m_graphTab, tr("Provenance Graph"));
    // Live events land in the table; a session opened from a file starts at the
    // overview (openSessionAtOverview).
    m_tabs->setCurrentWidget(m_eventsTab);
    connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::onTabChanged);
    setCentralWidget(m_tabs);
}

void MainWindow::showFilteredEvents(const QString &expression)
{
    m_tabs->setCurrentWidget(m_eventsTab);
    filterBar()->applyFilter(expression);
}

void MainWindow::showGraphOf(const PointOfInterest &poi)
{
    m_graphWanted.reset();
    m_tabs->setCurrentWidget(m_graphTab);
    m_graphTab->showGraph(poi);
}

QTableView *MainWindow::eventTable() const
{
    return m_eventsTab->table();
}

EventTableModel *MainWindow::eventModel() const
{
    return m_eventsTab->model();
}

EventDetailsView *MainWindow::detailsView() const
{
    return m_eventsTab->details();
}

FilterBar *MainWindow::filterBar() const
{
    return m_eventsTab->filterBar();
}

void MainWindow::createActions()
{
    m_openAction = new QAction(tr("&Open…"), this);
    m_openAction->setShortcut(QKeySequence::Open);
    connect(m_openAction, &QAction::triggered, this, &MainWindow::openFileDialog);

    m_exportAction = new QAction(tr("&Export Graph…"), this);
    m_exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(m_exportAction, &QAction::triggered, this, &MainWindow::exportGraphDialog);

    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setShortcut(QKeySequence::Quit);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_startAction = new QAction(tr("&Start"), this);
    m_startAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(m_startAction, &QAction::triggered, this, &MainWindow::startCapture);
    m_stopAction = new QAction(tr("S&top"), this);
    m_stopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    connect(m_stopAction, &QAction::triggered, this, &MainWindow::stopCapture);

    m_graphProcessAction = new QAction(tr("Graph of this &Process"), this);
    m_graphProcessAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
    connect(m_graphProcessAction, &QAction::triggered, this, &MainWindow::showGraphOfSelectedProcess);
    m_graphFileAction = new QAction(tr("Graph of this &File"), this);
    m_graphFileAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G));
    connect(m_graphFileAction, &QAction::triggered, this, &MainWindow::showGraphOfSelectedFile);

    m_findAction = new QAction(tr("&Find Event…"), this);
    m_findAction->setShortcut(QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_eventsTab);
        m_eventsTab->showFindBar();
    });
    addAction(m_findAction);
    m_findNextAction = new QAction(tr("Find &Next"), this);
    m_findNextAction->setShortcut(QKeySequence::FindNext);
    connect(m_findNextAction, &QAction::triggered, m_eventsTab, &EventsTab::findNext);
    m_findPreviousAction = new QAction(tr("Find Pre&vious"), this);
    m_findPreviousAction->setShortcut(QKeySequence::FindPrevious);
    connect(m_findPreviousAction, &QAction::triggered, m_eventsTab, &EventsTab::findPrevious);

    m_filterAction = new QAction(tr("&Filter Events…"), this);
    m_filterAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(m_filterAction, &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_eventsTab);
        filterBar()->focusFilter();
    });
    addAction(m_filterAction);

    QList<QAction *> context = m_annotationActions->eventActions();
    context << m_graphProcessAction << m_graphFileAction;
    m_eventsTab->setContextActions(context);

    m_refreshAction = new QAction(tr("&Refresh"), this);
    m_refreshAction->setShortcut(QKeySequence(Qt::Key_F5));
    m_refreshAction->setToolTip(tr("Read the session again (new events of a recording, changes on disk)"));
    connect(m_refreshAction, &QAction::triggered, this, &MainWindow::refreshSession);
    addAction(m_refreshAction);

    m_aboutAction = new QAction(tr("&About provscope"), this);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);
    m_shortcutsAction = new QAction(tr("&Keyboard Shortcuts"), this);
    m_shortcutsAction->setShortcut(QKeySequence::HelpContents);
    connect(m_shortcutsAction, &QAction::triggered, this, &MainWindow::showShortcuts);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    rebuildRecentMenu();
    file->addAction(m_annotationActions->save());
    file->addSeparator();
    file->addAction(m_exportAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_findAction);
    edit->addAction(m_findNextAction);
    edit->addAction(m_findPreviousAction);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_filterAction);
    view->addAction(m_eventsTab->quickFiltersAction());
    // The column list is read again each time: the header's own menu may have changed it.
    QMenu *columns = view->addMenu(tr("&Columns"));
    connect(columns, &QMenu::aboutToShow, this, [this, columns] {
        delete m_columnActionsSource;
        m_columnActionsSource = m_eventsTab->createColumnMenu(this);
        columns->clear();
        columns->addActions(m_columnActionsSource->actions());
    });
    QMenu *time = view->addMenu(tr("&Time Format"));
    time->addActions(m_eventsTab->timeFormatActions());
    time->addSeparator();
    time->addAction(m_eventsTab->setTimeReferenceAction());
    view->addSeparator();
    view->addAction(m_refreshAction);

    view->addAction(m_annotationsDock->toggleViewAction());

    QMenu *annotate = menuBar()->addMenu(tr("&Annotate"));
    annotate->addActions(m_annotationActions->eventActions());
    annotate->addSeparator();
    annotate->addAction(m_annotationActions->save());

    QMenu *capture = menuBar()->addMenu(tr("&Capture"));
    capture->addAction(m_startAction);
    capture->addAction(m_stopAction);

    QMenu *graph = menuBar()->addMenu(tr("&Graph"));
    graph->addAction(m_graphProcessAction);
    graph->addAction(m_graphFileAction);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_shortcutsAction);
    help->addAction(m_aboutAction);
}

void MainWindow::setHelperLaunch(const HelperLaunch &launch)
{
    m_capture->setHelperLaunch(launch);
    m_statusBar->setPrivilegeText(m_capture->privilegeText());
}

bool MainWindow::openSession(const QString &path)
{
    const bool ownRecording = m_capture->isActive() && path == m_capture->sessionPath();
    if (m_capture->isActive() && !ownRecording) {
        reportError(tr("Cannot open a session"), tr("Stop the running capture before opening another session."));
        return false;
    }
    if (m_opening) {
        reportError(tr("Cannot open a session"), tr("Another session is still being opened."));
        return false;
    }
    // The capture's own new session was asked about in startCapture().
    const bool reopening = QFileInfo(path).absoluteFilePath() == m_sessionPath;
    if (!reopening && !ownRecording && !maybeSaveAnnotations())
        return false;
    auto reader = openReaderInBackground(path);
    if (!reader) {
        reportError(tr("Cannot open %1").arg(QFileInfo(path).fileName()), QString::fromStdString(reader.error()));
        return false;
    }
    setReader(std::shared_ptr<SessionReader>(std::move(reader.value())), QFileInfo(path).absoluteFilePath());
    RecentFiles().add(path);
    return true;
}

bool MainWindow::openSessionAtOverview(const QString &path)
{
    if (!openSession(path))
        return false;
    m_tabs->setCurrentWidget(m_dashboard);
    return true;
}

Result<std::unique_ptr<SessionReader>> MainWindow::openReaderInBackground(const QString &path)
{
    // The checks and the first reads of a large or slow file run on a worker while the
    // window stays usable on the old session; openSession() refuses a second open meanwhile.
    using Opened = Result<std::unique_ptr<SessionReader>>;
    const std::string file = QFile::encodeName(path).toStdString();
    auto opened = std::make_shared<std::optional<Opened>>();
    m_opening = true;
    const bool done = runWithProgress(m_progress, &m_workers, tr("Opening %1").arg(QFileInfo(path).fileName()),
                                      [file, opened] { opened->emplace(SessionReader::open(file)); });
    m_opening = false;
    if (!done)
        return makeError(tr("Opening was cancelled.").toStdString());
    return std::move(**opened);
}

void MainWindow::setReader(std::shared_ptr<SessionReader> reader, const QString &path)
{
    m_reader = std::move(reader);
    m_sessionPath = path;
    m_graphWanted.reset();
    m_eventsTab->setReader(m_reader, path);
    m_dashboard->setSession(path, m_capture->isActive() && path == m_capture->sessionPath());
    m_flowsTab->setSession(path, m_capture->isActive() && path == m_capture->sessionPath());
    syncFlowsTimeFormat();
    m_processTree->setSession(path);
    // Reading the same file again (F5, the end of a recording) keeps unsaved annotations.
    if (path != m_annotations->sessionPath() || !m_annotations->hasUnsavedChanges()) {
        if (auto loaded = m_annotations->load(path); !loaded)
            reportError(tr("Annotations"),
                        tr("The annotations in this session cannot be read, so none are shown and "
                           "none can be saved into it:\n%1").arg(QString::fromStdString(loaded.error())));
    }
    m_graphTab->setSessionPath(path);
    m_statusBar->setSessionPath(path);
    m_statusBar->resetRate();
    updateStatusCounts();
    updateTitle();
    m_capture->setOutputDirectory(QFileInfo(path).absolutePath());
}

void MainWindow::reportError(const QString &title, const QString &message, const QString &command)
{
    m_lastError = command.isEmpty() ? message : (message + QLatin1Char('\n') + command).trimmed();
    emit errorReported(m_lastError);
    if (!m_errorDialogs)
        return;
    if (!command.isEmpty()) {
        showHelperCommandDialog(this, message, command);
        return;
    }
    QMessageBox box(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box.setTextInteractionFlags(Qt::TextSelectableByMouse);
    box.exec();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = RecentFiles().list();
    for (const QString &file : files) {
        QAction *action = m_recentMenu->addAction(QFileInfo(file).fileName() + QStringLiteral("  —  ") + file);
        connect(action, &QAction::triggered, this, [this, file] { openSessionAtOverview(file); });
    }
    if (files.isEmpty()) {
        m_recentMenu->addAction(tr("No recent sessions"))->setEnabled(false);
        return;
    }
    m_recentMenu->addSeparator();
    connect(m_recentMenu->addAction(tr("Clear List")), &QAction::triggered, this, [] { RecentFiles().clear(); });
}

void MainWindow::openFileDialog()
{
    const QStringList recent = RecentFiles().list();
    const QString start = recent.isEmpty() ? QDir::homePath() : QFileInfo(recent.first()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Session"), start,
                                                      tr("provscope sessions (*.provscope);;All files (*)"));
    if (!path.isEmpty())
        openSessionAtOverview(path);
}

std::optional<PointOfInterest> MainWindow::selectedProcessPoi() const
{
    const Event *event = m_eventsTab->currentEvent();
    if (!event)
        return std::nullopt;
    return PointOfInterest::process(event->pid, event->procStartNs);
}

std::optional<PointOfInterest> MainWindow::selectedFilePoi() const
{
    const Event *event = m_eventsTab->currentEvent();
    if (!event || event->path.empty())
        return std::nullopt;
    return PointOfInterest::file(event->path);
}

void MainWindow::onCurrentEventChanged(const Event *event)
{
    if (!event)
        return;
    m_graphFileAction->setEnabled(!event->path.empty());
    // Events -> graph: the edge carrying the event is selected when the graph shows it.
    if (m_graphTab->selectEvent(event->id)) {
        m_graphWanted.reset();
        return;
    }
    // The graph follows the selected process; it is built when the tab is shown.
    m_graphWanted = PointOfInterest::process(event->pid, event->procStartNs);
    if (m_tabs->currentWidget() == m_graphTab)
        onTabChanged();
}

void MainWindow::onTabChanged()
{
    if (m_tabs->currentWidget() != m_graphTab || !m_graphWanted)
        return;
    const PointOfInterest poi = *m_graphWanted;
    m_graphWanted.reset();
    m_graphTab->showGraph(poi);
}

void MainWindow::showGraphOfSelectedProcess()
{
    if (auto poi = selectedProcessPoi()) {
        showGraphOf(*poi);
    } else {
        m_statusBar->showMessage(tr("Select an event first."), 5000);
    }
}

void MainWindow::showGraphOfSelectedFile()
{
    if (auto poi = selectedFilePoi()) {
        showGraphOf(*poi);
    } else {
        m_statusBar->showMessage(tr("Select an event that touched a file first."), 5000);
    }
}

bool MainWindow::exportGraphPng(const QString &path)
{
    return exportGraph(path, GraphTab::ExportRequest{});
}

bool MainWindow::exportGraph(const QString &path, const GraphTab::ExportRequest &request)
{
    // Drawing and encoding a large graph takes a while: it runs on a worker from a copy
    // of the graph, into a temporary file renamed over the target only when complete.
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    auto job = m_graphTab->exportJob(path, request, cancelled);
    if (!job) {
        reportError(tr("Export failed"), QString::fromStdString(job.error()));
        return false;
    }
    auto written = std::make_shared<std::optional<Result<void>>>();
    const bool done = runWithProgress(m_progress, &m_workers, tr("Exporting %1").arg(QFileInfo(path).fileName()),
                                      [work = std::move(job.value()), written] { written->emplace(work()); },
                                      cancelled);
    if (!done) {
        m_statusBar->showMessage(tr("Export of %1 cancelled: the file was not replaced.").arg(path), 10000);
        return false;
    }
    if (!**written) {
        reportError(tr("Export failed"), QString::fromStdString((*written)->error()));
        return false;
    }
    m_statusBar->showMessage(tr("Graph exported to %1").arg(path), 10000);
    return true;
}

void MainWindow::exportGraphDialog()
{
    if (!m_graphTab->hasGraph()) {
        reportError(tr("Export Graph"), tr("There is no graph yet: select an event and open the "
                                           "Provenance Graph tab (or Graph → Graph of this Process)."));
        return;
    }
    using Kind = GraphTab::ExportKind;
    struct Choice {
        QString filter;
        Kind kind;
        qreal scale;
        const char *suffix;
    };
    const Choice choices[] = {
        {tr("PNG image, as shown (*.png)"), Kind::Png, 1.0, ".png"},
        {tr("PNG image, twice the resolution (*.png)"), Kind::Png, 2.0, ".png"},
        {tr("SVG drawing (*.svg)"), Kind::Svg, 1.0, ".svg"},
        {tr("Graphviz DOT (*.dot)"), Kind::Dot, 1.0, ".dot"},
        {tr("JSON nodes and edges (*.json)"), Kind::Json, 1.0, ".json"},
        {tr("Report page, PDF (*.pdf)"), Kind::ReportPdf, 1.0, ".pdf"},
        {tr("Report page, PNG (*.png)"), Kind::ReportPng, 2.0, ".png"},
    };
    QStringList filters;
    for (const Choice &choice : choices)
        filters << choice.filter;
    const QString dir = m_sessionPath.isEmpty() ? QDir::homePath() : QFileInfo(m_sessionPath).absolutePath();
    const QString suggested = QDir(dir).filePath(QFileInfo(m_sessionPath).completeBaseName() + QStringLiteral("-graph.png"));
    QString selected = filters.first();
    QString path = QFileDialog::getSaveFileName(this, tr("Export Graph"), suggested, filters.join(QStringLiteral(";;")),
                                                &selected);
    if (path.isEmpty())
        return;
    const Choice &choice = choices[std::max<qsizetype>(filters.indexOf(selected), 0)];
    const QString suffix = QString::fromLatin1(choice.suffix);
    if (!path.endsWith(suffix, Qt::CaseInsensitive))
        path += suffix;
    GraphTab::ExportRequest request;
    request.kind = choice.kind;
    request.scale = choice.scale;
    if (choice.kind == Kind::ReportPdf || choice.kind == Kind::ReportPng) {
        bool ok = false;
        request.title = QInputDialog::getText(this, tr("Report"), tr("Title:"), QLineEdit::Normal,
                                              tr("How did this happen?"), &ok);
        if (!ok)
            return;
        request.caseNotes = QInputDialog::getMultiLineText(this, tr("Report"), tr("Case notes (optional):"), {}, &ok);
        if (!ok)
            return;
    }
    exportGraph(path, request);
}

void MainWindow::startCapture()
{
    // The recording replaces the session shown: its unsaved annotations are settled first.
    if (!maybeSaveAnnotations())
        return;
    m_capture->start();
}

void MainWindow::stopCapture()
{
    m_capture->stop();
}

void MainWindow::onCaptureStateChanged()
{
    const bool idle = m_capture->state() == CaptureController::State::Idle;
    m_startAction->setEnabled(idle);
    m_stopAction->setEnabled(m_capture->state() == CaptureController::State::Recording
                             || m_capture->state() == CaptureController::State::Connecting);
    m_openAction->setEnabled(idle);
    m_recentMenu->setEnabled(idle);
    switch (m_capture->state()) {
    case CaptureController::State::Connecting:
        m_statusBar->setCaptureState(tr("Connecting to the capture helper…"), false);
        break;
    case CaptureController::State::Recording:
        m_statusBar->setCaptureState(tr("● Recording"), true);
        m_rateTimer->start();
        break;
    case CaptureController::State::Stopping:
        m_statusBar->setCaptureState(tr("Stopping…"), false);
        break;
    case CaptureController::State::Idle:
        m_statusBar->setCaptureState(QString(), false);
        m_rateTimer->stop();
        break;
    }
    updateTitle();
}

void MainWindow::onCaptureFailed(const QString &message, const QString &command)
{
    reportError(tr("Capture"), message, command);
}

void MainWindow::onEventsAppended()
{
    m_eventsTab->eventsAppended();
    m_graphTab->sessionGrew(); // the next graph reads the session graph again
    updateStatusCounts();
    // The dashboard scans only the new events; while hidden it catches up when shown.
    if (m_tabs->currentWidget() == m_dashboard && !m_dashboard->isBusy())
        m_dashboard->refresh();
    // The Flows tab reads on its own timer (every 3 s or more, paced by its reads).
}

void MainWindow::updateStatusCounts()
{
    uint64_t events = 0;
    uint64_t lost = 0;
    if (m_reader) {
        const SessionCounts counts = m_reader->counts();
        events = uint64_t(counts.events);
        lost = uint64_t(counts.lostEvents);
    }
    if (m_capture->isActive())
        lost = std::max<uint64_t>(lost, m_capture->stats().eventsLost);
    m_statusBar->setCounts(events, lost);
}

void MainWindow::updateTitle()
{
    QString title = QStringLiteral("provscope");
    if (!m_sessionPath.isEmpty()) {
        // The file is only read; "*" says annotations wait to be saved into it.
        const bool unsaved = m_annotations && m_annotations->hasUnsavedChanges();
        title = QFileInfo(m_sessionPath).fileName() + (unsaved ? QStringLiteral("*") : QString())
                + QStringLiteral(" — ") + title;
    }
    if (m_capture && m_capture->state() == CaptureController::State::Recording)
        title = tr("● Recording — ") + title;
    setWindowTitle(title);
}

void MainWindow::refreshSession()
{
    if (m_sessionPath.isEmpty())
        return;
    if (m_capture->isActive()) {
        onEventsAppended(); // the live session is followed; pick up whatever is new now
        m_processTree->refresh();
        m_dashboard->refresh();
        m_flowsTab->refresh();
        return;
    }
    // A finished file: read it again, keeping the table's position and the filter.
    const QString path = m_sessionPath;
    stopSessionWork();
    m_reader.reset();
    if (openSession(path))
        m_statusBar->showMessage(tr("Reloaded %1").arg(path), 5000);
}

void MainWindow::showShortcuts()
{
    QList<QAction *> actions;
    for (QAction *action : findChildren<QAction *>())
        if (!action->shortcut().isEmpty() && !actions.contains(action))
            actions << action;
    std::sort(actions.begin(), actions.end(), [](const QAction *a, const QAction *b) {
        return a->shortcut().toString() < b->shortcut().toString();
    });
    ShortcutsDialog dialog(actions, this);
    dialog.exec();
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About provscope"),
                       tr("<h3>provscope %1</h3>"
                          "<p>A forensic workstation for Linux: records system calls with eBPF, "
                          "keeps them in a single SQLite session file and shows who wrote what, "
                          "where data went and what started it as a provenance graph.</p>")
                           .arg(QStringLiteral(PROVSCOPE_VERSION)));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // Let the helper flush everything and finish the file before the window goes;
    // closing again (or a stuck helper) closes at once: the writer still finishes the file.
    if (m_capture->isActive() && !m_closeRequested) {
        m_closeRequested = true;
        event->ignore();
        m_closeWhenIdle = connect(m_capture, &CaptureController::stateChanged, this,
                                  [this](CaptureController::State state) {
                                      if (state == CaptureController::State::Idle)
                                          close();
                                  });
        m_closeTimeout->start();
        m_capture->stop();
        return;
    }
    const bool accepted = m_capture->isActive() ? confirmLosingRecordingAnnotations() : maybeSaveAnnotations();
    // Whatever happens next, the close that was waiting for the capture is over.
    disconnect(m_closeWhenIdle);
    m_closeTimeout->stop();
    m_closeRequested = false;
    if (!accepted) {
        event->ignore();
        return;
    }
    QMainWindow::closeEvent(event);
}

} // namespace provscope
