#pragma once
// `provscope-cli graph FILE --poi SELECTOR [--direction backward|forward|both]
//   [--reduce cpr|none] [--hide-noise] [--depth N] [--max-nodes N]
//   --format dot|json|png|svg|pdf [--report] -o OUT` (usage text in graph_command.cpp).
// args are the arguments after "graph". The whole session is built into one
// graph (SessionGraph, CPR by default) and tracked from the point of interest
// (analyzeProvenance). Works without a display: creates an offscreen
// QGuiApplication when none exists. Errors go to stderr; nothing is written
// on an error.
#include "point_of_interest.h"
#include "provenance_analysis.h"
#include "result.h"

#include <memory>
#include <string>
#include <vector>

namespace provscope {

class SessionGraph;

// Exit status: 0 on success, 1 on a failure, 2 on a usage error.
int runGraphCommand(const std::vector<std::string> &args);

// What `graph` and `summary` share: the session, the point of interest and how
// to track from it.
struct AnalysisArgs {
    std::string session;
    std::string poi;
    bool reduce = true;
    AnalysisOptions analysis; // scope Both unless --direction says otherwise
    AnalysisArgs() { analysis.scope = TrackScope::Both; }
};

// Takes args[i] (and its value, advancing i) when it is one of the shared
// options or the FILE. Returns 1 when taken, 0 when not one of them, -1 on an
// error (message in error).
int takeAnalysisArg(const std::vector<std::string> &args, size_t &i, AnalysisArgs &out, std::string &error);

struct AnalysisRun {
    std::shared_ptr<const SessionGraph> session;
    PointOfInterest poi;
    AnalysisResult result;
};

// Parses the point of interest (START_NS in epoch ns, as users see times),
// builds the session graph and tracks. Fails with exit status 2 for a bad
// selector, 1 otherwise; the message names what was wrong.
Result<AnalysisRun> runAnalysis(const AnalysisArgs &args, int &exitCode);

// The one stderr line of figures: nodes and edges shown, raw -> reduced edges
// (ratio), what each noise filter hid, whether a limit cut the graph.
std::string analysisFigures(const AnalysisRun &run, const AnalysisArgs &args);

} // namespace provscope
