#pragma once
// The provenance graph tab. The whole-session graph is built once per session
// in the background and cached; each request tracks from a point of interest
// (analyzeProvenance: direction, depth, node limit, noise filters) and lays the
// view out with Graphviz on the tab's own worker. The view is then edited by
// hand: double-click expands a node's session neighbours (25 at a time),
// collapse, fold leaves, pin, hide; Ctrl-click a second node highlights the
// path between them; search, legend, minimap, zoom to fit. Selecting a node or
// edge announces its events (eventsSelected) so the event table can follow,
// and selectEvent() does the reverse. Nodes can be tagged and commented
// (context menu); the exported PNG is the view as shown.
#include "annotation_prompt.h"
#include "graph_job.h"
#include "graph_pins.h"
#include "graph_view_spec.h"
#include "result.h"

#include <QFutureWatcher>
#include <QThreadPool>
#include <QWidget>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QAction;
class QCheckBox;
class QComboBox;
class QGraphicsScene;
class QLabel;
class QLineEdit;
class QMenu;
class QSpinBox;
class QToolBar;

namespace provscope {

class AnnotationSet;
class GraphLegend;
class GraphMinimap;
class GraphPainter;
class SessionGraph;
class TaskProgress;
class ZoomableGraphicsView;

class GraphTab : public QWidget {
    Q_OBJECT
public:
    static constexpr int kExpandStep = 25; // neighbours one expansion adds

    explicit GraphTab(QWidget *parent = nullptr);
    ~GraphTab() override;

    // The session graphs are built from (empty: none). Clears the graph and the cache.
    void setSessionPath(const QString &path);
    // A live session grew: the next request reads the session again.
    void sessionGrew() { m_sessionStale = true; }
    // Tracks from poi with the toolbar's settings (replacing a request still waiting).
    void showGraph(const PointOfInterest &poi);

    bool isBusy() const;
    // Waits for a running job and drops waiting requests.
    void waitUntilIdle();
    bool hasGraph() const { return m_graph != nullptr; }
    // The graph as shown (laid out): the analysis with the user's edits.
    const ProvenanceGraph *graph() const { return m_graph.get(); }
    const GraphLayoutResult &layoutResult() const { return m_layout; }
    const AnalysisResult *analysis() const { return m_analysis.get(); }
    std::shared_ptr<const SessionGraph> sessionGraph() const { return m_session; }
    QGraphicsScene *scene() const { return m_scene; }
    ZoomableGraphicsView *view() const { return m_view; }
    QString statusText() const;
    // "session graph read in 1.20 s, tracked in 0.030 s, laid out in 0.45 s"
    QString timingText() const { return m_timing; }

    // Toolbar settings; changing one re-tracks from the current point of interest
    // (Hide noise re-cuts the cached result instead).
    void setScope(TrackScope scope);
    TrackScope scope() const;
    void setDepth(int depth); // 0: unlimited
    void setNodeLimit(int nodes);
    void setHideNoise(bool hide);
    bool hideNoise() const;

    // Editing the view, by node index of graph(). Each re-lays out in the background.
    // Adds the next kExpandStep session neighbours; false when none are left.
    bool expandNode(int node);
    // Session neighbours expandNode() could still add.
    int remainingNeighbours(int node) const;
    // Removes what the node's expansions added (and what was expanded from those).
    bool collapseNode(int node);
    // Folds away the neighbours that hang only on this node; unfold brings them back.
    bool foldLeaves(int node);
    bool unfoldLeaves(int node);
    void hideNode(int node);
    void showHidden();
    int hiddenCount() const { return int(m_spec.hidden.size()); }
    void setPinned(int node, bool pinned);
    bool isPinned(int node) const;
    const GraphViewSpec &viewSpec() const { return m_spec; }

    // Selection: a node or an edge (Ctrl adds a node; two nodes highlight the path).
    void selectNode(int node, bool add = false);
    void selectEdge(int edge);
    void clearSelection();
    std::vector<int> selectedNodes() const;
    std::vector<int> selectedEdges() const;
    // Nodes and edges of the highlighted path (empty: none).
    const std::vector<int> &pathNodes() const { return m_pathNodes; }
    const std::vector<int> &pathEdges() const { return m_pathEdges; }
    // The events of the selection: those of the selected edges, or of every edge of
    // the selected nodes (of the path's edges when a path is highlighted).
    std::vector<int64_t> selectedEventIds() const;
    // Selects the edge carrying the event (kept when the selection already covers it);
    // false when no shown edge carries it. Does not emit eventsSelected.
    bool selectEvent(int64_t eventId);

    // Search: the next node whose label, path, address, pid or exe contains text
    // (case-insensitive) after the current match; selects and centres it. -1: none.
    int findNext(const QString &text);
    QLineEdit *searchField() const { return m_search; }

    GraphLegend *legend() const { return m_legend; }
    GraphMinimap *minimap() const { return m_minimap; }

    // Writes the graph as shown as PNG through the shared exporter (screen == file),
    // with the annotations' marks and notes block.
    Result<void> exportPng(const QString &path) const;
    // The same export as a job for a worker thread: it owns a copy of the graph, its
    // layout and the annotations; path is replaced whole at the end unless *cancelled
    // was set by then. Fails when there is no graph.
    using PngExportJob = std::function<Result<void>()>;
    Result<PngExportJob> pngExportJob(const QString &path, std::shared_ptr<std::atomic<bool>> cancelled) const;
    // Any export of what is shown: the picture (PNG at a scale, SVG), the graph as
    // DOT or JSON, or the report page (PNG or PDF: title, summary, graph, legend,
    // timeline, notes). Same whole-or-untouched rule as the PNG.
    enum class ExportKind { Png, Svg, Dot, Json, ReportPng, ReportPdf };
    struct ExportRequest {
        ExportKind kind = ExportKind::Png;
        qreal scale = 1.0;  // PNG pixels per point
        QString title;      // report; empty: "Provenance of <point of interest>"
        QString caseNotes;  // report; empty: no section
    };
    Result<PngExportJob> exportJob(const QString &path, const ExportRequest &request,
                                   std::shared_ptr<std::atomic<bool>> cancelled) const;

    // The annotations shown on the nodes and edited from their context menu (may be null).
    void setAnnotationSet(AnnotationSet *set);
    // Jobs show there with Cancel (may be null).
    void setTaskProgress(TaskProgress *progress) { m_progress = progress; }
    // Tests answer here instead of a modal dialog.
    void setTextPrompt(AnnotationTextPrompt prompt) { m_prompt = std::move(prompt); }
    // The annotation part of a node's context menu (Tag…, Comment…); the caller owns it.
    QMenu *createNodeMenu(int nodeIndex, QWidget *parent);
    // Runs action on the node with key in the graph now shown (no-op when it is gone).
    void onNode(const std::string &key, const std::function<void(int)> &action);
    // The whole context menu of a node: expand, show more, collapse, fold, pin, hide,
    // track from here, then Tag…/Comment…; of the background (node < 0): show hidden, fit.
    QMenu *createContextMenu(int nodeIndex, QWidget *parent);
    // Asks for the text and adds a tag or comment: on the process for a process
    // node, on the node otherwise. false when cancelled or nothing is open.
    bool annotateNode(int nodeIndex, Annotation::Kind kind);
    // The painter the scene draws with (its marks follow the annotations).
    std::shared_ptr<const GraphPainter> painter() const { return m_painter; }

signals:
    void graphReady();
    void graphFailed(const QString &message);
    // The user selected nodes or edges: the events they stand for (may be empty).
    void eventsSelected(const std::vector<int64_t> &ids);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void createToolBar();
    // Counts the request and starts it, or keeps it until the running job ends.
    void requestJob(GraphJobRequest request);
    void startJob(GraphJobRequest request);
    GraphJobRequest analyzeRequest(const PointOfInterest &poi) const;
    void onJobFinished();
    void finishProgress();
    void showResult(GraphJobResult &result);
    void populateScene(bool keepView);
    void showReadable();
    void setStatus(const QString &text);
    void updateStatus();
    void applyAnnotations();
    // Composes the view from the analysis and m_spec and lays it out.
    void relayout(const QString &note);
    void retrack();
    void onSceneSelectionChanged();
    void applyHighlight();
    void placeOverlays();
    void updateHiddenAction();
    int nodeAt(const QPoint &viewportPos) const;
    int shownIndexOf(int composedIndex) const;

    QString m_sessionPath;
    QToolBar *m_toolBar = nullptr;
    QComboBox *m_scope = nullptr;
    QSpinBox *m_depth = nullptr;
    QSpinBox *m_nodeLimit = nullptr;
    QCheckBox *m_hideNoise = nullptr;
    QLineEdit *m_search = nullptr;
    QAction *m_showHidden = nullptr;
    QAction *m_legendAction = nullptr;
    QAction *m_minimapAction = nullptr;
    QLabel *m_status = nullptr;
    QGraphicsScene *m_scene = nullptr;
    ZoomableGraphicsView *m_view = nullptr;
    GraphLegend *m_legend = nullptr;
    GraphMinimap *m_minimap = nullptr;
    TaskProgress *m_progress = nullptr;
    int m_progressToken = 0;
    bool m_abandoned = false; // Cancel pressed: the running job's result is dropped
    int m_sessionGeneration = 0;    // counts setSessionPath() calls
    int m_jobSessionGeneration = 0; // the one the running job was started in
    int m_revision = 0;             // counts requests; only the newest is shown
    // Its own thread: Qt's shared pool (2 threads here) also serves painting.
    QThreadPool m_pool;
    QFutureWatcher<GraphJobResult> m_job;
    bool m_jobActive = false; // started and its finished() not handled yet
    bool m_jobAnalyzing = false; // the running job tracks (not only lays out)
    std::shared_ptr<std::atomic<bool>> m_jobCancelled;
    std::optional<GraphJobRequest> m_waiting; // requested while a job ran
    PointOfInterest m_lastPoi;
    bool m_hasPoi = false;
    bool m_sessionStale = false;
    std::shared_ptr<const SessionGraph> m_session;  // cached for the session
    std::shared_ptr<const AnalysisResult> m_analysis;
    GraphViewSpec m_spec;                            // the user's edits
    std::shared_ptr<const ProvenanceGraph> m_composed; // newest composition (maybe not laid out yet)
    std::shared_ptr<const ProvenanceGraph> m_graph;    // shown
    GraphLayoutResult m_layout;
    GraphPins m_pins;
    std::shared_ptr<const GraphPainter> m_painter;
    QString m_baseStatus;  // what the analysis found
    QString m_note;        // what the last edit did
    QString m_timing;      // where the last job's time went
    bool m_edgeLabelsOff = false;
    std::string m_focusKey; // the node the next edit's layout is centred on
    std::vector<int> m_pathNodes, m_pathEdges;
    bool m_selecting = false; // selection set by code: no eventsSelected
    QString m_searchText;
    int m_searchAt = -1;
    AnnotationSet *m_annotations = nullptr;
    AnnotationTextPrompt m_prompt = askAnnotationText;
};

} // namespace provscope
