#include "dns_label_map.h"

#include <arpa/inet.h>

#include <cstring>

namespace provscope {

DnsLabelMap::DnsLabelMap(size_t maxAddresses, size_t labelsPerAddress)
    : m_maxAddresses(maxAddresses ? maxAddresses : 1), m_labelsPerAddress(labelsPerAddress ? labelsPerAddress : 1)
{
}

size_t DnsLabelMap::KeyHash::operator()(const Key &k) const noexcept
{
    uint64_t w[2];
    std::memcpy(w, k.data(), sizeof w);
    uint64_t h = (w[0] ^ 0x9e3779b97f4a7c15ull) * 0xff51afd7ed558ccdull;
    h = (h ^ (h >> 32) ^ w[1]) * 0xc4ceb9fe1a85ec53ull;
    return size_t(h ^ (h >> 29));
}

bool DnsLabelMap::parse(const std::string &text, Key &key)
{
    key.fill(0);
    if (text.find(':') != std::string::npos)
        return inet_pton(AF_INET6, text.c_str(), key.data()) == 1;
    key[10] = key[11] = 0xff;
    return inet_pton(AF_INET, text.c_str(), key.data() + 12) == 1;
}

const std::string *DnsLabelMap::intern(const std::string &name)
{
    auto it = m_names.try_emplace(name, 0).first;
    ++it->second;
    return &it->first;
}

void DnsLabelMap::release(const std::string *name)
{
    auto it = m_names.find(*name);
    if (it != m_names.end() && --it->second == 0)
        m_names.erase(it);
}

void DnsLabelMap::unlink(Address &a)
{
    (a.prev ? a.prev->next : m_oldest) = a.next;
    (a.next ? a.next->prev : m_newest) = a.prev;
    a.prev = a.next = nullptr;
}

void DnsLabelMap::append(Address &a)
{
    a.prev = m_newest;
    a.next = nullptr;
    (m_newest ? m_newest->next : m_oldest) = &a;
    m_newest = &a;
}

void DnsLabelMap::add(const std::string &address, const std::string &name, int64_t epochNs)
{
    Key key;
    if (!parse(address, key))
        return;
    auto found = m_addresses.find(key);
    if (found == m_addresses.end()) {
        if (m_addresses.size() >= m_maxAddresses && m_oldest) {
            Address &oldest = *m_oldest;
            for (const Label &l : oldest.labels)
                release(l.name);
            unlink(oldest);
            m_addresses.erase(*oldest.key);
            ++m_evicted;
        }
        found = m_addresses.try_emplace(key).first;
        found->second.key = &found->first;
    } else {
        unlink(found->second);
    }
    Address &a = found->second;
    append(a); // now the most recently answered
    // The same name again: its first answer already labels every flow the new one would.
    if (!a.labels.empty() && *a.labels.back().name == name)
        return;
    if (a.labels.size() >= m_labelsPerAddress) {
        release(a.labels.front().name);
        a.labels.erase(a.labels.begin());
    }
    a.labels.push_back({epochNs, intern(name)});
}

std::string DnsLabelMap::label(const std::string &address, int64_t firstEpochNs, int64_t lastEpochNs) const
{
    Key key;
    if (!parse(address, key))
        return {};
    auto it = m_addresses.find(key);
    if (it == m_addresses.end())
        return {};
    const Label *during = nullptr;
    const std::vector<Label> &labels = it->second.labels;
    for (auto l = labels.rbegin(); l != labels.rend(); ++l) {
        if (l->epochNs <= firstEpochNs)
            return *l->name;
        if (l->epochNs <= lastEpochNs && !during)
            during = &*l;
    }
    return during ? *during->name : std::string();
}

} // namespace provscope
