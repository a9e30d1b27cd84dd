#pragma once
// A point of interest a graph is built around, as typed on the command line
// or picked in the UI: "proc:PID[@START_NS]", "file:PATH", "net:ADDR[:PORT]"
// (IPv6 in brackets when a port follows: "net:[::1]:443") or "event:ID".
#include "result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace provscope {

struct PointOfInterest {
    enum class Kind { Process, File, Net, Event };
    Kind kind = Kind::Process;
    uint32_t pid = 0;
    uint64_t startNs = 0;  // boot ns as stored; 0 = the latest process with that pid
    bool hasStart = false;
    std::string path;      // Kind::File
    std::string addr;      // Kind::Net: numeric address as recorded (no brackets)
    uint16_t port = 0;     // Kind::Net
    bool hasPort = false;
    int64_t eventId = 0;   // Kind::Event

    static PointOfInterest process(uint32_t pid, uint64_t startNs);
    static PointOfInterest processLatest(uint32_t pid);
    static PointOfInterest file(std::string path);
    static PointOfInterest net(std::string addr, std::optional<uint16_t> port);
    static PointOfInterest event(int64_t id);

    // Errors name what was wrong and the accepted forms.
    static Result<PointOfInterest> parse(std::string_view text);
    std::string toString() const; // round-trips through parse()
};

} // namespace provscope
