#pragma once
// The SessionWriter's flows while recording: each batch's socket events feed the
// attributor, its flows are attributed and stored (FlowStore: the first stored
// attribution wins), and flows flushed before their socket events arrived wait to be
// attributed again when events with their 5-tuple come (given up kSettle after their
// last packet, or when too many wait), and once more at finish.
#include "capture_batch.h"
#include "flow_attribution.h"
#include "flow_store.h"

#include <cstdint>
#include <functional>
#include <unordered_map>

namespace provscope {

class FlowStoreLive {
public:
    // As FlowStore::prepare.
    Result<void> prepare(SqliteDatabase &db, FlowStore::Intern intern, FlowStore::ProcessRowId processRowId);
    void clear() { m_store.clear(); }
    // No socket event will come (an import into a new session): no flow waits for one.
    void setNoEventsExpected() { m_noEventsExpected = true; }

    struct Added {
        int64_t flows = 0; // new keys
        int64_t dnsRecords = 0;
    };
    // Inside the caller's transaction, after the batch's processes and events are
    // stored. Each flow of batch is left as stored (its attribution), with comm names
    // set by fillComms.
    Result<Added> store(CaptureBatch &batch, const std::function<void(Flow &)> &fillComms);
    // The last try at the end of the recording, with every event known.
    Result<void> finish() { return retry(true); }

private:
    Result<void> retry(bool final);

    FlowStore m_store;
    FlowAttributor m_attributor;
    std::unordered_map<uint64_t, Flow> m_pending; // by key: not fully attributed yet
    // Their lookup keys (FlowAttributor::lookupKeys) -> flow keys; may name flows no
    // longer pending (rebuilt when they are given up).
    std::unordered_multimap<TupleKey, uint64_t, TupleKeyHash> m_pendingByTuple;
    bool m_noEventsExpected = false;
    int64_t m_latestFlowNs = 0;
    int64_t m_lastPruneNs = 0;
    int64_t m_lastSettleNs = 0;
};

} // namespace provscope
