#include "flow_store_queries.h"

#include "sqlite_database.h"
#include "sqlite_statement.h"

namespace provscope::flow_queries {

Result<void> forEachFlow(SqliteDatabase &db, const std::string &path, const std::function<bool(const Flow &)> &visit)
{
    auto st = SqliteStatement::prepare(
        db,
        "SELECT f.id, f.proto, s.text, f.sport, d.text, f.dport, f.packets_out, f.bytes_out, f.packets_in,"
        " f.bytes_in, f.tcp_flags, f.first_ts, f.last_ts, f.ended, i.text, n.text, p.pid, p.start_ns, pc.text,"
        " q.pid, q.start_ns, qc.text FROM flows f"
        " LEFT JOIN strings s ON s.id = f.src LEFT JOIN strings d ON d.id = f.dst"
        " LEFT JOIN strings i ON i.id = f.iface LEFT JOIN strings n ON n.id = f.dns_name"
        " LEFT JOIN processes p ON p.id = f.proc LEFT JOIN strings pc ON pc.id = p.comm"
        " LEFT JOIN processes q ON q.id = f.peer_proc LEFT JOIN strings qc ON qc.id = q.comm"
        " ORDER BY f.first_ts, f.id");
    if (!st)
        return makeError(path + ": " + st.error());
    Flow f;
    for (;;) {
        auto row = st->step();
        if (!row)
            return makeError(path + ": " + row.error());
        if (!*row)
            return {};
        f.key = uint64_t(st->columnInt64(0));
        f.proto = uint8_t(st->columnInt64(1));
        f.src = st->columnText(2);
        f.sport = uint16_t(st->columnInt64(3));
        f.dst = st->columnText(4);
        f.dport = uint16_t(st->columnInt64(5));
        f.packetsOut = uint64_t(st->columnInt64(6));
        f.bytesOut = uint64_t(st->columnInt64(7));
        f.packetsIn = uint64_t(st->columnInt64(8));
        f.bytesIn = uint64_t(st->columnInt64(9));
        f.tcpFlags = uint8_t(st->columnInt64(10));
        f.firstNs = st->columnInt64(11);
        f.lastNs = st->columnInt64(12);
        f.ended = st->columnInt64(13) != 0;
        f.interfaceName = st->columnText(14);
        f.dnsName = st->columnText(15);
        f.pid = uint32_t(st->columnInt64(16));
        f.procStartNs = uint64_t(st->columnInt64(17));
        f.comm = st->columnText(18);
        f.peerPid = uint32_t(st->columnInt64(19));
        f.peerStartNs = uint64_t(st->columnInt64(20));
        f.peerComm = st->columnText(21);
        if (!visit(f))
            return {};
    }
}

Result<void> forEachDnsRecord(SqliteDatabase &db, const std::string &path,
                              const std::function<bool(const DnsRecord &)> &visit)
{
    auto st = SqliteStatement::prepare(
        db, "SELECT r.ts, n.text, r.type, v.text, r.ttl, q.text, s.text FROM dns r"
                     " LEFT JOIN strings n ON n.id = r.name LEFT JOIN strings v ON v.id = r.value"
                     " LEFT JOIN strings q ON q.id = r.query_name LEFT JOIN strings s ON s.id = r.server"
                     " ORDER BY r.id");
    if (!st)
        return makeError(path + ": " + st.error());
    DnsRecord r;
    for (;;) {
        auto row = st->step();
        if (!row)
            return makeError(path + ": " + row.error());
        if (!*row)
            return {};
        r.tsNs = st->columnInt64(0);
        r.name = st->columnText(1);
        r.type = uint16_t(st->columnInt64(2));
        r.value = st->columnText(3);
        r.ttl = uint32_t(st->columnInt64(4));
        r.queryName = st->columnText(5);
        r.server = st->columnText(6);
        if (!visit(r))
            return {};
    }
}

} // namespace provscope::flow_queries
