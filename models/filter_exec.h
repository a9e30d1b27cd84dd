#pragma once
// A display filter as the planner runs it (EventQuery): the compiled plan after its
// small-table lookups, with constants folded and memberships numbered, and the SQL
// condition on an event row that it stands for.
#include "event_id_sets.h"
#include "filter_sql.h"

#include <memory>
#include <string>
#include <vector>

namespace provscope::planner {

// A filter after its sets were looked up: constants folded, memberships numbered.
struct Exec {
    enum class Kind { And, Or, Not, Member, Raw, True, False };
    Kind kind = Kind::True;
    std::unique_ptr<Exec> left, right;
    filter::EventColumn column = filter::EventColumn::Proc;
    int set = -1;    // Member: index into the query's sets
    std::string sql; // Raw
    bool guard = false;
};

std::unique_ptr<Exec> constant(bool value);
const char *columnName(filter::EventColumn c);

// The condition on e of an Exec tree; memberships call provscope_in(set, column),
// or are `column = ?k` for a one-id set (cheaper per row; k counts from firstParam,
// the value appended to binds).
std::string execSql(const Exec &e, const std::vector<IdSet> &sets, int firstParam, std::vector<int64_t> &binds);

// The terms of a conjunction (a and (b and c) -> a, b, c).
void conjuncts(const Exec &e, std::vector<const Exec *> &out);

} // namespace provscope::planner
