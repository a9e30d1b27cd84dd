#pragma once
// Adds flows and DNS records to a FINISHED session (`provscope-cli import --into`):
// evidence added after the recording, so all of it happens in one transaction with
// the custody-log entry and the new evidence digest — on any failure (or without
// commit()) the file keeps its previous bytes' meaning: nothing added, no entry.
// Flows get keys after the session's largest and are attributed against the session's
// own socket events (flow_attribution.h). A session older than 1.3 gains the tables
// and becomes format 1.3. A session still being recorded is refused; the file is
// never opened through a symlink.
#include "flow.h"
#include "result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace provscope {

class FlowStoreImport {
public:
    ~FlowStoreImport(); // without commit(): rolled back
    FlowStoreImport(const FlowStoreImport &) = delete;
    FlowStoreImport &operator=(const FlowStoreImport &) = delete;

    // Opens path, begins the transaction, checks that the evidence still has its recorded
    // digest (else "the evidence in FILE changed since it was recorded ..."), prepares
    // the tables and loads the socket events. Messages name shownAs when given (the
    // user's file, when path is its temporary copy).
    static Result<std::unique_ptr<FlowStoreImport>> open(const std::string &path, const std::string &shownAs = {});

    int64_t bootToEpochNs() const;
    // The key the first imported flow must have (FlowAggregatorOptions::firstKey).
    uint64_t firstKey() const;

    // Attributes and stores flows (upsert by key) and appends DNS records.
    Result<void> add(std::vector<Flow> &flows, const std::vector<DnsRecord> &dnsRecords);

    // Updates the counts, appends the custody entry (action "import", note) with the
    // digest before and after, and commits; then closes the file.
    Result<void> commit(const std::string &note);

    uint64_t flowsAdded() const;
    // Of the flows added, those stored with an initiator or a responder (known after commit()).
    uint64_t flowsAttributed() const;
    uint64_t dnsRecordsAdded() const;

private:
    FlowStoreImport();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace provscope
