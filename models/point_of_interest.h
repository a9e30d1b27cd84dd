#pragma once
// A point of interest a graph is built around, as typed on the command line
// or picked in the UI: "proc:PID[@START_NS]" or "file:PATH".
#include "result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace provscope {

struct PointOfInterest {
    enum class Kind { Process, File };
    Kind kind = Kind::Process;
    uint32_t pid = 0;
    uint64_t startNs = 0;  // boot ns as stored; 0 = the latest process with that pid
    bool hasStart = false;
    std::string path;      // Kind::File

    static PointOfInterest process(uint32_t pid, uint64_t startNs);
    static PointOfInterest processLatest(uint32_t pid);
    static PointOfInterest file(std::string path);

    // Errors name what was wrong and the accepted forms.
    static Result<PointOfInterest> parse(std::string_view text);
    std::string toString() const; // round-trips through parse()
};

} // namespace provscope
