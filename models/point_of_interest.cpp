#include "point_of_interest.h"

#include <charconv>
#include <limits>

namespace provscope {

PointOfInterest PointOfInterest::process(uint32_t pid, uint64_t startNs)
{
    PointOfInterest poi;
    poi.kind = Kind::Process;
    poi.pid = pid;
    poi.startNs = startNs;
    poi.hasStart = true;
    return poi;
}

PointOfInterest PointOfInterest::processLatest(uint32_t pid)
{
    PointOfInterest poi;
    poi.kind = Kind::Process;
    poi.pid = pid;
    return poi;
}

PointOfInterest PointOfInterest::file(std::string path)
{
    PointOfInterest poi;
    poi.kind = Kind::File;
    poi.path = std::move(path);
    return poi;
}

template <class T>
static bool parseNumber(std::string_view text, T &out)
{
    if (text.empty())
        return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

static const char *const kForms = "expected proc:PID[@START_NS] or file:PATH";

Result<PointOfInterest> PointOfInterest::parse(std::string_view text)
{
    const std::string quoted = "'" + std::string(text) + "'";
    if (text.rfind("proc:", 0) == 0) {
        const std::string_view rest = text.substr(5);
        const auto at = rest.find('@');
        const std::string_view pidText = rest.substr(0, at);
        uint32_t pid = 0;
        if (!parseNumber(pidText, pid) || pid == 0)
            return makeError("bad point of interest " + quoted + ": PID must be a positive number (" + kForms + ")");
        if (at == std::string_view::npos)
            return processLatest(pid);
        uint64_t start = 0;
        if (!parseNumber(rest.substr(at + 1), start))
            return makeError("bad point of interest " + quoted
                             + ": START_NS must be the process start time in boot ns as stored (" + kForms + ")");
        return process(pid, start);
    }
    if (text.rfind("file:", 0) == 0) {
        const std::string_view path = text.substr(5);
        if (path.empty())
            return makeError("bad point of interest " + quoted + ": empty path (" + kForms + ")");
        if (path.front() != '/')
            return makeError("bad point of interest " + quoted + ": the path must be absolute, as recorded (" + kForms + ")");
        return file(std::string(path));
    }
    return makeError("unknown point of interest " + quoted + " (" + kForms + ")");
}

std::string PointOfInterest::toString() const
{
    if (kind == Kind::File)
        return "file:" + path;
    std::string text = "proc:" + std::to_string(pid);
    if (hasStart)
        text += "@" + std::to_string(startNs);
    return text;
}

} // namespace provscope
