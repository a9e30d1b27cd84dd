#include "graph_export.h"

#include "graph_painter.h"
#include "save_atomically.h"

#include <QGuiApplication>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>


namespace provscope {

namespace {

// DOT quoted string: quotes and backslashes escaped (labels treat '\' as an
// escape), newlines as \n, other control characters dropped.
std::string dotQuote(std::string_view text)
{
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(c) >= 0x20) {
            out += c;
        }
    }
    return out + "\"";
}

std::string hexColor(const QColor &color)
{
    return color.name().toStdString();
}

Result<void> writeTextAtomically(const std::string &path, const std::string &text)
{
    return saveAtomically(path, [&](QSaveFile &file) -> Result<void> {
        if (file.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()))
            return makeError("cannot write " + path + ": " + file.errorString().toStdString());
        return {};
    });
}

bool haveGuiApplication()
{
    return qobject_cast<QGuiApplication *>(QCoreApplication::instance()) != nullptr;
}

} // namespace

Result<GraphFormat> GraphExport::parseFormat(std::string_view name)
{
    if (name == "dot")
        return GraphFormat::Dot;
    if (name == "png")
        return GraphFormat::Png;
    if (name == "svg")
        return GraphFormat::Svg;
    if (name == "json")
        return GraphFormat::Json;
    return makeError("unknown graph format '" + std::string(name) + "' (expected json, dot, png or svg)");
}

std::string GraphExport::toDot(const ProvenanceGraph &graph, const std::vector<Annotation> &annotations)
{
    GraphPainter painter(graph);
    painter.setAnnotations(graph, annotations);
    const int64_t offset = graph.bootToEpochNs();
    std::string out = "digraph provenance {\n"
                      "  graph [fontname=\"DejaVu Sans\"];\n"
                      "  node [fontname=\"DejaVu Sans\", fontsize=9, shape=box, style=filled];\n"
                      "  edge [fontname=\"DejaVu Sans\", fontsize=8];\n";
    if (graph.omittedNodes() > 0)
        out += "  // " + std::to_string(graph.omittedNodes()) + " more nodes left out by the node cap\n";
    for (int i = 0; i < graph.nodeCount(); ++i) {
        const GraphNode &node = graph.node(i);
        // The text the painter shows (version suffix, "⚠ ..." tag line), unelided.
        std::string label = node.label;
        if (label.empty() && node.collapsed > 0)
            label = std::to_string(node.collapsed) + " files";
        if (node.kind == NodeKind::Process && node.version > 0)
            label += " v" + std::to_string(node.version);
        if (node.kind == NodeKind::Socket && !node.dnsName.empty())
            label += "\n" + node.dnsName;
        if (!node.detail.empty())
            label += "\n" + node.detail;
        const QStringList tags = GraphPainter::relevanceTags(node.flags);
        if (!tags.isEmpty())
            label += "\n\u26a0 " + tags.join(QStringLiteral(", ")).toStdString();
        QColor border = GraphPainter::borderColor(node.kind);
        if (node.flags != 0)
            border = GraphPainter::relevanceColor();
        if (node.isPoi)
            border = GraphPainter::poiColor();
        out += "  n" + std::to_string(i) + " [label=" + dotQuote(label) + ", kind=" + dotQuote(nodeKindName(node.kind))
            + ", key=" + dotQuote(node.key) + ", fillcolor=" + dotQuote(hexColor(GraphPainter::fillColor(node.kind)))
            + ", color=" + dotQuote(hexColor(border));
        if (node.kind == NodeKind::Process)
            out += ", style=\"rounded,filled\", pid=" + std::to_string(node.pid)
                + ", start_ns=" + std::to_string(static_cast<int64_t>(node.startNs) + offset)
                + ", version=" + std::to_string(node.version);
        else if (node.kind == NodeKind::File)
            out += ", shape=note";
        else if (node.kind == NodeKind::Socket)
            out += ", shape=ellipse";
        else if (node.kind == NodeKind::Pipe)
            out += ", style=\"dashed,filled\"";
        if (node.collapsed > 0)
            out += ", peripheries=2, collapsed=" + std::to_string(node.collapsed);
        if (!tags.isEmpty())
            out += ", penwidth=2, relevance=" + dotQuote(tags.join(QLatin1Char(',')).toStdString());
        if (node.isPoi)
            out += ", penwidth=3, poi=true";
        if (const int number = painter.noteNumber(node); number > 0)
            out += ", note_number=" + std::to_string(number) + ", note="
                + dotQuote(painter.nodeNotes(node).join(QLatin1Char('\n')).toStdString());
        out += "];\n";
    }
    for (const GraphEdge &edge : graph.edges()) {
        out += "  n" + std::to_string(edge.from) + " -> n" + std::to_string(edge.to)
            + " [label=" + dotQuote(painter.edgeCaption(edge).toStdString()) + ", type=" + dotQuote(edgeTypeName(edge.type))
            + ", color=" + dotQuote(hexColor(GraphPainter::edgeColor(edge.type)))
            + ", ts_ns=" + std::to_string(static_cast<int64_t>(edge.tsNs) + offset)
            + ", te_ns=" + std::to_string(static_cast<int64_t>(edge.teNs) + offset)
            + ", count=" + std::to_string(edge.count) + ", bytes=" + std::to_string(edge.bytes);
        if (!isFlowEdge(edge.type) || edge.type == EdgeType::Version)
            out += ", style=dashed";
        out += "];\n";
    }
    out += "}\n";
    return out;
}

Result<void> GraphExport::writeDot(const std::string &path, const ProvenanceGraph &graph,
                                   const std::vector<Annotation> &annotations)
{
    return writeTextAtomically(path, toDot(graph, annotations));
}

Result<void> GraphExport::writeJson(const std::string &path, const ProvenanceGraph &graph)
{
    return writeTextAtomically(path, toJson(graph));
}

Result<void> GraphExport::writePng(const std::string &path, const ProvenanceGraph &graph,
                                   const GraphLayoutResult &layout, qreal scale,
                                   const std::vector<Annotation> &annotations,
                                   const std::atomic<bool> *cancelled)
{
    if (!haveGuiApplication())
        return makeError("PNG export needs a QGuiApplication (fonts)");
    GraphPainter painter(graph);
    painter.setAnnotations(graph, annotations);
    const QImage image = painter.renderImage(graph, layout, scale);
    if (image.isNull())
        return makeError("cannot render the graph: image too large or out of memory");
    return savePngAtomically(path, image, cancelled);
}

Result<void> GraphExport::writeSvg(const std::string &path, const ProvenanceGraph &graph,
                                   const GraphLayoutResult &layout,
                                   const std::vector<Annotation> &annotations)
{
    if (!haveGuiApplication())
        return makeError("SVG export needs a QGuiApplication (fonts)");
    GraphPainter graphPainter(graph);
    graphPainter.setAnnotations(graph, annotations);
    return saveAtomically(path, [&](QSaveFile &file) -> Result<void> {
        const QSizeF page = graphPainter.reportSize(layout);
        QSvgGenerator generator;
        generator.setOutputDevice(&file);
        generator.setSize(page.toSize());
        generator.setViewBox(QRectF(QPointF(0, 0), page));
        generator.setTitle(QStringLiteral("provscope provenance graph"));
        QPainter painter;
        if (!painter.begin(&generator))
            return makeError("cannot write " + path + ": SVG generator failed");
        painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
        painter.fillRect(QRectF(QPointF(0, 0), page), Qt::white);
        graphPainter.paintReport(painter, graph, layout);
        if (!painter.end())
            return makeError("cannot write " + path + ": SVG generator failed");
        if (file.error() != QFileDevice::NoError)
            return makeError("cannot write " + path + ": " + file.errorString().toStdString());
        return {};
    });
}

Result<void> GraphExport::write(const std::string &path, GraphFormat format, const ProvenanceGraph &graph,
                                LayoutEngine engine, const std::vector<Annotation> &annotations, qreal scale)
{
    if (format == GraphFormat::Dot)
        return writeDot(path, graph, annotations);
    if (format == GraphFormat::Json)
        return writeJson(path, graph);
    if (!haveGuiApplication())
        return makeError("graph image export needs a QGuiApplication (fonts)");
    Result<GraphLayoutResult> layout = GraphPainter(graph).layout(graph, engine);
    if (!layout)
        return makeError(layout.error());
    if (format == GraphFormat::Png)
        return writePng(path, graph, *layout, scale, annotations);
    return writeSvg(path, graph, *layout, annotations);
}

} // namespace provscope
