#pragma once
// Compiles a display-filter syntax tree to an SQL condition over the session's
// events (alias e) and their processes (alias p), with every user value a bound
// parameter ?1..?N. Only field -> column mappings from the table in filter_sql.cpp
// are ever written into the SQL text.
#include "filter_ast.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace provscope {

namespace filter {

// The event column a plan's membership test reads.
enum class EventColumn { Proc, Syscall, File, File2, Socket, Comm };

// The same condition as CompiledFilter::whereSql, taken apart for the query planner
// (event_query.cpp): a tree of membership tests `e.column IN (ids that setSql selects
// from a small table)` and raw conditions on the event row e. It never needs the
// process row p: COALESCE(e.comm, p.base_comm) becomes
// `e.comm IN S OR (e.comm IS NULL AND e.proc IN processes whose base_comm IN S)`.
// A NULL anywhere acts as false, as in whereSql (NOT is NOT COALESCE(x, 0)).
// SQL texts use the filter's parameters ?1..?N, as whereSql does.
struct PlanNode {
    enum class Kind { And, Or, Not, Member, Raw };
    Kind kind = Kind::Raw;
    std::shared_ptr<const PlanNode> left, right; // Not: left only
    EventColumn column = EventColumn::Proc;      // Member
    std::string sql;                             // Member: SELECT id FROM t WHERE ...; Raw: condition on e
    bool guard = false; // Member: the join's "has a process row" (not worth an index walk)
    // Member over fd.name's socket text (laddr:lport[->raddr:rport]): the comparison
    // itself, which the planner evaluates in C++ over the socket rows (building that
    // text in SQL costs ten times the row); sql stays the same set, for reference.
    bool socketName = false;
    bool presence = false;          // `IS NOT NULL`: every socket
    CompareOp op = CompareOp::Eq;
    std::vector<size_t> params;     // indexes into CompiledFilter::params (text values)
};

} // namespace filter

struct FilterParam {
    enum class Kind { Integer, Text, EpochTime }; // EpochTime: epoch ns, bound as boot ns
    Kind kind = Kind::Integer;
    int64_t number = 0;
    std::string text;
};

struct CompiledFilter {
    std::string text;      // the filter as the user wrote it
    std::string whereSql;  // "1" for an empty filter; parameters ?1..?N
    std::vector<FilterParam> params;
    bool needsProcessRow = false; // whereSql refers to the process row p
    // The planner's form of whereSql (null for an empty filter). whereSql stays the
    // reference: forEachMatching and EventQuery's reference mode run it as written.
    std::shared_ptr<const filter::PlanNode> plan;
    bool matchesAll() const { return whereSql == "1"; }
};

struct FilterFieldInfo {
    const char *name;
    const char *type;        // "text", "number", "time", "result"
    const char *description; // one line for completion tooltips and the README
};
const std::vector<FilterFieldInfo> &filterFields();

namespace filter {

struct CompileError {
    int column = 0;
    std::string message;
};

// false and error set on an unknown field, an operator the field's type does not
// have, or a value of the wrong type. root may be null (matches everything).
bool compileToSql(const Node *root, CompiledFilter &out, CompileError &error);

// "2026-11-22T10:15:00Z", "2026-11-22 10:15:00.5+01:00" -> epoch ns; false when not
// ISO 8601 with a zone (Z or an offset).
bool parseIsoTime(const std::string &text, int64_t &epochNs);

} // namespace filter
} // namespace provscope
