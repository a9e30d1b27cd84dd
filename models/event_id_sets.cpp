#include "event_id_sets.h"

#include <algorithm>
#include <iterator>

namespace provscope::planner {

void IdSet::build()
{
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    bits.clear();
    if (!ids.empty() && ids.front() >= 0 && ids.back() < (int64_t(1) << 28)) {
        bits.assign(size_t(ids.back() / 64 + 1), 0);
        for (int64_t id : ids)
            bits[size_t(id / 64)] |= uint64_t(1) << (id % 64);
    }
}

bool IdSet::contains(int64_t id) const
{
    if (!bits.empty())
        return id >= 0 && size_t(id / 64) < bits.size() && (bits[size_t(id / 64)] >> (id % 64)) & 1;
    return std::binary_search(ids.begin(), ids.end(), id);
}

void sortUnique(std::vector<int64_t> &ids)
{
    if (ids.empty())
        return;
    const auto [low, high] = std::minmax_element(ids.begin(), ids.end());
    if (ids.size() < 4096 || *low < 0 || uint64_t(*high) / 64 > ids.size() * 4) {
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        return;
    }
    std::vector<uint64_t> bits(size_t(*high / 64 + 1), 0);
    for (int64_t id : ids)
        bits[size_t(id / 64)] |= uint64_t(1) << (id % 64);
    ids.clear();
    for (size_t w = 0; w < bits.size(); ++w) {
        for (uint64_t word = bits[w]; word; word &= word - 1)
            ids.push_back(int64_t(w * 64 + size_t(__builtin_ctzll(word))));
    }
}

std::vector<int64_t> setOp(const std::vector<int64_t> &a, const std::vector<int64_t> &b, char op)
{
    std::vector<int64_t> out;
    switch (op) {
    case '&':
        std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
        break;
    case '|':
        out.reserve(a.size() + b.size());
        std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
        break;
    default: // a minus b
        std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
        break;
    }
    return out;
}

Candidates combine(Candidates a, Candidates b, bool isAnd)
{
    Candidates r;
    r.exact = a.exact && b.exact;
    if (!isAnd) {
        // A or B = not (not A and not B)
        a.complement = !a.complement;
        b.complement = !b.complement;
    }
    if (!a.complement && !b.complement)
        r.ids = setOp(a.ids, b.ids, '&');
    else if (!a.complement)
        r.ids = setOp(a.ids, b.ids, '-');
    else if (!b.complement)
        r.ids = setOp(b.ids, a.ids, '-');
    else {
        r.ids = setOp(a.ids, b.ids, '|');
        r.complement = true;
    }
    if (!isAnd)
        r.complement = !r.complement;
    return r;
}

} // namespace provscope::planner
