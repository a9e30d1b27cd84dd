#pragma once
// Writes flows and DNS records into a session's flows and dns tables (format 1.3):
// the SessionWriter's appends and `provscope-cli import --into` use the same rows.
// Text (addresses, interface, names) is interned through the caller's intern function,
// so the writer's string cache stays the only one; processes are referenced by row id.
// Statements are prepared once; the caller holds the transaction.
#include "flow.h"
#include "result.h"
#include "sqlite_statement.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace provscope {

class SqliteDatabase;

class FlowStore {
public:
    // strings.id of text, inserting it when new.
    using Intern = std::function<Result<int64_t>(const std::string &text)>;
    // processes.id of (pid, startNs); nullopt when the session has no such process.
    using ProcessRowId = std::function<std::optional<int64_t>(uint32_t pid, uint64_t startNs)>;

    FlowStore() = default;
    // The flows and dns tables must exist (schema::createFlowTablesStatement()).
    Result<void> prepare(SqliteDatabase &db, Intern intern, ProcessRowId processRowId);
    bool isPrepared() const { return m_upsertFlow.isValid(); }
    // Finalizes the statements (before the connection closes).
    void clear();

    // Inserts the flow, or replaces the stored version of its key's counts and times;
    // an attribution stored earlier wins over this version's (the first stored one is
    // kept) and is copied into flow (pid/procStartNs, peerPid/peerStartNs), so flow is
    // what a reader will see. True when the key is new.
    Result<bool> putFlow(Flow &flow);
    // After a late attribution: sets proc / peer_proc of a stored flow where still NULL.
    Result<void> updateAttribution(const Flow &flow);
    Result<void> putDns(const DnsRecord &record);
    // The largest stored key, 0 when none.
    Result<uint64_t> maxKey();

private:
    Result<std::optional<int64_t>> optionalText(const std::string &text);

    Intern m_intern;
    ProcessRowId m_processRowId;
    SqliteStatement m_upsertFlow, m_flowExists, m_updateAttribution, m_insertDns, m_maxKey;
};

} // namespace provscope
