#include "session_graph_dns.h"

#include "flow_attribution.h"

#include <algorithm>
#include <string_view>

namespace provscope {

// Sockets may record an IPv4 peer as ::ffff:a.b.c.d; DNS answers are plain a.b.c.d:
// FlowAttributor::canonicalAddress makes them comparable, as flow attribution does.
void DnsAnswerIndex::add(const DnsRecord &r)
{
    if (r.type != kDnsTypeA && r.type != kDnsTypeAaaa)
        return;
    const std::string &name = r.queryName.empty() ? r.name : r.queryName;
    if (name.empty() || r.value.empty())
        return;
    auto [id, fresh] = m_nameIds.try_emplace(name, uint32_t(m_names.size()));
    if (fresh)
        m_names.push_back(name);
    m_byAddress[FlowAttributor::canonicalAddress(r.value)].push_back({r.tsNs, id->second});
}

void DnsAnswerIndex::nameSockets(ProvenanceGraph &graph)
{
    if (m_byAddress.empty())
        return;
    for (auto &[address, answers] : m_byAddress)
        std::stable_sort(answers.begin(), answers.end(), [](const Answer &a, const Answer &b) { return a.tsNs < b.tsNs; });
    for (int n = 0; n < graph.nodeCount(); ++n) {
        const GraphNode &node = graph.node(n);
        if (node.kind != NodeKind::Socket || node.raddr.empty())
            continue;
        const auto found = m_byAddress.find(FlowAttributor::canonicalAddress(node.raddr));
        if (found == m_byAddress.end())
            continue;
        // The socket's last use: the latest end of any of its edges.
        bool used = false;
        uint64_t lastNs = 0;
        for (const std::vector<int> *edges : {&graph.outEdges(n), &graph.inEdges(n)})
            for (int e : *edges) {
                used = true;
                lastNs = std::max(lastNs, std::max(graph.edge(e).teNs, graph.edge(e).tsNs));
            }
        const std::vector<Answer> &answers = found->second;
        const Answer *pick = nullptr;
        if (!used) {
            pick = &answers.back();
        } else {
            // Boot ns: an answer before boot (negative) is before any edge.
            auto after = std::upper_bound(answers.begin(), answers.end(), lastNs, [](uint64_t t, const Answer &a) {
                return a.tsNs >= 0 && uint64_t(a.tsNs) > t;
            });
            if (after != answers.begin())
                pick = &*(after - 1);
        }
        if (pick)
            graph.mutableNode(n).dnsName = m_names[pick->name];
    }
}

void nameSocketsByDns(ProvenanceGraph &graph, const std::vector<DnsRecord> &records)
{
    DnsAnswerIndex index;
    for (const DnsRecord &r : records)
        index.add(r);
    index.nameSockets(graph);
}

} // namespace provscope
