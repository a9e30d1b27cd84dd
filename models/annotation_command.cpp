#include "annotation_command.h"

#include "annotation_store.h"
#include "event_json.h"
#include "session_reader.h"

#include <cstdio>

namespace provscope {

namespace {

constexpr const char *kUsage =
    "usage: provscope-cli annotations FILE [--json]\n"
    "  Lists the bookmarks, tags and comments saved in a session (the file is opened\n"
    "  read-only). --json: one JSON object per line.\n";

int usageError(const std::string &message)
{
    std::fprintf(stderr, "provscope-cli annotations: %s\n%s", message.c_str(), kUsage);
    return 2;
}

std::string endpoint(const std::string &addr, uint16_t port)
{
    if (addr.find(':') != std::string::npos)
        return "[" + addr + "]:" + std::to_string(port);
    return addr + ":" + std::to_string(port);
}

std::string processText(const SessionReader &reader, uint32_t pid, uint64_t startNs)
{
    auto process = reader.process(pid, startNs);
    if (!process || !*process || (*process)->startNs != startNs)
        return {};
    const ProcessInfo &p = **process;
    return (p.comm.empty() ? std::string("?") : p.comm) + " (" + std::to_string(pid) + ") started "
        + isoTimeUtc(int64_t(p.startNs) + reader.meta().bootToEpochNs);
}

std::string eventText(const SessionReader &reader, int64_t id)
{
    auto event = reader.event(id);
    if (!event)
        return {};
    const Event &e = *event;
    std::string text = e.syscall;
    if (!e.path.empty())
        text += " " + e.path;
    if (!e.path2.empty())
        text += " -> " + e.path2;
    if (!e.raddr.empty())
        text += " " + endpoint(e.laddr, e.lport) + " -> " + endpoint(e.raddr, e.rport);
    text += " (" + (e.comm.empty() ? std::string("?") : e.comm) + " " + std::to_string(e.pid) + ")";
    return text;
}

} // namespace

std::string describeAnnotationTarget(const Annotation &annotation, const SessionReader *reader)
{
    switch (annotation.targetKind) {
    case Annotation::Target::Event: {
        std::string text = "event " + annotation.target;
        if (const auto id = annotation.eventId(); id && reader) {
            if (const std::string more = eventText(*reader, *id); !more.empty())
                text += ": " + more;
        }
        return text;
    }
    case Annotation::Target::Process: {
        uint32_t pid = 0;
        uint64_t startNs = 0;
        if (reader && annotation.processIdentity(pid, startNs)) {
            if (const std::string more = processText(*reader, pid, startNs); !more.empty())
                return "process " + more;
        }
        return "process " + annotation.target;
    }
    case Annotation::Target::Node: {
        const std::string &key = annotation.target;
        const auto colon = key.find(':');
        const std::string prefix = colon == std::string::npos ? std::string() : key.substr(0, colon);
        const std::string rest = colon == std::string::npos ? key : key.substr(colon + 1);
        if (prefix == "proc") {
            Annotation asProcess = annotation;
            asProcess.targetKind = Annotation::Target::Process;
            asProcess.target = rest;
            return "graph node: " + describeAnnotationTarget(asProcess, reader);
        }
        if (prefix == "file")
            return "graph node: file " + rest;
        if (prefix == "sock")
            return "graph node: socket " + rest;
        if (prefix == "pipe")
            return "graph node: " + rest;
        return "graph node " + key;
    }
    }
    return annotation.target;
}

int runAnnotationsCommand(const std::vector<std::string> &args)
{
    std::string session;
    bool json = false;
    for (const std::string &arg : args) {
        if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (arg == "--json")
            json = true;
        else if (arg.size() > 1 && arg[0] == '-')
            return usageError("unknown option " + arg);
        else if (session.empty())
            session = arg;
        else
            return usageError("unexpected argument " + arg);
    }
    if (session.empty())
        return usageError("missing FILE");

    auto reader = SessionReader::open(session);
    if (!reader) {
        std::fprintf(stderr, "provscope-cli: %s\n", reader.error().c_str());
        return 1;
    }
    auto annotations = AnnotationStore::load(session);
    if (!annotations) {
        std::fprintf(stderr, "provscope-cli: %s\n", annotations.error().c_str());
        return 1;
    }

    std::string out;
    if (!json) {
        out = std::to_string(annotations->size()) + (annotations->size() == 1 ? " annotation" : " annotations")
            + " in " + session + "\n";
    }
    for (const Annotation &a : *annotations) {
        const std::string description = describeAnnotationTarget(a, reader->get());
        if (json) {
            out += "{\"id\":" + std::to_string(a.id) + ",\"kind\":" + jsonString(annotationKindName(a.kind))
                + ",\"target_kind\":" + jsonString(annotationTargetName(a.targetKind))
                + ",\"target\":" + jsonString(a.target) + ",\"description\":" + jsonString(description)
                + ",\"text\":" + jsonString(a.text) + ",\"author\":" + jsonString(a.author)
                + ",\"created_ns\":" + std::to_string(a.createdNs)
                + ",\"created\":" + jsonString(isoTimeUtc(a.createdNs)) + "}\n";
            continue;
        }
        out += "#" + std::to_string(a.id) + " " + std::string(annotationKindName(a.kind));
        if (a.kind == Annotation::Kind::Tag)
            out += " \"" + a.text + "\"";
        out += " on " + description + "\n";
        out += "   by " + a.author + " at " + isoTimeUtc(a.createdNs) + "\n";
        if (a.kind != Annotation::Kind::Tag && !a.text.empty()) {
            // Every line of a comment indented under its heading.
            size_t start = 0;
            for (;;) {
                const size_t end = a.text.find('\n', start);
                out += "   | " + a.text.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
                if (end == std::string::npos)
                    break;
                start = end + 1;
            }
        }
    }
    std::fputs(out.c_str(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

} // namespace provscope
