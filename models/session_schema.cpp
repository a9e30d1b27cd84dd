#include "session_schema.h"

namespace provscope {

std::string sessionFormatVersion()
{
    return std::to_string(kSessionFormatMajor) + "." + std::to_string(kSessionFormatMinor);
}

namespace schema {

// Rows are kept small: integers and references to interned text. Values that
// usually repeat the process row (tid == pid, ppid, uid, comm) are NULL in an
// event when equal to the process's base_* columns, which never change.
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
    uid INTEGER);
CREATE INDEX events_by_proc ON events(proc);
CREATE INDEX events_by_file ON events(file) WHERE file IS NOT NULL;
CREATE INDEX events_by_file2 ON events(file2) WHERE file2 IS NOT NULL;
CREATE TABLE losses(
    id INTEGER PRIMARY KEY,
    first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,
    cpu INTEGER NOT NULL, count INTEGER NOT NULL, source TEXT NOT NULL);
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
