#include "filter_parser.h"

#include "filter_lexer.h"

#include <algorithm>
#include <cctype>

namespace provscope::filter {
namespace {

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return text;
}

// How a token is named in an error message.
std::string describe(const Token &t)
{
    switch (t.kind) {
    case Token::Kind::End:
        return "the end of the filter";
    case Token::Kind::String:
        return "a string";
    default:
        return "`" + t.text + "`";
    }
}

class Parser {
public:
    Parser(std::vector<Token> tokens, ParseError &error) : m_tokens(std::move(tokens)), m_error(error)
    {
    }

    std::unique_ptr<Node> parse()
    {
        auto node = orExpr();
        if (!node)
            return nullptr;
        if (peek().kind != Token::Kind::End) {
            fail(peek(), "expected `and`, `or` or the end of the filter, found " + describe(peek()));
            return nullptr;
        }
        return node;
    }

private:
    const Token &peek() const { return m_tokens[m_pos]; }
    const Token &take() { return m_tokens[m_pos < m_tokens.size() - 1 ? m_pos++ : m_pos]; }
    bool isKeyword(const Token &t, const char *word) const
    {
        return t.kind == Token::Kind::Word && lower(t.text) == word;
    }
    bool isOperator(const Token &t, const char *op) const
    {
        return t.kind == Token::Kind::Operator && t.text == op;
    }
    void fail(const Token &at, std::string message)
    {
        if (m_error.column == 0)
            m_error = {at.column, std::move(message)};
    }

    std::unique_ptr<Node> binary(Node::Kind kind, int column, std::unique_ptr<Node> l,
                                 std::unique_ptr<Node> r)
    {
        auto node = std::make_unique<Node>();
        node->kind = kind;
        node->column = column;
        node->left = std::move(l);
        node->right = std::move(r);
        return node;
    }

    std::unique_ptr<Node> orExpr()
    {
        auto left = andExpr();
        while (left && (isKeyword(peek(), "or") || isOperator(peek(), "||"))) {
            const Token &op = take();
            auto right = andExpr();
            if (!right)
                return nullptr;
            left = binary(Node::Kind::Or, op.column, std::move(left), std::move(right));
        }
        return left;
    }

    std::unique_ptr<Node> andExpr()
    {
        auto left = notExpr();
        while (left && (isKeyword(peek(), "and") || isOperator(peek(), "&&"))) {
            const Token &op = take();
            auto right = notExpr();
            if (!right)
                return nullptr;
            left = binary(Node::Kind::And, op.column, std::move(left), std::move(right));
        }
        return left;
    }

    std::unique_ptr<Node> notExpr()
    {
        if (isKeyword(peek(), "not") || isOperator(peek(), "!")) {
            const Token &op = take();
            auto operand = notExpr();
            if (!operand)
                return nullptr;
            return binary(Node::Kind::Not, op.column, std::move(operand), nullptr);
        }
        return primary();
    }

    std::unique_ptr<Node> primary()
    {
        const Token &t = peek();
        if (t.kind == Token::Kind::LeftParen) {
            const Token &open = take();
            auto inner = orExpr();
            if (!inner)
                return nullptr;
            if (peek().kind != Token::Kind::RightParen) {
                fail(peek(), "expected `)` to close the `(` at column " + std::to_string(open.column) +
                                 ", found " + describe(peek()));
                return nullptr;
            }
            take();
            return inner;
        }
        if (t.kind != Token::Kind::Word || isKeyword(t, "and") || isKeyword(t, "or") ||
            isKeyword(t, "in") || isKeyword(t, "contains") || isKeyword(t, "startswith")) {
            fail(t, "expected a field name, `not` or `(`, found " + describe(t));
            return nullptr;
        }
        return comparison();
    }

    std::unique_ptr<Node> comparison()
    {
        const Token &fieldToken = take();
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::Compare;
        node->column = fieldToken.column;
        node->field = fieldToken.text;
        const Token &op = peek();
        static const struct {
            const char *text;
            CompareOp op;
        } operators[] = {{"==", CompareOp::Eq}, {"=", CompareOp::Eq},  {"!=", CompareOp::Ne},
                         {"<", CompareOp::Lt},  {"<=", CompareOp::Le}, {">", CompareOp::Gt},
                         {">=", CompareOp::Ge}};
        bool found = false;
        if (op.kind == Token::Kind::Operator) {
            for (const auto &o : operators) {
                if (op.text == o.text) {
                    node->op = o.op;
                    found = true;
                }
            }
        } else if (isKeyword(op, "contains")) {
            node->op = CompareOp::Contains;
            found = true;
        } else if (isKeyword(op, "startswith")) {
            node->op = CompareOp::StartsWith;
            found = true;
        } else if (isKeyword(op, "in")) {
            node->op = CompareOp::In;
            found = true;
        }
        if (!found) {
            fail(op, "expected an operator after `" + node->field +
                         "` (==, !=, <, <=, >, >=, contains, startswith, in), found " + describe(op));
            return nullptr;
        }
        take();
        node->opText = node->op == CompareOp::Eq ? "==" : lower(op.text);
        node->opColumn = op.column;
        if (node->op != CompareOp::In) {
            Value v;
            if (!value(v, "a value after `" + op.text + "`"))
                return nullptr;
            node->values.push_back(std::move(v));
            return node;
        }
        if (peek().kind != Token::Kind::LeftParen) {
            fail(peek(), "expected `(` after `in`, found " + describe(peek()));
            return nullptr;
        }
        take();
        for (;;) {
            Value v;
            if (!value(v, node->values.empty() ? "a value after `in (`" : "a value after `,`"))
                return nullptr;
            node->values.push_back(std::move(v));
            if (peek().kind == Token::Kind::Comma) {
                take();
                continue;
            }
            if (peek().kind == Token::Kind::RightParen) {
                take();
                return node;
            }
            fail(peek(), "expected `,` or `)` in the `in` list, found " + describe(peek()));
            return nullptr;
        }
    }

    bool value(Value &v, const std::string &what)
    {
        const Token &t = peek();
        const bool keyword = isKeyword(t, "and") || isKeyword(t, "or") || isKeyword(t, "not");
        if ((t.kind != Token::Kind::String && t.kind != Token::Kind::Word) || keyword) {
            fail(t, "expected " + what + ", found " + describe(t));
            return false;
        }
        take();
        v.quoted = t.kind == Token::Kind::String;
        v.text = t.text;
        v.column = t.column;
        return true;
    }

    std::vector<Token> m_tokens;
    size_t m_pos = 0;
    ParseError &m_error;
};

} // namespace

std::unique_ptr<Node> parseFilter(std::string_view text, ParseError &error)
{
    error = {};
    std::vector<Token> tokens;
    LexError lexError;
    if (!tokenize(text, tokens, lexError)) {
        error = {lexError.column, lexError.message};
        return nullptr;
    }
    if (tokens.size() == 1)
        return nullptr; // blank: matches everything
    Parser parser(std::move(tokens), error);
    auto node = parser.parse();
    if (!node && error.column == 0)
        error = {1, "cannot parse the filter"};
    return node;
}

} // namespace provscope::filter
