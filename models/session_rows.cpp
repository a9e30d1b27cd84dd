#include "session_rows.h"

#include "session_schema.h"

namespace provscope::session_rows {

// The 1.1 columns, or their defaults when a 1.0 file lacks them.
std::string eventSelect(const SchemaFeatures &f)
{
    std::string sql =
        "SELECT e.id, e.ts, e.dt, p.pid, e.tid, p.start_ns, COALESCE(e.ppid, p.base_ppid),"
        " COALESCE(e.uid, p.base_uid), cs.text, ss.text, e.ret, e.fd, f1.path, f2.path, e.truncated,"
        " so.laddr, so.lport, so.raddr, so.rport, e.flags, e.mode, e.count, e.bytes, e.argv, ";
    sql += f.identity ? "e.ext, p.base_gid, p.base_ns_pid, p.base_cgroup" : "NULL, 0, 0, 0";
    sql += " FROM events e JOIN processes p ON p.id = e.proc"
           " LEFT JOIN strings cs ON cs.id = COALESCE(e.comm, p.base_comm)"
           " LEFT JOIN strings ss ON ss.id = e.syscall"
           " LEFT JOIN files f1 ON f1.id = e.file"
           " LEFT JOIN files f2 ON f2.id = e.file2"
           " LEFT JOIN sockets so ON so.id = e.socket";
    return sql;
}

std::string processSelect(const SchemaFeatures &f)
{
    std::string sql = "SELECT p.pid, p.start_ns, p.ppid, p.parent_start_ns, p.uid, s.text, f.path, p.argv,"
                      " p.exit_ts_ns, p.exit_code, ";
    sql += f.identity ? "p.mnt_ns, p.pid_ns, p.ns_pid, p.cgroup" : "0, 0, 0, 0";
    sql += " FROM processes p LEFT JOIN strings s ON s.id = p.comm LEFT JOIN files f ON f.id = p.exe";
    return sql;
}

Event readEvent(const SqliteStatement &st, bool hasExt)
{
    Event e;
    e.id = st.columnInt64(0);
    e.tsNs = uint64_t(st.columnInt64(1));
    e.lastTsNs = e.tsNs + uint64_t(st.columnInt64(2));
    e.pid = uint32_t(st.columnInt64(3));
    e.tid = st.isNull(4) ? e.pid : uint32_t(st.columnInt64(4));
    e.procStartNs = uint64_t(st.columnInt64(5));
    e.ppid = uint32_t(st.columnInt64(6));
    e.uid = uint32_t(st.columnInt64(7));
    e.comm = st.columnText(8);
    e.syscall = st.columnText(9);
    e.ret = st.columnInt64(10);
    e.fd = int32_t(st.columnInt64(11));
    e.path = st.columnText(12);
    e.path2 = st.columnText(13);
    e.pathTruncated = st.columnInt64(14) != 0;
    e.laddr = st.columnText(15);
    e.lport = uint16_t(st.columnInt64(16));
    e.raddr = st.columnText(17);
    e.rport = uint16_t(st.columnInt64(18));
    e.flags = uint32_t(st.columnInt64(19));
    e.mode = uint32_t(st.columnInt64(20));
    e.count = uint64_t(st.columnInt64(21));
    e.bytes = uint64_t(st.columnInt64(22));
    if (!st.isNull(23))
        e.argv = schema::decodeArgv(st.columnText(23));
    const schema::EventExtBase base{uint32_t(st.columnInt64(25)), uint32_t(st.columnInt64(26)),
                                    uint64_t(st.columnInt64(27))};
    // A 1.0 file has no ext column: the fields keep Event's defaults (euid unknown: 0).
    // A malformed blob leaves the defaults too: one damaged row must not hide the rest.
    if (hasExt)
        (void)schema::decodeEventExt(st.columnText(24), base, e);
    return e;
}

ProcessInfo readProcess(const SqliteStatement &st)
{
    ProcessInfo p;
    p.pid = uint32_t(st.columnInt64(0));
    p.startNs = uint64_t(st.columnInt64(1));
    p.ppid = uint32_t(st.columnInt64(2));
    p.parentStartNs = uint64_t(st.columnInt64(3));
    p.uid = uint32_t(st.columnInt64(4));
    p.comm = st.columnText(5);
    p.exe = st.columnText(6);
    if (!st.isNull(7))
        p.argv = schema::decodeArgv(st.columnText(7));
    p.exitTsNs = uint64_t(st.columnInt64(8));
    p.exitCode = int32_t(st.columnInt64(9));
    p.mntNs = uint32_t(st.columnInt64(10));
    p.pidNs = uint32_t(st.columnInt64(11));
    p.nsPid = uint32_t(st.columnInt64(12));
    p.cgroupId = uint64_t(st.columnInt64(13));
    return p;
}

} // namespace provscope::session_rows
