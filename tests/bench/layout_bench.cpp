// Benchmark (not a test) of the graph layout of issue 5: GraphPainter::layout() (node and
// edge-label measurement, then Graphviz through GraphLayout: dot up to 500 nodes, sfdp
// beyond) on views of about 100, 1,000 and 5,000 nodes.
//   provscope-bench-layout SESSION [--compare-engines]
//       views cut from the session as the graph tab shows them: analyzeProvenance() from the
//       busiest process, both directions, noise hidden, with the node limit set so that the
//       view has about that many nodes;
//   provscope-bench-layout --synthetic [--compare-engines]
//       generated views shaped like them (a fork tree of processes, each with a fan-out of
//       files it reads and writes, some files handed from writer to reader, a few sockets).
// --compare-engines also lays each view out without edge labels (GraphLayout::compute with
// the painter's node sizes) and with the engine Auto did not pick (dot on 1,000 nodes, sfdp
// on 100; never dot on 5,000). Needs a QGuiApplication: run with
// QT_QPA_PLATFORM=offscreen. One JSON line on stdout.
#include "graph_painter.h"
#ifdef PROVSCOPE_BENCH_HAS_SESSION_GRAPH
#include "provenance_analysis.h"
#include "session_graph.h"
#endif

#include <QGuiApplication>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

using namespace provscope;

namespace {

using Clock = std::chrono::steady_clock;

// CPU ms of this process so far: on a shared machine wall time includes waiting.
double cpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
}

class Rng { // splitmix64: the same graphs every run
public:
    explicit Rng(uint64_t seed) : m_state(seed) {}
    uint64_t below(uint64_t n)
    {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return (z ^ (z >> 31)) % n;
    }

private:
    uint64_t m_state;
};

// About `size` nodes: one process in five, each forked by an earlier one, reading 2-4 files
// (half of them shared libraries or configuration read by many), writing 1-2, reading one
// written by an earlier process; one process in six talks to a remote endpoint.
ProvenanceGraph syntheticView(int size, uint64_t seed)
{
    Rng rng(seed);
    ProvenanceGraph g;
    g.setBootToEpochNs(1'795'338'000'000'000'000LL);
    std::vector<int> processes, written, shared;
    uint64_t ts = 4'000'000'000'000ULL;
    auto edge = [&](int from, int to, EdgeType type) {
        ts += 1'000'000 + rng.below(50'000'000);
        GraphEdge e;
        e.from = from;
        e.to = to;
        e.type = type;
        e.tsNs = ts;
        e.teNs = ts + rng.below(5'000'000);
        e.count = 1 + rng.below(20);
        e.bytes = e.count * 512;
        g.appendEdge(std::move(e));
    };
    static const char *comms[] = {"bash", "make", "cc1plus", "python3", "curl", "git", "tar", "sshd"};
    for (int i = 0; g.nodeCount() < size; ++i) {
        const char *comm = comms[rng.below(std::size(comms))];
        const int p = g.addProcess(uint32_t(2000 + i), ts + uint64_t(i), comm, std::string("/usr/bin/") + comm);
        if (!processes.empty())
            edge(processes[rng.below(processes.size())], p, EdgeType::Fork);
        processes.push_back(p);
        const int reads = 2 + int(rng.below(3));
        for (int r = 0; r < reads && g.nodeCount() < size; ++r) {
            int f;
            if (r % 2 == 0 && shared.size() > 4) {
                f = shared[rng.below(shared.size())];
            } else {
                f = g.addFile("/home/alice/project/src/d" + std::to_string(rng.below(40)) + "/file_" +
                              std::to_string(g.nodeCount()) + ".cpp");
                if (shared.size() < 30)
                    shared.push_back(f);
            }
            edge(f, p, EdgeType::Read);
        }
        if (!written.empty() && rng.below(2) == 0)
            edge(written[rng.below(written.size())], p, EdgeType::Read);
        const int writes = 1 + int(rng.below(2));
        for (int w = 0; w < writes && g.nodeCount() < size; ++w) {
            const int f = g.addFile("/tmp/build/out_" + std::to_string(g.nodeCount()) + ".o");
            edge(p, f, EdgeType::Write);
            written.push_back(f);
        }
        if (rng.below(6) == 0 && g.nodeCount() < size) {
            const int s = g.addSocket("10.0.0.2", uint16_t(40000 + i), "93.184.216." + std::to_string(rng.below(200)), 443);
            edge(p, s, EdgeType::Connect);
            edge(p, s, EdgeType::Send);
            edge(s, p, EdgeType::Recv);
        }
    }
    g.setPoi(processes.back());
    return g;
}

struct View {
    int target;
    ProvenanceGraph graph;
};

#ifdef PROVSCOPE_BENCH_HAS_SESSION_GRAPH
std::vector<View> sessionViews(const std::string &path, const std::vector<int> &sizes)
{
    auto built = SessionGraph::build(path);
    if (!built) {
        std::fprintf(stderr, "provscope-bench-layout: %s\n", built.error().c_str());
        std::exit(1);
    }
    const SessionGraph &session = **built;
    const ProvenanceGraph &g = session.graph();
    int busiest = -1;
    size_t best = 0;
    for (int n = 0; n < g.nodeCount(); ++n) {
        const size_t degree = g.inEdges(n).size() + g.outEdges(n).size();
        if (g.node(n).kind == NodeKind::Process && degree > best) {
            best = degree;
            busiest = n;
        }
    }
    if (busiest < 0) {
        std::fprintf(stderr, "provscope-bench-layout: no process in %s\n", path.c_str());
        std::exit(1);
    }
    const PointOfInterest poi = PointOfInterest::process(g.node(busiest).pid, g.node(busiest).startNs);
    std::vector<View> views;
    for (int size : sizes) {
        // As the graph tab shows it: noise hidden. The node limit applies before the filters,
        // so it is raised until the filtered view has about `size` nodes.
        AnalysisOptions options;
        options.scope = TrackScope::Both;
        options.hideNoise = true;
        int limit = size;
        for (int attempt = 0;; ++attempt) {
            options.limits = {-1, limit};
            auto result = analyzeProvenance(session, poi, options);
            if (!result) {
                std::fprintf(stderr, "provscope-bench-layout: %s\n", result.error().c_str());
                std::exit(1);
            }
            const int nodes = result->view.nodeCount();
            if (attempt == 4 || !result->cut || nodes >= size * 9 / 10) {
                views.push_back({size, std::move(result->view)});
                break;
            }
            limit = int(double(limit) * double(size) / double(std::max(nodes, 1)) * 1.05);
        }
    }
    return views;
}
#else
std::vector<View> sessionViews(const std::string &, const std::vector<int> &)
{
    std::fprintf(stderr, "provscope-bench-layout: built without the session graph; use --synthetic\n");
    std::exit(2);
}
#endif

// labels false: GraphLayout::compute() with the painter's node sizes and no edge labels,
// to tell what the labels cost Graphviz.
std::string timeLayout(const ProvenanceGraph &graph, LayoutEngine engine, bool labels = true)
{
    const GraphPainter painter(graph);
    std::vector<QSizeF> nodeSizes;
    if (!labels)
        for (const GraphNode &node : graph.nodes())
            nodeSizes.push_back(painter.nodeSize(node));
    const auto started = Clock::now();
    const double cpuStarted = cpuMs();
    auto layout = labels ? painter.layout(graph, engine) : GraphLayout::compute(graph, nodeSizes, {}, engine);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    const double cpu = cpuMs() - cpuStarted;
    char buffer[256];
    if (!layout) {
        std::snprintf(buffer, sizeof buffer, "{\"ms\":%.1f,\"cpu_ms\":%.1f,\"error\":\"layout failed\"}", ms, cpu);
        std::fprintf(stderr, "provscope-bench-layout: %s\n", layout.error().c_str());
    } else {
        std::snprintf(buffer, sizeof buffer,
                      "{\"engine\":\"%s\",\"ms\":%.1f,\"cpu_ms\":%.1f,\"width\":%.0f,\"height\":%.0f}",
                      layout->engine.c_str(), ms, cpu, layout->boundingBox.width(), layout->boundingBox.height());
    }
    return buffer;
}

} // namespace

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    const bool synthetic = args.contains("--synthetic");
    const bool compare = args.contains("--compare-engines");
    QString session;
    for (const QString &arg : args)
        if (!arg.startsWith("--"))
            session = arg;
    if (synthetic == !session.isEmpty()) {
        std::fprintf(stderr, "usage: provscope-bench-layout SESSION|--synthetic [--compare-engines]\n");
        return 2;
    }
    const std::vector<int> sizes = {100, 1000, 5000};
    std::vector<View> views;
    if (synthetic) {
        for (int size : sizes)
            views.push_back({size, syntheticView(size, 0x6c61796f7574ULL + uint64_t(size))});
    } else {
        views = sessionViews(session.toStdString(), sizes);
    }
    std::string json = std::string("{\"source\":\"") + (synthetic ? "synthetic" : "session") + "\",\"views\":[";
    for (size_t i = 0; i < views.size(); ++i) {
        const View &view = views[i];
        const int nodes = view.graph.nodeCount();
        std::fprintf(stderr, "  laying out %d nodes, %d edges\n", nodes, view.graph.edgeCount());
        json += (i ? "," : "") + std::string("{\"target\":") + std::to_string(view.target) +
                ",\"nodes\":" + std::to_string(nodes) + ",\"edges\":" + std::to_string(view.graph.edgeCount()) +
                ",\"auto\":" + timeLayout(view.graph, LayoutEngine::Auto);
        if (compare) {
            json += ",\"no_labels\":" + timeLayout(view.graph, LayoutEngine::Auto, false);
            if (nodes <= GraphLayout::kDotNodeLimit)
                json += ",\"other\":" + timeLayout(view.graph, LayoutEngine::Sfdp);
            else if (nodes <= 2000)
                json += ",\"other\":" + timeLayout(view.graph, LayoutEngine::Dot);
        }
        json += "}";
    }
    std::printf("%s]}\n", json.c_str());
    return 0;
}
