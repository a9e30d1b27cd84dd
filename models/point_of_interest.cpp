#include "point_of_interest.h"

#include <arpa/inet.h>

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

PointOfInterest PointOfInterest::net(std::string addr, std::optional<uint16_t> port)
{
    PointOfInterest poi;
    poi.kind = Kind::Net;
    poi.addr = std::move(addr);
    poi.hasPort = port.has_value();
    poi.port = port.value_or(0);
    return poi;
}

PointOfInterest PointOfInterest::event(int64_t id)
{
    PointOfInterest poi;
    poi.kind = Kind::Event;
    poi.eventId = id;
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

static const char *const kForms = "expected proc:PID[@START_NS], file:PATH, net:ADDR[:PORT] or event:ID";

static bool isIpv4(const std::string &text)
{
    in_addr a{};
    return inet_pton(AF_INET, text.c_str(), &a) == 1;
}

static bool isIpv6(const std::string &text)
{
    in6_addr a{};
    return inet_pton(AF_INET6, text.c_str(), &a) == 1;
}

// "ADDR", "ADDR:PORT" (IPv4), "[IPV6]:PORT", "[IPV6]" or a bare IPv6 without a port.
static Result<PointOfInterest> parseNet(std::string_view rest, const std::string &quoted)
{
    auto fail = [&](const std::string &why) -> Result<PointOfInterest> {
        return makeError("bad point of interest " + quoted + ": " + why + " (" + kForms
                         + "; IPv6 with a port in brackets: net:[::1]:443)");
    };
    if (rest.empty())
        return fail("empty address");
    std::string addr;
    std::string_view portText;
    bool hasPort = false;
    if (rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos)
            return fail("missing ']' after the IPv6 address");
        addr = std::string(rest.substr(1, close - 1));
        const std::string_view after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':')
                return fail("expected ':PORT' after ']'");
            portText = after.substr(1);
            hasPort = true;
        }
        if (!isIpv6(addr))
            return fail("'" + addr + "' is not a numeric IPv6 address");
    } else {
        const auto first = rest.find(':');
        if (first != std::string_view::npos && rest.find(':', first + 1) == std::string_view::npos) {
            addr = std::string(rest.substr(0, first));
            portText = rest.substr(first + 1);
            hasPort = true;
            if (!isIpv4(addr))
                return fail("'" + addr + "' is not a numeric IPv4 address");
        } else {
            addr = std::string(rest); // no colon: IPv4; two or more: a bare IPv6
            if (first == std::string_view::npos ? !isIpv4(addr) : !isIpv6(addr))
                return fail("'" + addr + "' is not a numeric IPv4 or IPv6 address");
        }
    }
    if (!hasPort)
        return PointOfInterest::net(std::move(addr), std::nullopt);
    uint16_t port = 0;
    if (!parseNumber(portText, port))
        return fail("PORT must be a number from 0 to 65535");
    return PointOfInterest::net(std::move(addr), port);
}

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
            return makeError("bad point of interest " + quoted + ": START_NS must be the process start time in"
                             " epoch ns, as provscope-cli prints it (" + kForms + ")");
        return process(pid, start);
    }
    if (text.rfind("file:", 0) == 0) {
        const std::string_view path = text.substr(5);
        if (path.empty())
            return makeError("bad point of interest " + quoted + ": empty path (" + kForms + ")");
        if (path.front() != '/' && path.rfind("pipe:", 0) != 0 && path.rfind("socket:", 0) != 0)
            return makeError("bad point of interest " + quoted + ": the path must be absolute, as recorded (" + kForms + ")");
        return file(std::string(path));
    }
    if (text.rfind("net:", 0) == 0)
        return parseNet(text.substr(4), quoted);
    if (text.rfind("event:", 0) == 0) {
        int64_t id = 0;
        if (!parseNumber(text.substr(6), id) || id <= 0)
            return makeError("bad point of interest " + quoted + ": ID must be a positive event id (" + kForms + ")");
        return event(id);
    }
    return makeError("unknown point of interest " + quoted + " (" + kForms + ")");
}

std::string PointOfInterest::toString() const
{
    switch (kind) {
    case Kind::File: return "file:" + path;
    case Kind::Event: return "event:" + std::to_string(eventId);
    case Kind::Net: {
        if (!hasPort)
            return "net:" + addr;
        const bool v6 = addr.find(':') != std::string::npos;
        return "net:" + (v6 ? "[" + addr + "]" : addr) + ":" + std::to_string(port);
    }
    case Kind::Process: break;
    }
    std::string text = "proc:" + std::to_string(pid);
    if (hasStart)
        text += "@" + std::to_string(startNs);
    return text;
}

} // namespace provscope
