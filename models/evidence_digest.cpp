#include "evidence_digest.h"

#include "custody_log.h"
#include "session_file_check.h"
#include "session_reader.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <QCryptographicHash>

#include <sqlite3.h>

#include <cstdlib>
#include <cstring>
#include <iterator>

namespace provscope {
namespace {

// Digest version 1. The stream hashed is, for each section in this order:
//   the section name as a TEXT value,
//   for each row: the byte 'R' (0x52), then the row's columns in the order listed,
//   the byte 'E' (0x45).
// A value is its storage class tag and bytes:
//   NULL 0x00 | INTEGER 0x01 + 8 bytes little-endian two's complement |
//   REAL 0x02 + 8 bytes little-endian IEEE-754 binary64 |
//   TEXT 0x03 + u32 little-endian length + the UTF-8 bytes as stored |
//   BLOB 0x04 + u32 little-endian length + the bytes.
// The meta section has one row (key, value) per key of kMetaKeys, in that order,
// value NULL when the key is absent. Table sections hold every row, ORDER BY id.
// Version 2 appends, when the session has table file_ids (format 1.2), its section
// (kFileIdsTable) after the others; without that table its stream, and so its
// digest, is version 1's. Removing or adding the table changes the digest.
// Version 3 appends, when the session has table flows (format 1.3), a section
// "meta-1.3" with one row (key, value) per key of kFlowMetaKeys (value NULL when
// absent), then the sections of kFlowTables (each when present). Without table flows
// its stream, and so its digest, is version 2's.
constexpr const char *kMetaKeys[] = {
    "format_version", "tool_version",   "host",          "kernel",
    "boot_id",        "boot_to_epoch_ns", "capture_start_ns", "capture_end_ns",
    "capture_config", "event_count",    "process_count", "file_count",
    "socket_count",   "lost_events",
};

struct TableColumns {
    const char *table;
    const char *columns;
};
constexpr TableColumns kTables[] = {
    {"strings", "id, text"},
    {"files", "id, path"},
    {"sockets", "id, family, laddr, lport, raddr, rport"},
    {"processes",
     "id, pid, start_ns, ppid, parent_start_ns, uid, comm, exe, argv, exit_ts_ns, exit_code,"
     " base_ppid, base_uid, base_comm, mnt_ns, pid_ns, ns_pid, cgroup, base_gid, base_ns_pid,"
     " base_cgroup"},
    {"events",
     "id, ts, dt, proc, tid, syscall, ret, fd, file, file2, socket, flags, mode, count, bytes,"
     " truncated, argv, comm, ppid, uid, ext"},
    {"losses", "id, first_ts, last_ts, cpu, count, source, before_event"},
};
constexpr TableColumns kFileIdsTable = {"file_ids", "id, file, dev, ino, first_event"};
constexpr const char *kFlowMetaKeys[] = {"flow_count", "dns_count"};
constexpr TableColumns kFlowTables[] = {
    {"flows",
     "id, proto, src, sport, dst, dport, packets_out, bytes_out, packets_in, bytes_in, tcp_flags,"
     " first_ts, last_ts, ended, iface, dns_name, proc, peer_proc"},
    {"dns", "id, ts, name, type, value, ttl, query_name, server"},
};

enum : uint8_t { TagNull = 0, TagInteger = 1, TagReal = 2, TagText = 3, TagBlob = 4 };

class DigestStream {
public:
    void byte(uint8_t b)
    {
        m_buffer += char(b);
        flushIfFull();
    }
    void integer(int64_t v)
    {
        m_buffer += char(TagInteger);
        putLe64(uint64_t(v));
    }
    void real(double v)
    {
        uint64_t bits = 0;
        std::memcpy(&bits, &v, sizeof bits);
        m_buffer += char(TagReal);
        putLe64(bits);
    }
    void bytes(uint8_t tag, const void *data, size_t size)
    {
        m_buffer += char(tag);
        const uint32_t n = uint32_t(size);
        for (int i = 0; i < 4; ++i)
            m_buffer += char(uint8_t(n >> (8 * i)));
        m_buffer.append(static_cast<const char *>(data), size);
        flushIfFull();
    }
    void text(std::string_view s) { bytes(TagText, s.data(), s.size()); }
    void column(sqlite3_stmt *st, int col)
    {
        switch (sqlite3_column_type(st, col)) {
        case SQLITE_NULL: byte(TagNull); break;
        case SQLITE_INTEGER: integer(sqlite3_column_int64(st, col)); break;
        case SQLITE_FLOAT: real(sqlite3_column_double(st, col)); break;
        case SQLITE_TEXT: {
            const auto *p = sqlite3_column_text(st, col);
            bytes(TagText, p, size_t(sqlite3_column_bytes(st, col)));
            break;
        }
        default: {
            const void *p = sqlite3_column_blob(st, col);
            bytes(TagBlob, p ? p : "", size_t(sqlite3_column_bytes(st, col)));
            break;
        }
        }
    }
    std::string hexDigest()
    {
        flush();
        return m_hash.result().toHex().toStdString();
    }

private:
    void putLe64(uint64_t v)
    {
        for (int i = 0; i < 8; ++i)
            m_buffer += char(uint8_t(v >> (8 * i)));
        flushIfFull();
    }
    void flushIfFull()
    {
        if (m_buffer.size() >= (1u << 16))
            flush();
    }
    void flush()
    {
        m_hash.addData(QByteArrayView(m_buffer.data(), qsizetype(m_buffer.size())));
        m_buffer.clear();
    }
    QCryptographicHash m_hash{QCryptographicHash::Sha256};
    std::string m_buffer;
};

Result<std::optional<std::string>> metaValue(SqliteStatement &st, const char *key)
{
    st.reset();
    st.bindText(1, key);
    auto row = st.step();
    if (!row)
        return makeError(row.error());
    std::optional<std::string> value;
    if (*row)
        value = st.columnText(0);
    st.reset();
    return value;
}

Result<bool> hasTable(SqliteDatabase &db, const char *name)
{
    auto st = SqliteStatement::prepare(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
    if (!st)
        return makeError(st.error());
    st->bindText(1, name);
    auto row = st->step();
    if (!row)
        return makeError(row.error());
    return *row;
}

// One table's section: its name, then every row ORDER BY id.
Result<void> hashTable(SqliteDatabase &db, const TableColumns &t, DigestStream &stream)
{
    const std::string sql = std::string("SELECT ") + t.columns + " FROM " + t.table + " ORDER BY id";
    sqlite3_stmt *st = nullptr;
    if (sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        const std::string message = db.errorMessage();
        sqlite3_finalize(st);
        return makeError(message);
    }
    const int columns = sqlite3_column_count(st);
    stream.text(t.table);
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        stream.byte('R');
        for (int c = 0; c < columns; ++c)
            stream.column(st, c);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return makeError(db.errorMessage());
    stream.byte('E');
    return {};
}

} // namespace

// A meta section: its name, then one row (key, value or NULL) per key.
Result<void> hashMeta(SqliteDatabase &db, const char *section, const char *const *keys, size_t count,
                      DigestStream &stream)
{
    auto st = SqliteStatement::prepare(db, "SELECT value FROM meta WHERE key = ?1");
    if (!st)
        return makeError(st.error());
    stream.text(section);
    for (size_t i = 0; i < count; ++i) {
        auto value = metaValue(*st, keys[i]);
        if (!value)
            return makeError(value.error());
        stream.byte('R');
        stream.text(keys[i]);
        if (*value)
            stream.text(**value);
        else
            stream.byte(TagNull);
    }
    stream.byte('E');
    return {};
}

// Version 3's addition: the flow counts and tables of a format 1.3 session.
Result<void> hashFlows(SqliteDatabase &db, DigestStream &stream)
{
    auto present = hasTable(db, kFlowTables[0].table);
    if (!present)
        return makeError(present.error());
    if (!*present)
        return {};
    if (auto done = hashMeta(db, "meta-1.3", kFlowMetaKeys, std::size(kFlowMetaKeys), stream); !done)
        return done;
    for (const TableColumns &t : kFlowTables) {
        auto has = hasTable(db, t.table);
        if (!has)
            return makeError(has.error());
        if (*has) {
            if (auto done = hashTable(db, t, stream); !done)
                return done;
        }
    }
    return {};
}

Result<std::string> computeEvidenceDigest(SqliteDatabase &db, int version)
{
    if (version < 1 || version > kEvidenceDigestVersion)
        return makeError("cannot compute an evidence digest of version " + std::to_string(version) +
                         "; this provscope computes versions 1 to " + std::to_string(kEvidenceDigestVersion));
    DigestStream stream;
    if (auto done = hashMeta(db, "meta", kMetaKeys, std::size(kMetaKeys), stream); !done)
        return makeError("cannot compute the evidence digest: " + done.error());
    for (const TableColumns &t : kTables) {
        if (auto done = hashTable(db, t, stream); !done)
            return makeError("cannot compute the evidence digest: " + done.error());
    }
    if (version >= 2) {
        auto present = hasTable(db, kFileIdsTable.table);
        if (!present)
            return makeError("cannot compute the evidence digest: " + present.error());
        if (*present) {
            if (auto done = hashTable(db, kFileIdsTable, stream); !done)
                return makeError("cannot compute the evidence digest: " + done.error());
        }
    }
    if (version >= 3) {
        if (auto done = hashFlows(db, stream); !done)
            return makeError("cannot compute the evidence digest: " + done.error());
    }
    return stream.hexDigest();
}

Result<std::optional<RecordedDigest>> readRecordedDigest(SqliteDatabase &db)
{
    auto st = SqliteStatement::prepare(db, "SELECT value FROM meta WHERE key = ?1");
    if (!st)
        return makeError(st.error());
    auto sha = metaValue(*st, kEvidenceDigestKey);
    if (!sha)
        return makeError(sha.error());
    if (!*sha || (*sha)->empty())
        return std::optional<RecordedDigest>();
    auto version = metaValue(*st, kEvidenceDigestVersionKey);
    if (!version)
        return makeError(version.error());
    RecordedDigest recorded;
    recorded.sha256 = **sha;
    recorded.version = *version ? std::atoi((*version)->c_str()) : 1;
    return std::optional<RecordedDigest>(recorded);
}

namespace {

// A finished session's own read-only, immutable connection (checked like SessionReader).
Result<std::unique_ptr<SqliteDatabase>> openImmutable(const std::string &path, bool &recording)
{
    {
        auto reader = SessionReader::open(path);
        if (!reader)
            return makeError(reader.error());
        recording = (*reader)->isRecording();
    }
    auto db = SqliteDatabase::open(sqliteFileUri(path, "mode=ro&immutable=1"),
                                   SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    if (!db)
        return makeError("cannot open " + path + ": " + db.error());
    return std::move(db.value());
}

} // namespace

Result<std::optional<RecordedDigest>> readRecordedDigest(const std::string &path)
{
    bool recording = false;
    auto db = openImmutable(path, recording);
    if (!db)
        return makeError(db.error());
    if (recording)
        return std::optional<RecordedDigest>();
    return readRecordedDigest(**db);
}

Result<EvidenceCheck> checkEvidence(const std::string &path)
{
    bool recording = false;
    auto db = openImmutable(path, recording);
    if (!db)
        return makeError(db.error());
    EvidenceCheck check;
    if (recording)
        return check; // the WAL holds what the main file lacks: no digest before finish
    auto recorded = readRecordedDigest(**db);
    if (!recorded)
        return makeError(path + ": " + recorded.error());
    auto custody = readCustodyLog(**db);
    if (!custody)
        return makeError(path + ": " + custody.error());
    check.custody = std::move(custody.value());
    if (!*recorded)
        return check;
    if ((*recorded)->version < 1 || (*recorded)->version > kEvidenceDigestVersion)
        return makeError(path + ": its evidence digest has version " +
                         std::to_string((*recorded)->version) + "; this provscope computes versions 1 to " +
                         std::to_string(kEvidenceDigestVersion));
    check.recorded = (*recorded)->sha256;
    check.version = (*recorded)->version;
    auto current = computeEvidenceDigest(**db, check.version);
    if (!current)
        return makeError(path + ": " + current.error());
    check.current = *current;
    check.state = check.current == check.recorded ? EvidenceCheck::State::Unchanged
                                                  : EvidenceCheck::State::Changed;
    return check;
}

} // namespace provscope
