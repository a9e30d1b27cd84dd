#pragma once
// The byte-level pieces of the wire protocol (wire_protocol.h) shared by its files:
// little-endian Writer, bounds-checked Reader, and the flow / DNS record codec
// (wire_protocol_flows.cpp). Internal: include only from wire_protocol*.cpp.
#include "capture_batch.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace provscope::wire::codec {

// ---- writing -------------------------------------------------------------

class Writer {
public:
    void u8(uint8_t v) { m_out.push_back(v); }
    void u16(uint16_t v) { le(v); }
    void u32(uint32_t v) { le(v); }
    void u64(uint64_t v) { le(v); }
    void i32(int32_t v) { le(static_cast<uint32_t>(v)); }
    void i64(int64_t v) { le(static_cast<uint64_t>(v)); }
    void str(const std::string &s)
    {
        u32(static_cast<uint32_t>(s.size()));
        m_out.insert(m_out.end(), s.begin(), s.end());
    }
    void strings(const std::vector<std::string> &v)
    {
        u32(static_cast<uint32_t>(v.size()));
        for (const auto &s : v)
            str(s);
    }
    std::vector<uint8_t> &bytes() { return m_out; }

private:
    template <class T>
    void le(T v)
    {
        for (size_t i = 0; i < sizeof(T); ++i)
            m_out.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    std::vector<uint8_t> m_out;
};

// ---- reading -------------------------------------------------------------

// Bounds-checked reader: the first failure is kept, later reads return zeros.
class Reader {
public:
    Reader(const uint8_t *data, size_t size, const char *context)
        : m_data(data), m_size(size), m_context(context) {}

    bool ok() const { return m_error.empty(); }
    const std::string &error() const { return m_error; }
    size_t remaining() const { return m_size - m_pos; }

    uint8_t u8() { return le<uint8_t>("u8"); }
    uint16_t u16() { return le<uint16_t>("u16"); }
    uint32_t u32() { return le<uint32_t>("u32"); }
    uint64_t u64() { return le<uint64_t>("u64"); }
    int32_t i32() { return static_cast<int32_t>(le<uint32_t>("i32")); }
    int64_t i64() { return static_cast<int64_t>(le<uint64_t>("i64")); }
    bool boolean()
    {
        const uint8_t v = u8();
        if (ok() && v > 1)
            fail("boolean byte " + std::to_string(v) + " is neither 0 nor 1");
        return v == 1;
    }

    std::string str()
    {
        const uint32_t len = u32();
        if (!ok())
            return {};
        if (len > remaining()) {
            fail("string length " + std::to_string(len) + " exceeds remaining " +
                 std::to_string(remaining()) + " bytes");
            return {};
        }
        std::string s(reinterpret_cast<const char *>(m_data + m_pos), len);
        m_pos += len;
        return s;
    }

    // A count of items each at least minItemBytes long: capped by what is left,
    // so a forged count can never cause a big allocation.
    uint32_t count(size_t minItemBytes, const char *what)
    {
        const uint32_t n = u32();
        if (!ok())
            return 0;
        if (static_cast<uint64_t>(n) * minItemBytes > remaining()) {
            fail(std::string(what) + " count " + std::to_string(n) + " needs at least " +
                 std::to_string(static_cast<uint64_t>(n) * minItemBytes) + " bytes, " +
                 std::to_string(remaining()) + " remain");
            return 0;
        }
        return n;
    }

    std::vector<std::string> strings()
    {
        std::vector<std::string> v;
        const uint32_t n = count(4, "string");
        v.reserve(n);
        for (uint32_t i = 0; i < n && ok(); ++i)
            v.push_back(str());
        return v;
    }

    void fail(const std::string &reason)
    {
        if (m_error.empty())
            m_error = reason + " in " + m_context;
    }

private:
    template <class T>
    T le(const char *what)
    {
        if (!ok())
            return 0;
        if (remaining() < sizeof(T)) {
            fail(std::string("truncated ") + what + " (" + std::to_string(remaining()) +
                 " bytes remain)");
            return 0;
        }
        T v = 0;
        for (size_t i = 0; i < sizeof(T); ++i)
            v = static_cast<T>(v | static_cast<T>(static_cast<T>(m_data[m_pos + i]) << (8 * i)));
        m_pos += sizeof(T);
        return v;
    }

    const uint8_t *m_data;
    size_t m_size;
    size_t m_pos = 0;
    const char *m_context;
    std::string m_error;
};

// Flow and DNS record items of a Batch (wire_protocol_flows.cpp).
void writeFlow(Writer &w, const Flow &f);
void writeDns(Writer &w, const DnsRecord &r);
Flow readFlow(Reader &r);
DnsRecord readDns(Reader &r);
// Smallest possible encodings (all strings empty), used to cap item counts.
size_t minFlowBytes();
size_t minDnsBytes();
// Encoded sizes, to split batches.
size_t flowBytes(const Flow &f);
size_t dnsBytes(const DnsRecord &d);

} // namespace provscope::wire::codec
