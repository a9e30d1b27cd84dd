#pragma once
// Passive DNS on the session graph: a socket node whose remote address was given by a
// DNS answer the capture saw is named by the question that answer replied to (what the
// user's program looked up), so "curl (412) -> 93.184.216.34:443" reads example.com.
#include "flow.h"
#include "provenance_graph.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace provscope {

// The A and AAAA answers of a session, by address, kept small (names interned) so a
// session's records can be streamed in (SessionReader::forEachDnsRecord).
class DnsAnswerIndex {
public:
    void add(const DnsRecord &record); // CNAMEs and records without a name are ignored
    bool empty() const { return m_byAddress.empty(); }
    // Sets GraphNode::dnsName on every socket node whose remote address (IPv4-mapped IPv6
    // written as IPv4) equals an answer's value: the question name of the latest such
    // answer at or before the socket's last edge (the rule flows follow: an answer after
    // the socket's last use did not give it its address). A socket with no edges takes
    // the latest answer. A CNAME chain's A record already carries the question name.
    void nameSockets(ProvenanceGraph &graph);

private:
    struct Answer {
        int64_t tsNs = 0;
        uint32_t name = 0; // into m_names
    };
    std::unordered_map<std::string, std::vector<Answer>> m_byAddress;
    std::unordered_map<std::string, uint32_t> m_nameIds;
    std::vector<std::string> m_names;
};

// The same in one call, for records already in memory.
void nameSocketsByDns(ProvenanceGraph &graph, const std::vector<DnsRecord> &records);

} // namespace provscope
