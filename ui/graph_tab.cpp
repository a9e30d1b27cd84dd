#include "graph_tab.h"

#include "annotation_set.h"
#include "chain_summary.h"
#include "graph_edge_item.h"
#include "graph_export.h"
#include "graph_legend.h"
#include "graph_minimap.h"
#include "graph_node_item.h"
#include "graph_painter.h"
#include "graph_report.h"
#include "graph_status.h"
#include "session_graph.h"
#include "task_progress.h"
#include "zoomable_graphics_view.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QGraphicsScene>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QSpinBox>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace provscope {

GraphTab::GraphTab(QWidget *parent)
    : QWidget(parent)
    , m_status(new QLabel(this))
    , m_scene(new QGraphicsScene(this))
    , m_view(new ZoomableGraphicsView(this))
{
    m_pool.setMaxThreadCount(1);
    m_view->setScene(m_scene);
    m_view->viewport()->installEventFilter(this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setContentsMargins(6, 2, 6, 2);
    m_status->setMinimumWidth(100);
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_status->setWordWrap(true);
    createToolBar();

    m_legend = new GraphLegend(m_view);
    m_minimap = new GraphMinimap(m_view);
    m_legendAction->setChecked(true);
    m_minimapAction->setChecked(true);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_toolBar);
    layout->addWidget(m_status);
    layout->addWidget(m_view, 1);

    connect(&m_job, &QFutureWatcher<GraphJobResult>::finished, this, &GraphTab::onJobFinished);
    connect(m_scene, &QGraphicsScene::selectionChanged, this, &GraphTab::onSceneSelectionChanged);
    setStatus(tr("Select an event, then choose its process or file to see its provenance graph."));
}

GraphTab::~GraphTab()
{
    // The scene's items go with it: no selection news to a tab half destroyed.
    m_scene->disconnect(this);
    if (m_jobCancelled)
        m_jobCancelled->store(true);
    if (m_job.isRunning())
        m_job.waitForFinished();
}

void GraphTab::createToolBar()
{
    m_toolBar = new QToolBar(this);
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);

    m_scope = new QComboBox(this);
    m_scope->addItem(tr("Backward"), int(TrackScope::Backward));
    m_scope->addItem(tr("Forward"), int(TrackScope::Forward));
    m_scope->addItem(tr("Both"), int(TrackScope::Both));
    m_scope->setCurrentIndex(2);
    m_scope->setToolTip(tr("Backward: how it came to be; forward: what it touched afterwards (time-respecting)"));
    connect(m_scope, &QComboBox::currentIndexChanged, this, &GraphTab::retrack);

    m_depth = new QSpinBox(this);
    m_depth->setRange(0, 50);
    m_depth->setValue(0);
    m_depth->setPrefix(tr("Depth "));
    m_depth->setSpecialValueText(tr("Depth \u221e"));
    m_depth->setToolTip(tr("Hops from the point of interest (\u221e: as far as the flows go)"));
    connect(m_depth, &QSpinBox::valueChanged, this, &GraphTab::retrack);

    m_nodeLimit = new QSpinBox(this);
    m_nodeLimit->setRange(10, 5000);
    m_nodeLimit->setSingleStep(50);
    m_nodeLimit->setValue(400);
    m_nodeLimit->setPrefix(tr("Max "));
    m_nodeLimit->setSuffix(tr(" nodes"));
    m_nodeLimit->setToolTip(tr("Node limit of the tracking; the status says how many more there are"));
    connect(m_nodeLimit, &QSpinBox::valueChanged, this, &GraphTab::retrack);

    m_hideNoise = new QCheckBox(tr("Hide noise"), this);
    m_hideNoise->setChecked(true);
    m_hideNoise->setToolTip(tr("Hide libraries, /proc, /sys, locale...; group shared read-only and temporary "
                               "files; merge bursts. Reversible."));
    connect(m_hideNoise, &QCheckBox::toggled, this, [this](bool hide) {
        m_spec.skipNoise = hide;
        if (m_analysis)
            relayout(hide ? tr("noise hidden") : tr("noise shown"));
    });

    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Find node (label, path, address, pid)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMaximumWidth(260);
    connect(m_search, &QLineEdit::returnPressed, this, [this] { findNext(m_search->text()); });

    m_toolBar->addWidget(m_scope);
    m_toolBar->addWidget(m_depth);
    m_toolBar->addWidget(m_nodeLimit);
    m_toolBar->addWidget(m_hideNoise);
    m_toolBar->addSeparator();
    m_toolBar->addWidget(m_search);
    m_showHidden = m_toolBar->addAction(tr("Show Hidden (0)"), this, &GraphTab::showHidden);
    m_showHidden->setEnabled(false);
    m_toolBar->addSeparator();
    QAction *zoomIn = m_toolBar->addAction(tr("Zoom In"), m_view, &ZoomableGraphicsView::zoomIn);
    zoomIn->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Equal), QKeySequence::ZoomIn});
    zoomIn->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    QAction *zoomOut = m_toolBar->addAction(tr("Zoom Out"), m_view, &ZoomableGraphicsView::zoomOut);
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    zoomOut->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    QAction *fit = m_toolBar->addAction(tr("Fit"), m_view, &ZoomableGraphicsView::zoomToFit);
    fit->setToolTip(tr("Zoom to fit (Ctrl+0)"));
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    fit->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_toolBar->addAction(tr("1:1"), m_view, &ZoomableGraphicsView::resetZoom);
    m_legendAction = m_toolBar->addAction(tr("Legend"));
    m_legendAction->setCheckable(true);
    connect(m_legendAction, &QAction::toggled, this, [this](bool on) {
        m_legend->setVisible(on && m_graph);
    });
    m_minimapAction = m_toolBar->addAction(tr("Minimap"));
    m_minimapAction->setCheckable(true);
    connect(m_minimapAction, &QAction::toggled, this, [this](bool on) {
        m_minimap->setVisible(on && m_graph);
    });
    QAction *find = new QAction(tr("Find Node"), this);
    find->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    find->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QAction::triggered, this, [this] {
        m_search->setFocus();
        m_search->selectAll();
    });
    // Shortcuts of a toolbar only fire when it is visible; they are also on the tab.
    addActions({zoomIn, zoomOut, fit, find});
}

void GraphTab::setScope(TrackScope scope)
{
    m_scope->setCurrentIndex(m_scope->findData(int(scope)));
}

TrackScope GraphTab::scope() const
{
    return TrackScope(m_scope->currentData().toInt());
}

void GraphTab::setDepth(int depth)
{
    m_depth->setValue(depth);
}

void GraphTab::setNodeLimit(int nodes)
{
    m_nodeLimit->setValue(nodes);
}

void GraphTab::setHideNoise(bool hide)
{
    m_hideNoise->setChecked(hide);
}

bool GraphTab::hideNoise() const
{
    return m_hideNoise->isChecked();
}

void GraphTab::setSessionPath(const QString &path)
{
    m_sessionPath = path;
    ++m_sessionGeneration; // a job still running for the previous session is dropped
    ++m_revision;
    if (m_jobCancelled)
        m_jobCancelled->store(true);
    m_waiting.reset();
    m_hasPoi = false;
    m_sessionStale = false;
    m_session.reset();
    m_analysis.reset();
    m_composed.reset();
    m_graph.reset();
    m_spec = {};
    m_spec.skipNoise = hideNoise();
    m_pins.clear();
    m_pathNodes.clear();
    m_pathEdges.clear();
    m_scene->clear();
    m_layout = {};
    m_legend->hide();
    m_minimap->hide();
    updateHiddenAction();
    finishProgress();
    setStatus(path.isEmpty() ? tr("No session open.")
                             : tr("Select an event, then choose its process or file to see its provenance graph."));
}

void GraphTab::retrack()
{
    if (m_hasPoi)
        showGraph(m_lastPoi);
}

GraphJobRequest GraphTab::analyzeRequest(const PointOfInterest &poi) const
{
    GraphJobRequest request;
    request.analyze = true;
    request.sessionPath = m_sessionPath;
    request.session = m_sessionStale ? nullptr : m_session;
    request.poi = poi;
    request.options.scope = scope();
    request.options.limits.maxDepth = m_depth->value() == 0 ? -1 : m_depth->value();
    request.options.limits.maxNodes = m_nodeLimit->value();
    request.options.hideNoise = hideNoise();
    return request;
}

void GraphTab::showGraph(const PointOfInterest &poi)
{
    if (m_sessionPath.isEmpty())
        return;
    m_lastPoi = poi;
    m_hasPoi = true;
    requestJob(analyzeRequest(poi));
}

void GraphTab::requestJob(GraphJobRequest request)
{
    // An edit made while a tracking runs or waits would be composed from the
    // previous analysis and replace the new one: track again with the toolbar
    // as it is now instead (a new analysis starts without edits anyway).
    const bool analysisPending = (m_jobActive && m_jobAnalyzing) || (m_waiting && m_waiting->analyze);
    if (!request.analyze && analysisPending && m_hasPoi)
        request = analyzeRequest(m_lastPoi);
    request.revision = ++m_revision;
    if (m_jobActive) {
        m_waiting = std::move(request); // one job at a time; the newest request wins
        return;
    }
    startJob(std::move(request));
}

void GraphTab::startJob(GraphJobRequest request)
{
    if (request.analyze) {
        if (m_sessionStale) {
            m_session.reset();
            m_sessionStale = false;
        }
        if (!request.session)
            request.session = m_session;
        setStatus(request.session ? tr("Tracking from %1…").arg(describePoi(request.poi))
                                  : tr("Reading the session for the graph of %1…").arg(describePoi(request.poi)));
    }
    m_abandoned = false;
    m_jobCancelled = std::make_shared<std::atomic<bool>>(false);
    request.cancelled = m_jobCancelled;
    if (m_progress && !m_progressToken) {
        // Graphviz cannot be interrupted: Cancel stops reading the session, or lets
        // the layout finish unseen.
        const QString what = request.analyze && !request.session ? tr("Reading the session graph")
                                                                 : tr("Laying out the graph");
        m_progressToken = m_progress->begin(what, [this] {
            m_abandoned = true;
            m_waiting.reset();
            if (m_jobCancelled)
                m_jobCancelled->store(true);
            finishProgress();
            setStatus(tr("Graph cancelled."));
        });
    }
    if (m_progress && m_progressToken && !request.session && request.analyze) {
        QPointer<TaskProgress> progress = m_progress;
        const int token = m_progressToken;
        request.progress = [progress, token](int percent) {
            QMetaObject::invokeMethod(progress, [progress, token, percent] {
                if (progress)
                    progress->setProgress(token, percent / 100.0);
            }, Qt::QueuedConnection);
        };
    }
    m_jobSessionGeneration = m_sessionGeneration;
    m_jobActive = true;
    m_jobAnalyzing = request.analyze;
    m_job.setFuture(QtConcurrent::run(&m_pool, [request = std::move(request)] { return runGraphJob(request); }));
}

void GraphTab::finishProgress()
{
    if (m_progress && m_progressToken)
        m_progress->finish(m_progressToken);
    m_progressToken = 0;
}

void GraphTab::waitUntilIdle()
{
    m_waiting.reset();
    if (m_job.isRunning())
        m_job.waitForFinished();
}

bool GraphTab::isBusy() const
{
    return m_jobActive || m_waiting.has_value();
}

void GraphTab::onJobFinished()
{
    m_jobActive = false;
    GraphJobResult result = m_job.result();
    const bool sameSession = m_jobSessionGeneration == m_sessionGeneration;
    // The session graph is worth keeping whatever became of the rest; when the
    // live session grew meanwhile it still serves expansions of what is shown,
    // and the next tracking reads the session again (m_sessionStale).
    if (sameSession && result.sessionBuilt && result.session)
        m_session = result.session;
    if (m_waiting) {
        GraphJobRequest next = std::move(*m_waiting);
        m_waiting.reset();
        if (next.analyze && !next.session)
            next.session = m_session;
        startJob(std::move(next));
        return; // the finished result is already stale
    }
    if (!sameSession || result.revision != m_revision) {
        finishProgress();
        return;
    }
    if (m_abandoned) {
        m_abandoned = false;
        return;
    }
    finishProgress();
    if (!result.ok) {
        if (result.analyzed)
            setStatus(tr("No graph for %1: %2").arg(describePoi(result.poi), result.error));
        else
            setStatus(tr("The graph could not be laid out: %1").arg(result.error));
        emit graphFailed(result.error);
        return;
    }
    showResult(result);
    emit graphReady();
}

void GraphTab::showResult(GraphJobResult &result)
{
    const bool fresh = result.analyzed;
    if (fresh) {
        m_analysis = result.analysis;
        m_spec = {};
        m_spec.skipNoise = hideNoise();
        m_pins.clear();
        m_composed = result.graph;
        m_note.clear();
        m_focusKey.clear();
    }
    m_graph = result.graph;
    m_layout = std::move(result.layout);
    // Where the time went, for the curious (status tooltip).
    QStringList timing;
    if (result.sessionBuilt)
        timing << tr("session graph read in %1 s").arg(result.sessionSeconds, 0, 'f', 2);
    if (fresh)
        timing << tr("tracked in %1 s").arg(result.analysisSeconds, 0, 'f', 3);
    timing << tr("laid out in %1 s").arg(result.layoutSeconds, 0, 'f', 2);
    m_timing = timing.join(QStringLiteral(", "));
    m_edgeLabelsOff = result.edgeLabelsOff;
    applyPins(m_layout, *m_graph, m_pins);
    m_painter = std::make_shared<const GraphPainter>(*m_graph);
    populateScene(!fresh);
    applyAnnotations();
    updateHiddenAction();
    updateStatus();
}

void GraphTab::updateStatus()
{
    if (!m_graph)
        return;
    GraphStatusInput input;
    input.poi = m_lastPoi;
    input.scope = m_analysis ? scope() : TrackScope::Backward;
    input.shown = m_graph.get();
    input.analysis = m_analysis.get();
    input.session = m_session.get();
    input.hideNoise = hideNoise();
    input.spec = &m_spec;
    input.pinned = int(m_pins.size());
    input.engine = QString::fromStdString(m_layout.engine);
    QString text = graphStatusText(input);
    if (m_edgeLabelsOff)
        text += QStringLiteral(" \u00b7 ") + tr("edge labels off above %1 edges (hover an edge)").arg(kLabelledEdgeLimit);
    if (!m_note.isEmpty())
        text += QStringLiteral(" \u00b7 ") + m_note;
    setStatus(text);
    m_status->setToolTip(m_timing);
}

void GraphTab::populateScene(bool keepView)
{
    const QPointF centre = m_view->mapToScene(m_view->viewport()->rect().center());
    const QTransform transform = m_view->transform();
    m_selecting = true;
    m_scene->clear();
    m_pathNodes.clear();
    m_pathEdges.clear();
    const auto &edges = m_graph->edges();
    for (size_t i = 0; i < edges.size() && i < m_layout.edges.size(); ++i)
        m_scene->addItem(new GraphEdgeItem(m_painter, edges[i], int(i), m_layout.edges[i]));
    const auto &nodes = m_graph->nodes();
    for (size_t i = 0; i < nodes.size() && i < m_layout.nodes.size(); ++i) {
        auto *item = new GraphNodeItem(m_painter, nodes[i], int(i), m_layout.nodes[i]);
        item->setPinned(m_pins.count(nodes[i].key) > 0);
        m_scene->addItem(item);
    }
    m_scene->setSceneRect(m_layout.boundingBox.adjusted(-GraphPainter::kMargin, -GraphPainter::kMargin,
                                                        GraphPainter::kMargin, GraphPainter::kMargin));
    m_selecting = false;
    m_searchAt = -1;
    m_legend->setGraph(m_graph, m_painter);
    m_legend->setVisible(m_legendAction->isChecked());
    m_minimap->setVisible(m_minimapAction->isChecked());
    m_minimap->setScene(m_scene);
    placeOverlays();
    if (keepView) {
        // An edit keeps the zoom; the view centres on the node just expanded, or stays.
        m_view->setTransform(transform);
        const int focus = m_focusKey.empty() ? -1 : m_graph->findNode(m_focusKey);
        m_view->centerOn(focus >= 0 && size_t(focus) < m_layout.nodes.size() ? m_layout.nodes[size_t(focus)].center
                                                                            : centre);
        m_focusKey.clear();
    } else {
        showReadable();
    }
    m_minimap->refresh();
}

void GraphTab::showReadable()
{
    // Fit the whole graph when its text stays readable; otherwise keep a readable
    // scale centred on the point of interest (Zoom to Fit shows everything).
    constexpr qreal kMinReadableZoom = 0.8;
    m_view->zoomToFit();
    if (m_view->zoomFactor() >= kMinReadableZoom)
        return;
    m_view->resetTransform();
    m_view->scale(kMinReadableZoom, kMinReadableZoom);
    const int poi = m_graph->poi();
    if (poi >= 0 && size_t(poi) < m_layout.nodes.size())
        m_view->centerOn(m_layout.nodes[size_t(poi)].center);
}

void GraphTab::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    placeOverlays();
}

void GraphTab::placeOverlays()
{
    // Legend bottom-left, minimap bottom-right, over the view's viewport.
    const QRect area = m_view->viewport()->geometry();
    m_legend->adjustSize();
    m_legend->move(area.left() + 8, area.bottom() - m_legend->height() - 8);
    const QSize mini = m_minimap->sizeHint();
    m_minimap->resize(mini);
    m_minimap->move(area.right() - mini.width() - 8, area.bottom() - mini.height() - 8);
}

Result<void> GraphTab::exportPng(const QString &path) const
{
    auto job = pngExportJob(path, std::make_shared<std::atomic<bool>>(false));
    if (!job)
        return makeError(job.error());
    return job.value()();
}

Result<GraphTab::PngExportJob> GraphTab::pngExportJob(const QString &path,
                                                      std::shared_ptr<std::atomic<bool>> cancelled) const
{
    return exportJob(path, ExportRequest{}, std::move(cancelled));
}

Result<GraphTab::PngExportJob> GraphTab::exportJob(const QString &path, const ExportRequest &request,
                                                   std::shared_ptr<std::atomic<bool>> cancelled) const
{
    if (!m_graph)
        return makeError(tr("There is no graph to export: build one first.").toStdString());
    std::vector<Annotation> notes = m_annotations ? m_annotations->annotations() : std::vector<Annotation>();
    const QString title = request.title.isEmpty() ? tr("Provenance of %1").arg(describePoi(m_lastPoi)) : request.title;
    // Every writer goes through a temporary file renamed over path (QSaveFile): whole or untouched.
    return PngExportJob([graph = m_graph, layout = m_layout, notes = std::move(notes), file = QFile::encodeName(path).toStdString(),
                         request, title, cancelled]() -> Result<void> {
        switch (request.kind) {
        case ExportKind::Png: return GraphExport::writePng(file, *graph, layout, request.scale, notes, cancelled.get());
        case ExportKind::Svg: return GraphExport::writeSvg(file, *graph, layout, notes);
        case ExportKind::Dot: return GraphExport::writeDot(file, *graph, notes);
        case ExportKind::Json: return GraphExport::writeJson(file, *graph);
        case ExportKind::ReportPng:
        case ExportKind::ReportPdf: {
            ReportOptions report;
            report.title = title.toStdString();
            report.caseNotes = request.caseNotes.toStdString();
            report.summary = summarizeChain(*graph);
            report.annotations = notes;
            report.scale = request.scale;
            return request.kind == ExportKind::ReportPdf
                ? GraphReport::writePdf(file, *graph, layout, report, cancelled.get())
                : GraphReport::writePng(file, *graph, layout, report, cancelled.get());
        }
        }
        return makeError("unknown export");
    });
}

void GraphTab::setAnnotationSet(AnnotationSet *set)
{
    if (m_annotations)
        disconnect(m_annotations, nullptr, this, nullptr);
    m_annotations = set;
    if (m_annotations) {
        connect(m_annotations, &AnnotationSet::changed, this, &GraphTab::applyAnnotations);
        connect(m_annotations, &QObject::destroyed, this, [this] {
            m_annotations = nullptr;
            applyAnnotations();
        });
    }
    applyAnnotations();
}

void GraphTab::applyAnnotations()
{
    if (!m_graph)
        return;
    // A new painter with the marks; the items switch to it (the scene stays as laid out).
    auto painter = std::make_shared<GraphPainter>(*m_graph);
    if (m_annotations)
        painter->setAnnotations(*m_graph, m_annotations->annotations());
    m_painter = painter;
    for (QGraphicsItem *item : m_scene->items()) {
        if (auto *node = dynamic_cast<GraphNodeItem *>(item))
            node->setPainter(m_painter);
        else if (auto *edge = dynamic_cast<GraphEdgeItem *>(item))
            edge->setPainter(m_painter);
    }
}

void GraphTab::setStatus(const QString &text)
{
    m_status->setText(text);
}

QString GraphTab::statusText() const
{
    return m_status->text();
}

} // namespace provscope
