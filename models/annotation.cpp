#include "annotation.h"

#include "provenance_graph.h"

#include <charconv>

namespace provscope {

namespace {
template <class T>
bool parseWhole(std::string_view text, T &value)
{
    const char *end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return !text.empty() && ec == std::errc() && ptr == end;
}
} // namespace

std::optional<int64_t> Annotation::eventId() const
{
    int64_t id = 0;
    if (targetKind != Target::Event || !parseWhole(target, id) || id < 1)
        return std::nullopt;
    return id;
}

bool Annotation::processIdentity(uint32_t &pid, uint64_t &startNs) const
{
    if (targetKind != Target::Process)
        return false;
    const std::string_view text(target);
    const size_t at = text.find('@');
    if (at == std::string_view::npos)
        return false;
    return parseWhole(text.substr(0, at), pid) && parseWhole(text.substr(at + 1), startNs);
}

std::string_view annotationTargetName(Annotation::Target target)
{
    switch (target) {
    case Annotation::Target::Event: return "event";
    case Annotation::Target::Process: return "process";
    case Annotation::Target::Node: return "node";
    }
    return "event";
}

std::string_view annotationKindName(Annotation::Kind kind)
{
    switch (kind) {
    case Annotation::Kind::Bookmark: return "bookmark";
    case Annotation::Kind::Tag: return "tag";
    case Annotation::Kind::Comment: return "comment";
    }
    return "bookmark";
}

std::optional<Annotation::Target> parseAnnotationTarget(std::string_view name)
{
    for (auto target : {Annotation::Target::Event, Annotation::Target::Process, Annotation::Target::Node}) {
        if (annotationTargetName(target) == name)
            return target;
    }
    return std::nullopt;
}

std::optional<Annotation::Kind> parseAnnotationKind(std::string_view name)
{
    for (auto kind : {Annotation::Kind::Bookmark, Annotation::Kind::Tag, Annotation::Kind::Comment}) {
        if (annotationKindName(kind) == name)
            return kind;
    }
    return std::nullopt;
}

std::optional<PointOfInterest> annotationPointOfInterest(const Annotation &annotation)
{
    uint32_t pid = 0;
    uint64_t startNs = 0;
    if (annotation.processIdentity(pid, startNs))
        return PointOfInterest::process(pid, startNs);
    if (annotation.targetKind != Annotation::Target::Node)
        return std::nullopt;
    const std::string_view key(annotation.target);
    if (key.substr(0, 5) == "file:")
        return PointOfInterest::file(std::string(key.substr(5)));
    if (key.substr(0, 5) == "proc:") {
        Annotation process = annotation;
        process.targetKind = Annotation::Target::Process;
        process.target = std::string(key.substr(5));
        return annotationPointOfInterest(process);
    }
    return std::nullopt;
}

std::string processNodeKey(const Annotation &annotation)
{
    uint32_t pid = 0;
    uint64_t startNs = 0;
    if (!annotation.processIdentity(pid, startNs))
        return {};
    return ProvenanceGraph::keyForProcess(pid, startNs);
}

} // namespace provscope
