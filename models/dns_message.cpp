#include "dns_message.h"

#include "byte_order.h"
#include "flow.h"
#include "packet_decoder.h"

#include <string_view>
#include <unordered_map>

namespace provscope {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr int kMaxPointers = 32; // more jumps than any honest name needs: a loop

class Reader {
public:
    Reader(const uint8_t *data, size_t length) : m_data(data), m_length(length) {}

    // Reads the name at offset; on success offset moves past it (past its first pointer).
    bool name(size_t &offset, std::string &out, std::string &error) const
    {
        out.clear();
        size_t cursor = offset;
        size_t resume = 0;
        int jumps = 0;
        for (;;) {
            if (cursor >= m_length)
                return fail(error, "name at byte " + std::to_string(offset) + " runs past the end");
            const uint8_t label = m_data[cursor];
            if (label == 0) {
                offset = jumps ? resume : cursor + 1;
                return true;
            }
            if ((label & 0xc0) == 0xc0) {
                if (cursor + 1 >= m_length)
                    return fail(error, "compression pointer at byte " + std::to_string(cursor) + " cut short");
                const size_t target = size_t(label & 0x3f) << 8 | m_data[cursor + 1];
                if (++jumps > kMaxPointers)
                    return fail(error, "compression pointer loop at byte " + std::to_string(cursor));
                // Pointers must point backward (RFC 1035 4.1.4: to a prior occurrence).
                if (target >= cursor)
                    return fail(error, "compression pointer at byte " + std::to_string(cursor) + " points forward to " + std::to_string(target));
                if (jumps == 1)
                    resume = cursor + 2;
                cursor = target;
                continue;
            }
            if (label & 0xc0)
                return fail(error, "unknown label type at byte " + std::to_string(cursor));
            if (cursor + 1 + label > m_length)
                return fail(error, "label at byte " + std::to_string(cursor) + " runs past the end");
            if (!out.empty())
                out += '.';
            appendLabel(out, m_data + cursor + 1, label);
            if (out.size() > kMaxNameLength)
                return fail(error, "name at byte " + std::to_string(offset) + " longer than 255");
            cursor += 1 + label;
        }
    }

private:
    static bool fail(std::string &error, std::string text)
    {
        error = std::move(text);
        return false;
    }
    // Lower case; dots and unprintable bytes inside a label escaped as \DDD (master file style).
    static void appendLabel(std::string &out, const uint8_t *p, size_t n)
    {
        for (size_t i = 0; i < n; ++i) {
            const uint8_t c = p[i];
            if (c >= 'A' && c <= 'Z') {
                out += char(c - 'A' + 'a');
            } else if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
                out += char(c);
            } else {
                char escaped[5] = {'\\', char('0' + c / 100), char('0' + c / 10 % 10), char('0' + c % 10), 0};
                out += escaped;
            }
        }
    }

    const uint8_t *m_data;
    size_t m_length;
};

} // namespace

namespace {

// CNAME target -> owner (the first record naming it), built once per message.
using OwnerByTarget = std::unordered_map<std::string_view, std::string_view>;

OwnerByTarget ownersByTarget(const std::vector<DnsAnswer> &answers)
{
    OwnerByTarget map;
    for (const DnsAnswer &a : answers)
        if (a.type == kDnsTypeCname && a.value != a.name)
            map.emplace(a.value, a.name);
    return map;
}

std::string queryNameOf(const OwnerByTarget &owners, const std::string &question, std::string_view owner)
{
    std::string_view name = owner;
    for (int step = 0; name != question && step < kMaxCnameChain; ++step) {
        auto it = owners.find(name);
        if (it == owners.end())
            break;
        name = it->second;
    }
    return std::string(!question.empty() && name == question ? std::string_view(question) : name);
}

} // namespace

std::string DnsMessage::queryNameFor(const std::string &owner) const
{
    return queryNameOf(ownersByTarget(answers), questionName, owner);
}

std::vector<std::string> DnsMessage::queryNames() const
{
    const OwnerByTarget owners = ownersByTarget(answers);
    std::vector<std::string> names;
    names.reserve(answers.size());
    for (const DnsAnswer &a : answers)
        names.push_back(queryNameOf(owners, questionName, a.name));
    return names;
}

Result<DnsMessage> parseDnsResponse(const uint8_t *data, size_t length)
{
    if (!data || length < 12)
        return makeError("DNS message of " + std::to_string(data ? length : 0) + " bytes < 12-byte header");
    const uint16_t flags = be16(data + 2);
    if (!(flags & 0x8000))
        return makeError("DNS message is a query, not a response");
    DnsMessage message;
    message.id = be16(data);
    message.rcode = uint8_t(flags & 0x0f);
    const uint16_t questions = be16(data + 4);
    const uint16_t answers = be16(data + 6);
    const Reader reader(data, length);
    std::string error;
    size_t offset = 12;
    for (uint16_t q = 0; q < questions; ++q) {
        std::string name;
        if (!reader.name(offset, name, error))
            return makeError("DNS question: " + error);
        if (offset + 4 > length)
            return makeError("DNS question cut short at byte " + std::to_string(offset));
        if (q == 0) {
            message.questionName = std::move(name);
            message.questionType = be16(data + offset);
        }
        offset += 4;
    }
    std::string owner;
    for (uint16_t a = 0; a < answers; ++a) {
        if (!reader.name(offset, owner, error)) {
            message.cutShort = true;
            message.cutReason = "answer " + std::to_string(a + 1) + ": " + error;
            break;
        }
        if (offset + 10 > length) {
            message.cutShort = true;
            message.cutReason = "answer " + std::to_string(a + 1) + " cut short at byte " + std::to_string(offset);
            break;
        }
        const uint16_t type = be16(data + offset);
        const uint16_t cls = be16(data + offset + 2);
        const uint32_t ttl = be32(data + offset + 4);
        const uint16_t rdLength = be16(data + offset + 8);
        offset += 10;
        if (offset + rdLength > length) {
            message.cutShort = true;
            message.cutReason = "answer " + std::to_string(a + 1) + " data cut short at byte " + std::to_string(offset);
            break;
        }
        const size_t next = offset + rdLength;
        if ((cls & 0x7fff) == 1) { // class IN (the top bit is mDNS cache-flush)
            DnsAnswer answer;
            if (type == kDnsTypeA && rdLength == 4) {
                answer.value = addressText(4, data + offset);
            } else if (type == kDnsTypeAaaa && rdLength == 16) {
                answer.value = addressText(6, data + offset);
            } else if (type == kDnsTypeCname) {
                size_t at = offset;
                if (!reader.name(at, answer.value, error) || at > next) {
                    message.cutShort = true;
                    message.cutReason = "answer " + std::to_string(a + 1) + " CNAME: " + (at > next ? "runs past its data" : error);
                    break;
                }
            }
            if (!answer.value.empty()) {
                answer.name = owner;
                answer.type = type;
                answer.ttl = ttl;
                message.answers.push_back(std::move(answer));
            }
        }
        offset = next;
    }
    return message;
}

} // namespace provscope
