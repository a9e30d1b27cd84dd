// provscope-capture: the privileged helper. Argument parsing and wiring only.
#include "headless_recorder.h"
#include "privilege_drop.h"
#include "serve_command.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

std::atomic<bool> g_stopRequested{false};

void requestStop(int) { g_stopRequested.store(true); }

void installStopHandlers()
{
    struct sigaction action {};
    action.sa_handler = requestStop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

const char kUsage[] =
    "usage: provscope-capture -o FILE.provscope [--duration SECONDS] [-- COMMAND [ARGS...]]\n"
    "       provscope-capture --serve [--socket PATH | --fd N] [--allow-uid UID]\n"
    "\n"
    "Records system calls of this machine with eBPF (needs root).\n"
    "  -o, --output FILE   write a session file (as the invoking user under sudo/pkexec;\n"
    "                      an existing file or a symlink is refused)\n"
    "  --duration SECONDS  stop after this long\n"
    "  -- COMMAND ARGS     run COMMAND (as the invoking user) and stop when it exits;\n"
    "                      the whole machine is recorded while it runs\n"
    "  --serve             stream to the provscope workstation over a Unix socket\n"
    "                      (default /run/provscope/provscope.sock) or an inherited fd\n"
    "  --allow-uid UID     the user allowed to connect (default: the invoking user)\n"
    "SIGINT/SIGTERM stop a capture cleanly with everything flushed.\n";

int usageError(const std::string &message)
{
    std::cerr << "provscope-capture: " << message << "\n\n" << kUsage;
    return 2;
}

bool parseNumber(const std::string &text, double &out)
{
    char *end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return !text.empty() && *end == '\0' && out >= 0;
}

int runHeadless(provscope::HeadlessOptions options)
{
    const auto result = provscope::runHeadlessCapture(options, g_stopRequested);
    if (!result) {
        std::cerr << "provscope-capture: " << result.error() << "\n";
        return 1;
    }
    const provscope::HeadlessSummary &summary = result.value();
    const double rate = summary.seconds > 0 ? double(summary.events) / summary.seconds : 0;
    std::fprintf(stderr,
                 "provscope-capture: recorded %lld events from %lld processes in %.1f s (%.0f events/s), "
                 "%lld lost, %llu bytes\n",
                 (long long)summary.events, (long long)summary.processes, summary.seconds, rate,
                 (long long)summary.lostEvents, (unsigned long long)summary.fileBytes);
    std::cout << summary.outputPath << std::endl;
    if (summary.commandExitStatus)
        return *summary.commandExitStatus;
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    installStopHandlers();
    std::vector<std::string> args(argv + 1, argv + argc);
    provscope::HeadlessOptions headless;
    provscope::ServeOptions serve;
    bool serveMode = false;

    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        auto value = [&](std::string &out) {
            if (i + 1 >= args.size())
                return false;
            out = args[++i];
            return true;
        };
        std::string text;
        if (arg == "-h" || arg == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (arg == "--version") {
            std::cout << "provscope-capture " << PROVSCOPE_VERSION << "\n";
            return 0;
        } else if (arg == "-o" || arg == "--output") {
            if (!value(headless.outputPath))
                return usageError(arg + " needs a file name");
        } else if (arg == "--duration") {
            if (!value(text) || !parseNumber(text, headless.durationSeconds))
                return usageError("--duration needs a number of seconds");
        } else if (arg == "--serve") {
            serveMode = true;
        } else if (arg == "--socket") {
            if (!value(serve.socketPath))
                return usageError("--socket needs a path");
        } else if (arg == "--fd") {
            double fd = 0;
            if (!value(text) || !parseNumber(text, fd))
                return usageError("--fd needs a file descriptor number");
            serve.inheritedFd = int(fd);
        } else if (arg == "--allow-uid") {
            double uid = 0;
            if (!value(text) || !parseNumber(text, uid))
                return usageError("--allow-uid needs a numeric uid");
            serve.allowedUid = uid_t(uid);
        } else if (arg == "--") {
            headless.command.assign(args.begin() + long(i) + 1, args.end());
            if (headless.command.empty())
                return usageError("-- must be followed by a command");
            break;
        } else {
            return usageError("unknown option " + arg);
        }
    }

    if (geteuid() != 0) {
        std::cerr << "provscope-capture: needs root to load eBPF programs; run it with sudo or pkexec\n";
        return 1;
    }
    const auto user = provscope::sudoTargetUser(); // under sudo/pkexec: whose files we write
    if (serveMode) {
        if (!headless.outputPath.empty() || !headless.command.empty())
            return usageError("--serve streams to the workstation; it takes no -o or command");
        if (!serve.allowedUid && user)
            serve.allowedUid = user->uid;
        return provscope::runServeCommand(serve, g_stopRequested);
    }
    if (headless.outputPath.empty())
        return usageError("say where to record: -o FILE.provscope (or --serve)");
    headless.user = user;
    return runHeadless(std::move(headless));
}
