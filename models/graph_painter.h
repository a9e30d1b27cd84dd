#pragma once
// Draws provenance graph nodes and edges with QtGui only. The UI's scene
// items, the PNG/SVG exports and the CLI all paint through this class, so
// what is exported is what is on screen.
#include "annotation.h"
#include "graph_layout.h"
#include "provenance_graph.h"
#include "result.h"

#include <QColor>
#include <QFont>
#include <QImage>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QStringList>

#include <string>
#include <unordered_map>
#include <vector>

class QPainter;

namespace provscope {

class GraphPainter {
public:
    static constexpr qreal kMargin = 24.0; // around the graph in images

    explicit GraphPainter(int64_t bootToEpochNs = 0);
    // Uses graph.bootToEpochNs().
    explicit GraphPainter(const ProvenanceGraph &graph);

    // Annotations shown with the graph (scene and reports): every node with
    // annotations (its own, its process's, or those of events its edges stand for,
    // at the edge's process) gets a numbered mark, and the image has a notes block
    // under the graph listing them by number. Replaces earlier ones.
    void setAnnotations(const ProvenanceGraph &graph, const std::vector<Annotation> &annotations);
    // The node's mark number (1, 2, ...); 0 when it has no annotations.
    int noteNumber(const GraphNode &node) const;
    // The notes of one node, e.g. "tag: dropper (alice)"; empty when none.
    QStringList nodeNotes(const GraphNode &node) const;
    // The notes block as text lines ("Notes", "[1] python3 (1001)", "    tag: ..."); empty without notes.
    QStringList notesLines() const;
    bool hasNotes() const { return !m_notes.empty(); }

    static QFont font();            // "DejaVu Sans" 9 pt
    static QColor fillColor(NodeKind kind);
    static QColor borderColor(NodeKind kind);

    // Text shown on a node (one or two lines) and its measured box size.
    QStringList nodeLines(const GraphNode &node) const;
    QSizeF nodeSize(const GraphNode &node) const;
    // "read 12:34:56.789 ×3": syscall type, local time of the first event, count when > 1.
    QString edgeLabel(const GraphEdge &edge) const;
    // Empty for open/unlink edges: they are drawn unlabelled.
    QSizeF edgeLabelSize(const GraphEdge &edge) const;
    QString formatTime(uint64_t bootNs) const; // HH:MM:SS.mmm local time

    void paintNode(QPainter &painter, const GraphNode &node, const QRectF &rect, bool selected = false) const;
    void paintEdge(QPainter &painter, const GraphEdge &edge, const EdgeGeometry &geometry,
                   bool selected = false) const;
    // Background-less: the whole graph in layout coordinates.
    void paintGraph(QPainter &painter, const ProvenanceGraph &graph, const GraphLayoutResult &layout) const;

    // Measures every node and edge label and lays the graph out.
    Result<GraphLayoutResult> layout(const ProvenanceGraph &graph,
                                     LayoutEngine engine = LayoutEngine::Auto) const;

    // White background, margins, antialiased. scale 2.0 for high-DPI reports.
    QImage renderImage(const ProvenanceGraph &graph, const GraphLayoutResult &layout, qreal scale = 1.0) const;
    // Size of the rendered page in points (bbox + margins).
    static QSizeF pageSize(const GraphLayoutResult &layout);
    // The page with the notes block under the graph (== pageSize without notes).
    QSizeF reportSize(const GraphLayoutResult &layout) const;
    // Graph and notes on a page of reportSize(); the caller fills the background.
    void paintReport(QPainter &painter, const ProvenanceGraph &graph, const GraphLayoutResult &layout) const;

private:
    struct NodeNotes {
        QString title;       // the node's label
        QStringList notes;   // "tag: ..." / "comment: ..." lines
    };
    static QString noteText(const Annotation &annotation, const QString &event);
    void paintNoteMark(QPainter &painter, const QRectF &rect, int number) const;
    qreal notesHeight(qreal width) const;
    void paintNotes(QPainter &painter, const QRectF &area) const;

    int64_t m_bootToEpochNs = 0;
    std::unordered_map<std::string, int> m_noteNumber; // node key -> mark number
    std::vector<NodeNotes> m_notes;                     // by mark number - 1
};

} // namespace provscope
