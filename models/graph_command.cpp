#include "graph_command.h"

#include "annotation_store.h"
#include "chain_summary.h"
#include "graph_export.h"
#include "graph_report.h"
#include "session_graph.h"

#include <QByteArray>
#include <QGuiApplication>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sys/stat.h>

namespace provscope {

namespace {

constexpr const char *kUsage =
    "usage: provscope-cli graph FILE --poi SELECTOR [--direction backward|forward|both]\n"
    "                           [--reduce cpr|none] [--hide-noise] [--depth N] [--max-nodes N]\n"
    "                           --format dot|json|png|svg|pdf [--report] -o OUT\n"
    "                           [--title TEXT] [--notes TEXT] [--scale S] [--engine auto|dot|sfdp]\n"
    "  Writes the provenance graph tracked from a point of interest. SELECTOR is\n"
    "  proc:PID[@START_NS] (START_NS: the process start in epoch ns; without it the\n"
    "  latest process with that pid), file:PATH, net:ADDR[:PORT] (net:[::1]:443) or\n"
    "  event:ID. Tracking is time-respecting: backward finds what the point of interest\n"
    "  depends on, forward what it affected, both (the default) does one then the other;\n"
    "  --depth limits the hops, --max-nodes the nodes (default 2000). --reduce none keeps\n"
    "  every raw edge (default cpr: causality-preserving reduction). --hide-noise hides\n"
    "  shared libraries, /proc, /sys, locale files and the like, groups shared read-only\n"
    "  and temporary files and merges bursts.\n"
    "  Formats: dot and json (text; json ts_ns/te_ns are epoch ns, node ids are their\n"
    "  index in \"nodes\"), png and svg (the graph as drawn in the graph tab; --scale S\n"
    "  for PNG pixels per point, default 1), pdf (the report page: title, case notes,\n"
    "  summary, graph, legend, timeline, annotations). --report with png writes that\n"
    "  report page as PNG instead of the bare graph. The format defaults to OUT's\n"
    "  extension. One line of figures goes to stderr: nodes, edges, raw -> reduced\n"
    "  edges, what the noise filters hid, whether a limit cut the graph.\n"
    "  OUT is written whole or not at all.\n";

struct Options {
    AnalysisArgs analysis;
    std::string format;
    std::string output;
    bool report = false;
    std::string title;
    std::string notes;
    double scale = 1.0;
    LayoutEngine engine = LayoutEngine::Auto;
};

bool parseCount(const std::string &text, int &out)
{
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

bool knownFormat(const std::string &name)
{
    return name == "pdf" || GraphExport::parseFormat(name).ok();
}

// Returns an error message, empty on success.
std::string parseArgs(const std::vector<std::string> &args, Options &options, bool &help)
{
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        auto value = [&](std::string &out) -> bool {
            if (i + 1 >= args.size())
                return false;
            out = args[++i];
            return true;
        };
        std::string error;
        const int taken = takeAnalysisArg(args, i, options.analysis, error);
        if (taken < 0)
            return error;
        if (taken > 0)
            continue;
        std::string text;
        if (arg == "-h" || arg == "--help") {
            help = true;
            return {};
        } else if (arg == "--format") {
            if (!value(options.format))
                return "--format needs a value";
        } else if (arg == "-o" || arg == "--output") {
            if (!value(options.output))
                return arg + " needs a value";
        } else if (arg == "--report") {
            options.report = true;
        } else if (arg == "--title") {
            if (!value(options.title))
                return "--title needs a value";
        } else if (arg == "--notes") {
            if (!value(options.notes))
                return "--notes needs a value";
        } else if (arg == "--scale") {
            if (!value(text))
                return "--scale needs a value";
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), options.scale);
            if (ec != std::errc() || end != text.data() + text.size() || !(options.scale >= 0.25)
                || options.scale > 8)
                return "--scale needs a number from 0.25 to 8, not '" + text + "'";
        } else if (arg == "--engine") {
            if (!value(text))
                return "--engine needs a value";
            if (text == "auto")
                options.engine = LayoutEngine::Auto;
            else if (text == "dot")
                options.engine = LayoutEngine::Dot;
            else if (text == "sfdp")
                options.engine = LayoutEngine::Sfdp;
            else
                return "unknown layout engine '" + text + "' (expected auto, dot or sfdp)";
        } else if (!arg.empty() && arg[0] == '-') {
            return "unknown option " + arg;
        } else {
            return "unexpected argument '" + arg + "'";
        }
    }
    if (options.analysis.session.empty())
        return "missing session FILE";
    if (options.analysis.poi.empty())
        return "missing --poi";
    if (options.output.empty())
        return "missing -o OUT";
    if (options.format.empty()) {
        // Not given: take it from the output's extension when it is one we write.
        const auto dot = options.output.find_last_of('.');
        if (dot != std::string::npos && knownFormat(options.output.substr(dot + 1)))
            options.format = options.output.substr(dot + 1);
        else
            return "missing --format (dot, json, png, svg or pdf)";
    }
    if (!knownFormat(options.format))
        return "unknown graph format '" + options.format + "' (expected dot, json, png, svg or pdf)";
    if (options.report && options.format != "png" && options.format != "pdf")
        return "--report is for png or pdf (pdf is always the report page)";
    return {};
}

// PNG/SVG/PDF need fonts, i.e. a QGuiApplication; the CLI never needs a display.
std::unique_ptr<QGuiApplication> ensureGuiApplication(std::string &error)
{
    if (qobject_cast<QGuiApplication *>(QCoreApplication::instance()))
        return nullptr;
    if (QCoreApplication::instance()) {
        error = "internal error: a non-GUI QCoreApplication exists; graph rendering needs a QGuiApplication";
        return nullptr;
    }
    qputenv("QT_QPA_PLATFORM", QByteArrayLiteral("offscreen"));
    static int argc = 1;
    static char name[] = "provscope-cli";
    static char *argv[] = {name, nullptr};
    // Qt complains about a missing XDG_RUNTIME_DIR (common under sudo and in CI);
    // the CLI never uses it, so keep stderr for our own messages.
    static QtMessageHandler previous = nullptr;
    previous = qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &context, const QString &message) {
        if (message.startsWith(QLatin1String("QStandardPaths: ")))
            return;
        if (previous)
            previous(type, context, message);
    });
    return std::make_unique<QGuiApplication>(argc, argv);
}

Result<void> writeOutput(const Options &options, const AnalysisRun &run, const std::vector<Annotation> &notes)
{
    const ProvenanceGraph &view = run.result.view;
    if (options.format == "pdf" || options.report) {
        ReportOptions report;
        report.title = options.title.empty() ? "Provenance of " + run.poi.toString() : options.title;
        report.caseNotes = options.notes;
        report.summary = summarizeChain(view);
        report.annotations = notes;
        report.scale = options.scale;
        const ReportFormat format = options.format == "pdf" ? ReportFormat::Pdf : ReportFormat::Png;
        return GraphReport::write(options.output, format, view, report, options.engine);
    }
    Result<GraphFormat> format = GraphExport::parseFormat(options.format);
    if (!format)
        return makeError(format.error());
    return GraphExport::write(options.output, *format, view, options.engine, notes, options.scale);
}

} // namespace

int runGraphCommand(const std::vector<std::string> &args)
{
    Options options;
    bool help = false;
    if (const std::string error = parseArgs(args, options, help); !error.empty()) {
        std::cerr << "provscope-cli graph: " << error << "\n" << kUsage;
        return 2;
    }
    if (help) {
        std::cout << kUsage;
        return 0;
    }
    // The evidence is never the output (the same file under another name included).
    struct stat session{}, output{};
    if (::stat(options.analysis.session.c_str(), &session) == 0 && ::stat(options.output.c_str(), &output) == 0
        && session.st_dev == output.st_dev && session.st_ino == output.st_ino) {
        std::cerr << "provscope-cli graph: refusing to write over the session file " << options.analysis.session
                  << ": choose another -o\n";
        return 2;
    }
    int exitCode = 1;
    Result<AnalysisRun> run = runAnalysis(options.analysis, exitCode);
    if (!run) {
        std::cerr << "provscope-cli graph: " << run.error() << "\n";
        return exitCode;
    }

    std::unique_ptr<QGuiApplication> app;
    if (options.format != "dot" && options.format != "json") {
        std::string error;
        app = ensureGuiApplication(error);
        if (!error.empty()) {
            std::cerr << "provscope-cli graph: " << error << "\n";
            return 1;
        }
    }
    // Tags and comments saved in the session are part of the images and the report.
    std::vector<Annotation> notes;
    if (options.format != "json") {
        Result<std::vector<Annotation>> annotations = AnnotationStore::load(options.analysis.session);
        if (annotations)
            notes = std::move(*annotations);
        else
            std::cerr << "provscope-cli graph: annotations left out: " << annotations.error() << "\n";
    }
    if (Result<void> written = writeOutput(options, *run, notes); !written) {
        std::cerr << "provscope-cli graph: " << written.error() << "\n";
        return 1;
    }
    std::cerr << "provscope-cli graph: " << analysisFigures(*run, options.analysis) << "\n";
    std::cout << "wrote " << options.output << ": " << run->result.view.nodeCount() << " nodes, "
              << run->result.view.edgeCount() << " edges around " << run->poi.toString() << "\n";
    return 0;
}

} // namespace provscope
