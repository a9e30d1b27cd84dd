#include "summary_command.h"

#include "chain_summary.h"
#include "graph_command.h"

#include <QDateTime>

#include <iostream>

namespace provscope {

namespace {

constexpr const char *kUsage =
    "usage: provscope-cli summary FILE --poi SELECTOR [--direction backward|forward|both]\n"
    "                             [--reduce cpr|none] [--hide-noise] [--depth N] [--max-nodes N] [--steps]\n"
    "  Prints the chain of activity tracked from the point of interest in plain\n"
    "  language, e.g. \"bash (pid 412) ran /usr/bin/curl (pid 415), which downloaded\n"
    "  4 KB from 127.0.0.1:8000 and wrote /tmp/.x (4 KB). bash (pid 412) ran /tmp/.x\n"
    "  (pid 417), ...\". SELECTOR and the tracking options are those of\n"
    "  `provscope-cli graph` (direction both by default). --steps: one step per line,\n"
    "  with its local time.\n";

} // namespace

int runSummaryCommand(const std::vector<std::string> &args)
{
    AnalysisArgs analysis;
    bool steps = false;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string error;
        const int taken = takeAnalysisArg(args, i, analysis, error);
        if (taken < 0) {
            std::cerr << "provscope-cli summary: " << error << "\n" << kUsage;
            return 2;
        }
        if (taken > 0)
            continue;
        if (args[i] == "-h" || args[i] == "--help") {
            std::cout << kUsage;
            return 0;
        }
        if (args[i] == "--steps") {
            steps = true;
            continue;
        }
        std::cerr << "provscope-cli summary: "
                  << (args[i].size() > 1 && args[i][0] == '-' ? "unknown option " + args[i]
                                                              : "unexpected argument '" + args[i] + "'")
                  << "\n" << kUsage;
        return 2;
    }
    if (analysis.session.empty() || analysis.poi.empty()) {
        std::cerr << "provscope-cli summary: " << (analysis.session.empty() ? "missing session FILE" : "missing --poi")
                  << "\n" << kUsage;
        return 2;
    }
    int exitCode = 1;
    Result<AnalysisRun> run = runAnalysis(analysis, exitCode);
    if (!run) {
        std::cerr << "provscope-cli summary: " << run.error() << "\n";
        return exitCode;
    }
    const ProvenanceGraph &view = run->result.view;
    std::string out;
    if (steps) {
        for (const ChainStep &step : chainSteps(view)) {
            const int64_t epochNs = static_cast<int64_t>(step.tsNs) + view.bootToEpochNs();
            out += QDateTime::fromMSecsSinceEpoch(epochNs / 1000000, Qt::LocalTime)
                       .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"))
                       .toStdString()
                + "  " + step.text + "\n";
        }
    } else {
        out = summarizeChain(view) + "\n";
    }
    std::cerr << "provscope-cli summary: " << analysisFigures(*run, analysis) << "\n";
    std::cout << out << std::flush;
    return std::cout ? 0 : 1;
}

} // namespace provscope
