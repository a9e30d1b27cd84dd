#pragma once
// The provenance graph tab: builds the graph around a point of interest in the
// background, shows it in a zoomable scene and exports it as PNG. Nodes can be
// tagged and commented (context menu); annotated nodes carry a numbered mark, and
// the exported PNG lists the notes under the graph.
#include "annotation_prompt.h"
#include "graph_job.h"
#include "result.h"

#include <QFutureWatcher>

#include <atomic>
#include <functional>
#include <memory>
#include <QThreadPool>
#include <QWidget>

#include <memory>
#include <optional>

class QGraphicsScene;
class QLabel;
class QMenu;
class QSpinBox;
class QToolBar;

namespace provscope {

class AnnotationSet;
class TaskProgress;
class GraphPainter;
class ZoomableGraphicsView;

class GraphTab : public QWidget {
    Q_OBJECT
public:
    explicit GraphTab(QWidget *parent = nullptr);
    ~GraphTab() override;

    // The session graphs are built from (empty: none). Clears the current graph.
    void setSessionPath(const QString &path);
    // Builds the graph around poi (replacing a request still waiting).
    void showGraph(const PointOfInterest &poi);

    bool isBusy() const;
    // Waits for a running build and drops waiting requests (its reader is closed after).
    void waitUntilIdle();
    bool hasGraph() const { return m_graph != nullptr; }
    const ProvenanceGraph *graph() const { return m_graph.get(); }
    const GraphLayoutResult &layoutResult() const { return m_layout; }
    QGraphicsScene *scene() const { return m_scene; }
    ZoomableGraphicsView *view() const { return m_view; }
    QString statusText() const;

    // Writes the current graph as PNG through the shared exporter (screen == file),
    // with the annotations' marks and notes block.
    Result<void> exportPng(const QString &path) const;
    // The same export as a job for a worker thread: it owns a copy of the graph, its
    // layout and the annotations; path is replaced whole at the end unless *cancelled
    // was set by then. Fails when there is no graph.
    using PngExportJob = std::function<Result<void>()>;
    Result<PngExportJob> pngExportJob(const QString &path, std::shared_ptr<std::atomic<bool>> cancelled) const;

    // The annotations shown on the nodes and edited from their context menu (may be null).
    void setAnnotationSet(AnnotationSet *set);
    // Layouts show there with Cancel (may be null).
    void setTaskProgress(TaskProgress *progress) { m_progress = progress; }
    // Tests answer here instead of a modal dialog.
    void setTextPrompt(AnnotationTextPrompt prompt) { m_prompt = std::move(prompt); }
    // The context menu of a node (Tag…, Comment…); the caller owns it.
    QMenu *createNodeMenu(int nodeIndex, QWidget *parent);
    // Asks for the text and adds a tag or comment: on the process for a process
    // node, on the node otherwise. false when cancelled or nothing is open.
    bool annotateNode(int nodeIndex, Annotation::Kind kind);
    // The painter the scene draws with (its marks follow the annotations).
    std::shared_ptr<const GraphPainter> painter() const { return m_painter; }

signals:
    void graphReady();
    void graphFailed(const QString &message);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void startJob(const PointOfInterest &poi);
    void onJobFinished();
    void finishProgress();
    void populateScene();
    void showReadable();
    void setStatus(const QString &text);
    void applyAnnotations();

    QString m_sessionPath;
    QToolBar *m_toolBar;
    QSpinBox *m_depth;
    QLabel *m_status;
    QGraphicsScene *m_scene;
    ZoomableGraphicsView *m_view;
    // Its own thread: Qt's shared pool (2 threads here) also serves painting.
    TaskProgress *m_progress = nullptr;
    int m_progressToken = 0;
    bool m_abandoned = false; // Cancel pressed: the running layout's result is dropped
    int m_sessionGeneration = 0;    // counts setSessionPath() calls
    int m_jobSessionGeneration = 0; // the one the running layout was started in
    QThreadPool m_pool;
    QFutureWatcher<GraphJobResult> m_job;
    std::optional<PointOfInterest> m_waiting; // requested while a job ran
    PointOfInterest m_lastPoi;
    bool m_hasPoi = false;
    std::shared_ptr<const ProvenanceGraph> m_graph;
    std::shared_ptr<const GraphPainter> m_painter;
    GraphLayoutResult m_layout;
    AnnotationSet *m_annotations = nullptr;
    AnnotationTextPrompt m_prompt = askAnnotationText;
};

} // namespace provscope
