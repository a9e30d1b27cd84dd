#pragma once
// fd.name on sockets compared in C++ instead of text built per row in SQL: the
// name is built as filter_sql's SQL does ("laddr:lport" or "laddr:lport->raddr:rport",
// ports in SQLite's text form) and compared as SQLite compares text (bytes; instr;
// substr/length in UTF-8 characters), so results equal the reference SQL.
#include "filter_sql.h"
#include "result.h"

#include <string>
#include <string_view>
#include <vector>

namespace provscope {

class SocketNameMatcher {
public:
    // The comparison of one plan node on fd.name, with its values from the filter.
    static Result<SocketNameMatcher> create(const filter::PlanNode &node, const CompiledFilter &filter);
    static std::string socketName(const std::string &laddr, const std::string &lport,
                                  const std::string &raddr, const std::string &rport);
    bool matches(const std::string &name) const;

private:
    std::string_view prefix(const std::string &name) const;

    filter::CompareOp m_op = filter::CompareOp::Eq;
    bool m_presence = false;
    std::vector<std::string> m_values;
    size_t m_prefixChars = 0; // startswith: substr(name, 1, length(v)) = v
};

} // namespace provscope
