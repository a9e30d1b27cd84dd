#pragma once
// Recursive-descent parser of the display-filter grammar (README "Display filters"):
//   filter     = [ or-expr ] ;
//   or-expr    = and-expr { ( "or" | "||" ) and-expr } ;
//   and-expr   = not-expr { ( "and" | "&&" ) not-expr } ;
//   not-expr   = ( "not" | "!" ) not-expr | primary ;
//   primary    = "(" or-expr ")" | comparison ;
//   comparison = field ( compare-op value | "in" "(" value { "," value } ")" ) ;
//   compare-op = "==" | "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "startswith" ;
//   value      = string | word ;
// Keywords are case-insensitive. Field names are not checked here (filter_sql does).
#include "filter_ast.h"

#include <memory>
#include <string>
#include <string_view>

namespace provscope::filter {

struct ParseError {
    int column = 0;
    std::string message; // "expected a value after `==`"
};

// nullptr with no error for an empty (blank) text: it matches everything.
std::unique_ptr<Node> parseFilter(std::string_view text, ParseError &error);

} // namespace provscope::filter
