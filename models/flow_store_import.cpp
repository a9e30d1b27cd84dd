#include "flow_store_import.h"

#include "custody_log.h"
#include "evidence_digest.h"
#include "flow_attribution.h"
#include "flow_store.h"
#include "flow_store_sql.h"
#include "session_reader.h"
#include "session_schema.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <sqlite3.h>

#include <cstdlib>
#include <map>
#include <unordered_map>

namespace provscope {

struct FlowStoreImport::Impl {
    std::string path;
    std::unique_ptr<SqliteDatabase> db;
    std::unique_ptr<SqliteTransaction> tx;
    SessionMeta meta;
    SessionCounts counts;
    FlowStore store;
    FlowAttributor attributor;
    SqliteStatement insertString, findString, findProcess;
    std::unordered_map<std::string, int64_t> strings;
    std::map<std::pair<uint32_t, uint64_t>, std::optional<int64_t>> processRows;
    uint64_t firstKey = 1;
    uint64_t flowsAdded = 0, flowsAttributed = 0, dnsAdded = 0;

    Result<int64_t> intern(const std::string &text);
    std::optional<int64_t> processRowId(uint32_t pid, uint64_t startNs);
    Result<void> loadSocketEvents();
    Result<void> setMeta(SqliteStatement &st, const std::string &key, const std::string &value);
    Result<void> evidenceUnchanged();
    void close();
};

Result<int64_t> FlowStoreImport::Impl::intern(const std::string &text)
{
    return internText(*db, strings, insertString, &findString, text); // the session has strings of its own
}

std::optional<int64_t> FlowStoreImport::Impl::processRowId(uint32_t pid, uint64_t startNs)
{
    const auto key = std::make_pair(pid, startNs);
    if (auto it = processRows.find(key); it != processRows.end())
        return it->second;
    findProcess.bindInt64(1, pid);
    findProcess.bindInt64(2, int64_t(startNs));
    auto row = findProcess.step();
    std::optional<int64_t> id;
    if (row && *row)
        id = findProcess.columnInt64(0);
    findProcess.reset();
    processRows.emplace(key, id);
    return id;
}

Result<void> FlowStoreImport::Impl::loadSocketEvents()
{
    // Only what attribution needs: time range, process identity and the 5-tuple.
    auto st = SqliteStatement::prepare(*db, "SELECT e.ts, e.dt, p.pid, p.start_ns, s.laddr, s.lport, s.raddr, s.rport"
                                            " FROM events e JOIN sockets s ON s.id = e.socket"
                                            " JOIN processes p ON p.id = e.proc WHERE e.socket IS NOT NULL");
    if (!st)
        return makeError(st.error());
    Event e;
    for (;;) {
        auto row = st->step();
        if (!row)
            return makeError(row.error());
        if (!*row)
            return {};
        e.tsNs = uint64_t(st->columnInt64(0));
        e.lastTsNs = e.tsNs + uint64_t(st->columnInt64(1));
        e.pid = uint32_t(st->columnInt64(2));
        e.procStartNs = uint64_t(st->columnInt64(3));
        e.laddr = st->columnText(4);
        e.lport = uint16_t(st->columnInt64(5));
        e.raddr = st->columnText(6);
        e.rport = uint16_t(st->columnInt64(7));
        attributor.addEvent(e);
    }
}

Result<void> FlowStoreImport::Impl::setMeta(SqliteStatement &st, const std::string &key, const std::string &value)
{
    st.bindText(1, key);
    st.bindText(2, value);
    return st.run();
}

Result<void> FlowStoreImport::Impl::evidenceUnchanged()
{
    auto recorded = readRecordedDigest(*db);
    if (!recorded)
        return makeError("cannot import into " + path + ": " + recorded.error());
    if (!*recorded)
        return {}; // an older provscope recorded none: nothing to compare with
    auto now = computeEvidenceDigest(*db, (*recorded)->version);
    if (!now)
        return makeError("cannot import into " + path + ": " + now.error());
    if (*now != (*recorded)->sha256)
        return makeError("the evidence in " + path + " changed since it was recorded (run provscope-cli verify " +
                         path + "); nothing imported");
    return {};
}

void FlowStoreImport::Impl::close()
{
    store.clear();
    insertString = {};
    findString = {};
    findProcess = {};
    tx.reset(); // rolls back unless committed
    db.reset();
}

FlowStoreImport::FlowStoreImport() : m_impl(std::make_unique<Impl>()) {}

FlowStoreImport::~FlowStoreImport() { m_impl->close(); }

Result<std::unique_ptr<FlowStoreImport>> FlowStoreImport::open(const std::string &path, const std::string &shownAs)
{
    std::unique_ptr<FlowStoreImport> import(new FlowStoreImport());
    Impl &d = *import->m_impl;
    d.path = shownAs.empty() ? path : shownAs;
    const std::string shown = d.path;
    auto fail = [&shown](const std::string &message) { return makeError("cannot import into " + shown + ": " + message); };
    {
        auto reader = SessionReader::open(path);
        if (!reader)
            return makeError(reader.error());
        d.meta = (*reader)->meta();
        d.counts = (*reader)->counts();
    }
    // Refuses a recording (or an interrupted one) and never follows a symlink.
    auto db = openSessionForEvidenceUpdate(path);
    if (!db)
        return makeError(db.error());
    d.db = std::move(db.value());
    d.tx = std::make_unique<SqliteTransaction>(*d.db);
    if (!d.tx->begun())
        return fail(d.tx->begun().error());
    // Sealing tampered evidence under a new digest would hide the change: the evidence
    // must still be what the recorded digest (at its own version) says.
    if (auto same = d.evidenceUnchanged(); !same)
        return makeError(same.error());
    if (auto done = d.db->exec(schema::createFlowTablesStatement()); !done)
        return fail(done.error());
    // Its flows and counts were read before the transaction: read them again inside it.
    auto counts = SqliteStatement::prepare(
        *d.db, "SELECT (SELECT value FROM meta WHERE key = 'flow_count'), (SELECT value FROM meta WHERE key = 'dns_count'),"
               " (SELECT value FROM meta WHERE key = 'format_version')");
    if (!counts)
        return fail(counts.error());
    if (auto row = counts->step(); !row || !*row)
        return fail(row ? "meta is unreadable" : row.error());
    d.counts.flows = std::strtoll(counts->columnText(0).c_str(), nullptr, 10);
    d.counts.dnsRecords = std::strtoll(counts->columnText(1).c_str(), nullptr, 10);
    d.meta.formatVersion = counts->columnText(2);
    counts = makeError("done");
    auto prepared = prepareStatements(*d.db, {
        {&d.insertString, "INSERT OR IGNORE INTO strings(text) VALUES (?1)"},
        {&d.findString, "SELECT id FROM strings WHERE text = ?1"},
        {&d.findProcess, "SELECT id FROM processes WHERE pid = ?1 AND start_ns = ?2"},
    });
    if (!prepared)
        return fail(prepared.error());
    Impl *impl = &d;
    auto storePrepared = d.store.prepare(
        *d.db, [impl](const std::string &text) { return impl->intern(text); },
        [impl](uint32_t pid, uint64_t startNs) { return impl->processRowId(pid, startNs); });
    if (!storePrepared)
        return fail(storePrepared.error());
    auto maxKey = d.store.maxKey();
    if (!maxKey)
        return fail(maxKey.error());
    d.firstKey = *maxKey + 1;
    if (auto done = d.loadSocketEvents(); !done)
        return fail("cannot read its socket events: " + done.error());
    return import;
}

int64_t FlowStoreImport::bootToEpochNs() const { return m_impl->meta.bootToEpochNs; }

uint64_t FlowStoreImport::firstKey() const { return m_impl->firstKey; }

Result<void> FlowStoreImport::add(std::vector<Flow> &flows, const std::vector<DnsRecord> &dnsRecords)
{
    Impl &d = *m_impl;
    if (!d.tx)
        return makeError("the import into " + d.path + " is closed");
    for (Flow &flow : flows) {
        if (flow.key < d.firstKey)
            return makeError("flow key " + std::to_string(flow.key) + " would replace a flow of " + d.path);
        d.attributor.attribute(flow);
        auto isNew = d.store.putFlow(flow);
        if (!isNew)
            return makeError("cannot store a flow in " + d.path + ": " + isNew.error());
        if (*isNew)
            ++d.flowsAdded;
    }
    for (const DnsRecord &record : dnsRecords) {
        if (auto done = d.store.putDns(record); !done)
            return makeError("cannot store a DNS record in " + d.path + ": " + done.error());
        ++d.dnsAdded;
    }
    return {};
}

Result<void> FlowStoreImport::commit(const std::string &note)
{
    Impl &d = *m_impl;
    if (!d.tx)
        return makeError("the import into " + d.path + " is closed");
    auto fail = [&d](const std::string &message) {
        d.close();
        return makeError("cannot import into " + d.path + ": " + message);
    };
    auto meta = SqliteStatement::prepare(*d.db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)");
    if (!meta)
        return fail(meta.error());
    Result<void> done = d.setMeta(*meta, "flow_count", std::to_string(d.counts.flows + int64_t(d.flowsAdded)));
    if (done)
        done = d.setMeta(*meta, "dns_count", std::to_string(d.counts.dnsRecords + int64_t(d.dnsAdded)));
    // The file now holds format 1.3's tables.
    const size_t dot = d.meta.formatVersion.find('.');
    const int minor = dot == std::string::npos ? 0 : std::atoi(d.meta.formatVersion.c_str() + dot + 1);
    if (done && minor < kSessionFormatMinor)
        done = d.setMeta(*meta, "format_version", sessionFormatVersion());
    meta = makeError("done");
    // Attributed as stored: a key re-sent later may have gained its processes then.
    if (done) {
        auto attributed = SqliteStatement::prepare(*d.db, "SELECT COUNT(*) FROM flows WHERE id >= ?1"
                                                          " AND (proc IS NOT NULL OR peer_proc IS NOT NULL)");
        if (!attributed)
            done = makeError(attributed.error());
        else {
            attributed->bindInt64(1, int64_t(d.firstKey));
            auto row = attributed->step();
            if (!row)
                done = makeError(row.error());
            else
                d.flowsAttributed = *row ? uint64_t(attributed->columnInt64(0)) : 0;
        }
    }
    if (done) {
        // The flows and their custody entry are committed together or not at all.
        auto entry = appendCustodyEntryInTransaction(*d.db, "import", note);
        done = entry ? Result<void>() : Result<void>(makeError(entry.error()));
    }
    d.store.clear();
    d.insertString = {};
    d.findString = {};
    d.findProcess = {};
    if (done)
        done = d.tx->commit();
    if (!done)
        return fail(done.error());
    d.tx.reset();
    if (auto closed = d.db->close(); !closed)
        return fail(closed.error());
    d.db.reset();
    return {};
}

uint64_t FlowStoreImport::flowsAdded() const { return m_impl->flowsAdded; }

uint64_t FlowStoreImport::flowsAttributed() const { return m_impl->flowsAttributed; }

uint64_t FlowStoreImport::dnsRecordsAdded() const { return m_impl->dnsAdded; }

} // namespace provscope
