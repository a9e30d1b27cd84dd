#pragma once
// The syntax tree of a display filter, as the parser builds it (no field checks yet:
// filter_sql resolves field names and value types). Columns are 1-based characters.
#include <memory>
#include <string>
#include <vector>

namespace provscope::filter {

enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge, Contains, StartsWith, In };

struct Value {
    bool quoted = false; // "a string" (escapes removed) or a bare word / number
    std::string text;
    int column = 0;
};

struct Node {
    enum class Kind { And, Or, Not, Compare };
    Kind kind = Kind::Compare;
    int column = 0;
    std::unique_ptr<Node> left, right; // Not: left only
    // Compare
    std::string field;
    CompareOp op = CompareOp::Eq;
    std::string opText;
    int opColumn = 0;
    std::vector<Value> values; // one, or the list of `in (...)`
};

} // namespace provscope::filter
