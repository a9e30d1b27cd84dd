#include "event_query.h"

#include "filter_parser.h"
#include "session_file_check.h"
#include "session_reader.h"
#include "session_rows.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <sqlite3.h>

#include <map>

namespace provscope {
namespace {

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

    Result<void> connect()
    {
        if (db)
            return {};
        auto opened = SqliteDatabase::open(
            sqliteFileUri(path, live ? "mode=ro" : "mode=ro&immutable=1"),
            SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
        if (!opened)
            return makeError("cannot open " + path + ": " + opened.error());
        db = std::move(opened.value());
        if (live)
            sqlite3_busy_timeout(db->handle(), 2000);
        sqlite3_create_function_v2(db->handle(), "provscope_cmdline", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, cmdlineFunction,
                                   nullptr, nullptr, nullptr);
        return {};
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

Result<void> EventQuery::matchingIds(const CompiledFilter &filter,
                                     const std::function<bool(const std::vector<int64_t> &)> &onChunk,
                                     size_t chunkSize, int64_t firstId)
{
    Impl &d = *m_impl;
    if (auto done = d.connect(); !done)
        return done;
    std::string sql = "SELECT e.id FROM events e";
    if (filter.needsProcessRow)
        sql += " JOIN processes p ON p.id = e.proc";
    sql += " WHERE e.id >= ?" + std::to_string(filter.params.size() + 1) + " AND (" +
           filter.whereSql + ") ORDER BY e.id";
    auto st = d.statement(sql);
    if (!st) {
        d.release();
        return makeError(st.error());
    }
    SqliteStatement &s = **st;
    d.bindFilter(s, filter);
    s.bindInt64(int(filter.params.size() + 1), firstId);
    if (chunkSize == 0)
        chunkSize = 1;
    std::vector<int64_t> chunk;
    chunk.reserve(chunkSize);
    d.cancelled = false;
    // A long scan that finds nothing still offers the caller to cancel: the chunk
    // so far (possibly empty) is handed over as a heartbeat.
    d.onProgress = [&] {
        const bool go = onChunk(chunk);
        chunk.clear();
        return go;
    };
    sqlite3_progress_handler(d.db->handle(), kProgressSteps, &Impl::progress, &d);
    Result<void> result;
    for (;;) {
        auto row = s.step();
        if (!row) {
            if (!d.cancelled)
                result = makeError(d.path + ": " + row.error());
            break;
        }
        if (!*row) {
            if (!chunk.empty())
                (void)onChunk(chunk);
            break;
        }
        chunk.push_back(s.columnInt64(0));
        if (chunk.size() >= chunkSize) {
            const bool go = onChunk(chunk);
            chunk.clear();
            if (!go)
                break;
        }
    }
    sqlite3_progress_handler(d.db->handle(), 0, nullptr, nullptr);
    d.onProgress = nullptr;
    s.reset();
    d.release();
    return result;
}

Result<void> EventQuery::forEachMatching(const CompiledFilter &filter, int64_t limit,
                                         const std::function<bool(const Event &)> &visit,
                                         int64_t firstId)
{
    Impl &d = *m_impl;
    if (limit == 0)
        return {};
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
