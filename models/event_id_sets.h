#pragma once
// Sets of row ids for the display-filter planner (EventQuery): ids of small-table
// rows a condition matched, and candidate event ids combined with set algebra.
#include <cstdint>
#include <vector>

namespace provscope::planner {

// A set of row ids of a small table: a bitmap while the ids are small (they are
// dense: INTEGER PRIMARY KEY), else a sorted list.
struct IdSet {
    std::vector<int64_t> ids; // sorted, unique
    std::vector<uint64_t> bits;

    void build();
    bool contains(int64_t id) const;
};

// Sorts and deduplicates event ids; many ids (dense up to their largest) go through
// a bitmap, several times faster than a comparison sort of a million ids.
void sortUnique(std::vector<int64_t> &ids);

// Event ids from the indexes, ascending; complement: every event id (from the first
// asked for) except these. exact: the filter's result; else a superset of it.
struct Candidates {
    std::vector<int64_t> ids;
    bool complement = false;
    bool exact = true;
};

// Sorted sets: '&' intersection, '|' union, otherwise a minus b.
std::vector<int64_t> setOp(const std::vector<int64_t> &a, const std::vector<int64_t> &b, char op);

// A and B, or A or B, with either side possibly a complement (De Morgan).
Candidates combine(Candidates a, Candidates b, bool isAnd);

} // namespace provscope::planner
