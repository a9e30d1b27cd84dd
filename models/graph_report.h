#pragma once
// The report page an investigator attaches to a case: a title, the case notes,
// the plain-language summary of the chain, the graph (GraphPainter, so it is
// what the graph tab shows), the legend, a timeline of the edges on the path
// (time-ordered table: time, from, type, to, bytes) and the annotations
// (numbered notes block). One page, as PNG (at a chosen scale) or PDF
// (QPdfWriter, vector, one page of the report's size). QtGui only: works under
// the offscreen platform. Written whole or not at all (QSaveFile).
#include "annotation.h"
#include "graph_layout.h"
#include "graph_painter.h"
#include "provenance_graph.h"
#include "result.h"

#include <QImage>
#include <QSizeF>
#include <QString>

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

class QPainter;

namespace provscope {

struct ReportOptions {
    std::string title;                   // empty: "Provenance report"
    std::string caseNotes;               // free text; paragraphs kept; empty: no section
    std::string summary;                 // the chain in plain language (chain_summary.h); empty: no section
    std::vector<Annotation> annotations; // numbered on the graph and listed as Notes
    qreal scale = 1.0;                   // PNG pixels per point (2.0 for print)
    int maxTimelineRows = 60;            // further edges are counted, not listed
};

enum class ReportFormat { Png, Pdf };

struct TimelineRow {
    uint64_t tsNs = 0;   // boot ns of the edge's first event
    QString time;        // "2026-11-22 10:15:00.123" local
    QString from, type, to;
    EdgeType edgeType = EdgeType::Read;
    QString amount;      // "4.0 KB ×3", "" when neither bytes nor repeats
    bool marked = false; // touches the point of interest or a security-relevant node
};

class GraphReport {
public:
    GraphReport(const ProvenanceGraph &graph, const GraphLayoutResult &layout, ReportOptions options);

    // The flow edges of the graph (every edge of a tracked view is on a path to
    // or from the point of interest) in time order; open/unlink are left out.
    static std::vector<TimelineRow> timeline(const ProvenanceGraph &graph);
    // At most maxRows of them, still in time order: when there are more, the
    // marked rows come first, then the latest others (nearest the end of the chain).
    static std::vector<TimelineRow> timelineExcerpt(std::vector<TimelineRow> rows, int maxRows);

    QSizeF pageSize() const; // points
    QRectF legendRect() const; // where the legend is on the page (points)
    void paint(QPainter &painter) const; // onto a white page of pageSize()
    QImage renderImage() const;          // at options.scale; null when too large

    static Result<ReportFormat> parseFormat(std::string_view name); // "png", "pdf"
    // Lays the graph out and writes the page. Needs a QGuiApplication (fonts).
    static Result<void> write(const std::string &path, ReportFormat format, const ProvenanceGraph &graph,
                              const ReportOptions &options, LayoutEngine engine = LayoutEngine::Auto);
    static Result<void> writePng(const std::string &path, const ProvenanceGraph &graph,
                                 const GraphLayoutResult &layout, const ReportOptions &options,
                                 const std::atomic<bool> *cancelled = nullptr);
    static Result<void> writePdf(const std::string &path, const ProvenanceGraph &graph,
                                 const GraphLayoutResult &layout, const ReportOptions &options,
                                 const std::atomic<bool> *cancelled = nullptr);

private:
    // Places every section top to bottom; paints them when painter is given.
    // Returns the page height. One function, so measuring and painting agree.
    qreal flow(QPainter *painter, QRectF *legend = nullptr) const;
    qreal contentWidth() const;
    qreal graphScale() const; // < 1 when the graph is wider than the page allows
    qreal paintTimeline(QPainter *painter, qreal top) const;

    const ProvenanceGraph &m_graph;
    const GraphLayoutResult &m_layout;
    ReportOptions m_options;
    GraphPainter m_painter;
    std::vector<TimelineRow> m_timeline; // the excerpt shown
    size_t m_timelineTotal = 0;
    QString m_subtitle;
};

} // namespace provscope
