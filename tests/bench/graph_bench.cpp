// Benchmark (not a test) of the provenance graph of issue 5 on a large session. One
// measurement per process, so the peak resident memory (VmHWM) is that measurement's own;
// tests/bench/graph_bench.sh runs them one after the other and prints the figures.
//   provscope-bench-graph build SESSION [--reduce cpr|none]
//       SessionGraph::build(): wall time, the builder's own split (read+map / reduce),
//       events, nodes, raw and kept edges, the reduction ratio, peak memory.
//   provscope-bench-graph cpr SESSION [EDGES=1000000]
//       builds the unreduced graph, then times reduceCausalityPreserving() alone (flowsOnly,
//       as SessionGraph uses it) on its first EDGES raw edges, in the graph's edge order.
//   provscope-bench-graph track SESSION [--reduce cpr|none] [--poi SELECTOR [--max-nodes N] [--hide-noise]]
//       builds the graph once, picks 20 points of interest from it (deterministic: see
//       pickPoints) and times analyzeProvenance() (resolve + track + cut) for each, backward,
//       backward with hideNoise and both directions, with the default limits (the CLI's and
//       the graph tab's): median and max per mode; also backward without limits from every
//       fourth point (the worst case: everything the point can reach). With --poi, only that
//       point, backward, with the node limit N (-1: none) and what each noise filter hid:
//       for profiling and inspecting one search.
// Each mode prints one JSON line on stdout (progress on stderr).
#include "point_of_interest.h"
#include "provenance_analysis.h"
#include "cpr_reduction.h"
#include "session_graph.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace provscope;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU seconds of this process so far: on a shared machine wall time includes waiting.
double cpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// kB of a /proc/self/status line ("VmHWM:   123456 kB"), -1 when absent.
long long statusKb(const char *key)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    const std::string prefix = std::string(key) + ":";
    while (std::getline(status, line))
        if (line.rfind(prefix, 0) == 0)
            return std::atoll(line.c_str() + prefix.size());
    return -1;
}

double peakMb() { return double(statusKb("VmHWM")) / 1024.0; }

std::string jsonString(const std::string &text)
{
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) < 0x20)
            continue;
        out += c;
    }
    return out + "\"";
}

std::shared_ptr<const SessionGraph> buildOrDie(const std::string &path, bool reduce, double *seconds,
                                               double *cpu = nullptr)
{
    SessionGraphOptions options;
    options.reduce = reduce;
    int lastPercent = -1;
    options.progress = [&lastPercent](int percent) {
        if (percent / 10 != lastPercent / 10)
            std::fprintf(stderr, "  build %d%%\n", percent);
        lastPercent = percent;
    };
    const auto started = Clock::now();
    const double cpuStarted = cpuSeconds();
    auto built = SessionGraph::build(path, options);
    *seconds = secondsSince(started);
    if (cpu)
        *cpu = cpuSeconds() - cpuStarted;
    if (!built) {
        std::fprintf(stderr, "provscope-bench-graph: %s\n", built.error().c_str());
        std::exit(1);
    }
    return std::move(built).value();
}

int runBuild(const std::string &path, bool reduce)
{
    double seconds = 0, cpu = 0;
    const auto session = buildOrDie(path, reduce, &seconds, &cpu);
    const SessionGraphStats &stats = session->stats();
    std::printf("{\"mode\":\"build\",\"reduce\":%s,\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"build_seconds\":%.3f,"
                "\"reduce_seconds\":%.3f,\"events\":%lld,\"nodes\":%d,\"raw_edges\":%zu,\"edges\":%zu,"
                "\"ratio\":%.3f,\"peak_rss_mb\":%.1f}\n",
                reduce ? "true" : "false", seconds, cpu, stats.buildSeconds, stats.reduceSeconds,
                static_cast<long long>(stats.eventsRead), session->graph().nodeCount(), stats.rawEdges,
                stats.edges, stats.reductionRatio(), peakMb());
    return 0;
}

int runCpr(const std::string &path, size_t count)
{
    double seconds = 0;
    const auto session = buildOrDie(path, false, &seconds);
    const ProvenanceGraph &graph = session->graph();
    const std::vector<GraphEdge> &all = graph.edges();
    std::vector<GraphEdge> edges(all.begin(), all.begin() + long(std::min(count, all.size())));
    const size_t in = edges.size();
    const long long rssBefore = statusKb("VmRSS");
    const auto started = Clock::now();
    const double cpuStarted = cpuSeconds();
    // flowsOnly, as the session graph reduces: open/unlink edges merge but block nothing.
    CprResult reduced = reduceCausalityPreserving(graph.nodeCount(), std::move(edges), true);
    const double cprSeconds = secondsSince(started);
    const double cprCpu = cpuSeconds() - cpuStarted;
    std::printf("{\"mode\":\"cpr\",\"edges_in\":%zu,\"edges_out\":%zu,\"ratio\":%.3f,\"seconds\":%.3f,\"cpu_seconds\":%.3f,"
                "\"graph_build_seconds\":%.3f,\"rss_before_mb\":%.1f,\"peak_rss_mb\":%.1f}\n",
                in, reduced.edges.size(), reduced.ratio(), cprSeconds, cprCpu, seconds, double(rssBefore) / 1024.0,
                peakMb());
    return 0;
}

struct Point {
    std::string why;
    PointOfInterest poi;
};

// 20 points of interest an investigator would pick, chosen from the graph alone so the
// choice does not depend on the generator: the 8 busiest processes (most edges), 4 files
// written by one process and read by another (the 2 busiest and 2 spread over the file
// order), the last scripted chain's cron file and drop address when the session has them
// (--graph-rich), 4 events spread over the session, and the 2 busiest remote endpoints.
std::vector<Point> pickPoints(const SessionGraph &session)
{
    const ProvenanceGraph &g = session.graph();
    auto degree = [&](int n) { return g.inEdges(n).size() + g.outEdges(n).size(); };
    std::vector<int> processes, handedFiles, sockets;
    for (int n = 0; n < g.nodeCount(); ++n) {
        const GraphNode &node = g.node(n);
        if (node.kind == NodeKind::Process) {
            processes.push_back(n);
        } else if (node.kind == NodeKind::File && !node.path.empty()) {
            int writer = -1;
            bool handed = false;
            for (int e : g.inEdges(n))
                if (g.edge(e).type == EdgeType::Write)
                    writer = g.edge(e).from;
            for (int e : g.outEdges(n))
                if (writer >= 0 && g.edge(e).type == EdgeType::Read && g.edge(e).to != writer)
                    handed = true;
            if (handed)
                handedFiles.push_back(n);
        } else if (node.kind == NodeKind::Socket && !node.raddr.empty()) {
            sockets.push_back(n);
        }
    }
    auto busiestFirst = [&](std::vector<int> &nodes) {
        std::stable_sort(nodes.begin(), nodes.end(), [&](int a, int b) { return degree(a) > degree(b); });
    };
    std::vector<Point> points;
    busiestFirst(processes);
    for (size_t i = 0; i < processes.size() && i < 8; ++i) {
        const GraphNode &p = g.node(processes[i]);
        points.push_back({"process " + p.comm + " (" + std::to_string(degree(processes[i])) + " edges)",
                          PointOfInterest::process(p.pid, p.startNs)});
    }
    std::vector<int> spread = handedFiles;
    busiestFirst(handedFiles);
    for (size_t i = 0; i < handedFiles.size() && i < 2; ++i)
        points.push_back({"written then read (busiest)", PointOfInterest::file(g.node(handedFiles[i]).path)});
    for (size_t i = 1; i <= 2 && !spread.empty(); ++i)
        points.push_back({"written then read", PointOfInterest::file(g.node(spread[spread.size() * i / 3]).path)});
    int lastCron = -1;
    for (int n = 0; n < g.nodeCount(); ++n)
        if (g.node(n).kind == NodeKind::File && g.node(n).path.rfind("/etc/cron.d/dl_", 0) == 0)
            lastCron = n;
    if (lastCron >= 0) {
        points.push_back({"persistence file (scripted chain)", PointOfInterest::file(g.node(lastCron).path)});
        points.push_back({"exfiltration address (scripted chain)", PointOfInterest::net("127.0.0.3", 4444)});
    }
    // Events at 1/5 .. 4/5 of the session, each moved on to the next one that made an edge.
    const int64_t events = session.stats().eventsRead;
    for (int i = 1; i <= 4; ++i) {
        int64_t id = std::max<int64_t>(1, events * i / 5);
        while (id < events && session.edgeOfEvent(id) < 0)
            ++id;
        if (session.edgeOfEvent(id) >= 0)
            points.push_back({"event", PointOfInterest::event(id)});
    }
    busiestFirst(sockets);
    std::vector<std::string> remotes;
    for (size_t i = 0; i < sockets.size() && points.size() < 20; ++i) {
        const GraphNode &s = g.node(sockets[i]);
        const PointOfInterest net = PointOfInterest::net(s.raddr, s.rport);
        if (std::find(remotes.begin(), remotes.end(), net.toString()) != remotes.end())
            continue;
        remotes.push_back(net.toString());
        points.push_back({"remote endpoint", net});
    }
    for (size_t i = 8; i < processes.size() && points.size() < 20; ++i) {
        const GraphNode &p = g.node(processes[i]);
        points.push_back({"process " + p.comm, PointOfInterest::process(p.pid, p.startNs)});
    }
    return points;
}

struct Mode {
    const char *name;
    TrackScope scope;
    bool hideNoise;
    bool defaultLimits;
};

int runTrackOne(const std::string &path, bool reduce, const std::string &selector, int maxNodes, bool hideNoise)
{
    auto poi = PointOfInterest::parse(selector);
    if (!poi) {
        std::fprintf(stderr, "provscope-bench-graph: %s\n", poi.error().c_str());
        return 2;
    }
    double buildSeconds = 0;
    const auto session = buildOrDie(path, reduce, &buildSeconds);
    AnalysisOptions options;
    options.limits = {-1, maxNodes};
    options.hideNoise = hideNoise;
    const auto started = Clock::now();
    const double cpuStarted = cpuSeconds();
    auto result = analyzeProvenance(*session, *poi, options);
    const double seconds = secondsSince(started), cpu = cpuSeconds() - cpuStarted;
    if (!result) {
        std::fprintf(stderr, "provscope-bench-graph: %s\n", result.error().c_str());
        return 1;
    }
    std::string filters;
    for (const NoiseFilterCount &f : result->noise.filters)
        filters += (filters.empty() ? "" : ",") + std::string("{\"name\":") + jsonString(f.name) +
                   ",\"nodes_hidden\":" + std::to_string(f.nodesHidden) +
                   ",\"edges_hidden\":" + std::to_string(f.edgesHidden) + "}";
    std::printf("{\"mode\":\"track\",\"poi\":%s,\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"track_seconds\":%.3f,"
                "\"unfiltered_nodes\":%d,\"unfiltered_edges\":%d,\"nodes\":%d,\"edges\":%d,\"cut\":%s,"
                "\"noise\":[%s],\"peak_rss_mb\":%.1f}\n",
                jsonString(selector).c_str(), seconds, cpu, result->trackSeconds, result->unfiltered.nodeCount(),
                result->unfiltered.edgeCount(), result->view.nodeCount(), result->view.edgeCount(),
                result->cut ? "true" : "false", filters.c_str(), peakMb());
    return 0;
}

int runTrack(const std::string &path, bool reduce)
{
    double buildSeconds = 0;
    const auto session = buildOrDie(path, reduce, &buildSeconds);
    const std::vector<Point> points = pickPoints(*session);
    // The default limits (depth unlimited, 2,000 nodes), and without any limit on every
    // fourth point: the search over everything the point of interest can reach.
    const Mode modes[] = {{"backward", TrackScope::Backward, false, true},
                          {"backward_hide_noise", TrackScope::Backward, true, true},
                          {"both", TrackScope::Both, false, true},
                          {"backward_unlimited", TrackScope::Backward, false, false}};
    std::string json = "{\"mode\":\"track\",\"reduce\":" + std::string(reduce ? "true" : "false") +
                       ",\"build_seconds\":" + std::to_string(buildSeconds) +
                       ",\"points\":" + std::to_string(points.size()) + ",\"modes\":[";
    bool firstMode = true;
    for (const Mode &mode : modes) {
        AnalysisOptions options;
        options.scope = mode.scope;
        options.hideNoise = mode.hideNoise;
        if (!mode.defaultLimits)
            options.limits = {-1, -1};
        std::vector<double> ms;
        double cpuTotal = 0;
        std::string rows;
        for (size_t i = 0; i < points.size(); ++i) {
            const Point &point = points[i];
            if (!mode.defaultLimits && i % 4 != 0)
                continue;
            const auto started = Clock::now();
            const double cpuStarted = cpuSeconds();
            auto result = analyzeProvenance(*session, point.poi, options);
            const double took = secondsSince(started) * 1000.0;
            const double cpuMs = (cpuSeconds() - cpuStarted) * 1000.0;
            cpuTotal += cpuMs;
            ms.push_back(took);
            if (!rows.empty())
                rows += ',';
            rows += "{\"poi\":" + jsonString(point.poi.toString()) + ",\"why\":" + jsonString(point.why) +
                    ",\"ms\":" + std::to_string(took) + ",\"cpu_ms\":" + std::to_string(cpuMs);
            if (result) {
                rows += ",\"nodes\":" + std::to_string(result->view.nodeCount()) +
                        ",\"edges\":" + std::to_string(result->view.edgeCount()) +
                        ",\"cut\":" + (result->cut ? "true" : "false") +
                        ",\"track_ms\":" + std::to_string(result->trackSeconds * 1000.0);
            } else {
                rows += ",\"error\":" + jsonString(result.error());
            }
            rows += '}';
        }
        std::vector<double> sorted = ms;
        std::sort(sorted.begin(), sorted.end());
        const double median = sorted.empty() ? 0
            : (sorted[(sorted.size() - 1) / 2] + sorted[sorted.size() / 2]) / 2.0;
        const double max = sorted.empty() ? 0 : sorted.back();
        json += std::string(firstMode ? "" : ",") + "{\"name\":\"" + mode.name + "\",\"median_ms\":" +
                std::to_string(median) + ",\"max_ms\":" + std::to_string(max) +
                ",\"mean_cpu_ms\":" + std::to_string(ms.empty() ? 0 : cpuTotal / double(ms.size())) +
                ",\"runs\":[" + rows + "]}";
        firstMode = false;
    }
    char tail[64];
    std::snprintf(tail, sizeof tail, "],\"peak_rss_mb\":%.1f}", peakMb());
    std::printf("%s%s\n", json.c_str(), tail);
    return 0;
}

int usage()
{
    std::fprintf(stderr, "usage: provscope-bench-graph build SESSION [--reduce cpr|none]\n"
                         "       provscope-bench-graph cpr SESSION [EDGES=1000000]\n"
                         "       provscope-bench-graph track SESSION [--reduce cpr|none] [--poi SELECTOR [--max-nodes N] [--hide-noise]]\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const std::string mode = argv[1];
    const std::string path = argv[2];
    bool reduce = true;
    size_t cprEdges = 1'000'000;
    std::string poi;
    int maxNodes = -1;
    bool hideNoise = false;
    for (int i = 3; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--reduce" && i + 1 < argc && (std::strcmp(argv[i + 1], "cpr") == 0 || std::strcmp(argv[i + 1], "none") == 0)) {
            reduce = std::strcmp(argv[++i], "cpr") == 0;
        } else if (mode == "track" && arg == "--poi" && i + 1 < argc) {
            poi = argv[++i];
        } else if (mode == "track" && arg == "--max-nodes" && i + 1 < argc) {
            maxNodes = std::atoi(argv[++i]);
        } else if (mode == "track" && arg == "--hide-noise") {
            hideNoise = true;
        } else if (mode == "cpr" && !arg.empty() && arg.find_first_not_of("0123456789") == std::string::npos) {
            cprEdges = std::strtoull(arg.c_str(), nullptr, 10);
        } else {
            return usage();
        }
    }
    if (mode == "build")
        return runBuild(path, reduce);
    if (mode == "cpr")
        return runCpr(path, cprEdges);
    if (mode == "track")
        return poi.empty() ? runTrack(path, reduce) : runTrackOne(path, reduce, poi, maxNodes, hideNoise);
    return usage();
}
