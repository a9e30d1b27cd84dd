#pragma once
// Passive DNS labels: which names were answered for an address, and when. Bounded: past
// maxAddresses the address whose latest answer is oldest is forgotten (a long capture
// keeps labelling new addresses); each address keeps its last labelsPerAddress names, a
// name answered again for the same address only once. Names are interned: a CDN name
// answered for thousands of addresses is stored once. Addresses are kept as 16 bytes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace provscope {

class DnsLabelMap {
public:
    explicit DnsLabelMap(size_t maxAddresses = size_t(1) << 20, size_t labelsPerAddress = 8);
    DnsLabelMap(const DnsLabelMap &) = delete;
    DnsLabelMap &operator=(const DnsLabelMap &) = delete;

    // An answer at epochNs says address (numeric text) belongs to name; answers come in
    // time order. Text that is no address is ignored.
    void add(const std::string &address, const std::string &name, int64_t epochNs);
    // The latest name answered for address at or before firstEpochNs; only when none, the
    // latest at or before lastEpochNs; empty when none.
    std::string label(const std::string &address, int64_t firstEpochNs, int64_t lastEpochNs) const;

    size_t addresses() const { return m_addresses.size(); }
    size_t names() const { return m_names.size(); } // distinct names held
    uint64_t evictedAddresses() const { return m_evicted; }

private:
    using Key = std::array<uint8_t, 16>; // IPv4 as ::ffff:a.b.c.d
    struct KeyHash {
        size_t operator()(const Key &k) const noexcept;
    };
    struct Label {
        int64_t epochNs;
        const std::string *name; // a key of m_names
    };
    struct Address {
        std::vector<Label> labels; // oldest first
        Address *prev = nullptr, *next = nullptr; // by latest answer, oldest first
        const Key *key = nullptr;
    };
    static bool parse(const std::string &text, Key &key);
    const std::string *intern(const std::string &name);
    void release(const std::string *name);
    void unlink(Address &a);
    void append(Address &a);

    size_t m_maxAddresses, m_labelsPerAddress;
    std::unordered_map<Key, Address, KeyHash> m_addresses;
    Address *m_oldest = nullptr, *m_newest = nullptr;
    std::unordered_map<std::string, uint32_t> m_names; // name -> labels holding it
    uint64_t m_evicted = 0;
};

} // namespace provscope
