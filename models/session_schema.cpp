#include "session_schema.h"

namespace provscope {

std::string sessionFormatVersion()
{
    return std::to_string(kSessionFormatMajor) + "." + std::to_string(kSessionFormatMinor);
}

namespace schema {

// Rows are kept small: integers and references to interned text. Values that
// usually repeat the process row (tid == pid, ppid, uid, comm) are NULL in an
// event when equal to the process's base_* columns, which never change once an
// event refers to them. The 1.1 fields that are nearly always defaults (euid ==
// uid, gid / ns pid / cgroup == the process's base_*, fd2 == -1, aux1/aux2 == 0)
// share one `ext` blob holding only the values that differ (encodeEventExt), NULL
// when none do: seven more columns would cost a header byte each in every row.
// A file's identity (1.2: stat()'s st_dev encoding and st_ino, both stored as the
// signed 64-bit image of the unsigned value) is not repeated per event either:
// file_ids has a row when an event on a file shows an identity other than the
// last one stored for it (first_event: that event's id), so a path reused by a
// new file, or a file renamed, can be told apart.
const char *createStatements()
{
    return R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE strings(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE sockets(
    id INTEGER PRIMARY KEY,
    family INTEGER NOT NULL,
    laddr TEXT NOT NULL, lport INTEGER NOT NULL,
    raddr TEXT NOT NULL, rport INTEGER NOT NULL,
    UNIQUE(family, laddr, lport, raddr, rport));
CREATE TABLE processes(
    id INTEGER PRIMARY KEY,
    pid INTEGER NOT NULL, start_ns INTEGER NOT NULL,
    ppid INTEGER NOT NULL, parent_start_ns INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    comm INTEGER REFERENCES strings(id),
    exe INTEGER REFERENCES files(id),
    argv BLOB,
    exit_ts_ns INTEGER NOT NULL DEFAULT 0, exit_code INTEGER NOT NULL DEFAULT 0,
    base_ppid INTEGER NOT NULL, base_uid INTEGER NOT NULL, base_comm INTEGER,
    mnt_ns INTEGER NOT NULL DEFAULT 0, pid_ns INTEGER NOT NULL DEFAULT 0,
    ns_pid INTEGER NOT NULL DEFAULT 0, cgroup INTEGER NOT NULL DEFAULT 0,
    base_gid INTEGER, base_ns_pid INTEGER, base_cgroup INTEGER,
    UNIQUE(pid, start_ns));
CREATE TABLE events(
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    dt INTEGER NOT NULL,
    proc INTEGER NOT NULL REFERENCES processes(id),
    tid INTEGER,
    syscall INTEGER NOT NULL REFERENCES strings(id),
    ret INTEGER NOT NULL,
    fd INTEGER NOT NULL,
    file INTEGER REFERENCES files(id),
    file2 INTEGER REFERENCES files(id),
    socket INTEGER REFERENCES sockets(id),
    flags INTEGER NOT NULL,
    mode INTEGER NOT NULL,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    argv BLOB,
    comm INTEGER,
    ppid INTEGER,
    uid INTEGER,
    ext BLOB);
CREATE INDEX events_by_proc ON events(proc);
CREATE INDEX events_by_file ON events(file) WHERE file IS NOT NULL;
CREATE INDEX events_by_file2 ON events(file2) WHERE file2 IS NOT NULL;
CREATE TABLE losses(
    id INTEGER PRIMARY KEY,
    first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,
    cpu INTEGER NOT NULL, count INTEGER NOT NULL, source TEXT NOT NULL,
    before_event INTEGER);
CREATE TABLE file_ids(
    id INTEGER PRIMARY KEY,
    file INTEGER NOT NULL REFERENCES files(id),
    dev INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    first_event INTEGER NOT NULL);
)sql";
}

// A flow row is its key (Flow::key: unique in the session, re-sent by periodic
// flushes, so the writer upserts it), the 5-tuple with addresses interned (a host
// talks to few peers), per-direction counts, and the initiator's and responder's
// process rows when attribution found them (NULL: not attributed, never guessed).
// Times are boot ns like events'. DNS records keep every answer seen, in arrival order.
const char *createFlowTablesStatement()
{
    return R"sql(
CREATE TABLE IF NOT EXISTS flows(
    id INTEGER PRIMARY KEY,
    proto INTEGER NOT NULL,
    src INTEGER NOT NULL REFERENCES strings(id), sport INTEGER NOT NULL,
    dst INTEGER NOT NULL REFERENCES strings(id), dport INTEGER NOT NULL,
    packets_out INTEGER NOT NULL, bytes_out INTEGER NOT NULL,
    packets_in INTEGER NOT NULL, bytes_in INTEGER NOT NULL,
    tcp_flags INTEGER NOT NULL,
    first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,
    ended INTEGER NOT NULL,
    iface INTEGER REFERENCES strings(id),
    dns_name INTEGER REFERENCES strings(id),
    proc INTEGER REFERENCES processes(id),
    peer_proc INTEGER REFERENCES processes(id));
CREATE INDEX IF NOT EXISTS flows_by_first_ts ON flows(first_ts);
CREATE TABLE IF NOT EXISTS dns(
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    name INTEGER NOT NULL REFERENCES strings(id),
    type INTEGER NOT NULL,
    value INTEGER NOT NULL REFERENCES strings(id),
    ttl INTEGER NOT NULL,
    query_name INTEGER REFERENCES strings(id),
    server INTEGER REFERENCES strings(id));
)sql";
}

const char *createCustodyLogStatement()
{
    return R"sql(
CREATE TABLE IF NOT EXISTS custody_log(
    id INTEGER PRIMARY KEY,
    time_ns INTEGER NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    old_digest TEXT,
    new_digest TEXT NOT NULL,
    note TEXT NOT NULL);
)sql";
}

const char *createAnnotationsStatement()
{
    return R"sql(
CREATE TABLE IF NOT EXISTS annotations(
    id INTEGER PRIMARY KEY,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('event', 'process', 'node')),
    target TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('bookmark', 'tag', 'comment')),
    text TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    author TEXT NOT NULL);
)sql";
}

std::string encodeArgv(const std::vector<std::string> &argv)
{
    std::string blob;
    for (size_t i = 0; i < argv.size(); ++i) {
        if (i)
            blob += '\0';
        blob += argv[i];
    }
    return blob;
}

std::vector<std::string> decodeArgv(const std::string &blob)
{
    std::vector<std::string> argv;
    size_t start = 0;
    for (;;) {
        const size_t end = blob.find('\0', start);
        if (end == std::string::npos) {
            argv.push_back(blob.substr(start));
            return argv;
        }
        argv.push_back(blob.substr(start, end - start));
        start = end + 1;
    }
}

namespace {
enum ExtTag : uint8_t { TagEuid = 1, TagGid, TagNsPid, TagCgroup, TagFd2, TagAux1, TagAux2 };

void putVarint(std::string &out, uint64_t v)
{
    while (v >= 0x80) {
        out += char(uint8_t(v) | 0x80);
        v >>= 7;
    }
    out += char(uint8_t(v));
}

bool getVarint(std::string_view in, size_t &pos, uint64_t &v)
{
    v = 0;
    for (int shift = 0; pos < in.size() && shift < 64; shift += 7) {
        const uint8_t byte = uint8_t(in[pos++]);
        v |= uint64_t(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return true;
    }
    return false;
}
} // namespace

std::string encodeEventExt(const Event &e, const EventExtBase &base)
{
    std::string out;
    auto put = [&out](ExtTag tag, uint64_t value) {
        out += char(tag);
        putVarint(out, value);
    };
    if (e.euid != e.uid)
        put(TagEuid, e.euid);
    if (e.gid != base.gid)
        put(TagGid, e.gid);
    if (e.nsPid != base.nsPid)
        put(TagNsPid, e.nsPid);
    if (e.cgroupId != base.cgroupId)
        put(TagCgroup, e.cgroupId);
    if (e.fd2 != -1)
        put(TagFd2, uint64_t(int64_t(e.fd2) + 1)); // -1 never stored; keeps it small
    if (e.aux1)
        put(TagAux1, e.aux1);
    if (e.aux2)
        put(TagAux2, e.aux2);
    return out;
}

bool decodeEventExt(std::string_view blob, const EventExtBase &base, Event &e)
{
    e.euid = e.uid;
    e.gid = base.gid;
    e.nsPid = base.nsPid;
    e.cgroupId = base.cgroupId;
    e.fd2 = -1;
    e.aux1 = 0;
    e.aux2 = 0;
    size_t pos = 0;
    while (pos < blob.size()) {
        const uint8_t tag = uint8_t(blob[pos++]);
        uint64_t v = 0;
        if (!getVarint(blob, pos, v))
            return false;
        switch (tag) {
        case TagEuid: e.euid = uint32_t(v); break;
        case TagGid: e.gid = uint32_t(v); break;
        case TagNsPid: e.nsPid = uint32_t(v); break;
        case TagCgroup: e.cgroupId = v; break;
        case TagFd2: e.fd2 = int32_t(int64_t(v) - 1); break;
        case TagAux1: e.aux1 = v; break;
        case TagAux2: e.aux2 = v; break;
        default: break; // a later 1.x field: every value is a varint, so it is skipped
        }
    }
    return true;
}

int socketFamily(const std::string &laddr, const std::string &raddr)
{
    const std::string &addr = laddr.empty() ? raddr : laddr;
    if (addr.find(':') != std::string::npos)
        return 10; // AF_INET6
    if (!addr.empty() && (addr[0] == '/' || addr[0] == '@'))
        return 1; // AF_UNIX
    return 2;     // AF_INET
}
} // namespace schema
} // namespace provscope
