#include "filter_exec.h"

namespace provscope::planner {

std::unique_ptr<Exec> constant(bool value)
{
    auto e = std::make_unique<Exec>();
    e->kind = value ? Exec::Kind::True : Exec::Kind::False;
    return e;
}

const char *columnName(filter::EventColumn c)
{
    switch (c) {
    case filter::EventColumn::Proc:
        return "e.proc";
    case filter::EventColumn::Syscall:
        return "e.syscall";
    case filter::EventColumn::File:
        return "e.file";
    case filter::EventColumn::File2:
        return "e.file2";
    case filter::EventColumn::Socket:
        return "e.socket";
    case filter::EventColumn::Comm:
        return "e.comm";
    }
    return "NULL";
}

std::string execSql(const Exec &e, const std::vector<IdSet> &sets, int firstParam, std::vector<int64_t> &binds)
{
    switch (e.kind) {
    case Exec::Kind::True:
        return "1";
    case Exec::Kind::False:
        return "0";
    case Exec::Kind::And:
    case Exec::Kind::Or: {
        // A chain of one operator stays flat, "(a OR b OR c)": SQLite's parser takes only
        // about 100 nested parentheses, and a user's list of alternatives can be longer.
        const auto operand = [&](const Exec &side) {
            std::string sql = execSql(side, sets, firstParam, binds);
            return side.kind == e.kind ? sql.substr(1, sql.size() - 2) : sql;
        };
        const std::string left = operand(*e.left);
        const std::string right = operand(*e.right);
        return "(" + left + (e.kind == Exec::Kind::And ? " AND " : " OR ") + right + ")";
    }
    case Exec::Kind::Not:
        return "NOT COALESCE(" + execSql(*e.left, sets, firstParam, binds) + ", 0)";
    case Exec::Kind::Member:
        if (sets[size_t(e.set)].ids.size() == 1) {
            binds.push_back(sets[size_t(e.set)].ids.front());
            return std::string("(") + columnName(e.column) + " = ?" +
                   std::to_string(firstParam + int(binds.size()) - 1) + ")";
        }
        if (e.column == filter::EventColumn::Proc || e.column == filter::EventColumn::Syscall)
            return "provscope_in(" + std::to_string(e.set) + ", " + columnName(e.column) + ")";
        // Often NULL (file2, socket): the test first spares most rows the call.
        return std::string("(") + columnName(e.column) + " IS NOT NULL AND provscope_in(" + std::to_string(e.set) +
               ", " + columnName(e.column) + "))";
    case Exec::Kind::Raw:
        return "(" + e.sql + ")";
    }
    return "0";
}

void conjuncts(const Exec &e, std::vector<const Exec *> &out)
{
    if (e.kind == Exec::Kind::And) {
        conjuncts(*e.left, out);
        conjuncts(*e.right, out);
    } else {
        out.push_back(&e);
    }
}

} // namespace provscope::planner
