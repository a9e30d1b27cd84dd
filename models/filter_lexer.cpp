#include "filter_lexer.h"

namespace provscope::filter {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters that end a bare word.
bool isDelimiter(char c)
{
    return isSpace(c) || c == '(' || c == ')' || c == ',' || c == '"' || c == '=' || c == '!' ||
           c == '<' || c == '>' || c == '&' || c == '|';
}

} // namespace

bool tokenize(std::string_view text, std::vector<Token> &tokens, LexError &error)
{
    tokens.clear();
    size_t i = 0;
    int column = 1; // of text[i]
    auto advance = [&](size_t n) {
        for (size_t k = 0; k < n && i < text.size(); ++k, ++i) {
            if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
                ++column;
        }
    };
    // A continuation byte at i does not start a new column.
    auto columnAt = [&]() { return column; };
    while (i < text.size()) {
        const char c = text[i];
        if (isSpace(c)) {
            advance(1);
            continue;
        }
        Token t;
        t.column = columnAt();
        if (c == '(' || c == ')' || c == ',') {
            t.kind = c == '(' ? Token::Kind::LeftParen
                              : c == ')' ? Token::Kind::RightParen : Token::Kind::Comma;
            t.text = std::string(1, c);
            advance(1);
        } else if (c == '"') {
            t.kind = Token::Kind::String;
            advance(1);
            bool closed = false;
            while (i < text.size()) {
                const char s = text[i];
                if (s == '"') {
                    advance(1);
                    closed = true;
                    break;
                }
                if (s == '\\') {
                    if (i + 1 >= text.size())
                        break;
                    const char next = text[i + 1];
                    if (next != '"' && next != '\\') {
                        error = {columnAt(), std::string("unknown escape `\\") + next +
                                                 "` in a string (only \\\" and \\\\)"};
                        return false;
                    }
                    t.text += next;
                    advance(2);
                    continue;
                }
                t.text += s;
                advance(1);
            }
            if (!closed) {
                error = {t.column, "unterminated string: expected a closing `\"`"};
                return false;
            }
        } else if (c == '=' || c == '!' || c == '<' || c == '>') {
            t.kind = Token::Kind::Operator;
            const bool withEquals = i + 1 < text.size() && text[i + 1] == '=';
            t.text = withEquals ? std::string{c, '='} : std::string(1, c);
            advance(t.text.size());
        } else if (c == '&' || c == '|') {
            if (i + 1 >= text.size() || text[i + 1] != c) {
                error = {t.column, std::string("unexpected `") + c + "`; did you mean `" + c + c +
                                       "`?"};
                return false;
            }
            t.kind = Token::Kind::Operator;
            t.text = std::string{c, c};
            advance(2);
        } else {
            t.kind = Token::Kind::Word;
            const size_t start = i;
            while (i < text.size() && !isDelimiter(text[i]))
                advance(1);
            t.text = std::string(text.substr(start, i - start));
        }
        tokens.push_back(std::move(t));
    }
    Token end;
    end.kind = Token::Kind::End;
    end.column = column;
    tokens.push_back(end);
    return true;
}

} // namespace provscope::filter
