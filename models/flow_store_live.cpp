#include "flow_store_live.h"

#include <algorithm>
#include <unordered_set>
#include <vector>

namespace provscope {
namespace {

// A flow not (fully) attributed is tried again on later appends until the capture's
// clock (latest event or flow time) is this far past its last packet: its socket
// events (a connect delivered after the flow was flushed) have all arrived by then.
constexpr int64_t kAttributionSettleNs = 30'000'000'000;
// Socket event ranges older than this (behind the clock) are forgotten: flows are
// flushed (60 s) and time out (300 s) well within it.
constexpr int64_t kAttributionHorizonNs = 600'000'000'000;
// At most this many flows wait for a late attribution (then the oldest are given up).
constexpr size_t kMaxPendingFlows = 100'000;

} // namespace

Result<void> FlowStoreLive::prepare(SqliteDatabase &db, FlowStore::Intern intern, FlowStore::ProcessRowId processRowId)
{
    return m_store.prepare(db, std::move(intern), std::move(processRowId));
}

Result<FlowStoreLive::Added> FlowStoreLive::store(CaptureBatch &batch, const std::function<void(Flow &)> &fillComms)
{
    Added added;
    // The batch's socket events first: a flow is attributed to the events stored with it.
    for (const Event &e : batch.events)
        m_attributor.addEvent(e);
    for (Flow &flow : batch.flows) {
        m_attributor.attribute(flow);
        auto isNew = m_store.putFlow(flow); // the stored attribution written back: the first one wins
        if (!isNew)
            return makeError(isNew.error());
        fillComms(flow); // what a live view shows, as a reader would
        if (*isNew)
            ++added.flows;
        m_latestFlowNs = std::max(m_latestFlowNs, flow.lastNs);
        if (m_noEventsExpected)
            continue;
        if (!flow.pid || !flow.peerPid) {
            auto [it, isNewPending] = m_pending.insert_or_assign(flow.key, flow);
            if (isNewPending) {
                for (const TupleKey &key : FlowAttributor::lookupKeys(it->second))
                    m_pendingByTuple.emplace(key, flow.key);
            }
        } else {
            m_pending.erase(flow.key);
        }
    }
    for (const DnsRecord &record : batch.dnsRecords) {
        if (auto done = m_store.putDns(record); !done)
            return makeError(done.error());
        ++added.dnsRecords;
    }
    if (auto done = retry(false); !done)
        return makeError(done.error());
    return added;
}

Result<void> FlowStoreLive::retry(bool final)
{
    // Only new events can attribute more, and only the flows whose 5-tuple they show.
    const TupleKeySet touched = m_attributor.takeTouchedKeys();
    if (m_pending.empty())
        return {};
    std::unordered_set<uint64_t> retried;
    for (const TupleKey &key : touched) {
        auto [from, to] = m_pendingByTuple.equal_range(key);
        for (auto it = from; it != to; ++it) {
            auto flow = m_pending.find(it->second);
            if (flow == m_pending.end() || !retried.insert(it->second).second)
                continue;
            if (m_attributor.attribute(flow->second)) {
                if (auto done = m_store.updateAttribution(flow->second); !done)
                    return done;
            }
        }
    }
    if (final) {
        m_pending.clear();
        m_pendingByTuple.clear();
        return {};
    }
    const int64_t clock = std::max(m_attributor.latestEventNs(), m_latestFlowNs);
    // Once a second of capture time is enough to give up on the settled ones.
    if (clock - m_lastSettleNs >= 1'000'000'000 || m_pending.size() > kMaxPendingFlows) {
        m_lastSettleNs = clock;
        for (auto it = m_pending.begin(); it != m_pending.end();) {
            const bool settled =
                (it->second.pid && it->second.peerPid) || it->second.lastNs + kAttributionSettleNs < clock;
            it = settled ? m_pending.erase(it) : std::next(it);
        }
    }
    if (m_pendingByTuple.size() > 12 * m_pending.size() + 1024) {
        m_pendingByTuple.clear();
        for (const auto &[flowKey, flow] : m_pending) {
            for (const TupleKey &key : FlowAttributor::lookupKeys(flow))
                m_pendingByTuple.emplace(key, flowKey);
        }
    }
    if (m_pending.size() > kMaxPendingFlows) {
        std::vector<int64_t> lasts;
        lasts.reserve(m_pending.size());
        for (const auto &entry : m_pending)
            lasts.push_back(entry.second.lastNs);
        auto middle = lasts.begin() + std::ptrdiff_t(lasts.size() / 2);
        std::nth_element(lasts.begin(), middle, lasts.end());
        const int64_t cut = *middle;
        for (auto it = m_pending.begin(); it != m_pending.end();)
            it = it->second.lastNs < cut ? m_pending.erase(it) : std::next(it);
    }
    if (clock - m_lastPruneNs > 60'000'000'000) {
        m_attributor.prune(clock - kAttributionHorizonNs);
        m_lastPruneNs = clock;
    }
    return {};
}

} // namespace provscope
