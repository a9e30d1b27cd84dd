// provscope-cli: headless analysis of session files (like tshark beside Wireshark).
// Argument parsing and wiring only; the work is done in provscope_models.
#include "annotation_command.h"
#include "backtrack_export_command.h"
#include "custody_log.h"
#include "cli_number.h"
#include "event_json.h"
#include "event_query.h"
#include "evidence_digest.h"
#include "flows_command.h"
#include "graph_command.h"
#include "pcap_import_command.h"
#include "session_loss_json.h"
#include "session_reader.h"
#include "summary_command.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <cstdio>
#include <string>
#include <vector>

using namespace provscope;

namespace {

const char *kUsage =
    "usage: provscope-cli COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  info FILE                      JSON summary of a session: counts (flows and DNS\n"
    "                                 records: null when not recorded), time range, host,\n"
    "                                 kernel, boot id, format version, recording state and\n"
    "                                 every loss record (time range, count, source, cpu)\n"
    "  events FILE [--pid N] [--syscall NAME] [--limit N] [--filter EXPR]\n"
    "                                 events as JSON lines (ts_ns is epoch nanoseconds);\n"
    "                                 EXPR is a display filter, e.g.\n"
    "                                 'proc.name == \"cat\" and fd.name contains \"passwd\"'\n"
    "                                 (a syntax error exits 2 and shows the column)\n"
    "  flows FILE [--pid N] [--proto tcp|udp] [--limit N] [--dns]\n"
    "                                 network flows as JSON lines ordered by first packet:\n"
    "                                 proto, src (the initiator), sport, dst, dport, packets,\n"
    "                                 bytes, packets_out, bytes_out, packets_in, bytes_in,\n"
    "                                 tcp_flags, first_ts_ns, last_ts_ns (epoch ns),\n"
    "                                 dns_name, pid, comm (initiator), peer_pid, peer_comm\n"
    "                                 (responder, when local); absent fields are omitted.\n"
    "                                 --pid: either end; --dns: the DNS answers instead\n"
    "  import --pcap CAPTURE (-o NEW.provscope | --into SESSION.provscope [--allow-duplicate])\n"
    "                                 flows and DNS from a pcap/pcapng file: into a new\n"
    "                                 session (-o; an existing file is refused), or added\n"
    "                                 to a finished session (--into: attributed to its\n"
    "                                 processes, with a custody-log entry and a new\n"
    "                                 digest; a capture it already holds - same name,\n"
    "                                 size and SHA-256 - is refused unless\n"
    "                                 --allow-duplicate). A truncated capture imports what is\n"
    "                                 readable with a warning (exit 0); not a capture:\n"
    "                                 exit 2\n"
    "  graph FILE --poi SELECTOR [--direction backward|forward|both] [--reduce cpr|none]\n"
    "        [--hide-noise] [--depth N] [--max-nodes N] --format dot|json|png|svg|pdf\n"
    "        [--report] -o OUT\n"
    "                                 provenance graph tracked from a point of interest;\n"
    "                                 SELECTOR: proc:PID[@START_NS], file:PATH,\n"
    "                                 net:ADDR[:PORT] or event:ID; pdf (and png with\n"
    "                                 --report) is the report page; figures on stderr\n"
    "                                 (provscope-cli graph --help for the rest)\n"
    "  summary FILE --poi SELECTOR [--direction ...] [--steps]\n"
    "                                 the tracked chain in plain language\n"
    "  export FILE --backtrack-jsonl DIR\n"
    "                                 BackTrack-compatible logs: DIR/raw_syscalls.jsonl and\n"
    "                                 DIR/tracker.jsonl (DIR is created; existing logs refused)\n"
    "  verify FILE [--json]           recompute the evidence digest (SHA-256) and compare it\n"
    "                                 with the one recorded; lists the custody log. Exit 0:\n"
    "                                 unchanged, 1: changed, 2: not a readable session,\n"
    "                                 3: no digest recorded. The file is opened read-only.\n"
    "  annotations FILE [--json]      the bookmarks, tags and comments saved in the session,\n"
    "                                 each with what it is on (event, process, graph node)\n"
    "  help                           this text\n"
    "\n"
    "Errors go to stderr with a non-zero exit status.\n";

int usageError(const std::string &message)
{
    std::fprintf(stderr, "provscope-cli: %s\n(see provscope-cli --help)\n", message.c_str());
    return 2;
}

std::unique_ptr<SessionReader> openSession(const std::string &path)
{
    auto reader = SessionReader::open(path);
    if (!reader) {
        std::fprintf(stderr, "provscope-cli: %s\n", reader.error().c_str());
        return nullptr;
    }
    return std::move(reader.value());
}

int runInfo(const std::vector<std::string> &args)
{
    if (args.empty())
        return usageError("info: missing FILE");
    if (args.size() > 1)
        return usageError(args[1].size() > 1 && args[1][0] == '-'
                              ? "info: unknown option " + args[1]
                              : "info: unexpected argument " + args[1]);
    if (args[0].size() > 1 && args[0][0] == '-')
        return usageError("info: unknown option " + args[0]);
    auto reader = openSession(args[0]);
    if (!reader)
        return 1;
    auto json = sessionInfoWithLossesJson(*reader);
    if (!json) {
        std::fprintf(stderr, "provscope-cli: %s\n", json.error().c_str());
        return 1;
    }
    const std::string out = addNetworkCounts(std::move(json.value()), *reader);
    std::fputs(out.c_str(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

int runEvents(const std::vector<std::string> &args)
{
    std::string path;
    EventFilter filter;
    std::string expression;
    bool hasExpression = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        const bool takesValue =
            arg == "--pid" || arg == "--syscall" || arg == "--limit" || arg == "--filter";
        if (takesValue && i + 1 >= args.size())
            return usageError("events: " + arg + " needs a value");
        if (arg == "--pid") {
            uint32_t pid = 0;
            if (!parseCliNumber(args[++i], pid))
                return usageError("events: --pid needs a process id, not \"" + args[i] + "\"");
            filter.pid = pid;
        } else if (arg == "--syscall") {
            filter.syscall = args[++i];
        } else if (arg == "--limit") {
            int64_t limit = 0;
            if (!parseCliNumber(args[++i], limit) || limit < 0)
                return usageError("events: --limit needs a count >= 0, not \"" + args[i] + "\"");
            filter.limit = limit;
        } else if (arg == "--filter") {
            expression = args[++i];
            hasExpression = true;
        } else if (arg.size() > 1 && arg[0] == '-') {
            return usageError("events: unknown option " + arg);
        } else if (path.empty()) {
            path = arg;
        } else {
            return usageError("events: unexpected argument " + arg);
        }
    }
    if (path.empty())
        return usageError("events: missing FILE");
    std::optional<CompiledFilter> compiled;
    if (hasExpression) {
        // A syntax error exits 2 with its column and a caret under the expression.
        FilterError error;
        auto result = compileFilter(expression, &error);
        if (!result) {
            std::fprintf(stderr, "provscope-cli: events: --filter: %s\n  %s\n  %s^\n",
                         result.error().c_str(), expression.c_str(),
                         std::string(size_t(std::max(error.column - 1, 0)), ' ').c_str());
            return 2;
        }
        compiled = std::move(result.value());
    }
    auto reader = openSession(path);
    if (!reader)
        return 1;
    if (filter.limit == 0)
        return 0;
    const int64_t offset = reader->meta().bootToEpochNs;
    std::string line;
    auto write = [&](const Event &event) {
        line = eventJsonLine(event, offset);
        line += '\n';
        return std::fwrite(line.data(), 1, line.size(), stdout) == line.size();
    };
    Result<void> done;
    if (!compiled) {
        done = reader->forEachEvent(filter, write);
    } else {
        auto query = EventQuery::open(path);
        if (!query) {
            std::fprintf(stderr, "provscope-cli: %s\n", query.error().c_str());
            return 1;
        }
        // --pid and --syscall narrow the filter's events; --limit counts what is printed.
        int64_t printed = 0;
        done = query.value()->forEachMatching(*compiled, -1, [&](const Event &event) {
            if ((filter.pid && event.pid != *filter.pid) ||
                (filter.syscall && event.syscall != *filter.syscall))
                return true;
            if (!write(event))
                return false;
            return filter.limit < 0 || ++printed < filter.limit;
        });
    }
    if (!done) {
        std::fprintf(stderr, "provscope-cli: %s\n", done.error().c_str());
        return 1;
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        std::fprintf(stderr, "provscope-cli: cannot write the events\n");
        return 1;
    }
    return 0;
}

int runVerify(const std::vector<std::string> &args)
{
    std::string path;
    bool json = false;
    for (const std::string &arg : args) {
        if (arg == "--json")
            json = true;
        else if (arg.size() > 1 && arg[0] == '-')
            return usageError("verify: unknown option " + arg);
        else if (path.empty())
            path = arg;
        else
            return usageError("verify: unexpected argument " + arg);
    }
    if (path.empty())
        return usageError("verify: missing FILE");
    auto check = checkEvidence(path);
    if (!check) {
        std::fprintf(stderr, "provscope-cli: %s\n", check.error().c_str());
        return 2;
    }
    using State = EvidenceCheck::State;
    const State state = check->state;
    std::string out;
    if (json) {
        out = "{\"file\":" + jsonString(path) + ",\"state\":" +
              jsonString(state == State::Unchanged ? "unchanged"
                         : state == State::Changed ? "changed"
                                                   : "no-digest");
        if (state != State::NoDigest)
            out += ",\"digest_version\":" + std::to_string(check->version) +
                   ",\"recorded_sha256\":" + jsonString(check->recorded) +
                   ",\"current_sha256\":" + jsonString(check->current);
        out += ",\"custody\":[";
        for (size_t i = 0; i < check->custody.size(); ++i) {
            const CustodyEntry &e = check->custody[i];
            out += std::string(i ? "," : "") + "{\"id\":" + std::to_string(e.id) +
                   ",\"time_ns\":" + std::to_string(e.timeNs) + ",\"time\":" + jsonString(isoTimeUtc(e.timeNs)) +
                   ",\"user\":" + jsonString(e.user) + ",\"action\":" + jsonString(e.action) +
                   ",\"old_sha256\":" + (e.oldDigest.empty() ? std::string("null") : jsonString(e.oldDigest)) +
                   ",\"new_sha256\":" + jsonString(e.newDigest) + ",\"note\":" + jsonString(e.note) + "}";
        }
        out += "]}\n";
    } else {
        if (state == State::Unchanged)
            out = "evidence unchanged (sha256 " + check->current + ")\n";
        else if (state == State::Changed)
            out = "evidence CHANGED: recorded " + check->recorded + ", now " + check->current + "\n";
        else
            out = "no digest recorded (session still recording or written by an older provscope)\n";
        for (const CustodyEntry &e : check->custody)
            out += "custody #" + std::to_string(e.id) + " " + isoTimeUtc(e.timeNs) + " " + e.user + " " +
                   e.action + ": " + (e.oldDigest.empty() ? std::string("(none)") : e.oldDigest) + " -> " +
                   e.newDigest + (e.note.empty() ? std::string() : " (" + e.note + ")") + "\n";
    }
    std::fputs(out.c_str(), stdout);
    if (std::fflush(stdout) != 0)
        return 2;
    return state == State::Unchanged ? 0 : state == State::Changed ? 1 : 3;
}

} // namespace

int main(int argc, char **argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string command = args.front();
    args.erase(args.begin());
    if (command == "help" || command == "--help" || command == "-h") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (command == "--version") {
        std::printf("provscope-cli %s\n", PROVSCOPE_VERSION);
        return 0;
    }
    if (command == "info")
        return runInfo(args);
    if (command == "events")
        return runEvents(args);
    if (command == "verify")
        return runVerify(args);
    if (command == "graph")
        return runGraphCommand(args);
    if (command == "summary")
        return runSummaryCommand(args);
    if (command == "export")
        return runExportCommand(args);
    if (command == "annotations")
        return runAnnotationsCommand(args);
    if (command == "flows")
        return runFlowsCommand(args);
    if (command == "import")
        return runImportCommand(args);
    if (!command.empty() && command[0] == '-')
        return usageError("unknown option " + command);
    return usageError("unknown command " + command);
}
