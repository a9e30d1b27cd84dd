#pragma once
// Passive DNS on the session graph: a socket node whose remote address was given by a
// DNS answer the capture saw is named by the question that answer replied to (what the
// user's program looked up), so "curl (412) -> 93.184.216.34:443" reads example.com.
#include "flow.h"
#include "provenance_graph.h"

#include <vector>

namespace provscope {

// Sets GraphNode::dnsName on every socket node whose remote address (IPv4-mapped IPv6
// written as IPv4) equals the value of an A or AAAA record: the question name of the
// latest such answer seen at or before the socket's last edge (the rule flows follow:
// an answer after the socket's last use did not give it its address). A socket with no
// edges takes the latest answer. CNAME records are not addresses; a CNAME chain's A
// record already carries the question name. Nodes other than sockets are untouched.
void nameSocketsByDns(ProvenanceGraph &graph, std::vector<DnsRecord> records);

} // namespace provscope
