#include "session_reader.h"

#include "flow_store_queries.h"
#include "flow_store_sql.h"
#include "session_connection.h"
#include "session_file_check.h"
#include "session_rows.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace provscope {
namespace {

using session_rows::SchemaFeatures;
using session_rows::eventSelect;
using session_rows::processSelect;
using session_rows::readEvent;
using session_rows::readProcess;

// Above this size, opening skips PRAGMA quick_check: it reads every page, and a
// 10-million-event session must open in well under a second.
constexpr uint64_t kQuickCheckMaxBytes = 32u << 20;

int64_t toInt(const std::map<std::string, std::string> &meta, const char *key)
{
    auto it = meta.find(key);
    return it == meta.end() ? 0 : std::strtoll(it->second.c_str(), nullptr, 10);
}

std::string toText(const std::map<std::string, std::string> &meta, const char *key)
{
    auto it = meta.find(key);
    return it == meta.end() ? std::string() : it->second;
}

// "1.7" -> {1, 7}; false when it is not major.minor.
bool parseVersion(const std::string &text, int &major, int &minor)
{
    char *end = nullptr;
    const long ma = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '.')
        return false;
    const char *minorStart = end + 1;
    const long mi = std::strtol(minorStart, &end, 10);
    if (end == minorStart || *end != '\0' || ma < 0 || mi < 0)
        return false;
    major = int(ma);
    minor = int(mi);
    return true;
}

// A loss row of the lossAll statement (columns first_ts, last_ts, cpu, count, source).
LossRecord readLoss(const SqliteStatement &st)
{
    LossRecord loss;
    loss.firstTsNs = uint64_t(st.columnInt64(0));
    loss.lastTsNs = uint64_t(st.columnInt64(1));
    loss.cpu = int32_t(st.columnInt64(2));
    loss.count = uint64_t(st.columnInt64(3));
    loss.source = st.columnText(4);
    return loss;
}

// Steps st to its end, keeping read(st) of every row; the statement is reset
// either way, so it can be reused.
template <class Read>
auto collectRows(SqliteStatement &st, const std::string &path, Read read)
    -> Result<std::vector<decltype(read(st))>>
{
    std::vector<decltype(read(st))> rows;
    for (;;) {
        auto row = st.step();
        if (!row) {
            st.reset();
            return makeError(path + ": " + row.error());
        }
        if (!*row)
            break;
        rows.push_back(read(st));
    }
    st.reset();
    return rows;
}

} // namespace

struct SessionReader::Impl {
    std::string path;
    std::unique_ptr<SqliteDatabase> db;
    SessionMeta meta;
    SessionCounts counts;
    bool live = false;
    SchemaFeatures features;
    SqliteStatement metaAll, eventRange, processAll, processExact, processLatest, lossAll;
    std::map<int, SqliteStatement> filtered; // by the shape of an EventFilter

    Result<void> loadMeta();
    Result<void> detectFeatures();
    Result<void> openConnection(bool live);
    Result<void> prepareStatements();
    Result<void> acquire();
    void release();
    void disconnect();
    Error damaged(const std::string &what) const { return makeError(path + " is damaged: " + what); }

    // While a session is recorded, the reader holds its connection only during a call:
    // an open WAL connection would keep the writer from leaving WAL mode at finish().
    class Use {
    public:
        explicit Use(Impl &d) : m_d(d), m_ready(d.acquire()) {}
        ~Use() { m_d.release(); }
        const Result<void> &ready() const { return m_ready; }

    private:
        Impl &m_d;
        Result<void> m_ready;
    };
};

Result<void> SessionReader::Impl::openConnection(bool isLive)
{
    live = isLive;
    auto opened = openSessionReadOnly(path, live);
    if (!opened)
        return makeError(opened.error());
    db = std::move(opened.value());
    return {};
}

Result<void> SessionReader::Impl::prepareStatements()
{
    return provscope::prepareStatements(*db, {
        {&metaAll, "SELECT key, value FROM meta"},
        {&eventRange, eventSelect(features) + " WHERE e.id >= ?1 AND e.id < ?2 ORDER BY e.id"},
        {&processAll, processSelect(features) + " ORDER BY p.id"},
        {&processExact, processSelect(features) + " WHERE p.pid = ?1 AND p.start_ns = ?2"},
        {&processLatest,
         processSelect(features) + " WHERE p.pid = ?1 ORDER BY p.start_ns DESC LIMIT 1"},
        {&lossAll, std::string("SELECT first_ts, last_ts, cpu, count, source, ") +
                       (features.lossPosition ? "before_event" : "NULL") + " FROM losses ORDER BY id"},
    });
}

Result<void> SessionReader::Impl::acquire()
{
    if (db)
        return {};
    // Look again: the recording may have finished (one file, no -wal) meanwhile.
    auto check = checkSessionFile(path);
    if (!check)
        return makeError(check.error());
    if (auto done = openConnection(check->walMode && check->walFilePresent); !done)
        return done;
    if (auto done = prepareStatements(); !done) {
        disconnect();
        return makeError(path + ": " + done.error());
    }
    return {};
}

void SessionReader::Impl::release()
{
    if (live)
        disconnect();
}

void SessionReader::Impl::disconnect()
{
    filtered.clear();
    metaAll = {};
    eventRange = {};
    processAll = {};
    processExact = {};
    processLatest = {};
    lossAll = {};
    db.reset();
}

Result<void> SessionReader::Impl::loadMeta()
{
    std::map<std::string, std::string> values;
    for (;;) {
        auto row = metaAll.step();
        if (!row) {
            metaAll.reset();
            return makeError(row.error());
        }
        if (!*row)
            break;
        values[metaAll.columnText(0)] = metaAll.columnText(1);
    }
    metaAll.reset();
    meta.formatVersion = toText(values, "format_version");
    meta.toolVersion = toText(values, "tool_version");
    meta.host = toText(values, "host");
    meta.kernel = toText(values, "kernel");
    meta.bootId = toText(values, "boot_id");
    meta.bootToEpochNs = toInt(values, "boot_to_epoch_ns");
    meta.captureStartNs = uint64_t(toInt(values, "capture_start_ns"));
    meta.captureEndNs = uint64_t(toInt(values, "capture_end_ns"));
    meta.captureConfig = toText(values, "capture_config");
    counts.events = toInt(values, "event_count");
    counts.processes = toInt(values, "process_count");
    counts.files = toInt(values, "file_count");
    counts.sockets = toInt(values, "socket_count");
    counts.lostEvents = toInt(values, "lost_events");
    counts.flows = toInt(values, "flow_count");
    counts.dnsRecords = toInt(values, "dns_count");
    return {};
}

Result<void> SessionReader::Impl::detectFeatures()
{
    auto columns = SqliteStatement::prepare(
        *db, "SELECT m.name, c.name FROM sqlite_schema m, pragma_table_info(m.name) c"
             " WHERE m.type = 'table' AND m.name IN ('events', 'losses', 'file_ids', 'flows', 'dns')");
    if (!columns)
        return makeError(columns.error());
    bool flowsTable = false, dnsTable = false;
    for (;;) {
        auto row = columns->step();
        if (!row)
            return makeError(row.error());
        if (!*row)
            break;
        const std::string table = columns->columnText(0);
        const std::string column = columns->columnText(1);
        if (table == "events" && column == "ext")
            features.identity = true;
        if (table == "losses" && column == "before_event")
            features.lossPosition = true;
        if (table == "file_ids")
            features.fileIds = true;
        if (table == "flows")
            flowsTable = true;
        if (table == "dns")
            dnsTable = true;
    }
    features.flows = flowsTable && dnsTable;
    return {};
}

SessionReader::SessionReader() : m_impl(std::make_unique<Impl>()) {}

SessionReader::~SessionReader() = default;

Result<std::unique_ptr<SessionReader>> SessionReader::open(const std::string &path)
{
    auto check = checkSessionFile(path);
    if (!check)
        return makeError(check.error());

    std::unique_ptr<SessionReader> reader(new SessionReader());
    Impl &d = *reader->m_impl;
    d.path = path;
    if (auto done = d.openConnection(check->walMode && check->walFilePresent); !done)
        return makeError(done.error());

    auto appId = d.db->queryText("PRAGMA application_id");
    if (!appId)
        return d.damaged(appId.error());
    if (std::strtoll(appId->c_str(), nullptr, 10) != kSessionApplicationId)
        return makeError(path + " is an SQLite database but not a provscope session");

    auto tables = SqliteStatement::prepare(
        *d.db, "SELECT name FROM sqlite_schema WHERE type = 'table'");
    if (!tables)
        return d.damaged(tables.error());
    std::vector<std::string> present;
    for (;;) {
        auto row = tables->step();
        if (!row)
            return d.damaged(row.error());
        if (!*row)
            break;
        present.push_back(tables->columnText(0));
    }
    auto has = [&](const std::string &name) {
        return std::find(present.begin(), present.end(), name) != present.end();
    };
    if (!has("meta"))
        return d.damaged("it has no meta table");

    auto metaAll = SqliteStatement::prepare(*d.db, "SELECT key, value FROM meta");
    if (!metaAll)
        return d.damaged(metaAll.error());
    d.metaAll = std::move(metaAll.value());
    tables = makeError("done"); // finalize before the connection may be released
    if (auto loaded = d.loadMeta(); !loaded)
        return d.damaged(loaded.error());

    // Any 1.x opens (unknown tables are ignored); a newer major is refused by name.
    int major = 0, minor = 0;
    if (!parseVersion(d.meta.formatVersion, major, minor))
        return d.damaged("its format version \"" + d.meta.formatVersion + "\" is not major.minor");
    if (major > kSessionFormatMajor)
        return makeError(path + " was written by a newer provscope (format " +
                         d.meta.formatVersion + "); this version reads " +
                         std::to_string(kSessionFormatMajor) + ".x");
    if (major < kSessionFormatMajor)
        return makeError(path + " was written in an old format (" + d.meta.formatVersion +
                         ") that this version cannot read");
    for (const char *table : schema::kRequiredTables) {
        if (!has(table))
            return d.damaged(std::string("table ") + table + " is missing");
    }
    if (!d.live && check->fileSize <= kQuickCheckMaxBytes) {
        auto quick = d.db->queryText("PRAGMA quick_check(1)");
        if (!quick)
            return d.damaged(quick.error());
        if (*quick != "ok")
            return d.damaged(*quick);
    }

    if (auto done = d.detectFeatures(); !done)
        return d.damaged(done.error());
    if (auto done = d.prepareStatements(); !done)
        return d.damaged(done.error());
    d.release();
    return reader;
}

const SessionMeta &SessionReader::meta() const { return m_impl->meta; }

SessionCounts SessionReader::counts() const { return m_impl->counts; }

bool SessionReader::isRecording() const { return m_impl->live && m_impl->meta.captureEndNs == 0; }

Result<void> SessionReader::refresh()
{
    if (!m_impl->live)
        return {};
    Impl::Use use(*m_impl);
    if (!use.ready())
        return makeError("cannot re-read " + m_impl->path + ": " + use.ready().error());
    if (auto loaded = m_impl->loadMeta(); !loaded)
        return makeError("cannot re-read " + m_impl->path + ": " + loaded.error());
    return {};
}

Result<std::vector<Event>> SessionReader::eventsByIdRange(int64_t firstId, int count) const
{
    std::vector<Event> events;
    if (count <= 0)
        return events;
    Impl::Use use(*m_impl);
    if (!use.ready())
        return makeError(use.ready().error());
    SqliteStatement &st = m_impl->eventRange;
    st.bindInt64(1, firstId);
    st.bindInt64(2, firstId + count);
    events.reserve(size_t(count));
    for (;;) {
        auto row = st.step();
        if (!row) {
            st.reset();
            return makeError(m_impl->path + ": " + row.error());
        }
        if (!*row)
            break;
        events.push_back(readEvent(st, m_impl->features.identity));
    }
    st.reset();
    return events;
}

Result<Event> SessionReader::event(int64_t id) const
{
    auto events = eventsByIdRange(id, 1);
    if (!events)
        return makeError(events.error());
    if (events->empty())
        return makeError(m_impl->path + " has no event " + std::to_string(id));
    return std::move(events->front());
}

Result<void> SessionReader::forEachEvent(const EventFilter &filter,
                                         const std::function<bool(const Event &)> &visit) const
{
    // One statement per filter shape; values are always bound, never pasted.
    Impl::Use use(*m_impl);
    if (!use.ready())
        return makeError(use.ready().error());
    const int shape = (filter.pid ? 1 : 0) | (filter.pid && filter.procStartNs ? 2 : 0) |
                      (filter.syscall ? 4 : 0) | (filter.path ? 8 : 0);
    auto it = m_impl->filtered.find(shape);
    if (it == m_impl->filtered.end()) {
        std::string sql = eventSelect(m_impl->features) + " WHERE e.id >= ?1";
        if (shape & 1)
            sql += std::string(" AND e.proc IN (SELECT id FROM processes WHERE pid = ?3") +
                   ((shape & 2) ? " AND start_ns = ?4)" : ")");
        if (shape & 4)
            sql += " AND e.syscall = (SELECT id FROM strings WHERE text = ?5)";
        if (shape & 8)
            sql += " AND (e.file = (SELECT id FROM files WHERE path = ?6)"
                   " OR e.file2 = (SELECT id FROM files WHERE path = ?6))";
        sql += " ORDER BY e.id LIMIT ?2";
        auto st = SqliteStatement::prepare(*m_impl->db, sql);
        if (!st)
            return makeError(m_impl->path + ": " + st.error());
        it = m_impl->filtered.emplace(shape, std::move(st.value())).first;
    }
    SqliteStatement &st = it->second;
    st.bindInt64(1, filter.firstId);
    st.bindInt64(2, filter.limit);
    if (shape & 1)
        st.bindInt64(3, *filter.pid);
    if (shape & 2)
        st.bindInt64(4, int64_t(*filter.procStartNs));
    if (shape & 4)
        st.bindText(5, *filter.syscall);
    if (shape & 8)
        st.bindText(6, *filter.path);
    for (;;) {
        auto row = st.step();
        if (!row) {
            st.reset();
            return makeError(m_impl->path + ": " + row.error());
        }
        if (!*row || !visit(readEvent(st, m_impl->features.identity)))
            break;
    }
    st.reset();
    return {};
}

Result<std::vector<ProcessInfo>> SessionReader::processes() const
{
    Impl::Use use(*m_impl);
    if (!use.ready())
        return makeError(use.ready().error());
    return collectRows(m_impl->processAll, m_impl->path, readProcess);
}

Result<std::optional<ProcessInfo>> SessionReader::process(uint32_t pid, uint64_t startNs) const
{
    Impl::Use use(*m_impl);
    if (!use.ready())
        return makeError(use.ready().error());
    SqliteStatement &st = startNs ? m_impl->processExact : m_impl->processLatest;
    st.bindInt64(1, pid);
    if (startNs)
        st.bindInt64(2, int64_t(startNs));
    auto row = st.step();
    std::optional<ProcessInfo> result;
    if (row && *row)
        result = readProcess(st);
    st.reset();
    if (!row)
        return makeError(m_impl->path + ": " + row.error());
    return result;
}

Result<std::vector<LossRecord>> SessionReader::losses() const
{
    Impl::Use use(*m_impl);
    if (!use.ready())
        return makeError(use.ready().error());
    return collectRows(m_impl->lossAll, m_impl->path, readLoss);
}

Result<std::vector<PlacedLoss>> SessionReader::placedLosses() const
{
    std::vector<PlacedLoss> result;
    {
        Impl::Use use(*m_impl);
        if (!use.ready())
            return makeError(use.ready().error());
        // beforeEventId -1: not recorded (a 1.0 session), placed by time below.
        auto rows = collectRows(m_impl->lossAll, m_impl->path, [](const SqliteStatement &st) {
            return PlacedLoss{st.isNull(5) ? -1 : st.columnInt64(5), readLoss(st)};
        });
        if (!rows)
            return makeError(rows.error());
        result = std::move(rows).value();
    }
    const int64_t events = m_impl->counts.events;
    for (size_t i = 0; i < result.size(); ++i) {
        int64_t &before = result[i].beforeEventId;
        if (before >= 0) {
            before = std::clamp<int64_t>(before, 1, events + 1);
            continue;
        }
        int64_t lo = 1, hi = events + 1; // first id in [lo, hi) with ts >= firstTsNs
        while (lo < hi) {
            const int64_t mid = lo + (hi - lo) / 2;
            auto e = event(mid);
            if (!e)
                return makeError(e.error());
            if (e->tsNs < result[i].loss.firstTsNs)
                lo = mid + 1;
            else
                hi = mid;
        }
        before = lo;
    }
    std::stable_sort(result.begin(), result.end(), [](const PlacedLoss &a, const PlacedLoss &b) {
        return a.beforeEventId < b.beforeEventId;
    });
    return result;
}

Result<std::vector<FileIdentity>> SessionReader::fileIdentities() const
{
    if (!m_impl->features.fileIds)
        return std::vector<FileIdentity>();
    Impl::Use use(*m_impl);
    if (!use.ready())
        return makeError(use.ready().error());
    auto st = SqliteStatement::prepare(*m_impl->db,
                                       "SELECT i.file, f.path, i.dev, i.ino, i.first_event FROM file_ids i"
                                       " JOIN files f ON f.id = i.file ORDER BY i.id");
    if (!st)
        return makeError(m_impl->path + ": " + st.error());
    return collectRows(*st, m_impl->path, [](const SqliteStatement &row) {
        return FileIdentity{row.columnInt64(0), row.columnText(1), uint64_t(row.columnInt64(2)),
                            uint64_t(row.columnInt64(3)), row.columnInt64(4)};
    });
}

bool SessionReader::hasFlowTables() const { return m_impl->features.flows; }

Result<std::vector<Flow>> SessionReader::flows() const
{
    std::vector<Flow> flows;
    auto done = forEachFlow([&flows](const Flow &flow) {
        flows.push_back(flow);
        return true;
    });
    if (!done)
        return makeError(done.error());
    return flows;
}

Result<void> SessionReader::forEachFlow(const std::function<bool(const Flow &)> &visit) const
{
    if (!m_impl->features.flows)
        return {};
    Impl::Use use(*m_impl);
    if (!use.ready())
        return makeError(use.ready().error());
    return flow_queries::forEachFlow(*m_impl->db, m_impl->path, visit);
}

Result<std::vector<DnsRecord>> SessionReader::dnsRecords() const
{
    std::vector<DnsRecord> records;
    auto done = forEachDnsRecord([&records](const DnsRecord &record) {
        records.push_back(record);
        return true;
    });
    if (!done)
        return makeError(done.error());
    return records;
}

Result<void> SessionReader::forEachDnsRecord(const std::function<bool(const DnsRecord &)> &visit) const
{
    if (!m_impl->features.flows)
        return {};
    Impl::Use use(*m_impl);
    if (!use.ready())
        return makeError(use.ready().error());
    return flow_queries::forEachDnsRecord(*m_impl->db, m_impl->path, visit);
}

const std::string &SessionReader::path() const { return m_impl->path; }

} // namespace provscope
