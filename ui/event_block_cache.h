#pragma once
// A bounded LRU cache of event blocks read from a SessionReader, so the table
// model never holds more than a few thousand events of a session in memory.
// A sorted view's neighbouring rows are scattered over the session: there single
// events are read and cached one by one (one block per row would read 256 each).
#include "event.h"

#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

namespace provscope {

class SessionReader;

class EventBlockCache {
public:
    static constexpr int kBlockSize = 256;

    explicit EventBlockCache(size_t maxBlocks = 64) : m_maxBlocks(maxBlocks) {}

    // The event with this id (1-based), reading its block on a miss.
    // nullptr when the reader fails or the id is past the end.
    const Event *event(const SessionReader &reader, int64_t id);
    // The event with this id read alone on a miss (a bounded LRU of its own).
    const Event *single(const SessionReader &reader, int64_t id);
    // Forget blocks that may have grown (the last one) or everything.
    void invalidateFrom(int64_t id);
    void clear();
    size_t blockCount() const { return m_blocks.size(); }

private:
    struct Block {
        std::vector<Event> events;
        std::list<int64_t>::iterator lru;
    };
    size_t m_maxBlocks;
    std::unordered_map<int64_t, Block> m_blocks; // block index -> events
    std::list<int64_t> m_lru;                    // most recent first
    static constexpr size_t kMaxSingles = 4096;
    std::list<Event> m_singles; // most recent first
    std::unordered_map<int64_t, std::list<Event>::iterator> m_singleById;
};

} // namespace provscope
