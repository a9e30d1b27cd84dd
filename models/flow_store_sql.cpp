#include "flow_store_sql.h"

#include "sqlite_database.h"

#include <sqlite3.h>

namespace provscope {

Result<void> prepareStatements(SqliteDatabase &db, std::initializer_list<StatementSql> statements)
{
    for (const StatementSql &s : statements) {
        auto st = SqliteStatement::prepare(db, s.sql);
        if (!st)
            return makeError(st.error());
        *s.target = std::move(st.value());
    }
    return {};
}

Result<int64_t> internText(SqliteDatabase &db, std::unordered_map<std::string, int64_t> &cache, SqliteStatement &insert,
                           SqliteStatement *find, const std::string &text)
{
    if (auto it = cache.find(text); it != cache.end())
        return it->second;
    insert.bindText(1, text);
    if (auto done = insert.run(); !done)
        return makeError(done.error());
    int64_t id = 0;
    if (!find) {
        id = sqlite3_last_insert_rowid(db.handle());
    } else {
        find->bindText(1, text);
        auto row = find->step();
        id = row && *row ? find->columnInt64(0) : 0;
        find->reset();
        if (!row)
            return makeError(row.error());
        if (!id)
            return makeError("\"" + text + "\" was not stored");
    }
    cache.emplace(text, id);
    return id;
}

} // namespace provscope
