// GraphExport::toJson: the graph as `provscope-cli graph --format json` writes
// it. The field list is fixed by issue 5 (see graph_export.h); nothing else is
// added so consumers can rely on it.
#include "graph_export.h"

#include "event_json.h"

namespace provscope {

namespace {

void field(std::string &out, bool &first, const char *name, const std::string &value)
{
    out += first ? "{" : ",";
    first = false;
    out += '"';
    out += name;
    out += "\":";
    out += value;
}

std::string nodeJson(int id, const GraphNode &node)
{
    std::string out;
    bool first = true;
    field(out, first, "id", std::to_string(id));
    field(out, first, "kind", jsonString(nodeKindName(node.kind)));
    field(out, first, "label", jsonString(node.label));
    switch (node.kind) {
    case NodeKind::Process:
        field(out, first, "pid", std::to_string(node.pid));
        if (!node.exe.empty())
            field(out, first, "exe", jsonString(node.exe));
        break;
    case NodeKind::File:
    case NodeKind::Pipe:
        if (!node.path.empty())
            field(out, first, "path", jsonString(node.path));
        break;
    case NodeKind::Socket: {
        // The far end when there is one (connected, accepted); else the local
        // end of a listening or unconnected socket.
        const bool remote = !node.raddr.empty();
        const std::string &addr = remote ? node.raddr : node.laddr;
        const uint16_t port = remote ? node.rport : node.lport;
        if (!addr.empty())
            field(out, first, "addr", jsonString(addr));
        if (port != 0)
            field(out, first, "port", std::to_string(port));
        if (!node.dnsName.empty())
            field(out, first, "dns_name", jsonString(node.dnsName));
        break;
    }
    }
    return out + "}";
}

std::string edgeJson(const GraphEdge &edge, int64_t bootToEpochNs)
{
    std::string out;
    bool first = true;
    field(out, first, "from", std::to_string(edge.from));
    field(out, first, "to", std::to_string(edge.to));
    field(out, first, "type", jsonString(edgeTypeName(edge.type)));
    field(out, first, "ts_ns", std::to_string(static_cast<int64_t>(edge.tsNs) + bootToEpochNs));
    field(out, first, "te_ns", std::to_string(static_cast<int64_t>(edge.teNs) + bootToEpochNs));
    field(out, first, "count", std::to_string(edge.count));
    field(out, first, "bytes", std::to_string(edge.bytes));
    return out + "}";
}

} // namespace

std::string GraphExport::toJson(const ProvenanceGraph &graph)
{
    std::string out = "{\"nodes\":[";
    for (int i = 0; i < graph.nodeCount(); ++i)
        out += (i ? ",\n" : "\n") + nodeJson(i, graph.node(i));
    out += "\n],\"edges\":[";
    const int64_t offset = graph.bootToEpochNs();
    for (int i = 0; i < graph.edgeCount(); ++i)
        out += (i ? ",\n" : "\n") + edgeJson(graph.edge(i), offset);
    out += "\n]}\n";
    return out;
}

} // namespace provscope
