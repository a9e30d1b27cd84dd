#include "graph_command.h"

#include "annotation_store.h"
#include "graph_builder.h"
#include "graph_export.h"
#include "point_of_interest.h"
#include "session_reader.h"

#include <QByteArray>
#include <QGuiApplication>

#include <charconv>
#include <iostream>
#include <memory>
#include <optional>

namespace provscope {

namespace {

constexpr const char *kUsage =
    "usage: provscope-cli graph FILE --poi proc:PID[@START_NS]|file:PATH --format dot|png|svg -o OUT\n"
    "                           [--depth N] [--max-nodes N] [--engine auto|dot|sfdp] [--neighbourhood]\n"
    "  Writes the provenance graph around a point of interest. START_NS is the process\n"
    "  start time in epoch ns; without it, the latest process with that pid.\n"
    "  By default the graph follows flows: backward along what flowed into the POI,\n"
    "  forward along what flowed out (--depth hops, default 2; at most --max-nodes\n"
    "  nodes, default 200). --neighbourhood follows every edge both ways instead.\n";

struct Options {
    std::string session;
    std::string poi;
    std::string format;
    std::string output;
    GraphBuildOptions build;
    LayoutEngine engine = LayoutEngine::Auto;
};

bool parseCount(const std::string &text, int &out)
{
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= 0;
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
        std::string text;
        if (arg == "-h" || arg == "--help") {
            help = true;
            return {};
        } else if (arg == "--poi") {
            if (!value(options.poi))
                return "--poi needs a value";
        } else if (arg == "--format") {
            if (!value(options.format))
                return "--format needs a value";
        } else if (arg == "-o" || arg == "--output") {
            if (!value(options.output))
                return arg + " needs a value";
        } else if (arg == "--depth") {
            if (!value(text) || !parseCount(text, options.build.depth))
                return "--depth needs a number >= 0";
        } else if (arg == "--max-nodes") {
            if (!value(text) || !parseCount(text, options.build.maxNodes) || options.build.maxNodes < 1)
                return "--max-nodes needs a number >= 1";
        } else if (arg == "--neighbourhood" || arg == "--neighborhood") {
            options.build.directed = false;
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
        } else if (options.session.empty()) {
            options.session = arg;
        } else {
            return "unexpected argument '" + arg + "'";
        }
    }
    if (options.session.empty())
        return "missing session FILE";
    if (options.poi.empty())
        return "missing --poi";
    if (options.output.empty())
        return "missing -o OUT";
    if (options.format.empty()) {
        // Not given: take it from the output's extension when it is one we write.
        const auto dot = options.output.find_last_of('.');
        if (dot != std::string::npos && GraphExport::parseFormat(options.output.substr(dot + 1)).ok())
            options.format = options.output.substr(dot + 1);
        else
            return "missing --format (dot, png or svg)";
    }
    return {};
}

// PNG/SVG need fonts, i.e. a QGuiApplication; the CLI never needs a display.
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
    auto app = std::make_unique<QGuiApplication>(argc, argv);
    return app;
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
    Result<GraphFormat> format = GraphExport::parseFormat(options.format);
    if (!format) {
        std::cerr << "provscope-cli graph: " << format.error() << "\n";
        return 2;
    }
    Result<PointOfInterest> poi = PointOfInterest::parse(options.poi);
    if (!poi) {
        std::cerr << "provscope-cli graph: " << poi.error() << "\n";
        return 2;
    }

    Result<std::unique_ptr<SessionReader>> reader = SessionReader::open(options.session);
    if (!reader) {
        std::cerr << "provscope-cli graph: " << reader.error() << "\n";
        return 1;
    }
    // Users see epoch times everywhere; the session stores boot time.
    const int64_t bootToEpochNs = (*reader)->meta().bootToEpochNs;
    if (poi->hasStart && bootToEpochNs > 0 && poi->startNs > uint64_t(bootToEpochNs))
        poi->startNs -= uint64_t(bootToEpochNs);
    GraphBuilder builder(**reader);
    Result<ProvenanceGraph> graph = builder.build(*poi, options.build);
    if (!graph) {
        std::cerr << "provscope-cli graph: " << graph.error() << "\n";
        return 1;
    }

    std::unique_ptr<QGuiApplication> app;
    if (*format != GraphFormat::Dot) {
        std::string error;
        app = ensureGuiApplication(error);
        if (!error.empty()) {
            std::cerr << "provscope-cli graph: " << error << "\n";
            return 1;
        }
    }
    // Tags and comments saved in the session are part of the report.
    Result<std::vector<Annotation>> annotations = AnnotationStore::load(options.session);
    if (!annotations)
        std::cerr << "provscope-cli graph: annotations left out: " << annotations.error() << "\n";
    const std::vector<Annotation> notes = annotations ? *annotations : std::vector<Annotation>();
    if (Result<void> written = GraphExport::write(options.output, *format, *graph, options.engine, notes); !written) {
        std::cerr << "provscope-cli graph: " << written.error() << "\n";
        return 1;
    }
    if (graph->omittedNodes() > 0)
        std::cerr << "provscope-cli graph: " << graph->omittedNodes()
                  << " nodes left out by the node cap (--max-nodes " << options.build.maxNodes << ")\n";
    std::cout << "wrote " << options.output << ": " << graph->nodeCount() << " nodes, " << graph->edgeCount()
              << " edges around " << poi->toString() << "\n";
    return 0;
}

} // namespace provscope
