#include "event_query.h"

#include "event_id_sets.h"
#include "filter_exec.h"
#include "filter_parser.h"
#include "id_run.h"
#include "parallel_id_scan.h"
#include "socket_name_matcher.h"
#include "session_connection.h"
#include "session_reader.h"
#include "session_rows.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <thread>

namespace provscope {
namespace {

using namespace planner;

// provscope_cmdline(argv): the NUL-joined argv blob with single spaces between elements.
void cmdlineFunction(sqlite3_context *context, int, sqlite3_value **args)
{
    if (sqlite3_value_type(args[0]) == SQLITE_NULL) {
        sqlite3_result_null(context);
        return;
    }
    const auto *bytes = static_cast<const char *>(sqlite3_value_blob(args[0]));
    std::string text(bytes ? bytes : "", size_t(sqlite3_value_bytes(args[0])));
    for (char &c : text) {
        if (c == '\0')
            c = ' ';
    }
    sqlite3_result_text(context, text.data(), int(text.size()), SQLITE_TRANSIENT);
}

// Called every kProgressSteps SQLite VM steps while a query runs: gives the caller
// a chance to cancel a long scan that finds nothing.
constexpr int kProgressSteps = 200000;

// The planner's limits. An index walk (events_by_file, _file2, _proc) is taken for
// a set of at most a quarter of its table's rows and stops past kIndexCap event ids
// (a full scan of 10M events costs about as much as collecting and sorting 3M ids);
// candidates that still need the rest of the filter checked are looked up one by
// one up to kVerifyCap (~1 us each), else the events are scanned in id ranges.
constexpr size_t kIndexCap = 3'000'000;
constexpr size_t kVerifyCap = 200'000;
constexpr int64_t kScanRange = 1 << 18;
// A finished session's scan runs on up to this many threads, each with its own
// read-only connection, each taking the next id range.
constexpr int kMaxScanThreads = 4;

} // namespace

Result<CompiledFilter> compileFilter(std::string_view text, FilterError *error)
{
    CompiledFilter compiled;
    compiled.text = std::string(text);
    filter::ParseError parseError;
    auto root = filter::parseFilter(text, parseError);
    FilterError failure;
    if (parseError.column != 0) {
        failure = {parseError.column, parseError.message};
    } else {
        filter::CompileError compileError;
        if (filter::compileToSql(root.get(), compiled, compileError))
            return compiled;
        failure = {compileError.column, compileError.message};
    }
    if (error)
        *error = failure;
    return makeError(failure.text());
}

std::vector<std::string> filterFieldNames()
{
    std::vector<std::string> names;
    for (const FilterFieldInfo &f : filterFields())
        names.emplace_back(f.name);
    return names;
}

struct EventQuery::Impl {
    std::string path;
    bool live = false;
    int64_t bootToEpochNs = 0;
    session_rows::SchemaFeatures features;
    std::unique_ptr<SqliteDatabase> db;
    std::map<std::string, SqliteStatement> statements; // by SQL text: prepared once

    // Progress-handler state while a matchingIds query runs.
    std::function<bool()> onProgress;
    bool cancelled = false;

    // The planner's state during one matchingIds call.
    bool referenceMode = false;
    size_t indexCap = kIndexCap;
    size_t verifyCap = kVerifyCap;
    int64_t scanRange = kScanRange;
    int scanThreads = 0; // 0: one per core, at most kMaxScanThreads
    std::string lastPlan;
    std::vector<IdSet> sets; // provscope_in(k, v): is v in sets[k]

    Result<void> connect()
    {
        if (db)
            return {};
        auto opened = openSessionReadOnly(path, live);
        if (!opened)
            return makeError(opened.error());
        db = std::move(opened.value());
        sqlite3_create_function_v2(db->handle(), "provscope_cmdline", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, cmdlineFunction,
                                   nullptr, nullptr, nullptr);
        sqlite3_create_function_v2(db->handle(), "provscope_in", 2, SQLITE_UTF8, this, inSetFunction,
                                   nullptr, nullptr, nullptr);
        return {};
    }

    // provscope_in(k, v): 1 when v is in the planner's set k; 0 for NULL (as
    // `NULL IN (...)`, which is NULL or 0: false either way for a filter).
    static void inSetFunction(sqlite3_context *context, int, sqlite3_value **args)
    {
        const auto *d = static_cast<const Impl *>(sqlite3_user_data(context));
        const int64_t k = sqlite3_value_int64(args[0]);
        if (sqlite3_value_type(args[1]) != SQLITE_INTEGER || k < 0 || size_t(k) >= d->sets.size()) {
            sqlite3_result_int(context, 0);
            return;
        }
        sqlite3_result_int(context, d->sets[size_t(k)].contains(sqlite3_value_int64(args[1])) ? 1 : 0);
    }

    // A recording's connection is held only during a call (as SessionReader does):
    // an open WAL reader would keep the writer from leaving WAL mode at finish.
    void release()
    {
        if (!live)
            return;
        statements.clear();
        db.reset();
    }

    Result<SqliteStatement *> statement(const std::string &sql)
    {
        auto it = statements.find(sql);
        if (it == statements.end()) {
            auto st = SqliteStatement::prepare(*db, sql);
            if (!st)
                return makeError(path + ": " + st.error());
            it = statements.emplace(sql, std::move(st.value())).first;
        }
        return &it->second;
    }

    void bindFilter(SqliteStatement &st, const CompiledFilter &filter) const
    {
        for (size_t i = 0; i < filter.params.size(); ++i) {
            const FilterParam &p = filter.params[i];
            const int index = int(i + 1);
            switch (p.kind) {
            case FilterParam::Kind::Integer:
                st.bindInt64(index, p.number);
                break;
            case FilterParam::Kind::Text:
                st.bindText(index, p.text);
                break;
            case FilterParam::Kind::EpochTime:
                st.bindInt64(index, p.number - bootToEpochNs);
                break;
            }
        }
    }

    // Largest event id now (0 for none), and whether ids are 1..max without gaps.
    Result<int64_t> maxEventId()
    {
        auto st = statement("SELECT COALESCE(max(id), 0) FROM events");
        if (!st)
            return makeError(st.error());
        auto row = (*st)->step();
        const int64_t max = row && *row ? (*st)->columnInt64(0) : 0;
        (*st)->reset();
        if (!row)
            return makeError(path + ": " + row.error());
        return max;
    }
    bool denseIds(int64_t maxId)
    {
        if (live)
            return false; // meta's count lags a recording
        auto st = statement("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'event_count'");
        if (!st)
            return false;
        auto row = (*st)->step();
        const bool dense = row && *row && (*st)->columnInt64(0) == maxId;
        (*st)->reset();
        return dense;
    }

    // A finished session whose events all refer to a process row (process ids dense,
    // every event's proc within them): the process join's guard is always true.
    bool everyEventHasProcess()
    {
        if (live)
            return false;
        auto st = statement("SELECT (SELECT min(proc) FROM events), (SELECT max(proc) FROM events),"
                            " count(*), min(id), max(id) FROM processes");
        if (!st)
            return false;
        SqliteStatement &s = **st;
        auto row = s.step();
        bool known = false;
        if (row && *row && !s.isNull(0) && !s.isNull(3)) {
            const int64_t count = s.columnInt64(2), low = s.columnInt64(3), high = s.columnInt64(4);
            known = high - low + 1 == count && s.columnInt64(0) >= low && s.columnInt64(1) <= high;
        }
        s.reset();
        return known;
    }

    Result<void> stepError(SqliteStatement &st, const Result<bool> &row)
    {
        st.reset();
        if (cancelled)
            return makeError("cancelled");
        return makeError(path + ": " + row.error());
    }

    // whereSql as written, in one statement: the reference the planner is checked against.
    Result<void> runReference(const CompiledFilter &filter, IdRun &run, int64_t firstId)
    {
        lastPlan = "reference";
        auto maxId = maxEventId();
        if (!maxId)
            return makeError(maxId.error());
        std::string sql = "SELECT e.id FROM events e";
        if (filter.needsProcessRow)
            sql += " JOIN processes p ON p.id = e.proc";
        sql += " WHERE e.id >= ?" + std::to_string(filter.params.size() + 1) + " AND (" + filter.whereSql +
               ") ORDER BY e.id";
        auto st = statement(sql);
        if (!st)
            return makeError(st.error());
        SqliteStatement &s = **st;
        bindFilter(s, filter);
        s.bindInt64(int(filter.params.size() + 1), firstId);
        for (;;) {
            auto row = s.step();
            if (!row)
                return stepError(s, row);
            if (!*row)
                break;
            const int64_t id = s.columnInt64(0);
            if (!run.push(id) || !run.progress(double(id) / double(std::max<int64_t>(*maxId, 1))))
                break;
        }
        s.reset();
        return {};
    }

    // The sets of a plan looked up in their small tables; empty sets fold to false.
    Result<std::unique_ptr<Exec>> resolve(const filter::PlanNode &node, const CompiledFilter &filter)
    {
        using K = filter::PlanNode::Kind;
        switch (node.kind) {
        case K::Raw: {
            auto e = std::make_unique<Exec>();
            e->kind = Exec::Kind::Raw;
            e->sql = node.sql;
            return e;
        }
        case K::Member: {
            if (node.guard && everyEventHasProcess())
                return constant(true);
            IdSet set;
            if (node.socketName) {
                if (auto done = socketNames(node, filter, set.ids); !done)
                    return makeError(done.error());
            } else {
                auto st = statement(node.sql);
                if (!st)
                    return makeError(st.error());
                SqliteStatement &s = **st;
                bindFilter(s, filter);
                for (;;) {
                    auto row = s.step();
                    if (!row)
                        return makeError(stepError(s, row).error());
                    if (!*row)
                        break;
                    set.ids.push_back(s.columnInt64(0));
                }
                s.reset();
            }
            if (set.ids.empty())
                return constant(false);
            set.build();
            sets.push_back(std::move(set));
            auto e = std::make_unique<Exec>();
            e->kind = Exec::Kind::Member;
            e->column = node.column;
            e->set = int(sets.size() - 1);
            e->guard = node.guard;
            return e;
        }
        case K::Not: {
            auto inner = resolve(*node.left, filter);
            if (!inner)
                return inner;
            if ((*inner)->kind == Exec::Kind::True || (*inner)->kind == Exec::Kind::False)
                return constant((*inner)->kind == Exec::Kind::False);
            auto e = std::make_unique<Exec>();
            e->kind = Exec::Kind::Not;
            e->left = std::move(*inner);
            return e;
        }
        case K::And:
        case K::Or: {
            const bool isAnd = node.kind == K::And;
            // false and x = false; true or x = true: x's sets are not even looked up.
            const Exec::Kind decides = isAnd ? Exec::Kind::False : Exec::Kind::True;
            const Exec::Kind neutral = isAnd ? Exec::Kind::True : Exec::Kind::False;
            auto l = resolve(*node.left, filter);
            if (!l || (*l)->kind == decides)
                return l;
            auto r = resolve(*node.right, filter);
            if (!r || (*r)->kind == decides || (*l)->kind == neutral)
                return r;
            if ((*r)->kind == neutral)
                return l;
            auto e = std::make_unique<Exec>();
            e->kind = isAnd ? Exec::Kind::And : Exec::Kind::Or;
            e->left = std::move(*l);
            e->right = std::move(*r);
            return e;
        }
        }
        return constant(false);
    }

    // The sockets whose fd.name text compares as node says (SocketNameMatcher).
    Result<void> socketNames(const filter::PlanNode &node, const CompiledFilter &filter, std::vector<int64_t> &ids)
    {
        auto matcher = SocketNameMatcher::create(node, filter);
        if (!matcher)
            return makeError(matcher.error());
        auto st = statement("SELECT id, laddr, lport, raddr, rport FROM sockets");
        if (!st)
            return makeError(st.error());
        SqliteStatement &s = **st;
        std::string name;
        for (;;) {
            auto row = s.step();
            if (!row)
                return stepError(s, row);
            if (!*row)
                break;
            name = SocketNameMatcher::socketName(s.columnText(1), s.columnText(2), s.columnText(3), s.columnText(4));
            if (matcher->matches(name))
                ids.push_back(s.columnInt64(0));
        }
        s.reset();
        return {};
    }

    // Event ids of a membership from its events_by_* index, ascending; nullopt when
    // not worth it (no index, a large set, more than budget ids) or cancelled.
    std::optional<std::vector<int64_t>> indexIds(const Exec &e, int64_t firstId, size_t &budget)
    {
        using filter::EventColumn;
        if (e.guard || !(e.column == EventColumn::File || e.column == EventColumn::File2 ||
                         e.column == EventColumn::Proc))
            return std::nullopt;
        const bool files = e.column != EventColumn::Proc;
        auto rows = statement(files ? "SELECT COALESCE(max(id), 0) FROM files"
                                    : "SELECT COALESCE(max(id), 0) FROM processes");
        if (!rows)
            return std::nullopt;
        auto row = (*rows)->step();
        const int64_t tableRows = row && *row ? (*rows)->columnInt64(0) : 0;
        (*rows)->reset();
        const IdSet &set = sets[size_t(e.set)];
        if (int64_t(set.ids.size()) * 4 > tableRows)
            return std::nullopt;
        const char *sql = e.column == EventColumn::File    ? "SELECT id FROM events WHERE file = ?1 AND id >= ?2"
                          : e.column == EventColumn::File2 ? "SELECT id FROM events WHERE file2 = ?1 AND id >= ?2"
                                                           : "SELECT id FROM events WHERE proc = ?1 AND id >= ?2";
        auto st = statement(sql);
        if (!st)
            return std::nullopt;
        SqliteStatement &s = **st;
        std::vector<int64_t> ids;
        for (int64_t value : set.ids) {
            s.bindInt64(1, value);
            s.bindInt64(2, firstId);
            for (;;) {
                auto next = s.step();
                if (!next) {
                    s.reset();
                    return std::nullopt; // cancelled, or the scan reports the error
                }
                if (!*next)
                    break;
                ids.push_back(s.columnInt64(0));
            }
            s.reset();
            if (cancelled || ids.size() > budget)
                return std::nullopt;
        }
        budget -= ids.size();
        sortUnique(ids);
        return ids;
    }

    std::optional<Candidates> candidates(const Exec &e, int64_t firstId, size_t &budget)
    {
        if (cancelled)
            return std::nullopt;
        switch (e.kind) {
        case Exec::Kind::False:
            return Candidates{};
        case Exec::Kind::True:
            return Candidates{{}, true, true};
        case Exec::Kind::Raw:
            return std::nullopt;
        case Exec::Kind::Member: {
            auto ids = indexIds(e, firstId, budget);
            if (!ids)
                return std::nullopt;
            return Candidates{std::move(*ids), false, true};
        }
        case Exec::Kind::Not: {
            auto c = candidates(*e.left, firstId, budget);
            if (!c || !c->exact) // the complement of a superset is no superset
                return std::nullopt;
            c->complement = !c->complement;
            return c;
        }
        case Exec::Kind::And: {
            auto a = candidates(*e.left, firstId, budget);
            auto b = candidates(*e.right, firstId, budget);
            if (!a && !b)
                return std::nullopt;
            if (!a || !b) {
                Candidates &one = a ? *a : *b;
                one.exact = false; // the other side still has to be checked
                return std::move(one);
            }
            return combine(std::move(*a), std::move(*b), true);
        }
        case Exec::Kind::Or: {
            auto a = candidates(*e.left, firstId, budget);
            if (!a)
                return std::nullopt;
            auto b = candidates(*e.right, firstId, budget);
            if (!b)
                return std::nullopt;
            return combine(std::move(*a), std::move(*b), false);
        }
        }
        return std::nullopt;
    }

    // Emits the ids of cand (or, complemented, every id up to maxId but those).
    void emitCandidates(const Candidates &cand, IdRun &run, int64_t firstId, int64_t maxId)
    {
        const double maxIdF = double(std::max<int64_t>(maxId, 1));
        if (!cand.complement) {
            for (size_t i = 0; i < cand.ids.size(); ++i) {
                if (!run.push(cand.ids[i]) || ((i & 0xffff) == 0 && !run.progress(double(cand.ids[i]) / maxIdF)))
                    return;
            }
            return;
        }
        auto skip = std::lower_bound(cand.ids.begin(), cand.ids.end(), firstId);
        for (int64_t id = std::max<int64_t>(firstId, 1); id <= maxId; ++id) {
            if (skip != cand.ids.end() && *skip == id) {
                ++skip;
                continue;
            }
            if (!run.push(id) || ((id & 0xffff) == 0 && !run.progress(double(id) / maxIdF)))
                return;
        }
    }

    // The plan: look the sets up; take the filter's conjuncts that the events_by_*
    // indexes answer as a candidate id set C; the other conjuncts (the residual) are
    // checked in SQL, per candidate when C is small, else by a scan in id ranges whose
    // rows are kept when in C.
    Result<void> runPlanned(const CompiledFilter &filter, IdRun &run, int64_t firstId)
    {
        sets.clear();
        auto maxId = maxEventId();
        if (!maxId)
            return makeError(maxId.error());
        const double maxIdF = double(std::max<int64_t>(*maxId, 1));
        auto resolved = resolve(*filter.plan, filter);
        if (!resolved)
            return cancelled ? Result<void>{} : makeError(resolved.error());
        const Exec &root = **resolved;
        if (root.kind == Exec::Kind::False) {
            lastPlan = "empty";
            return {};
        }
        std::vector<const Exec *> terms, residual;
        conjuncts(root, terms);
        std::optional<Candidates> cand;
        size_t budget = indexCap;
        for (const Exec *term : terms) {
            auto c = candidates(*term, firstId, budget);
            if (cancelled)
                return {};
            if (!c || !c->exact)
                residual.push_back(term);
            if (c)
                cand = cand ? combine(std::move(*cand), std::move(*c), true) : std::move(*c);
        }
        if (cand && !cand->complement && cand->ids.empty()) {
            lastPlan = "index";
            return {};
        }
        if (residual.empty() && (!cand->complement || denseIds(*maxId))) {
            lastPlan = "index";
            emitCandidates(*cand, run, firstId, *maxId);
            return {};
        }
        const int n = int(filter.params.size());
        std::vector<int64_t> binds;
        std::string condition;
        for (const Exec *term : residual)
            condition += (condition.empty() ? "" : " AND ") + execSql(*term, sets, n + 3, binds);
        if (condition.empty())
            condition = "1";
        auto bindAll = [&](SqliteStatement &s) {
            bindFilter(s, filter);
            for (size_t i = 0; i < binds.size(); ++i)
                s.bindInt64(n + 3 + int(i), binds[i]);
        };
        if (cand && !cand->complement && cand->ids.size() <= verifyCap) {
            // Few candidates: look each one up and check the rest of the condition.
            lastPlan = "verify";
            auto st = statement("SELECT e.id FROM events e WHERE e.id = ?" + std::to_string(n + 1) + " AND (" +
                                condition + ")");
            if (!st)
                return makeError(st.error());
            SqliteStatement &s = **st;
            for (size_t i = 0; i < cand->ids.size(); ++i) {
                bindAll(s);
                s.bindInt64(n + 1, cand->ids[i]);
                auto row = s.step();
                if (!row)
                    return stepError(s, row);
                const bool match = *row;
                s.reset();
                if ((match && !run.push(cand->ids[i])) ||
                    ((i & 0x3ff) == 0 && !run.progress(double(cand->ids[i]) / maxIdF)))
                    break;
            }
            return {};
        }
        // A scan in id ranges (progress by the id reached), rows kept when in cand.
        lastPlan = cand ? "scan+index" : "scan";
        const std::string scanSql = "SELECT e.id FROM events e WHERE e.id >= ?" + std::to_string(n + 1) +
                                    " AND e.id < ?" + std::to_string(n + 2) + " AND (" + condition + ") ORDER BY e.id";
        const int threads = scanThreads > 0 ? scanThreads
                                            : std::clamp(int(std::thread::hardware_concurrency()), 1, kMaxScanThreads);
        if (!live && threads > 1 && *maxId - std::max<int64_t>(firstId, 1) >= scanRange) {
            ParallelScan scan;
            scan.sessionPath = path;
            scan.sql = scanSql;
            scan.rangeParam = n + 1;
            scan.bind = bindAll;
            scan.setUp = [this](SqliteDatabase &db) {
                sqlite3_create_function_v2(db.handle(), "provscope_in", 2, SQLITE_UTF8, this, inSetFunction, nullptr,
                                           nullptr, nullptr);
            };
            scan.candidates = &cand;
            scan.firstId = firstId;
            scan.maxId = *maxId;
            scan.rangeSize = scanRange;
            scan.threads = threads;
            scan.progressSteps = kProgressSteps;
            return runParallelScan(scan, run);
        }
        auto st = statement(scanSql);
        if (!st)
            return makeError(st.error());
        SqliteStatement &s = **st;
        std::vector<int64_t>::const_iterator next, end;
        if (cand) {
            next = std::lower_bound(cand->ids.cbegin(), cand->ids.cend(), firstId);
            end = cand->ids.cend();
        }
        for (int64_t lo = std::max<int64_t>(firstId, 1);;) {
            const bool last = lo + scanRange > *maxId;
            const int64_t hi = last ? std::numeric_limits<int64_t>::max() : lo + scanRange;
            bindAll(s);
            s.bindInt64(n + 1, lo);
            s.bindInt64(n + 2, hi);
            for (;;) {
                auto row = s.step();
                if (!row)
                    return stepError(s, row);
                if (!*row)
                    break;
                const int64_t id = s.columnInt64(0);
                if (cand) {
                    while (next != end && *next < id)
                        ++next;
                    const bool in = next != end && *next == id;
                    if (in == cand->complement)
                        continue;
                }
                if (!run.push(id)) {
                    s.reset();
                    return {};
                }
            }
            s.reset();
            if (last || !run.progress(double(hi - 1) / maxIdF))
                break;
            lo = hi;
        }
        return {};
    }

    static int progress(void *self)
    {
        auto *d = static_cast<Impl *>(self);
        if (d->onProgress && !d->onProgress()) {
            d->cancelled = true;
            return 1; // interrupts the statement
        }
        return 0;
    }
};

EventQuery::EventQuery() : m_impl(std::make_unique<Impl>()) {}

EventQuery::~EventQuery() = default;

Result<std::unique_ptr<EventQuery>> EventQuery::open(const std::string &sessionPath)
{
    // The reader's checks and messages (not a session, damaged, newer format).
    auto reader = SessionReader::open(sessionPath);
    if (!reader)
        return makeError(reader.error());
    std::unique_ptr<EventQuery> query(new EventQuery());
    Impl &d = *query->m_impl;
    d.path = sessionPath;
    d.live = reader.value()->isRecording();
    d.bootToEpochNs = reader.value()->meta().bootToEpochNs;
    reader.value().reset();
    if (auto done = d.connect(); !done)
        return makeError(done.error());
    auto columns = d.db->queryText(
        "SELECT count(*) FROM pragma_table_info('events') WHERE name = 'ext'");
    if (!columns)
        return makeError(sessionPath + ": " + columns.error());
    d.features.identity = *columns == "1";
    d.release();
    return query;
}

int64_t EventQuery::bootToEpochNs() const { return m_impl->bootToEpochNs; }

void EventQuery::setReferenceMode(bool on) { m_impl->referenceMode = on; }

void EventQuery::setScanThreads(int threads) { m_impl->scanThreads = std::max(threads, 0); }

void EventQuery::setPlannerLimits(size_t indexCap, size_t verifyCap, int64_t scanRange)
{
    m_impl->indexCap = indexCap ? indexCap : kIndexCap;
    m_impl->verifyCap = verifyCap ? verifyCap : kVerifyCap;
    m_impl->scanRange = scanRange > 0 ? scanRange : kScanRange;
}

std::string EventQuery::lastPlan() const { return m_impl->lastPlan; }

Result<void> EventQuery::matchingIds(const CompiledFilter &filter,
                                     const std::function<bool(const std::vector<int64_t> &)> &onChunk,
                                     size_t chunkSize, int64_t firstId)
{
    return matchingIds(filter, onChunk, {}, chunkSize, firstId);
}

Result<void> EventQuery::matchingIds(const CompiledFilter &filter,
                                     const std::function<bool(const std::vector<int64_t> &)> &onChunk,
                                     const std::function<bool(double)> &onProgress, size_t chunkSize,
                                     int64_t firstId)
{
    Impl &d = *m_impl;
    if (auto done = d.connect(); !done)
        return done;
    IdRun run(onChunk, onProgress, chunkSize);
    d.cancelled = false;
    d.onProgress = [&run] { return run.heartbeat(); };
    sqlite3_progress_handler(d.db->handle(), kProgressSteps, &Impl::progress, &d);
    Result<void> result = (d.referenceMode || !filter.plan) ? d.runReference(filter, run, firstId)
                                                            : d.runPlanned(filter, run, firstId);
    sqlite3_progress_handler(d.db->handle(), 0, nullptr, nullptr);
    d.onProgress = nullptr;
    d.sets.clear();
    if (result && !run.stopped() && !d.cancelled)
        run.finish();
    d.release();
    if (d.cancelled || run.stopped())
        return {};
    return result;
}

Result<void> EventQuery::forEachMatching(const CompiledFilter &filter, int64_t limit,
                                         const std::function<bool(const Event &)> &visit,
                                         int64_t firstId)
{
    Impl &d = *m_impl;
    if (limit == 0)
        return {};
    if (!d.referenceMode && filter.plan) {
        // The planner's ids (stopping at the limit), then each event by its id.
        std::vector<int64_t> ids;
        auto found = matchingIds(filter, [&](const std::vector<int64_t> &chunk) {
            ids.insert(ids.end(), chunk.begin(), chunk.end());
            return limit < 0 || int64_t(ids.size()) < limit;
        }, {}, 4096, firstId);
        if (!found)
            return found;
        if (limit >= 0 && int64_t(ids.size()) > limit)
            ids.resize(size_t(limit));
        if (auto done = d.connect(); !done)
            return done;
        auto st = d.statement(session_rows::eventSelect(d.features) + " WHERE e.id = ?1");
        if (!st) {
            d.release();
            return makeError(st.error());
        }
        SqliteStatement &s = **st;
        Result<void> result;
        for (int64_t id : ids) {
            s.bindInt64(1, id);
            auto row = s.step();
            if (!row) {
                result = makeError(d.path + ": " + row.error());
                break;
            }
            const bool go = !*row || visit(session_rows::readEvent(s, d.features.identity));
            s.reset();
            if (!go)
                break;
        }
        s.reset();
        d.release();
        return result;
    }
    if (auto done = d.connect(); !done)
        return done;
    const int n = int(filter.params.size());
    const std::string sql = session_rows::eventSelect(d.features) + " WHERE e.id >= ?" +
                            std::to_string(n + 1) + " AND (" + filter.whereSql +
                            ") ORDER BY e.id LIMIT ?" + std::to_string(n + 2);
    auto st = d.statement(sql);
    if (!st) {
        d.release();
        return makeError(st.error());
    }
    SqliteStatement &s = **st;
    d.bindFilter(s, filter);
    s.bindInt64(n + 1, firstId);
    s.bindInt64(n + 2, limit);
    Result<void> result;
    for (;;) {
        auto row = s.step();
        if (!row) {
            result = makeError(d.path + ": " + row.error());
            break;
        }
        if (!*row || !visit(session_rows::readEvent(s, d.features.identity)))
            break;
    }
    s.reset();
    d.release();
    return result;
}

} // namespace provscope
