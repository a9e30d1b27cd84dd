#pragma once
// Writes a provenance graph as PNG, SVG (both painted by GraphPainter), DOT
// or JSON text. Files are written to a temporary file beside the target and
// renamed (QSaveFile), so a failure never leaves a partial output. Annotations
// (tags and comments on nodes and processes) are part of the images: numbered
// marks on the nodes and a notes block under the graph (DOT: a note attribute).
// The report page (title, legend, timeline, summary; PNG and PDF) is
// graph_report.h.
#include "annotation.h"
#include "graph_layout.h"
#include "provenance_graph.h"
#include "result.h"

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

namespace provscope {

enum class GraphFormat { Dot, Png, Svg, Json };

class GraphExport {
public:
    static Result<GraphFormat> parseFormat(std::string_view name); // "dot", "png", "svg", "json"

    // DOT text with escaped labels; node ids n0, n1, ... by node index.
    static std::string toDot(const ProvenanceGraph &graph, const std::vector<Annotation> &annotations = {});

    // JSON as `provscope-cli graph --format json` writes it (issue 5):
    //   {"nodes":[{"id","kind","label","pid","exe","path","addr","port","dns_name"}],
    //    "edges":[{"from","to","type","ts_ns","te_ns","count","bytes"}]}
    // id is the node's index in "nodes" (0, 1, ...; from/to refer to it); ids
    // hold for one export, not across exports (the same process has another id
    // in another graph). kind: process|file|socket|pipe; type: edgeTypeName().
    // Fields that do not apply or are unknown are omitted: pid and exe for
    // processes only, path for files and pipes, addr and port (the remote end,
    // or the local one of a listening socket) and dns_name for sockets.
    // ts_ns/te_ns are EPOCH ns (boot ns + graph.bootToEpochNs()), the clock of
    // `provscope-cli events` and the event table. Strings are valid JSON even
    // for paths that are not UTF-8 (bad bytes become U+FFFD). One node or edge
    // per line.
    static std::string toJson(const ProvenanceGraph &graph);
    static Result<void> writeJson(const std::string &path, const ProvenanceGraph &graph);

    // Lays out (for PNG/SVG) and writes. Needs a QGuiApplication for PNG/SVG.
    // scale: PNG pixels per point (2.0 for a high-resolution report image).
    static Result<void> write(const std::string &path, GraphFormat format, const ProvenanceGraph &graph,
                              LayoutEngine engine = LayoutEngine::Auto,
                              const std::vector<Annotation> &annotations = {}, qreal scale = 1.0);

    static Result<void> writeDot(const std::string &path, const ProvenanceGraph &graph,
                                 const std::vector<Annotation> &annotations = {});
    // cancelled (optional) is looked at before the file replaces path: once set, path is
    // left as it was (another thread may set it while the image is drawn and encoded).
    static Result<void> writePng(const std::string &path, const ProvenanceGraph &graph,
                                 const GraphLayoutResult &layout, qreal scale = 1.0,
                                 const std::vector<Annotation> &annotations = {},
                                 const std::atomic<bool> *cancelled = nullptr);
    static Result<void> writeSvg(const std::string &path, const ProvenanceGraph &graph,
                                 const GraphLayoutResult &layout,
                                 const std::vector<Annotation> &annotations = {});
};

} // namespace provscope
