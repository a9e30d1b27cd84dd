#pragma once
// An investigator's note on the evidence: a bookmark, tag or comment on an event,
// a process instance or a provenance graph node. Annotations live in the session's
// `annotations` table, outside the evidence (the evidence digest never covers them).
#include "point_of_interest.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace provscope {

struct Annotation {
    enum class Target { Event, Process, Node };
    enum class Kind { Bookmark, Tag, Comment };

    int64_t id = 0;              // row id in the session; unique within a set
    Target targetKind = Target::Event;
    // Event: its id ("1234"). Process: "PID@START_NS" with the process's start in
    // boot ns as stored in the session (the stable identity, not the epoch time
    // users see). Node: the graph node key (ProvenanceGraph::keyFor*, e.g.
    // "file:/etc/passwd", "proc:42@1000", "sock:10.0.0.1:22->10.0.0.2:5000").
    std::string target;
    Kind kind = Kind::Bookmark;
    std::string text;            // the tag or comment; a bookmark's optional note
    int64_t createdNs = 0;       // epoch ns
    std::string author;          // user name of whoever made it

    bool operator==(const Annotation &) const = default;

    static std::string eventTarget(int64_t eventId) { return std::to_string(eventId); }
    static std::string processTarget(uint32_t pid, uint64_t startNs)
    {
        return std::to_string(pid) + "@" + std::to_string(startNs);
    }
    // The event id of an Event target; nullopt when the text is not one.
    std::optional<int64_t> eventId() const;
    // pid and start (boot ns) of a Process target.
    bool processIdentity(uint32_t &pid, uint64_t &startNs) const;
};

// "event" / "process" / "node" and "bookmark" / "tag" / "comment": the stored names.
std::string_view annotationTargetName(Annotation::Target target);
std::string_view annotationKindName(Annotation::Kind kind);
std::optional<Annotation::Target> parseAnnotationTarget(std::string_view name);
std::optional<Annotation::Kind> parseAnnotationKind(std::string_view name);

// The graph node key a process annotation also applies to ("proc:PID@START_NS").
std::string processNodeKey(const Annotation &annotation);

// The graph to show for a process or node annotation (a process, or a file node);
// nullopt for events (show them in the table) and socket/pipe nodes.
std::optional<PointOfInterest> annotationPointOfInterest(const Annotation &annotation);

} // namespace provscope
