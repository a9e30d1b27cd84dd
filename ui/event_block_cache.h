#pragma once
// A bounded LRU cache of event blocks read from a SessionReader, so the table
// model never holds more than a few thousand events of a session in memory.
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
};

} // namespace provscope
