#include "filter_sql.h"

#include "syscall_args.h"

#include <charconv>
#include <functional>
#include <map>

namespace provscope {
namespace {

enum class Type { Text, Number, Time, Result };

// One place a field's value comes from. With a lookup table, the event column
// `outer` refers to a row of `table` whose `expr` is the value, and the condition
// runs once per table row (few files, processes and strings beside many events):
//   outer IN (SELECT id FROM table WHERE <condition on expr>).
// Without one, expr is over the event row (e) and its process row (p).
// How the planner reads the source (filter::PlanNode): a membership test of one event
// column, the comm/ppid that falls back to the process row, or a raw condition on e.
enum class Outer { Raw, Proc, Syscall, File, File2, Socket, SocketName, CommOrBase, PpidOrBase };

struct Source {
    const char *outer;
    const char *table;
    const char *expr;
    Outer kind;
};

struct FieldDef {
    const char *name;
    Type type;
    const char *description;
    std::vector<Source> sources; // a value matches when any source does
    bool usesProcessRow;         // expr refers to p
};

// dirname of a path in SQL: drop the trailing run of non-'/' characters, then the
// slashes before it ("/etc/passwd" -> "/etc", "/x" -> "/", "name" -> ".").
#define PS_DIRNAME                                                                                 \
    "(CASE WHEN instr(path, '/') = 0 THEN '.' ELSE"                                                \
    " COALESCE(NULLIF(rtrim(rtrim(path, replace(path, '/', '')), '/'), ''), '/') END)"

const std::vector<FieldDef> &fieldTable()
{
    static const std::vector<FieldDef> fields = {
        {"proc.name", Type::Text, "process name (comm) at the time of the event",
         {{"COALESCE(e.comm, p.base_comm)", "strings", "text", Outer::CommOrBase}}, true},
        {"proc.pid", Type::Number, "process id (thread group id)",
         {{"e.proc", "processes", "pid", Outer::Proc}}, false},
        {"proc.ppid", Type::Number, "parent process id at the time of the event",
         {{nullptr, nullptr, "COALESCE(e.ppid, p.base_ppid)", Outer::PpidOrBase}}, true},
        {"proc.exe", Type::Text, "path of the process's executable image",
         {{"e.proc", "processes", "(SELECT path FROM files WHERE files.id = processes.exe)", Outer::Proc}},
         false},
        {"proc.cmdline", Type::Text, "the process's argv joined by single spaces (argv[0] first)",
         {{"e.proc", "processes", "provscope_cmdline(argv)", Outer::Proc}}, false},
        {"evt.type", Type::Text, "system call name, e.g. openat", {{"e.syscall", "strings", "text", Outer::Syscall}},
         false},
        {"evt.res", Type::Result, "return value; an errno name such as \"ENOENT\" means -2",
         {{nullptr, nullptr, "e.ret", Outer::Raw}}, false},
        {"evt.time", Type::Time,
         "time of the event (of the first syscall of a coalesced run): an ISO 8601 time with a zone, "
         "or epoch ns",
         {{nullptr, nullptr, "e.ts", Outer::Raw}}, false},
        {"fd.name", Type::Text,
         "the file path (or a rename's new path), or a socket as laddr:lport->raddr:rport",
         {{"e.file", "files", "path", Outer::File},
          {"e.file2", "files", "path", Outer::File2},
          {"e.socket", "sockets",
           "(CASE WHEN raddr = '' THEN laddr || ':' || lport"
           " ELSE laddr || ':' || lport || '->' || raddr || ':' || rport END)",
           Outer::SocketName}},
         false},
        {"fd.directory", Type::Text, "directory of the file path (or of a rename's new path)",
         {{"e.file", "files", PS_DIRNAME, Outer::File}, {"e.file2", "files", PS_DIRNAME, Outer::File2}},
         false},
        {"fd.sip", Type::Text, "source (local) address of the socket", {{"e.socket", "sockets", "laddr", Outer::Socket}},
         false},
        {"fd.sport", Type::Number, "source (local) port of the socket",
         {{"e.socket", "sockets", "lport", Outer::Socket}}, false},
        {"fd.dip", Type::Text, "destination (remote) address of the socket",
         {{"e.socket", "sockets", "raddr", Outer::Socket}}, false},
        {"fd.dport", Type::Number, "destination (remote) port of the socket",
         {{"e.socket", "sockets", "rport", Outer::Socket}}, false},
    };
    return fields;
}

const char *typeName(Type t)
{
    switch (t) {
    case Type::Text:
        return "text";
    case Type::Number:
        return "number";
    case Type::Time:
        return "time";
    case Type::Result:
        return "result";
    }
    return "";
}

bool parseInt(const std::string &text, int64_t &value)
{
    const char *begin = text.data();
    const char *end = text.data() + text.size();
    if (begin != end && *begin == '+')
        ++begin;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    return ec == std::errc() && ptr == end && begin != end;
}

// "ENOENT" -> 2, from the same table the views use to name results.
bool errnoNumber(const std::string &name, int64_t &number)
{
    static const std::map<std::string, int64_t> byName = [] {
        std::map<std::string, int64_t> m;
        for (int64_t n = 1; n < 4096; ++n) {
            const std::string s = errnoName(-n);
            if (!s.empty() && !m.count(s))
                m.emplace(s, n);
        }
        return m;
    }();
    auto it = byName.find(name);
    if (it == byName.end())
        return false;
    number = it->second;
    return true;
}

std::string quoteForMessage(const filter::Value &v)
{
    return v.quoted ? "`\"" + v.text + "\"`" : "`" + v.text + "`";
}

using Plan = std::shared_ptr<const filter::PlanNode>;
using PlanKind = filter::PlanNode::Kind;

Plan planJoin(PlanKind kind, Plan left, Plan right = nullptr)
{
    auto node = std::make_shared<filter::PlanNode>();
    node->kind = kind;
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
}

Plan planLeaf(PlanKind kind, std::string sql, filter::EventColumn column = filter::EventColumn::Proc)
{
    auto node = std::make_shared<filter::PlanNode>();
    node->kind = kind;
    node->sql = std::move(sql);
    node->column = column;
    return node;
}

class Compiler {
public:
    Compiler(CompiledFilter &out, filter::CompileError &error) : m_out(out), m_error(error) {}

    bool compile(const filter::Node &node, std::string &sql, Plan &plan)
    {
        using K = filter::Node::Kind;
        if (node.kind == K::Not) {
            std::string inner;
            Plan innerPlan;
            if (!compile(*node.left, inner, innerPlan))
                return false;
            sql = "NOT COALESCE(" + inner + ", 0)";
            plan = planJoin(PlanKind::Not, innerPlan);
            return true;
        }
        if (node.kind == K::And || node.kind == K::Or) {
            std::string l, r;
            Plan lp, rp;
            if (!compile(*node.left, l, lp) || !compile(*node.right, r, rp))
                return false;
            // A chain of one operator stays flat, "(a OR b OR c)": SQLite's parser takes
            // only about 100 nested parentheses.
            if (node.left->kind == node.kind)
                l = l.substr(1, l.size() - 2);
            if (node.right->kind == node.kind)
                r = r.substr(1, r.size() - 2);
            sql = "(" + l + (node.kind == K::And ? " AND " : " OR ") + r + ")";
            plan = planJoin(node.kind == K::And ? PlanKind::And : PlanKind::Or, lp, rp);
            return true;
        }
        return comparison(node, sql, plan);
    }

    bool usesProcessRow = false;

private:
    bool fail(int column, std::string message)
    {
        m_error = {column, std::move(message)};
        return false;
    }

    std::string addParam(FilterParam param)
    {
        m_out.params.push_back(std::move(param));
        return "?" + std::to_string(m_out.params.size());
    }

    bool bindValue(const FieldDef &field, const filter::Value &v, std::string &placeholder)
    {
        FilterParam param;
        switch (field.type) {
        case Type::Text:
            param.kind = FilterParam::Kind::Text;
            param.text = v.text;
            break;
        case Type::Number:
            if (!parseInt(v.text, param.number))
                return fail(v.column, std::string("`") + field.name + "` is a number; " +
                                          quoteForMessage(v) + " is not a number");
            break;
        case Type::Result:
            if (!parseInt(v.text, param.number)) {
                if (!errnoNumber(v.text, param.number))
                    return fail(v.column, std::string("`") + field.name +
                                              "` is a return value: a number or an errno name such "
                                              "as \"ENOENT\"; " +
                                              quoteForMessage(v) + " is neither");
                param.number = -param.number;
            }
            break;
        case Type::Time:
            param.kind = FilterParam::Kind::EpochTime;
            if (!parseInt(v.text, param.number) && !filter::parseIsoTime(v.text, param.number))
                return fail(v.column, std::string("`") + field.name +
                                          "` needs an ISO 8601 time with a zone, such as "
                                          "\"2026-11-22T10:15:00Z\" or \"2026-11-22T11:15:00+01:00\"; " +
                                          quoteForMessage(v) + " is not one");
            break;
        }
        placeholder = addParam(std::move(param));
        return true;
    }

    bool comparison(const filter::Node &node, std::string &sql, Plan &plan)
    {
        using filter::CompareOp;
        const FieldDef *field = nullptr;
        for (const FieldDef &f : fieldTable()) {
            if (node.field == f.name)
                field = &f;
        }
        if (!field) {
            std::string names;
            for (const FieldDef &f : fieldTable())
                names += (names.empty() ? "" : ", ") + std::string(f.name);
            return fail(node.column, "unknown field `" + node.field + "`; fields: " + names);
        }
        if ((node.op == CompareOp::Contains || node.op == CompareOp::StartsWith) &&
            field->type != Type::Text)
            return fail(node.opColumn, "`" + node.opText + "` needs a text field; `" + field->name +
                                           "` is a " + typeName(field->type));
        if (field->type == Type::Result && node.op != CompareOp::Eq && node.op != CompareOp::Ne &&
            node.op != CompareOp::In) {
            for (const filter::Value &v : node.values) {
                int64_t n = 0;
                if (!parseInt(v.text, n))
                    return fail(v.column, "an errno name can only be compared with ==, != or in");
            }
        }
        std::vector<std::string> holders;
        for (const filter::Value &v : node.values) {
            std::string placeholder;
            if (!bindValue(*field, v, placeholder))
                return false;
            holders.push_back(placeholder);
        }
        usesProcessRow = usesProcessRow || field->usesProcessRow;

        // The condition on one value expression.
        auto condition = [&](const std::string &expr, CompareOp op) -> std::string {
            switch (op) {
            case CompareOp::Eq:
                return expr + " = " + holders[0];
            case CompareOp::Ne:
                return expr + " != " + holders[0];
            case CompareOp::Lt:
                return expr + " < " + holders[0];
            case CompareOp::Le:
                return expr + " <= " + holders[0];
            case CompareOp::Gt:
                return expr + " > " + holders[0];
            case CompareOp::Ge:
                return expr + " >= " + holders[0];
            case CompareOp::Contains:
                return "instr(" + expr + ", " + holders[0] + ") > 0";
            case CompareOp::StartsWith:
                return "substr(" + expr + ", 1, length(" + holders[0] + ")) = " + holders[0];
            case CompareOp::In: {
                std::string list;
                for (const std::string &h : holders)
                    list += (list.empty() ? "" : ", ") + h;
                return expr + " IN (" + list + ")";
            }
            }
            return "0";
        };
        // The planner's form of one source's condition (see filter::PlanNode).
        auto planOf = [&](const Source &s, const std::function<std::string(const std::string &)> &cond,
                          CompareOp op, bool presence) {
            using filter::EventColumn;
            switch (s.kind) {
            case Outer::Raw:
                return planLeaf(PlanKind::Raw, cond(s.expr));
            case Outer::CommOrBase: {
                const std::string names = std::string("SELECT id FROM ") + s.table + " WHERE " + cond(s.expr);
                return planJoin(PlanKind::Or, planLeaf(PlanKind::Member, names, EventColumn::Comm),
                                planJoin(PlanKind::And, planLeaf(PlanKind::Raw, "e.comm IS NULL"),
                                         planLeaf(PlanKind::Member,
                                                  "SELECT id FROM processes WHERE base_comm IN (" + names + ")",
                                                  EventColumn::Proc)));
            }
            case Outer::SocketName: {
                auto node = std::make_shared<filter::PlanNode>();
                node->kind = PlanKind::Member;
                node->column = EventColumn::Socket;
                node->sql = std::string("SELECT id FROM ") + s.table + " WHERE " + cond(s.expr);
                node->socketName = true;
                node->presence = presence;
                node->op = op;
                for (const std::string &h : holders)
                    node->params.push_back(size_t(std::stoul(h.substr(1)) - 1)); // "?N"
                return Plan(node);
            }
            case Outer::PpidOrBase:
                return planJoin(PlanKind::Or, planLeaf(PlanKind::Raw, cond("e.ppid")),
                                planJoin(PlanKind::And, planLeaf(PlanKind::Raw, "e.ppid IS NULL"),
                                         planLeaf(PlanKind::Member,
                                                  "SELECT id FROM processes WHERE " + cond("base_ppid"),
                                                  EventColumn::Proc)));
            default:
                break;
            }
            static const std::map<Outer, EventColumn> columns = {
                {Outer::Proc, EventColumn::Proc},     {Outer::Syscall, EventColumn::Syscall},
                {Outer::File, EventColumn::File},     {Outer::File2, EventColumn::File2},
                {Outer::Socket, EventColumn::Socket},
            };
            return planLeaf(PlanKind::Member, std::string("SELECT id FROM ") + s.table + " WHERE " + cond(s.expr),
                            columns.at(s.kind));
        };
        auto anyOf = [&](CompareOp op, bool presence, Plan &anyPlan) {
            auto cond = [&](const std::string &expr) {
                return presence ? expr + " IS NOT NULL" : condition(expr, op);
            };
            std::string any;
            anyPlan = nullptr;
            for (const Source &s : field->sources) {
                const std::string c = cond(s.expr);
                const std::string one =
                    s.table ? std::string(s.outer) + " IN (SELECT id FROM " + s.table + " WHERE " + c + ")"
                            : "(" + c + ")";
                any += (any.empty() ? "" : " OR ") + one;
                Plan p = planOf(s, cond, op, presence);
                anyPlan = anyPlan ? planJoin(PlanKind::Or, anyPlan, p) : p;
            }
            return "(" + any + ")";
        };
        if (node.op == CompareOp::Ne && field->sources.size() > 1) {
            // Has the field, and none of its values equals the value.
            Plan present, equal;
            sql = "(" + anyOf(CompareOp::Ne, true, present) + " AND NOT COALESCE(" +
                  anyOf(CompareOp::Eq, false, equal) + ", 0))";
            plan = planJoin(PlanKind::And, present, planJoin(PlanKind::Not, equal));
            return true;
        }
        sql = anyOf(node.op, false, plan);
        return true;
    }

    CompiledFilter &m_out;
    filter::CompileError &m_error;
};

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + int64_t(doe) - 719468;
}

} // namespace

const std::vector<FilterFieldInfo> &filterFields()
{
    static const std::vector<FilterFieldInfo> infos = [] {
        std::vector<FilterFieldInfo> v;
        for (const FieldDef &f : fieldTable())
            v.push_back({f.name, typeName(f.type), f.description});
        return v;
    }();
    return infos;
}

namespace filter {

bool compileToSql(const Node *root, CompiledFilter &out, CompileError &error)
{
    out.whereSql = "1";
    out.params.clear();
    out.needsProcessRow = false;
    out.plan = nullptr;
    if (!root)
        return true;
    Compiler compiler(out, error);
    std::string sql;
    Plan plan;
    if (!compiler.compile(*root, sql, plan)) {
        out.params.clear();
        return false;
    }
    out.whereSql = sql;
    out.needsProcessRow = compiler.usesProcessRow;
    if (out.needsProcessRow) {
        // whereSql's inner JOIN drops an event without a process row, whatever the filter.
        auto guard = std::make_shared<PlanNode>();
        guard->kind = PlanNode::Kind::Member;
        guard->column = EventColumn::Proc;
        guard->sql = "SELECT id FROM processes";
        guard->guard = true;
        plan = planJoin(PlanKind::And, guard, plan);
    }
    out.plan = plan;
    return true;
}

bool parseIsoTime(const std::string &text, int64_t &epochNs)
{
    size_t i = 0;
    auto digits = [&](size_t n, int64_t &value) {
        if (i + n > text.size())
            return false;
        value = 0;
        for (size_t k = 0; k < n; ++k) {
            const char c = text[i + k];
            if (c < '0' || c > '9')
                return false;
            value = value * 10 + (c - '0');
        }
        i += n;
        return true;
    };
    auto expect = [&](char c) {
        if (i < text.size() && text[i] == c) {
            ++i;
            return true;
        }
        return false;
    };
    int64_t year, month, day, hour, minute, second = 0, fraction = 0;
    if (!digits(4, year) || !expect('-') || !digits(2, month) || !expect('-') || !digits(2, day))
        return false;
    if (!(expect('T') || expect('t') || expect(' ')))
        return false;
    if (!digits(2, hour) || !expect(':') || !digits(2, minute))
        return false;
    if (expect(':')) {
        if (!digits(2, second))
            return false;
        if (expect('.') || expect(',')) {
            int places = 0;
            while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
                if (places < 9) {
                    fraction = fraction * 10 + (text[i] - '0');
                    ++places;
                }
                ++i;
            }
            if (places == 0)
                return false;
            for (; places < 9; ++places)
                fraction *= 10;
        }
    }
    int64_t offsetMinutes = 0;
    if (expect('Z') || expect('z')) {
    } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
        const int sign = text[i] == '-' ? -1 : 1;
        ++i;
        int64_t oh = 0, om = 0;
        if (!digits(2, oh))
            return false;
        if (expect(':')) {
            if (!digits(2, om))
                return false;
        } else if (i < text.size()) {
            if (!digits(2, om))
                return false;
        }
        if (oh > 23 || om > 59)
            return false;
        offsetMinutes = sign * (oh * 60 + om);
    } else {
        return false; // no zone: ambiguous, refused
    }
    if (i != text.size())
        return false;
    static const int monthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > monthDays[month - 1] || hour > 23 ||
        minute > 59 || second > 60)
        return false;
    const int64_t days = daysFromCivil(year, unsigned(month), unsigned(day));
    const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
    epochNs = seconds * 1'000'000'000 + fraction;
    return true;
}

} // namespace filter
} // namespace provscope
