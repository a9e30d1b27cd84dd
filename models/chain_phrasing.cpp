#include "chain_phrasing.h"

#include <cstdio>

namespace provscope {

std::string humanBytes(uint64_t bytes)
{
    if (bytes < 1024)
        return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    static const char *units[] = {"KB", "MB", "GB", "TB"};
    double value = static_cast<double>(bytes) / 1024.0;
    int unit = 0;
    // Compare what will be printed: 1023.96 KB reads "1 MB", not "1024 KB".
    while (value >= 1023.95 && unit < 3) {
        value /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    std::string number(text);
    if (number.size() > 2 && number.compare(number.size() - 2, 2, ".0") == 0)
        number.resize(number.size() - 2);
    return number + " " + units[unit];
}

std::string processName(const GraphNode &node)
{
    const std::string &name = node.comm.empty() ? node.label : node.comm;
    return name + " (pid " + std::to_string(node.pid) + ")";
}

// How a node is named in a sentence: full paths, endpoints with their DNS name.
std::string objectName(const GraphNode &node)
{
    if (node.collapsed > 0)
        return node.label;
    switch (node.kind) {
    case NodeKind::Process: return processName(node);
    case NodeKind::File:
        if (node.path.empty())
            return node.label;
        // A file renamed (or seen by a second name) is told by its first and last name.
        if (!node.paths.empty() && node.paths.back() != node.path)
            return node.path + " (also " + node.paths.back() + ")";
        return node.path;
    case NodeKind::Pipe: return node.path.empty() ? node.label : node.path;
    case NodeKind::Socket: return node.dnsName.empty() ? node.label : node.dnsName + " (" + node.label + ")";
    }
    return node.label;
}

std::string joinList(const std::vector<std::string> &items)
{
    std::string text;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            text += i + 1 == items.size() ? " and " : ", ";
        text += items[i];
    }
    return text;
}

} // namespace provscope
