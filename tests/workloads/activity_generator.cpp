// provscope-activity: normal and suspicious activity for tests, benchmarks
// and demos. Cycles through the patterns (activity_patterns.h) in an order
// the seed chooses until the duration has elapsed, every pattern at least
// once, and prints one JSON line per pattern with the pids, paths and ports
// it used. Everything happens in a private temp dir with a fake $HOME, on
// loopback or in a network namespace of its own.
#include "activity_patterns.h"
#include "activity_support.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace {

const char kUsage[] =
    "usage: provscope-activity --duration SECONDS [--seed N] [--only normal|suspicious] [--pause MS] [--keep]\n"
    "       provscope-activity --list\n"
    "Cycles through activity patterns until SECONDS have elapsed (every pattern runs at least\n"
    "once) and prints one JSON line per pattern: {\"pattern\", \"category\", \"round\", \"pid\",\n"
    "\"pids\", \"paths\", \"ports\", \"note\"}. Works in a private temp dir with a fake HOME\n"
    "(removed at exit unless --keep); connects only to loopback and to network namespaces it\n"
    "creates itself (as root).\n";

struct Options {
    double duration = -1;
    unsigned long long seed = 1;
    std::string only;
    long pauseMs = 20;
    bool list = false;
    bool keep = false;
};

int usageError(const std::string &message)
{
    std::fprintf(stderr, "provscope-activity: %s\n%s", message.c_str(), kUsage);
    return 2;
}

bool parseNumber(const char *text, double *out)
{
    char *end = nullptr;
    *out = std::strtod(text, &end);
    return end != text && *end == '\0' && *out >= 0;
}

std::string quoted(const std::string &text)
{
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

template <typename T, typename F>
std::string array(const std::vector<T> &items, F format)
{
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i)
        out += (i ? "," : "") + format(items[i]);
    return out + "]";
}

void printReport(const activity::Pattern &pattern, const activity::Context &context, const activity::Report &report)
{
    const std::string line = std::string("{\"pattern\":") + quoted(pattern.name) + ",\"category\":"
        + quoted(pattern.category) + ",\"round\":" + std::to_string(context.round)
        + ",\"pid\":" + std::to_string(getpid())
        + ",\"pids\":" + array(report.pids, [](int pid) { return std::to_string(pid); })
        + ",\"paths\":" + array(report.paths, quoted)
        + ",\"ports\":" + array(report.ports, [](int port) { return std::to_string(port); })
        + ",\"note\":" + quoted(report.note) + "}\n";
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
}

std::string selfPath()
{
    char buffer[4096];
    const ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
}

} // namespace

int main(int argc, char **argv)
{
    if (argc == 3 && std::strcmp(argv[1], "--evasion-child") == 0)
        return activity::runEvasionChild(argv[2]);

    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        double number = 0;
        if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (arg == "--list") {
            options.list = true;
        } else if (arg == "--keep") {
            options.keep = true;
        } else if (arg == "--duration") {
            if (!hasValue || !parseNumber(argv[++i], &options.duration))
                return usageError("--duration needs a number of seconds");
        } else if (arg == "--seed") {
            if (!hasValue || !parseNumber(argv[++i], &number) || number != static_cast<unsigned long long>(number))
                return usageError("--seed needs a non-negative integer");
            options.seed = static_cast<unsigned long long>(number);
        } else if (arg == "--pause") {
            if (!hasValue || !parseNumber(argv[++i], &number))
                return usageError("--pause needs milliseconds");
            options.pauseMs = static_cast<long>(number);
        } else if (arg == "--only") {
            if (!hasValue)
                return usageError("--only needs normal or suspicious");
            options.only = argv[++i];
            if (options.only != "normal" && options.only != "suspicious")
                return usageError("--only takes normal or suspicious, not '" + options.only + "'");
        } else {
            return usageError("unknown argument '" + arg + "'");
        }
    }

    std::vector<activity::Pattern> patterns;
    if (options.only != "suspicious")
        patterns = activity::normalPatterns();
    if (options.only != "normal")
        patterns.insert(patterns.end(), activity::suspiciousPatterns().begin(), activity::suspiciousPatterns().end());
    if (options.list) {
        for (const activity::Pattern &pattern : patterns)
            std::printf("%-10s %-18s %s\n", pattern.category, pattern.name, pattern.what);
        return 0;
    }
    if (options.duration < 0)
        return usageError("say how long to run: --duration SECONDS");

    const char *tmp = std::getenv("TMPDIR");
    std::string dirTemplate = std::string(tmp && *tmp ? tmp : "/tmp") + "/provscope-activity-XXXXXX";
    if (!mkdtemp(dirTemplate.data())) {
        std::perror("provscope-activity: mkdtemp");
        return 1;
    }
    activity::Context context;
    context.dir = dirTemplate;
    context.home = context.dir + "/home";
    context.self = selfPath();
    context.rng.seed(options.seed);
    activity::makeDirs(context.home);
    setenv("HOME", context.home.c_str(), 1); // children see the fake HOME too
    std::shuffle(patterns.begin(), patterns.end(), context.rng);

    std::printf("{\"event\":\"start\",\"pid\":%d,\"dir\":%s,\"home\":%s,\"seed\":%llu}\n", getpid(),
                quoted(context.dir).c_str(), quoted(context.home).c_str(), options.seed);
    std::fflush(stdout);
    const auto start = std::chrono::steady_clock::now();
    const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    for (size_t next = 0; next < patterns.size() || elapsed() < options.duration; ++next) {
        const activity::Pattern &pattern = patterns[next % patterns.size()];
        activity::Report report;
        report.pids.push_back(getpid());
        pattern.run(context, report);
        printReport(pattern, context, report);
        ++context.round;
        const timespec pause{options.pauseMs / 1000, (options.pauseMs % 1000) * 1'000'000};
        nanosleep(&pause, nullptr);
    }
    std::printf("{\"event\":\"end\",\"pid\":%d,\"patterns\":%d,\"seconds\":%.3f}\n", getpid(), context.round, elapsed());
    if (!options.keep)
        activity::removeTree(context.dir);
    return 0;
}
