#include "session_writer.h"

#include "evidence_digest.h"
#include "flow_store_live.h"
#include "flow_store_sql.h"
#include "session_file_check.h"
#include "session_file_ids.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <unordered_set>
#include <unistd.h>
#include <unordered_map>

namespace provscope {
namespace {

// What the writer remembers of a process row: its id, the immutable base values
// events are compared with, and the merged record for upserts.
struct ProcessRow {
    int64_t id = 0;
    uint32_t basePpid = 0;
    uint32_t baseUid = 0;
    int64_t baseComm = 0;
    // Set from the process's first event (gid is not in ProcessInfo), then fixed.
    bool identityBaseSet = false;
    uint32_t baseGid = 0;
    uint32_t baseNsPid = 0;
    uint64_t baseCgroup = 0;
    ProcessInfo info;
};

std::string socketKey(int family, const Event &e)
{
    std::string key = std::to_string(family);
    key += '\0';
    key += e.laddr;
    key += '\0';
    key += std::to_string(e.lport);
    key += '\0';
    key += e.raddr;
    key += '\0';
    key += std::to_string(e.rport);
    return key;
}

} // namespace

struct SessionWriter::Impl {
    std::string path;
    std::unique_ptr<SqliteDatabase> db;
    SqliteStatement insertString, insertFile, insertSocket, insertProcess, updateProcess,
        setProcessBase, insertEvent, insertLoss, setMeta;
    std::unordered_map<std::string, int64_t> strings, files, sockets;
    std::map<std::pair<uint32_t, uint64_t>, ProcessRow> processes;
    SessionFileIds fileIds;
    FlowStoreLive flows;
    SessionCounts counts;
    int64_t nextEventId = 1;
    bool finished = false;
    bool lackOfSpace = false;
    std::string failure; // sticky: after a failed transaction the caches are not trusted

    Result<int64_t> intern(std::unordered_map<std::string, int64_t> &cache, SqliteStatement &insert,
                           const std::string &text);
    Result<int64_t> internFile(const std::string &path);
    Result<int64_t> internSocket(const Event &e);
    Result<void> writeProcess(ProcessRow &row, bool isNew);
    Result<ProcessRow *> upsertProcess(const ProcessInfo &info);
    Result<ProcessRow *> processForEvent(const Event &e);
    Result<void> fixIdentityBase(ProcessRow &row, const Event &e);
    Result<void> insertOneEvent(Event &e);
    Result<void> putMeta(const std::string &key, const std::string &value);
    Result<void> putCounts();
    Result<void> appendUnlocked(CaptureBatch &batch);
    Result<void> storeFlows(CaptureBatch &batch);
    std::optional<int64_t> processRowId(uint32_t pid, uint64_t startNs) const;
    void fillComms(Flow &flow) const;
    Result<void> insertLossRow(const LossRecord &loss);
    bool outOfSpace(const std::string &message) const;
};

bool SessionWriter::Impl::outOfSpace(const std::string &message) const
{
    sqlite3 *handle = db ? db->handle() : nullptr;
    if (handle && ((sqlite3_errcode(handle) & 0xff) == SQLITE_FULL || sqlite3_system_errno(handle) == ENOSPC ||
                   sqlite3_system_errno(handle) == EDQUOT))
        return true;
    return message.find("disk is full") != std::string::npos ||
           message.find("No space left") != std::string::npos;
}

Result<void> SessionWriter::Impl::insertLossRow(const LossRecord &loss)
{
    insertLoss.bindInt64(1, int64_t(loss.firstTsNs));
    insertLoss.bindInt64(2, int64_t(loss.lastTsNs));
    insertLoss.bindInt64(3, loss.cpu);
    insertLoss.bindInt64(4, int64_t(loss.count));
    insertLoss.bindText(5, loss.source);
    insertLoss.bindInt64(6, nextEventId); // shown before the events stored after it
    if (auto done = insertLoss.run(); !done)
        return done;
    counts.lostEvents += int64_t(loss.count);
    return {};
}

Result<int64_t> SessionWriter::Impl::intern(std::unordered_map<std::string, int64_t> &cache,
                                            SqliteStatement &insert, const std::string &text)
{
    return internText(*db, cache, insert, nullptr, text); // a new session: every row is ours
}

Result<int64_t> SessionWriter::Impl::internFile(const std::string &path)
{
    const size_t before = files.size();
    auto id = intern(files, insertFile, path);
    if (id && files.size() != before)
        ++counts.files;
    return id;
}

Result<int64_t> SessionWriter::Impl::internSocket(const Event &e)
{
    const int family = schema::socketFamily(e.laddr, e.raddr);
    const std::string key = socketKey(family, e);
    if (auto it = sockets.find(key); it != sockets.end())
        return it->second;
    insertSocket.bindInt64(1, family);
    insertSocket.bindText(2, e.laddr);
    insertSocket.bindInt64(3, e.lport);
    insertSocket.bindText(4, e.raddr);
    insertSocket.bindInt64(5, e.rport);
    if (auto done = insertSocket.run(); !done)
        return makeError(done.error());
    const int64_t id = sqlite3_last_insert_rowid(db->handle());
    sockets.emplace(key, id);
    ++counts.sockets;
    return id;
}

Result<void> SessionWriter::Impl::writeProcess(ProcessRow &row, bool isNew)
{
    const ProcessInfo &p = row.info;
    auto comm = intern(strings, insertString, p.comm);
    if (!comm)
        return makeError(comm.error());
    std::optional<int64_t> exe;
    if (!p.exe.empty()) {
        auto id = internFile(p.exe);
        if (!id)
            return makeError(id.error());
        exe = *id;
    }
    if (isNew) {
        row.basePpid = p.ppid;
        row.baseUid = p.uid;
        row.baseComm = *comm;
    }
    SqliteStatement &st = isNew ? insertProcess : updateProcess;
    st.bindInt64(1, p.pid);
    st.bindInt64(2, int64_t(p.startNs));
    st.bindInt64(3, p.ppid);
    st.bindInt64(4, int64_t(p.parentStartNs));
    st.bindInt64(5, p.uid);
    st.bindInt64(6, *comm);
    st.bindOptional(7, exe);
    if (p.argv.empty())
        st.bindNull(8);
    else
        st.bindBlob(8, schema::encodeArgv(p.argv));
    st.bindInt64(9, int64_t(p.exitTsNs));
    st.bindInt64(10, p.exitCode);
    st.bindInt64(11, p.mntNs);
    st.bindInt64(12, p.pidNs);
    st.bindInt64(13, p.nsPid);
    st.bindInt64(14, int64_t(p.cgroupId));
    if (isNew) {
        st.bindInt64(15, row.basePpid);
        st.bindInt64(16, row.baseUid);
        st.bindInt64(17, row.baseComm);
    }
    if (auto done = st.run(); !done)
        return makeError(done.error());
    if (isNew) {
        row.id = sqlite3_last_insert_rowid(db->handle());
        ++counts.processes;
    }
    return {};
}

Result<ProcessRow *> SessionWriter::Impl::upsertProcess(const ProcessInfo &info)
{
    const auto key = std::make_pair(info.pid, info.startNs);
    auto it = processes.find(key);
    if (it == processes.end()) {
        ProcessRow row;
        row.info = info;
        if (auto done = writeProcess(row, true); !done)
            return makeError(done.error());
        it = processes.emplace(key, std::move(row)).first;
        return &it->second;
    }
    // A later record fills in what it knows: fork, then exec (exe, argv), then exit.
    ProcessInfo &merged = it->second.info;
    if (info.ppid)
        merged.ppid = info.ppid;
    if (info.parentStartNs)
        merged.parentStartNs = info.parentStartNs;
    merged.uid = info.uid;
    if (!info.comm.empty())
        merged.comm = info.comm;
    if (!info.exe.empty())
        merged.exe = info.exe;
    if (!info.argv.empty())
        merged.argv = info.argv;
    if (info.exitTsNs) {
        merged.exitTsNs = info.exitTsNs;
        merged.exitCode = info.exitCode;
    }
    if (info.mntNs)
        merged.mntNs = info.mntNs;
    if (info.pidNs)
        merged.pidNs = info.pidNs;
    if (info.nsPid)
        merged.nsPid = info.nsPid;
    if (info.cgroupId)
        merged.cgroupId = info.cgroupId;
    if (auto done = writeProcess(it->second, false); !done)
        return makeError(done.error());
    return &it->second;
}

Result<ProcessRow *> SessionWriter::Impl::processForEvent(const Event &e)
{
    auto it = processes.find(std::make_pair(e.pid, e.procStartNs));
    if (it != processes.end())
        return &it->second;
    // First sight of this process is one of its events: the event is what we know.
    ProcessInfo info;
    info.pid = e.pid;
    info.startNs = e.procStartNs;
    info.ppid = e.ppid;
    info.uid = e.uid;
    info.comm = e.comm;
    info.nsPid = e.nsPid;
    info.cgroupId = e.cgroupId;
    return upsertProcess(info);
}

Result<void> SessionWriter::Impl::fixIdentityBase(ProcessRow &row, const Event &e)
{
    // No event refers to the base values yet, so they may still be chosen: the first
    // event's, which later events of the process almost always repeat.
    row.baseGid = e.gid;
    row.baseNsPid = e.nsPid;
    row.baseCgroup = e.cgroupId;
    setProcessBase.bindInt64(1, row.id);
    setProcessBase.bindInt64(2, row.baseGid);
    setProcessBase.bindInt64(3, row.baseNsPid);
    setProcessBase.bindInt64(4, int64_t(row.baseCgroup));
    if (auto done = setProcessBase.run(); !done)
        return done;
    row.identityBaseSet = true;
    return {};
}

Result<void> SessionWriter::Impl::insertOneEvent(Event &e)
{
    auto proc = processForEvent(e);
    if (!proc)
        return makeError(proc.error());
    ProcessRow &row = **proc;
    if (!row.identityBaseSet) {
        if (auto done = fixIdentityBase(row, e); !done)
            return done;
    }
    auto syscall = intern(strings, insertString, e.syscall);
    auto comm = intern(strings, insertString, e.comm);
    if (!syscall || !comm)
        return makeError(!syscall ? syscall.error() : comm.error());
    std::optional<int64_t> file, file2, socket;
    if (!e.path.empty()) {
        auto id = internFile(e.path);
        if (!id)
            return makeError(id.error());
        file = *id;
    }
    if (!e.path2.empty()) {
        auto id = internFile(e.path2);
        if (!id)
            return makeError(id.error());
        file2 = *id;
    }
    if (e.hasSocket() || e.lport || e.rport) {
        auto id = internSocket(e);
        if (!id)
            return makeError(id.error());
        socket = *id;
    }

    e.id = nextEventId;
    SqliteStatement &st = insertEvent;
    st.bindInt64(1, e.id);
    st.bindInt64(2, int64_t(e.tsNs));
    st.bindInt64(3, int64_t(e.lastTsNs - e.tsNs)); // modular: any lastTsNs round-trips
    st.bindInt64(4, row.id);
    if (e.tid != e.pid)
        st.bindInt64(5, e.tid);
    st.bindInt64(6, *syscall);
    st.bindInt64(7, e.ret);
    st.bindInt64(8, e.fd);
    st.bindOptional(9, file);
    st.bindOptional(10, file2);
    st.bindOptional(11, socket);
    st.bindInt64(12, e.flags);
    st.bindInt64(13, e.mode);
    st.bindInt64(14, int64_t(e.count));
    st.bindInt64(15, int64_t(e.bytes));
    st.bindInt64(16, e.pathTruncated ? 1 : 0);
    if (!e.argv.empty())
        st.bindBlob(17, schema::encodeArgv(e.argv));
    if (*comm != row.baseComm)
        st.bindInt64(18, *comm);
    if (e.ppid != row.basePpid)
        st.bindInt64(19, e.ppid);
    if (e.uid != row.baseUid)
        st.bindInt64(20, e.uid);
    const std::string ext = schema::encodeEventExt(e, {row.baseGid, row.baseNsPid, row.baseCgroup});
    if (!ext.empty())
        st.bindBlob(21, ext);
    if (auto done = st.run(); !done)
        return makeError(done.error());
    if (file) {
        if (auto done = fileIds.note(*file, e.dev, e.ino, e.id); !done)
            return done;
    }
    ++nextEventId;
    ++counts.events;
    return {};
}

Result<void> SessionWriter::Impl::putMeta(const std::string &key, const std::string &value)
{
    setMeta.bindText(1, key);
    setMeta.bindText(2, value);
    return setMeta.run();
}

Result<void> SessionWriter::Impl::putCounts()
{
    const std::pair<const char *, int64_t> values[] = {
        {"event_count", counts.events},   {"process_count", counts.processes},
        {"file_count", counts.files},     {"socket_count", counts.sockets},
        {"lost_events", counts.lostEvents}, {"flow_count", counts.flows},
        {"dns_count", counts.dnsRecords},
    };
    for (const auto &[key, value] : values) {
        if (auto done = putMeta(key, std::to_string(value)); !done)
            return done;
    }
    return {};
}

Result<void> SessionWriter::Impl::appendUnlocked(CaptureBatch &batch)
{
    for (const ProcessInfo &info : batch.processes) {
        if (auto row = upsertProcess(info); !row)
            return makeError(row.error());
    }
    for (Event &e : batch.events) {
        if (auto done = insertOneEvent(e); !done)
            return done;
    }
    for (const LossRecord &loss : batch.losses) {
        if (auto done = insertLossRow(loss); !done)
            return done;
    }
    if (auto done = storeFlows(batch); !done)
        return done;
    return putCounts();
}

std::optional<int64_t> SessionWriter::Impl::processRowId(uint32_t pid, uint64_t startNs) const
{
    auto it = processes.find(std::make_pair(pid, startNs));
    return it == processes.end() ? std::nullopt : std::optional<int64_t>(it->second.id);
}

void SessionWriter::Impl::fillComms(Flow &flow) const
{
    if (auto it = processes.find(std::make_pair(flow.pid, flow.procStartNs)); flow.pid && it != processes.end())
        flow.comm = it->second.info.comm;
    if (auto it = processes.find(std::make_pair(flow.peerPid, flow.peerStartNs));
        flow.peerPid && it != processes.end())
        flow.peerComm = it->second.info.comm;
}

Result<void> SessionWriter::Impl::storeFlows(CaptureBatch &batch)
{
    auto added = flows.store(batch, [this](Flow &flow) { fillComms(flow); });
    if (!added)
        return makeError(added.error());
    counts.flows += added->flows;
    counts.dnsRecords += added->dnsRecords;
    return {};
}

SessionWriter::SessionWriter() : m_impl(std::make_unique<Impl>()) {}

SessionWriter::~SessionWriter() = default;

Result<std::unique_ptr<SessionWriter>> SessionWriter::create(const std::string &path,
                                                             const SessionMeta &meta)
{
    if (auto created = createNewSessionFile(path); !created)
        return makeError(created.error());

    std::unique_ptr<SessionWriter> writer(new SessionWriter());
    Impl &d = *writer->m_impl;
    d.path = path;
    auto fail = [&](const std::string &message) -> Error {
        d = Impl();
        ::unlink(path.c_str());
        ::unlink((path + "-wal").c_str());
        ::unlink((path + "-shm").c_str());
        return makeError("cannot create session " + path + ": " + message);
    };

    auto db = SqliteDatabase::open(sqliteFileUri(path, ""),
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX);
    if (!db)
        return fail(db.error());
    d.db = std::move(db.value());
    // WAL while recording: readers (the GUI's table) follow without blocking the writer;
    // checkpoints often enough that a full disk can still be finished.
    const std::string setup = "PRAGMA application_id = " + std::to_string(kSessionApplicationId) +
                              "; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                              " PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = " +
                              std::to_string(walCheckpointPages(path)) + ";";
    if (auto done = d.db->exec(setup); !done)
        return fail(done.error());
    if (auto mode = d.db->queryText("PRAGMA journal_mode"); !mode || *mode != "wal")
        return fail("cannot switch to WAL mode");

    {
        SqliteTransaction tx(*d.db);
        if (!tx.begun())
            return fail(tx.begun().error());
        if (auto done = d.db->exec(schema::createStatements()); !done)
            return fail(done.error());
        if (auto done = d.db->exec(schema::createFlowTablesStatement()); !done)
            return fail(done.error());
        auto prepared = prepareStatements(*d.db, {
            {&d.insertString, "INSERT INTO strings(text) VALUES (?1)"},
            {&d.insertFile, "INSERT INTO files(path) VALUES (?1)"},
            {&d.insertSocket,
             "INSERT INTO sockets(family, laddr, lport, raddr, rport) VALUES (?1, ?2, ?3, ?4, ?5)"},
            {&d.insertProcess,
             "INSERT INTO processes(pid, start_ns, ppid, parent_start_ns, uid, comm, exe, argv,"
             " exit_ts_ns, exit_code, mnt_ns, pid_ns, ns_pid, cgroup, base_ppid, base_uid, base_comm)"
             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"},
            {&d.updateProcess,
             "UPDATE processes SET ppid = ?3, parent_start_ns = ?4, uid = ?5, comm = ?6, exe = ?7,"
             " argv = ?8, exit_ts_ns = ?9, exit_code = ?10, mnt_ns = ?11, pid_ns = ?12, ns_pid = ?13,"
             " cgroup = ?14 WHERE pid = ?1 AND start_ns = ?2"},
            {&d.setProcessBase,
             "UPDATE processes SET base_gid = ?2, base_ns_pid = ?3, base_cgroup = ?4 WHERE id = ?1"},
            {&d.insertEvent,
             "INSERT INTO events(id, ts, dt, proc, tid, syscall, ret, fd, file, file2, socket, flags,"
             " mode, count, bytes, truncated, argv, comm, ppid, uid, ext) VALUES (?1, ?2, ?3, ?4, ?5,"
             " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)"},
            {&d.insertLoss,
             "INSERT INTO losses(first_ts, last_ts, cpu, count, source, before_event)"
             " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
            {&d.setMeta, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)"},
        });
        if (!prepared)
            return fail(prepared.error());
        if (auto done = d.fileIds.prepare(*d.db); !done)
            return fail(done.error());
        Impl *impl = &d;
        auto flowsPrepared = d.flows.prepare(
            *d.db,
            [impl](const std::string &text) { return impl->intern(impl->strings, impl->insertString, text); },
            [impl](uint32_t pid, uint64_t startNs) { return impl->processRowId(pid, startNs); });
        if (!flowsPrepared)
            return fail(flowsPrepared.error());
        const std::pair<const char *, std::string> values[] = {
            {"format_version", sessionFormatVersion()},
            {"tool_version", meta.toolVersion},
            {"host", meta.host},
            {"kernel", meta.kernel},
            {"boot_id", meta.bootId},
            {"boot_to_epoch_ns", std::to_string(meta.bootToEpochNs)},
            {"capture_start_ns", std::to_string(meta.captureStartNs)},
            {"capture_end_ns", "0"},
            {"capture_config", meta.captureConfig.empty() ? "{}" : meta.captureConfig},
        };
        for (const auto &[key, value] : values) {
            if (auto done = d.putMeta(key, value); !done)
                return fail(done.error());
        }
        if (auto done = d.putCounts(); !done)
            return fail(done.error());
        if (auto done = tx.commit(); !done)
            return fail(done.error());
    }
    return writer;
}

Result<void> SessionWriter::append(CaptureBatch &batch)
{
    Impl &d = *m_impl;
    if (d.finished)
        return makeError("session " + d.path + " is finished; cannot append");
    if (!d.failure.empty())
        return makeError("session " + d.path + " stopped after an earlier error: " + d.failure);
    if (batch.empty())
        return {};
    const SessionCounts before = d.counts;
    const int64_t nextIdBefore = d.nextEventId;
    SqliteTransaction tx(*d.db);
    Result<void> done = tx.begun();
    if (done)
        done = d.appendUnlocked(batch);
    if (done)
        done = tx.commit();
    if (!done) {
        d.lackOfSpace = d.outOfSpace(done.error());
        // Rolled back: in-memory intern caches may name rows that no longer exist.
        d.counts = before;
        d.nextEventId = nextIdBefore;
        d.failure = done.error();
        return makeError("cannot write to session " + d.path + ": " + done.error());
    }
    return {};
}

bool SessionWriter::failedForLackOfSpace() const { return m_impl->lackOfSpace; }

void SessionWriter::setNoEventsExpected() { m_impl->flows.setNoEventsExpected(); }

Result<void> SessionWriter::appendFinalLoss(const LossRecord &loss)
{
    Impl &d = *m_impl;
    if (d.finished)
        return makeError("session " + d.path + " is finished; cannot append");
    // Only the losses table and meta: no intern cache is involved.
    const SessionCounts before = d.counts;
    SqliteTransaction tx(*d.db);
    Result<void> done = tx.begun();
    if (done)
        done = d.insertLossRow(loss);
    if (done)
        done = d.putCounts();
    if (done)
        done = tx.commit();
    if (!done) {
        d.counts = before;
        return makeError("cannot record the loss in session " + d.path + ": " + done.error());
    }
    return {};
}

Result<void> SessionWriter::setCaptureConfig(const std::string &json)
{
    Impl &d = *m_impl;
    if (d.finished)
        return makeError("session " + d.path + " is finished");
    return d.putMeta("capture_config", json);
}

Result<void> SessionWriter::setCaptureStart(uint64_t captureStartNs)
{
    Impl &d = *m_impl;
    if (d.finished)
        return makeError("session " + d.path + " is finished");
    return d.putMeta("capture_start_ns", std::to_string(captureStartNs));
}

Result<void> SessionWriter::finish(uint64_t captureEndNs)
{
    Impl &d = *m_impl;
    if (d.finished)
        return {};
    {
        SqliteTransaction tx(*d.db);
        Result<void> done = tx.begun();
        // Flows flushed before their socket events: a last try with every event known.
        if (done && d.failure.empty())
            done = d.flows.finish();
        if (done)
            done = d.putMeta("capture_end_ns", std::to_string(captureEndNs));
        if (done)
            done = d.putCounts();
        // The evidence is complete: its digest goes into meta (provscope-cli verify).
        if (done) {
            auto digest = computeEvidenceDigest(*d.db);
            if (!digest)
                done = makeError(digest.error());
            else
                done = d.putMeta(kEvidenceDigestKey, *digest);
        }
        if (done)
            done = d.putMeta(kEvidenceDigestVersionKey, std::to_string(kEvidenceDigestVersion));
        if (done)
            done = tx.commit();
        if (!done)
            return makeError("cannot finish session " + d.path + ": " + done.error());
    }
    // Statements hold no locks once reset, but finalize them so close() succeeds.
    d.insertString = {}; d.insertFile = {}; d.insertSocket = {}; d.insertProcess = {};
    d.updateProcess = {}; d.setProcessBase = {}; d.insertEvent = {}; d.insertLoss = {}; d.setMeta = {};
    d.fileIds.clear();
    d.flows.clear();
    // One self-contained file: fold the WAL in and leave WAL mode.
    sqlite3_busy_timeout(d.db->handle(), 5000);
    if (auto done = d.db->exec("PRAGMA wal_checkpoint(TRUNCATE)"); !done)
        return makeError("cannot finish session " + d.path + ": " + done.error());
    // Leaving WAL needs an exclusive lock; a reader in the middle of a call (another
    // thread or process) holds a shared one for a moment, so try for a while.
    auto mode = d.db->queryText("PRAGMA journal_mode = DELETE");
    for (int attempt = 0; attempt < 300 && (!mode || *mode != "delete"); ++attempt) {
        ::usleep(10000);
        mode = d.db->queryText("PRAGMA journal_mode = DELETE");
    }
    if (!mode || *mode != "delete") {
        d.failure = "finishing failed";
        return makeError("cannot finish session " + d.path +
                         ": it is still open elsewhere (close live readers first)" +
                         (mode ? std::string() : ": " + mode.error()));
    }
    if (auto done = d.db->close(); !done)
        return makeError("cannot close session " + d.path + ": " + done.error());
    d.db.reset();
    d.finished = true;
    return {};
}

SessionCounts SessionWriter::counts() const { return m_impl->counts; }

Result<uint64_t> SessionWriter::databaseBytes() const
{
    Impl &d = *m_impl;
    if (!d.db)
        return makeError("session " + d.path + " is closed");
    auto pages = d.db->queryText("PRAGMA page_count");
    auto pageSize = d.db->queryText("PRAGMA page_size");
    if (!pages || !pageSize)
        return makeError(!pages ? pages.error() : pageSize.error());
    return std::strtoull(pages->c_str(), nullptr, 10) * std::strtoull(pageSize->c_str(), nullptr, 10);
}

bool SessionWriter::isFinished() const { return m_impl->finished; }

const std::string &SessionWriter::path() const { return m_impl->path; }

} // namespace provscope
