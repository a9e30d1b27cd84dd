#include "graph_tab.h"

#include "annotation_set.h"
#include "graph_edge_item.h"
#include "graph_export.h"
#include "graph_node_item.h"
#include "graph_painter.h"
#include "task_progress.h"
#include "zoomable_graphics_view.h"

#include <QAction>
#include <QGraphicsScene>
#include <QContextMenuEvent>
#include <QLabel>
#include <QMenu>
#include <QMouseEvent>
#include <QSpinBox>
#include <QHBoxLayout>
#include <QToolBar>
#include <QVBoxLayout>
#include <QFile>
#include <QtConcurrent/QtConcurrentRun>

namespace provscope {

namespace {
QString describe(const PointOfInterest &poi)
{
    if (poi.kind == PointOfInterest::Kind::File)
        return QObject::tr("file %1").arg(QString::fromStdString(poi.path));
    return QObject::tr("process %1").arg(poi.pid);
}
} // namespace

GraphTab::GraphTab(QWidget *parent)
    : QWidget(parent)
    , m_toolBar(new QToolBar(this))
    , m_depth(new QSpinBox(this))
    , m_status(new QLabel(this))
    , m_scene(new QGraphicsScene(this))
    , m_view(new ZoomableGraphicsView(this))
{
    m_view->setScene(m_scene);
    m_view->viewport()->installEventFilter(this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setContentsMargins(6, 0, 6, 0);
    m_status->setMinimumWidth(100);
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    m_depth->setRange(1, 6);
    m_depth->setValue(2);
    m_depth->setPrefix(tr("Depth "));
    m_depth->setToolTip(tr("Hops from the point of interest"));
    connect(m_depth, &QSpinBox::valueChanged, this, [this] {
        if (m_hasPoi)
            showGraph(m_lastPoi);
    });

    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_toolBar->addWidget(m_depth);
    m_toolBar->addSeparator();
    QAction *zoomIn = m_toolBar->addAction(tr("Zoom In"), m_view, &ZoomableGraphicsView::zoomIn);
    zoomIn->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Equal), QKeySequence::ZoomIn});
    zoomIn->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    QAction *zoomOut = m_toolBar->addAction(tr("Zoom Out"), m_view, &ZoomableGraphicsView::zoomOut);
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    zoomOut->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    QAction *fit = m_toolBar->addAction(tr("Zoom to Fit"), m_view, &ZoomableGraphicsView::zoomToFit);
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    fit->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_toolBar->addAction(tr("1:1"), m_view, &ZoomableGraphicsView::resetZoom);
    // Shortcuts of a toolbar only fire when it is visible; they are also on the tab.
    addActions({zoomIn, zoomOut, fit});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    // The status sits beside the toolbar (not in it) so it can grow with its text.
    auto *top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(m_toolBar);
    top->addWidget(m_status, 1);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);

    connect(&m_job, &QFutureWatcher<GraphJobResult>::finished, this, &GraphTab::onJobFinished);
    setStatus(tr("Select an event, then choose its process or file to see its provenance graph."));
}

GraphTab::~GraphTab()
{
    if (m_job.isRunning())
        m_job.waitForFinished();
}

void GraphTab::setSessionPath(const QString &path)
{
    m_sessionPath = path;
    ++m_sessionGeneration; // a layout still running for the previous session is dropped
    m_waiting.reset();
    m_hasPoi = false;
    m_graph.reset();
    m_scene->clear();
    m_layout = {};
    setStatus(path.isEmpty() ? tr("No session open.")
                             : tr("Select an event, then choose its process or file to see its provenance graph."));
}

void GraphTab::showGraph(const PointOfInterest &poi)
{
    if (m_sessionPath.isEmpty())
        return;
    m_lastPoi = poi;
    m_hasPoi = true;
    if (m_job.isRunning()) {
        m_waiting = poi; // Graphviz runs one layout at a time; the newest request wins
        return;
    }
    startJob(poi);
}

void GraphTab::startJob(const PointOfInterest &poi)
{
    GraphBuildOptions options;
    options.depth = m_depth->value();
    setStatus(tr("Building the graph of %1…").arg(describe(poi)));
    m_abandoned = false;
    if (m_progress && !m_progressToken) {
        // Graphviz cannot be interrupted: Cancel lets the layout finish unseen.
        m_progressToken = m_progress->begin(tr("Laying out the graph of %1").arg(describe(poi)), [this] {
            m_abandoned = true;
            m_waiting.reset();
            finishProgress();
            setStatus(tr("Graph cancelled."));
        });
    }
    m_jobSessionGeneration = m_sessionGeneration;
    m_job.setFuture(QtConcurrent::run(&m_pool, runGraphJob, m_sessionPath, poi, options));
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
    return m_job.isRunning() || m_waiting.has_value();
}

void GraphTab::onJobFinished()
{
    GraphJobResult result = m_job.result();
    if (m_jobSessionGeneration != m_sessionGeneration && !m_waiting) {
        finishProgress(); // a graph of a session that is no longer open
        return;
    }
    if (m_abandoned && !m_waiting) {
        m_abandoned = false;
        return;
    }
    if (m_waiting) {
        const PointOfInterest next = *m_waiting;
        m_waiting.reset();
        startJob(next);
        return; // the finished result is already stale
    }
    finishProgress();
    if (!result.ok) {
        setStatus(tr("No graph for %1: %2").arg(describe(result.poi), result.error));
        emit graphFailed(result.error);
        return;
    }
    m_graph = result.graph;
    m_layout = std::move(result.layout);
    m_painter = std::make_shared<const GraphPainter>(*m_graph);
    populateScene();
    applyAnnotations();
    QString text = tr("Graph of %1: %2 nodes, %3 edges (%4)")
                       .arg(describe(result.poi))
                       .arg(m_graph->nodeCount())
                       .arg(m_graph->edgeCount())
                       .arg(QString::fromStdString(m_layout.engine));
    if (m_graph->omittedNodes() > 0)
        text += tr(", %1 more nodes left out").arg(m_graph->omittedNodes());
    setStatus(text);
    emit graphReady();
}

void GraphTab::populateScene()
{
    m_scene->clear();
    const auto &edges = m_graph->edges();
    for (size_t i = 0; i < edges.size() && i < m_layout.edges.size(); ++i)
        m_scene->addItem(new GraphEdgeItem(m_painter, edges[i], m_layout.edges[i]));
    const auto &nodes = m_graph->nodes();
    for (size_t i = 0; i < nodes.size() && i < m_layout.nodes.size(); ++i)
        m_scene->addItem(new GraphNodeItem(m_painter, nodes[i], int(i), m_layout.nodes[i]));
    m_scene->setSceneRect(m_layout.boundingBox.adjusted(-GraphPainter::kMargin, -GraphPainter::kMargin,
                                                        GraphPainter::kMargin, GraphPainter::kMargin));
    showReadable();
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
    if (!m_graph)
        return makeError(tr("There is no graph to export: build one first.").toStdString());
    std::vector<Annotation> notes = m_annotations ? m_annotations->annotations() : std::vector<Annotation>();
    // writePng writes a temporary file and renames it over path (QSaveFile): whole or untouched.
    return PngExportJob([graph = m_graph, layout = m_layout, notes = std::move(notes), path, cancelled] {
        return GraphExport::writePng(QFile::encodeName(path).toStdString(), *graph, layout, 1.0, notes, cancelled.get());
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
    }
}

QMenu *GraphTab::createNodeMenu(int nodeIndex, QWidget *parent)
{
    auto *menu = new QMenu(parent);
    const bool usable = m_graph && nodeIndex >= 0 && nodeIndex < m_graph->nodeCount() && m_annotations
        && !m_annotations->sessionPath().isEmpty();
    QAction *tag = menu->addAction(tr("Tag…"), this, [this, nodeIndex] { annotateNode(nodeIndex, Annotation::Kind::Tag); });
    QAction *comment = menu->addAction(tr("Comment…"), this,
                                       [this, nodeIndex] { annotateNode(nodeIndex, Annotation::Kind::Comment); });
    tag->setEnabled(usable);
    comment->setEnabled(usable);
    return menu;
}

bool GraphTab::annotateNode(int nodeIndex, Annotation::Kind kind)
{
    if (!m_graph || nodeIndex < 0 || nodeIndex >= m_graph->nodeCount() || !m_annotations)
        return false;
    const GraphNode &node = m_graph->node(nodeIndex);
    // A process node stands for its process: the tag shows wherever the process does.
    const bool process = node.kind == NodeKind::Process;
    const Annotation::Target target = process ? Annotation::Target::Process : Annotation::Target::Node;
    const std::string key = process ? Annotation::processTarget(node.pid, node.startNs) : node.key;
    QString what = QString::fromStdString(node.label);
    if (!node.detail.empty())
        what += QStringLiteral(" (%1)").arg(QString::fromStdString(node.detail));
    const auto text = m_prompt(this, kind, what, QString());
    if (!text)
        return false;
    return m_annotations->add(target, key, kind, *text) != 0;
}

bool GraphTab::eventFilter(QObject *watched, QEvent *event)
{
    // Double-click on a node: rebuild the graph around it.
    if (watched == m_view->viewport() && event->type() == QEvent::MouseButtonDblClick) {
        const auto *mouse = static_cast<QMouseEvent *>(event);
        for (QGraphicsItem *item : m_view->items(mouse->position().toPoint())) {
            if (auto *nodeItem = dynamic_cast<GraphNodeItem *>(item)) {
                const GraphNode &node = nodeItem->node();
                if (node.kind == NodeKind::Process)
                    showGraph(PointOfInterest::process(node.pid, node.startNs));
                else if (node.kind == NodeKind::File && !node.path.empty())
                    showGraph(PointOfInterest::file(node.path));
                return true;
            }
        }
    }
    if (watched == m_view->viewport() && event->type() == QEvent::ContextMenu) {
        const auto *menuEvent = static_cast<QContextMenuEvent *>(event);
        for (QGraphicsItem *item : m_view->items(menuEvent->pos())) {
            if (auto *nodeItem = dynamic_cast<GraphNodeItem *>(item)) {
                QMenu *menu = createNodeMenu(nodeItem->nodeIndex(), this);
                menu->setAttribute(Qt::WA_DeleteOnClose);
                menu->popup(menuEvent->globalPos());
                return true;
            }
        }
    }
    return QWidget::eventFilter(watched, event);
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
