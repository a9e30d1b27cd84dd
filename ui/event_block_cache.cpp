#include "event_block_cache.h"

#include "session_reader.h"

namespace provscope {

const Event *EventBlockCache::event(const SessionReader &reader, int64_t id)
{
    if (id < 1)
        return nullptr;
    const int64_t index = (id - 1) / kBlockSize;
    const size_t offset = static_cast<size_t>((id - 1) % kBlockSize);
    auto it = m_blocks.find(index);
    if (it == m_blocks.end() || offset >= it->second.events.size()) {
        if (it != m_blocks.end()) { // a short (last) block that may have grown
            m_lru.erase(it->second.lru);
            m_blocks.erase(it);
        }
        auto read = reader.eventsByIdRange(index * kBlockSize + 1, kBlockSize);
        if (!read)
            return nullptr;
        if (m_blocks.size() >= m_maxBlocks && !m_lru.empty()) {
            m_blocks.erase(m_lru.back());
            m_lru.pop_back();
        }
        m_lru.push_front(index);
        it = m_blocks.emplace(index, Block{std::move(read.value()), m_lru.begin()}).first;
    } else {
        m_lru.splice(m_lru.begin(), m_lru, it->second.lru);
    }
    const auto &events = it->second.events;
    return offset < events.size() ? &events[offset] : nullptr;
}

const Event *EventBlockCache::single(const SessionReader &reader, int64_t id)
{
    if (id < 1)
        return nullptr;
    // A block that is cached anyway serves it too.
    if (auto block = m_blocks.find((id - 1) / kBlockSize); block != m_blocks.end()) {
        const size_t offset = static_cast<size_t>((id - 1) % kBlockSize);
        if (offset < block->second.events.size())
            return &block->second.events[offset];
    }
    if (auto it = m_singleById.find(id); it != m_singleById.end()) {
        m_singles.splice(m_singles.begin(), m_singles, it->second);
        return &*it->second;
    }
    auto read = reader.event(id);
    if (!read)
        return nullptr;
    if (m_singles.size() >= kMaxSingles) {
        m_singleById.erase(m_singles.back().id);
        m_singles.pop_back();
    }
    m_singles.push_front(std::move(read.value()));
    m_singleById.emplace(id, m_singles.begin());
    return &m_singles.front();
}

void EventBlockCache::invalidateFrom(int64_t id)
{
    const int64_t firstIndex = id < 1 ? 0 : (id - 1) / kBlockSize;
    for (auto it = m_blocks.begin(); it != m_blocks.end();) {
        if (it->first >= firstIndex) {
            m_lru.erase(it->second.lru);
            it = m_blocks.erase(it);
        } else {
            ++it;
        }
    }
}

void EventBlockCache::clear()
{
    m_blocks.clear();
    m_lru.clear();
    m_singles.clear();
    m_singleById.clear();
}

} // namespace provscope
