#pragma once
// Compiles a display-filter syntax tree to an SQL condition over the session's
// events (alias e) and their processes (alias p), with every user value a bound
// parameter ?1..?N. Only field -> column mappings from the table in filter_sql.cpp
// are ever written into the SQL text.
#include "filter_ast.h"

#include <cstdint>
#include <string>
#include <vector>

namespace provscope {

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
