#pragma once
// Parses a DNS response (RFC 1035 wire format) as far as passive DNS needs it: the
// question name and the A, AAAA and CNAME answers with their TTL. Names are lower case
// without the trailing dot; compression pointers are followed with loop protection; a
// message cut short (snap length, truncation) yields the answers that fit.
#include "result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace provscope {

struct DnsAnswer {
    std::string name;   // owner name
    uint16_t type = 0;  // kDnsTypeA, kDnsTypeAaaa or kDnsTypeCname (others are skipped)
    std::string value;  // numeric address or the CNAME target
    uint32_t ttl = 0;
};

struct DnsMessage {
    uint16_t id = 0;
    uint8_t rcode = 0;
    std::string questionName; // empty when the message has no question
    uint16_t questionType = 0;
    std::vector<DnsAnswer> answers;
    bool cutShort = false;    // the message ended before all its announced answers
    std::string cutReason;    // why parsing stopped early, for diagnostics

    // The name a user asked for that led to `owner`: the question name when owner is it or
    // lies on its CNAME chain; otherwise (no question, or a record the question did not
    // lead to) the start of the CNAME chain ending at owner, owner itself when none does.
    // Chains are followed at most kMaxCnameChain steps (a cycle or a crafted chain ends).
    std::string queryNameFor(const std::string &owner) const;
    // queryNameFor(answers[i].name) for every answer at once: O(answers), for the aggregator.
    std::vector<std::string> queryNames() const;
};

inline constexpr int kMaxCnameChain = 16;

// An Error when it is no DNS response (QR=0), shorter than the 12-byte header, or its
// question cannot be read.
Result<DnsMessage> parseDnsResponse(const uint8_t *data, size_t length);

} // namespace provscope
