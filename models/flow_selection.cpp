#include "flow_selection.h"

#include "flow_statistics.h"

#include <set>

namespace provscope {
namespace {

// A filter-language string: double quotes, with \" and \\ the only escapes
// (filter_lexer.h), so any address or name stays one value and never syntax.
std::string quoted(const std::string &text)
{
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

bool isIpv4(const std::string &address)
{
    return !address.empty() && address.find_first_not_of("0123456789.") == std::string::npos;
}

// A dual-stack (AF_INET6) socket names an IPv4 peer ::ffff:a.b.c.d: both spellings.
std::string addressTest(const char *field, const std::string &address)
{
    if (isIpv4(address))
        return std::string(field) + " in (" + quoted(address) + ", " + quoted("::ffff:" + address) + ")";
    return std::string(field) + " == " + quoted(address);
}

// The events of a socket whose local end is (laddr, lport) and remote end (raddr, rport).
std::string socketCondition(const std::string &laddr, uint16_t lport, const std::string &raddr, uint16_t rport)
{
    return "(" + addressTest("fd.sip", laddr) + " and fd.sport == " + std::to_string(lport) + " and " +
           addressTest("fd.dip", raddr) + " and fd.dport == " + std::to_string(rport) + ")";
}

template <class Set, class Spell>
std::string inList(const Set &values, Spell spell)
{
    std::string out = "(";
    for (const auto &v : values) {
        if (out.size() > 1)
            out += ", ";
        out += spell(v);
    }
    return out + ")";
}

} // namespace

bool FlowSelection::matches(const Flow &flow, int64_t bootToEpochNs) const
{
    switch (kind) {
    case Kind::All:
        return true;
    case Kind::Protocol:
        return flowProtocolName(flow.proto) == text;
    case Kind::Source:
        return flow.src == text;
    case Kind::Destination:
        return flow.dst == text;
    case Kind::Port:
        return flow.dport == number;
    case Kind::Domain:
        return flow.dnsName == text;
    case Kind::TimeRange: // active in [min, max): its first packet before max, its last at or after min
        return flow.firstNs < maxNs && flow.lastNs >= minNs;
    case Kind::Duration: {
        const int64_t d = flow.lastNs - flow.firstNs;
        return d >= minNs && d < maxNs;
    }
    case Kind::TcpFlag:
        return flow.proto == kProtoTcp && (flow.tcpFlags & number) != 0;
    case Kind::HourOfDay:
        return hourOfWeekCell(flow.firstNs + bootToEpochNs) == int(number);
    case Kind::Flow:
        return flow.key == number;
    }
    return false;
}

std::string eventFilterForFlows(const std::vector<Flow> &flows, size_t maxFlows, int64_t bootToEpochNs)
{
    if (flows.empty() || flows.size() > maxFlows)
        return eventFilterForFlows(flows, maxFlows);
    constexpr int64_t kWindowNs = 1'000'000'000; // the attribution window
    std::set<std::string> conditions;            // sorted and without repeats
    for (const Flow &f : flows) {
        conditions.insert("((" + socketCondition(f.src, f.sport, f.dst, f.dport) + " or " +
                          socketCondition(f.dst, f.dport, f.src, f.sport) + ") and evt.time >= " +
                          std::to_string(f.firstNs - kWindowNs + bootToEpochNs) + " and evt.time <= " +
                          std::to_string(f.lastNs + kWindowNs + bootToEpochNs) + ")");
    }
    std::string out;
    for (const std::string &c : conditions) {
        if (!out.empty())
            out += " or ";
        out += c;
    }
    return out;
}

std::string eventFilterForFlows(const std::vector<Flow> &flows, size_t maxFlows)
{
    if (flows.empty())
        return {};
    if (flows.size() <= maxFlows) {
        // Each flow seen from either end: the initiator's socket (local = src) and,
        // when the responder is local too, its socket (local = dst).
        std::set<std::string> conditions; // sorted and without repeats
        for (const Flow &f : flows) {
            conditions.insert(socketCondition(f.src, f.sport, f.dst, f.dport));
            conditions.insert(socketCondition(f.dst, f.dport, f.src, f.sport));
        }
        std::string out;
        for (const std::string &c : conditions) {
            if (!out.empty())
                out += " or ";
            out += c;
        }
        return out;
    }
    // Too many to spell out: sockets whose both ends are among the flows' addresses
    // and ports (a superset of the flows' sockets, never missing one).
    std::set<std::string> addresses;
    std::set<uint16_t> ports;
    for (const Flow &f : flows) {
        for (const std::string *a : {&f.src, &f.dst}) {
            addresses.insert(*a);
            if (isIpv4(*a))
                addresses.insert("::ffff:" + *a);
        }
        ports.insert(f.sport);
        ports.insert(f.dport);
    }
    const std::string addressList = inList(addresses, quoted);
    std::string out = "fd.sip in " + addressList + " and fd.dip in " + addressList;
    if (ports.size() <= 256) { // beyond that the list costs more than it narrows
        const std::string portList = inList(ports, [](uint16_t p) { return std::to_string(p); });
        out += " and fd.sport in " + portList + " and fd.dport in " + portList;
    }
    return out;
}

} // namespace provscope
