#pragma once
// Draws provenance graph nodes and edges with QtGui only. The UI's scene
// items, the PNG/SVG exports, the report page and the CLI all paint through
// this class, so what is exported is what is on screen. Nodes are shaped and
// coloured by kind; security-relevant ones (GraphNode::flags) get a red
// border and a "⚠ executed download" tag line, group nodes (collapsed > 0) a
// stacked box, later process versions a "v2" suffix, the point of interest a
// black border and a "POI" badge; Version edges are dashed purple.
// Implemented in graph_painter.cpp, graph_painter_notes.cpp (annotations) and
// graph_painter_legend.cpp (the legend).
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
    // under the graph listing them by number. A process with several versions
    // (execs) in the graph has its notes, events' included, on its earliest
    // version shown. Replaces earlier ones.
    void setAnnotations(const ProvenanceGraph &graph, const std::vector<Annotation> &annotations);
    // The node's mark number (1, 2, ...); 0 when it has no annotations.
    int noteNumber(const GraphNode &node) const;
    // The notes of one node, e.g. "tag: dropper (alice)"; empty when none.
    QStringList nodeNotes(const GraphNode &node) const;
    // The notes block as text lines ("Notes", "[1] python3 (1001)", "    tag: ..."); empty without notes.
    QStringList notesLines() const;
    bool hasNotes() const { return !m_notes.empty(); }
    // The notes block (heading, numbered marks, wrapped notes) at a given width,
    // as paintReport draws it under the graph; the report page places it itself.
    qreal notesHeight(qreal width) const;
    void paintNotes(QPainter &painter, const QRectF &area) const;

    static QFont font();            // "DejaVu Sans" 9 pt
    static QFont boldFont();
    static QColor fillColor(NodeKind kind);
    static QColor borderColor(NodeKind kind);
    static QColor edgeColor(EdgeType type);
    static QColor relevanceColor(); // border and tag of security-relevant nodes
    static QColor poiColor();       // border and badge of the point of interest
    // Short phrases for a node's NodeFlag bits ("executed download", "/etc write", ...), in bit order.
    static QStringList relevanceTags(uint32_t flags);
    // "412 B", "4.0 KB", "1.2 MB" (1024-based, as ls -h).
    static QString formatBytes(uint64_t bytes);

    // The legend: node kinds, marks (point of interest, security relevance,
    // group, note) and edge colours, in three columns. Sized in points; the
    // GUI and the report page draw it with the same code.
    static QSizeF legendSize();
    static void paintLegend(QPainter &painter, const QRectF &rect);

    // Text shown on a node and its measured box size: the label (with " v2"
    // for a later process version; "N files" for an unlabelled group), the
    // detail line when there is one, and a "⚠ ..." relevance tag line.
    QStringList nodeLines(const GraphNode &node) const;
    QSizeF nodeSize(const GraphNode &node) const;
    // "read 12:34:56.789 ×3": syscall type, local time of the first event, count when > 1.
    QString edgeLabel(const GraphEdge &edge) const;
    // What is drawn on the edge: edgeLabel and the bytes when any, "read 12:34:56.789 ×3 4.0 KB".
    QString edgeCaption(const GraphEdge &edge) const;
    // Of edgeCaption; empty for open/unlink edges: they are drawn unlabelled.
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
    static constexpr qreal kNotesGap = 18.0; // between the graph and the notes block
    struct NodeNotes {
        QString title;       // the node's label
        QStringList notes;   // "tag: ..." / "comment: ..." lines
    };
    static QString noteText(const Annotation &annotation, const QString &event);
    void paintPoiBadge(QPainter &painter, const QRectF &rect) const;
    void paintNoteMark(QPainter &painter, const QRectF &rect, int number) const;

    int64_t m_bootToEpochNs = 0;
    std::unordered_map<std::string, int> m_noteNumber; // node key -> mark number
    std::vector<NodeNotes> m_notes;                     // by mark number - 1
};

} // namespace provscope
