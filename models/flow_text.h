#pragma once
// A flow's protocol and TCP flags as text: the one place the table, the charts, the
// selections and their labels take them from.
#include <cstdint>
#include <string>

namespace provscope {

// "tcp", "udp", or "proto N" for anything else (FlowSelection::Protocol's text).
std::string flowProtocolName(uint8_t proto);
// The same for people: "TCP", "UDP", "proto N".
std::string flowProtocolLabel(uint8_t proto);
// "SYN", "ACK", ... for one flag bit; "0xN" for no single known bit.
std::string tcpFlagName(uint8_t bit);
// "SYN ACK FIN": the flags set, in handshake order (SYN ACK PSH URG FIN RST ECE CWR);
// "" when none.
std::string tcpFlagsText(uint8_t flags);

} // namespace provscope
