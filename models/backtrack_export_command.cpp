#include "backtrack_export_command.h"

#include "backtrack_export.h"
#include "session_reader.h"

#include <cstdio>

namespace provscope {
namespace {

int usageError(const std::string &message)
{
    std::fprintf(stderr, "provscope-cli: export: %s\n(see provscope-cli --help)\n", message.c_str());
    return 2;
}

} // namespace

int runExportCommand(const std::vector<std::string> &args)
{
    std::string session;
    std::string dir;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        if (arg == "--backtrack-jsonl") {
            if (i + 1 >= args.size())
                return usageError("--backtrack-jsonl needs a directory");
            dir = args[++i];
        } else if (arg.size() > 1 && arg[0] == '-') {
            return usageError("unknown option " + arg);
        } else if (session.empty()) {
            session = arg;
        } else {
            return usageError("unexpected argument " + arg);
        }
    }
    if (session.empty())
        return usageError("missing FILE");
    if (dir.empty())
        return usageError("say what to write: --backtrack-jsonl DIR");

    auto reader = SessionReader::open(session);
    if (!reader) {
        std::fprintf(stderr, "provscope-cli: %s\n", reader.error().c_str());
        return 1;
    }
    auto exported = exportBacktrackJsonl(**reader, dir);
    if (!exported) {
        std::fprintf(stderr, "provscope-cli: export: %s\n", exported.error().c_str());
        return 1;
    }
    std::fprintf(stderr, "provscope-cli: exported %lld raw lines, %lld nodes, %lld edges\n",
                 (long long)exported->rawLines, (long long)exported->nodeLines, (long long)exported->edgeLines);
    std::printf("%s\n%s\n", exported->rawPath.c_str(), exported->trackerPath.c_str());
    return std::fflush(stdout) == 0 ? 0 : 1;
}

} // namespace provscope
