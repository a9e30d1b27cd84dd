#pragma once
// Splits display-filter text into tokens: words (field names, keywords, bare values,
// numbers), double-quoted strings (escapes \" and \\), operators and punctuation.
#include <string>
#include <string_view>
#include <vector>

namespace provscope::filter {

struct Token {
    enum class Kind { Word, String, Operator, LeftParen, RightParen, Comma, End };
    Kind kind = Kind::End;
    std::string text; // a string's value without quotes and escapes
    int column = 0;   // 1-based, in characters (UTF-8 code points)
};

struct LexError {
    int column = 0;
    std::string message;
};

// Tokens ending with an End token (its column is one past the text); false and
// error set when the text cannot be split (an unterminated string, a stray `&`).
bool tokenize(std::string_view text, std::vector<Token> &tokens, LexError &error);

} // namespace provscope::filter
