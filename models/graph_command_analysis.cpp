// What `provscope-cli graph` and `summary` share: the tracking options, building
// the session graph and tracking, and the line of figures.
#include "graph_command.h"

#include "session_graph.h"

#include <charconv>
#include <cstdio>

namespace provscope {

namespace {

bool parseCount(const std::string &text, int &out)
{
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

std::string fixed(double value, int decimals)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

} // namespace

int takeAnalysisArg(const std::vector<std::string> &args, size_t &i, AnalysisArgs &out, std::string &error)
{
    const std::string &arg = args[i];
    auto value = [&](std::string &text) -> bool {
        if (i + 1 >= args.size()) {
            error = arg + " needs a value";
            return false;
        }
        text = args[++i];
        return true;
    };
    std::string text;
    if (arg == "--poi") {
        return value(out.poi) ? 1 : -1;
    } else if (arg == "--direction") {
        if (!value(text))
            return -1;
        Result<TrackScope> scope = parseTrackScope(text);
        if (!scope) {
            error = scope.error();
            return -1;
        }
        out.analysis.scope = *scope;
    } else if (arg == "--neighbourhood" || arg == "--neighborhood") {
        // Before issue 5: every edge both ways. Tracking both ways is the closest.
        out.analysis.scope = TrackScope::Both;
    } else if (arg == "--reduce") {
        if (!value(text))
            return -1;
        if (text == "cpr") {
            out.reduce = true;
        } else if (text == "none") {
            out.reduce = false;
        } else {
            error = "unknown reduction '" + text + "' (expected cpr or none)";
            return -1;
        }
    } else if (arg == "--hide-noise") {
        out.analysis.hideNoise = true;
    } else if (arg == "--depth") {
        if (!value(text))
            return -1;
        if (!parseCount(text, out.analysis.limits.maxDepth)) {
            error = "--depth needs a number >= 0";
            return -1;
        }
    } else if (arg == "--max-nodes") {
        if (!value(text))
            return -1;
        if (!parseCount(text, out.analysis.limits.maxNodes) || out.analysis.limits.maxNodes < 1) {
            error = "--max-nodes needs a number >= 1";
            return -1;
        }
    } else if (!arg.empty() && arg[0] != '-' && out.session.empty()) {
        out.session = arg;
    } else {
        return 0;
    }
    return 1;
}

Result<AnalysisRun> runAnalysis(const AnalysisArgs &args, int &exitCode)
{
    exitCode = 2;
    Result<PointOfInterest> poi = PointOfInterest::parse(args.poi);
    if (!poi)
        return makeError(poi.error());
    exitCode = 1;
    SessionGraphOptions options;
    options.reduce = args.reduce;
    Result<std::shared_ptr<const SessionGraph>> session = SessionGraph::build(args.session, options);
    if (!session)
        return makeError(session.error());
    // Users see epoch times everywhere; the session graph keys processes by boot time.
    const int64_t bootToEpochNs = (*session)->graph().bootToEpochNs();
    if (poi->hasStart && bootToEpochNs > 0 && poi->startNs > uint64_t(bootToEpochNs))
        poi->startNs -= uint64_t(bootToEpochNs);
    Result<AnalysisResult> result = analyzeProvenance(**session, *poi, args.analysis);
    if (!result)
        return makeError(result.error());
    exitCode = 0;
    return AnalysisRun{*session, *poi, std::move(*result)};
}

std::string analysisFigures(const AnalysisRun &run, const AnalysisArgs &args)
{
    const ProvenanceGraph &view = run.result.view;
    const SessionGraphStats &stats = run.session->stats();
    std::string line = std::to_string(view.nodeCount()) + " nodes, " + std::to_string(view.edgeCount())
        + " edges; session " + std::to_string(stats.rawEdges) + " raw edges -> " + std::to_string(stats.edges)
        + (run.session->reduced() ? " reduced (CPR, ratio " + fixed(stats.reductionRatio(), 2) + ")"
                                  : " (no reduction)")
        + " in " + fixed(stats.buildSeconds + stats.reduceSeconds, 2) + " s, tracked in "
        + fixed(run.result.trackSeconds * 1000, 1) + " ms";
    if (args.analysis.hideNoise) {
        std::string hidden;
        for (const NoiseFilterCount &filter : run.result.noise.filters) {
            if (filter.nodesHidden == 0 && filter.edgesHidden == 0)
                continue;
            hidden += (hidden.empty() ? "" : ", ") + filter.name + " " + std::to_string(filter.nodesHidden)
                + " nodes/" + std::to_string(filter.edgesHidden) + " edges";
        }
        line += "; noise hid " + (hidden.empty() ? std::string("nothing") : hidden);
    } else {
        line += "; noise filters off";
    }
    if (run.result.cut) {
        line += "; cut by a limit (";
        const TrackLimits &limits = args.analysis.limits;
        if (limits.maxDepth >= 0)
            line += "--depth " + std::to_string(limits.maxDepth) + ", ";
        line += "--max-nodes " + std::to_string(limits.maxNodes) + "): at least "
            + std::to_string(run.result.omittedNodes) + " more nodes reachable";
    } else {
        line += "; no limit reached";
    }
    return line;
}

} // namespace provscope
