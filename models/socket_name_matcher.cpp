#include "socket_name_matcher.h"

#include <algorithm>

namespace provscope {

namespace {
size_t utf8Characters(const std::string &text)
{
    size_t n = 0;
    for (char c : text)
        n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    return n;
}
} // namespace

Result<SocketNameMatcher> SocketNameMatcher::create(const filter::PlanNode &node, const CompiledFilter &filter)
{
    SocketNameMatcher m;
    m.m_op = node.op;
    m.m_presence = node.presence;
    for (size_t index : node.params)
        m.m_values.push_back(index < filter.params.size() ? filter.params[index].text : std::string());
    if (m.m_values.empty() && !m.m_presence)
        return makeError("internal: a socket-name comparison without a value");
    m.m_prefixChars = m.m_values.empty() ? 0 : utf8Characters(m.m_values[0]);
    return m;
}

std::string SocketNameMatcher::socketName(const std::string &laddr, const std::string &lport,
                                          const std::string &raddr, const std::string &rport)
{
    std::string name = laddr + ':' + lport;
    if (!raddr.empty())
        name += "->" + raddr + ':' + rport;
    return name;
}

std::string_view SocketNameMatcher::prefix(const std::string &name) const
{
    size_t chars = 0, end = 0;
    while (end < name.size()) {
        if ((static_cast<unsigned char>(name[end]) & 0xc0) != 0x80) {
            if (chars == m_prefixChars)
                break;
            ++chars;
        }
        ++end;
    }
    return std::string_view(name).substr(0, end);
}

bool SocketNameMatcher::matches(const std::string &name) const
{
    using filter::CompareOp;
    if (m_presence)
        return true;
    const std::string &v = m_values[0];
    switch (m_op) {
    case CompareOp::Eq:
        return name == v;
    case CompareOp::Ne:
        return name != v;
    case CompareOp::Lt:
        return name < v;
    case CompareOp::Le:
        return name <= v;
    case CompareOp::Gt:
        return name > v;
    case CompareOp::Ge:
        return name >= v;
    case CompareOp::Contains:
        return name.find(v) != std::string::npos;
    case CompareOp::StartsWith:
        return prefix(name) == v;
    case CompareOp::In:
        return std::find(m_values.begin(), m_values.end(), name) != m_values.end();
    }
    return false;
}

} // namespace provscope
