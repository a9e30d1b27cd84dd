#include "flow_text.h"

#include <cstdio>

#include "flow.h"

namespace provscope {

std::string flowProtocolName(uint8_t proto)
{
    if (proto == kProtoTcp)
        return "tcp";
    if (proto == kProtoUdp)
        return "udp";
    return "proto " + std::to_string(proto);
}

std::string flowProtocolLabel(uint8_t proto)
{
    if (proto == kProtoTcp)
        return "TCP";
    if (proto == kProtoUdp)
        return "UDP";
    return flowProtocolName(proto);
}

std::string tcpFlagName(uint8_t bit)
{
    switch (bit) {
    case kTcpFin: return "FIN";
    case kTcpSyn: return "SYN";
    case kTcpRst: return "RST";
    case kTcpPsh: return "PSH";
    case kTcpAck: return "ACK";
    case kTcpUrg: return "URG";
    case kTcpEce: return "ECE";
    case kTcpCwr: return "CWR";
    }
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", unsigned(bit));
    return hex;
}

std::string tcpFlagsText(uint8_t flags)
{
    static const uint8_t order[] = {kTcpSyn, kTcpAck, kTcpPsh, kTcpUrg, kTcpFin, kTcpRst, kTcpEce, kTcpCwr};
    std::string out;
    for (uint8_t bit : order) {
        if (!(flags & bit))
            continue;
        if (!out.empty())
            out += ' ';
        out += tcpFlagName(bit);
    }
    return out;
}

} // namespace provscope
