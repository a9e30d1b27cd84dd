#include "flow_store.h"

#include "flow_store_sql.h"
#include "sqlite_database.h"

namespace provscope {

Result<void> FlowStore::prepare(SqliteDatabase &db, Intern intern, ProcessRowId processRowId)
{
    m_intern = std::move(intern);
    m_processRowId = std::move(processRowId);
    return prepareStatements(db, {
        // A flush re-sends an open flow: the last version's counts win, the FIRST stored
        // attribution stays (a later version may see other processes reuse the 5-tuple).
        {&m_upsertFlow,
         "INSERT INTO flows(id, proto, src, sport, dst, dport, packets_out, bytes_out, packets_in, bytes_in,"
         " tcp_flags, first_ts, last_ts, ended, iface, dns_name, proc, peer_proc)"
         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
         " ON CONFLICT(id) DO UPDATE SET proto = excluded.proto, src = excluded.src, sport = excluded.sport,"
         " dst = excluded.dst, dport = excluded.dport, packets_out = excluded.packets_out,"
         " bytes_out = excluded.bytes_out, packets_in = excluded.packets_in, bytes_in = excluded.bytes_in,"
         " tcp_flags = excluded.tcp_flags, first_ts = excluded.first_ts, last_ts = excluded.last_ts,"
         " ended = excluded.ended, iface = excluded.iface, dns_name = COALESCE(excluded.dns_name, dns_name),"
         " proc = COALESCE(proc, excluded.proc), peer_proc = COALESCE(peer_proc, excluded.peer_proc)"},
        {&m_flowExists, "SELECT p.pid, p.start_ns, q.pid, q.start_ns FROM flows f LEFT JOIN processes p ON p.id = f.proc"
                        " LEFT JOIN processes q ON q.id = f.peer_proc WHERE f.id = ?1"},
        {&m_updateAttribution,
         "UPDATE flows SET proc = COALESCE(proc, ?2), peer_proc = COALESCE(peer_proc, ?3) WHERE id = ?1"},
        {&m_insertDns,
         "INSERT INTO dns(ts, name, type, value, ttl, query_name, server) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
        {&m_maxKey, "SELECT MAX(id) FROM flows"},
    });
}

void FlowStore::clear()
{
    m_upsertFlow = {};
    m_flowExists = {};
    m_updateAttribution = {};
    m_insertDns = {};
    m_maxKey = {};
}

Result<std::optional<int64_t>> FlowStore::optionalText(const std::string &text)
{
    if (text.empty())
        return std::optional<int64_t>();
    auto id = m_intern(text);
    if (!id)
        return makeError(id.error());
    return std::optional<int64_t>(*id);
}

Result<bool> FlowStore::putFlow(Flow &f)
{
    m_flowExists.bindInt64(1, int64_t(f.key));
    auto exists = m_flowExists.step();
    if (exists && *exists) {
        // What is stored stays: the caller sees the flow as a reader will.
        if (!m_flowExists.isNull(0)) {
            f.pid = uint32_t(m_flowExists.columnInt64(0));
            f.procStartNs = uint64_t(m_flowExists.columnInt64(1));
        }
        if (!m_flowExists.isNull(2)) {
            f.peerPid = uint32_t(m_flowExists.columnInt64(2));
            f.peerStartNs = uint64_t(m_flowExists.columnInt64(3));
        }
    }
    m_flowExists.reset();
    if (!exists)
        return makeError(exists.error());
    auto src = m_intern(f.src);
    auto dst = m_intern(f.dst);
    if (!src || !dst)
        return makeError(!src ? src.error() : dst.error());
    auto iface = optionalText(f.interfaceName);
    auto name = optionalText(f.dnsName);
    if (!iface || !name)
        return makeError(!iface ? iface.error() : name.error());
    SqliteStatement &st = m_upsertFlow;
    st.bindInt64(1, int64_t(f.key));
    st.bindInt64(2, f.proto);
    st.bindInt64(3, *src);
    st.bindInt64(4, f.sport);
    st.bindInt64(5, *dst);
    st.bindInt64(6, f.dport);
    st.bindInt64(7, int64_t(f.packetsOut));
    st.bindInt64(8, int64_t(f.bytesOut));
    st.bindInt64(9, int64_t(f.packetsIn));
    st.bindInt64(10, int64_t(f.bytesIn));
    st.bindInt64(11, f.tcpFlags);
    st.bindInt64(12, f.firstNs);
    st.bindInt64(13, f.lastNs);
    st.bindInt64(14, f.ended ? 1 : 0);
    st.bindOptional(15, *iface);
    st.bindOptional(16, *name);
    st.bindOptional(17, f.pid ? m_processRowId(f.pid, f.procStartNs) : std::nullopt);
    st.bindOptional(18, f.peerPid ? m_processRowId(f.peerPid, f.peerStartNs) : std::nullopt);
    if (auto done = st.run(); !done)
        return makeError(done.error());
    return !*exists;
}

Result<void> FlowStore::updateAttribution(const Flow &f)
{
    m_updateAttribution.bindInt64(1, int64_t(f.key));
    m_updateAttribution.bindOptional(2, f.pid ? m_processRowId(f.pid, f.procStartNs) : std::nullopt);
    m_updateAttribution.bindOptional(3, f.peerPid ? m_processRowId(f.peerPid, f.peerStartNs) : std::nullopt);
    return m_updateAttribution.run();
}

Result<void> FlowStore::putDns(const DnsRecord &r)
{
    auto name = m_intern(r.name);
    auto value = m_intern(r.value);
    if (!name || !value)
        return makeError(!name ? name.error() : value.error());
    auto query = optionalText(r.queryName);
    auto server = optionalText(r.server);
    if (!query || !server)
        return makeError(!query ? query.error() : server.error());
    SqliteStatement &st = m_insertDns;
    st.bindInt64(1, r.tsNs);
    st.bindInt64(2, *name);
    st.bindInt64(3, r.type);
    st.bindInt64(4, *value);
    st.bindInt64(5, r.ttl);
    st.bindOptional(6, *query);
    st.bindOptional(7, *server);
    return st.run();
}

Result<uint64_t> FlowStore::maxKey()
{
    auto row = m_maxKey.step();
    uint64_t key = 0;
    if (row && *row && !m_maxKey.isNull(0))
        key = uint64_t(m_maxKey.columnInt64(0));
    m_maxKey.reset();
    if (!row)
        return makeError(row.error());
    return key;
}

} // namespace provscope
