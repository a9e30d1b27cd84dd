// provscope-bench-pcapgen: a synthetic classic pcap for the import benchmark (issue 6).
//   provscope-bench-pcapgen --packets N -o FILE [--seed S] [--concurrent K]
// Ethernet (a few flows 802.1Q-tagged), IPv4 and about a fifth IPv6; TCP flows with
// SYN / SYN-ACK / ACK, data both ways and FIN (some refused with RST, some reset midway),
// UDP exchanges (a quarter of them DNS queries answered with A/AAAA records naming the
// TCP servers), payloads from 0 to a full segment. No 5-tuple is ever reused (every flow
// has a client address and port of its own), so tshark's conversations and provscope's
// flows are the same thing. K flows are open at once and their packets interleave.
// Prints the ground truth as one JSON line: packets, flows and frames per protocol.
// FILE is created new (an existing file is refused, never overwritten).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

struct Step {
    bool fromClient = true;
    uint8_t tcpFlags = 0; // 0 for UDP
    uint16_t payload = 0; // bytes after the transport header
    uint8_t dns = 0;      // 1: DNS query, 2: DNS response
};

struct Plan {
    bool v6 = false;
    bool vlan = false;
    uint8_t proto = 6;
    uint8_t client[16] = {}, server[16] = {};
    uint16_t sport = 0, dport = 0;
    uint32_t clientSeq = 0, serverSeq = 0; // next sequence numbers (TCP)
    uint32_t dnsId = 0;
    int answer = 0; // DNS: the server index the answer names
    std::vector<Step> steps;
    size_t next = 0;
};

constexpr int kServers = 1024;
constexpr uint16_t kTcpPorts[] = {80, 443, 22, 8080, 5432};
constexpr uint16_t kUdpPorts[] = {7, 443, 514}; // 53 is DNS, chosen apart

void serverAddress(int index, bool v6, uint8_t *out)
{
    if (!v6) {
        const uint8_t a[4] = {172, 16, uint8_t(index >> 8), uint8_t(index)};
        std::memcpy(out, a, 4);
        return;
    }
    const uint8_t a[16] = {0xfd, 0x00, 0x5e, 0x5e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, uint8_t(index >> 8), uint8_t(index)};
    std::memcpy(out, a, 16);
}

// Flow number n gets a client endpoint no other flow has.
void clientEndpoint(uint64_t n, bool v6, uint8_t *addr, uint16_t &port)
{
    port = uint16_t(1024 + n % 60000);
    const uint64_t host = n / 60000 + 1;
    if (!v6) {
        const uint8_t a[4] = {10, uint8_t(host >> 16), uint8_t(host >> 8), uint8_t(host)};
        std::memcpy(addr, a, 4);
        return;
    }
    const uint8_t a[16] = {0xfd, 0x00, 0xc1, 0xc1, 0, 0, 0, 0, 0, 0, 0, 0,
                           uint8_t(host >> 24), uint8_t(host >> 16), uint8_t(host >> 8), uint8_t(host)};
    std::memcpy(addr, a, 16);
}

std::string dnsName(int server)
{
    return "svc" + std::to_string(server) + ".bench.example";
}

class Generator {
public:
    Generator(uint64_t seed, size_t concurrent) : m_rng(seed), m_concurrent(concurrent) {}

    // Plans a flow of at most `budget` packets.
    Plan plan(uint64_t budget)
    {
        Plan p;
        p.v6 = chance(0.2);
        p.vlan = chance(0.05);
        clientEndpoint(m_flowNumber++, p.v6, p.client, p.sport);
        const bool tcp = budget >= 2 && chance(0.6);
        if (tcp) {
            p.proto = 6;
            const int server = int(uniform(0, kServers - 1));
            serverAddress(server, p.v6, p.server);
            p.dport = kTcpPorts[uniform(0, std::size(kTcpPorts) - 1)];
            p.clientSeq = uint32_t(m_rng());
            p.serverSeq = uint32_t(m_rng());
            planTcp(p, budget);
        } else {
            p.proto = 17;
            serverAddress(int(uniform(0, kServers - 1)), p.v6, p.server);
            if (budget >= 2 && chance(0.25)) {
                p.dport = 53;
                p.dnsId = uint32_t(m_rng() & 0xffff);
                p.answer = int(uniform(0, kServers - 1));
                p.steps.push_back({true, 0, 0, 1});
                p.steps.push_back({false, 0, 0, 2});
            } else {
                p.dport = kUdpPorts[uniform(0, std::size(kUdpPorts) - 1)];
                const uint64_t count = std::min<uint64_t>(budget, uniform(1, 8));
                for (uint64_t i = 0; i < count; ++i)
                    p.steps.push_back({i % 2 == 0 || chance(0.2), 0, payloadSize(p.v6, 1200), 0});
            }
        }
        return p;
    }

    // Writes the whole file: exactly `packets` frames.
    bool write(FILE *out, uint64_t packets)
    {
        // Classic pcap, microsecond timestamps, Ethernet, snap length 65535.
        const uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
        if (std::fwrite(header, sizeof header, 1, out) != 1)
            return false;
        uint64_t planned = 0, written = 0;
        std::vector<Plan> open;
        std::vector<uint8_t> frame;
        while (written < packets) {
            while (open.size() < m_concurrent && planned < packets) {
                open.push_back(plan(packets - planned));
                planned += open.back().steps.size();
                count(open.back());
            }
            const size_t i = uniform(0, open.size() - 1);
            Plan &p = open[i];
            build(p, p.steps[p.next++], frame);
            m_usec += uniform(1, 20);
            const uint32_t record[4] = {uint32_t(m_usec / 1000000), uint32_t(m_usec % 1000000), uint32_t(frame.size()),
                                        uint32_t(frame.size())};
            if (std::fwrite(record, sizeof record, 1, out) != 1 || std::fwrite(frame.data(), frame.size(), 1, out) != 1)
                return false;
            m_bytes += frame.size();
            ++written;
            if (p.next == p.steps.size()) {
                std::swap(open[i], open.back());
                open.pop_back();
            }
        }
        return true;
    }

    void printTruth(uint64_t packets) const
    {
        std::printf("{\"packets\":%llu,\"bytes\":%llu,\"tcp_flows\":%llu,\"tcp_frames\":%llu,\"udp_flows\":%llu,"
                    "\"udp_frames\":%llu,\"dns_exchanges\":%llu,\"ipv6_flows\":%llu}\n",
                    (unsigned long long)packets, (unsigned long long)m_bytes, (unsigned long long)m_tcpFlows,
                    (unsigned long long)m_tcpFrames, (unsigned long long)m_udpFlows, (unsigned long long)m_udpFrames,
                    (unsigned long long)m_dnsExchanges, (unsigned long long)m_v6Flows);
    }

private:
    uint64_t uniform(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(m_rng); }
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(m_rng) < p; }

    // Mostly small (ACK-sized and requests), some medium, a fifth full segments.
    uint16_t payloadSize(bool v6, uint16_t full)
    {
        const double r = std::uniform_real_distribution<double>(0, 1)(m_rng);
        if (r < 0.4)
            return uint16_t(uniform(1, 100));
        if (r < 0.8)
            return uint16_t(uniform(101, 900));
        return uint16_t(full - (v6 ? 20 : 0));
    }

    void planTcp(Plan &p, uint64_t budget)
    {
        const uint8_t synAck = 0x12, ack = 0x10, pshAck = 0x18, finAck = 0x11, rstAck = 0x14;
        // Refused: SYN, RST-ACK.
        if (budget < 6 || chance(0.05)) {
            p.steps.push_back({true, 0x02, 0, 0});
            p.steps.push_back({false, rstAck, 0, 0});
            return;
        }
        const bool reset = chance(0.05); // ends with RST instead of the FIN exchange
        const uint64_t tail = reset ? 1 : 3;
        const uint64_t data = std::min<uint64_t>(budget - 3 - tail, uniform(0, 24));
        p.steps.push_back({true, 0x02, 0, 0});
        p.steps.push_back({false, synAck, 0, 0});
        p.steps.push_back({true, ack, 0, 0});
        for (uint64_t i = 0; i < data; ++i) {
            const bool fromClient = i == 0 || chance(0.4);
            const bool bare = i > 0 && chance(0.25); // a pure ACK
            p.steps.push_back({fromClient, uint8_t(bare ? ack : pshAck), bare ? uint16_t(0) : payloadSize(p.v6, 1448), 0});
        }
        if (reset) {
            p.steps.push_back({chance(0.5), rstAck, 0, 0});
            return;
        }
        const bool clientCloses = chance(0.7);
        p.steps.push_back({clientCloses, finAck, 0, 0});
        p.steps.push_back({!clientCloses, finAck, 0, 0});
        p.steps.push_back({clientCloses, ack, 0, 0});
    }

    void count(const Plan &p)
    {
        (p.proto == 6 ? m_tcpFlows : m_udpFlows)++;
        (p.proto == 6 ? m_tcpFrames : m_udpFrames) += p.steps.size();
        m_dnsExchanges += p.dport == 53 ? 1 : 0;
        m_v6Flows += p.v6 ? 1 : 0;
    }

    static void put16(std::vector<uint8_t> &f, size_t at, uint16_t v)
    {
        f[at] = uint8_t(v >> 8);
        f[at + 1] = uint8_t(v);
    }
    static void put32(std::vector<uint8_t> &f, size_t at, uint32_t v)
    {
        put16(f, at, uint16_t(v >> 16));
        put16(f, at + 2, uint16_t(v));
    }
    static uint32_t sum(const uint8_t *data, size_t length, uint32_t acc)
    {
        for (size_t i = 0; i + 1 < length; i += 2)
            acc += uint32_t(data[i]) << 8 | data[i + 1];
        if (length % 2)
            acc += uint32_t(data[length - 1]) << 8;
        return acc;
    }
    static uint16_t fold(uint32_t acc)
    {
        while (acc >> 16)
            acc = (acc & 0xffff) + (acc >> 16);
        return uint16_t(~acc);
    }

    void dnsPayload(const Plan &p, bool response, std::vector<uint8_t> &out)
    {
        out.clear();
        const bool aaaa = p.v6;
        const uint8_t header[12] = {uint8_t(p.dnsId >> 8), uint8_t(p.dnsId), uint8_t(response ? 0x81 : 0x01),
                                    uint8_t(response ? 0x80 : 0x00), 0, 1, 0, uint8_t(response ? 1 : 0), 0, 0, 0, 0};
        out.insert(out.end(), header, header + 12);
        const std::string name = dnsName(p.answer);
        size_t start = 0;
        while (start <= name.size()) {
            size_t dot = name.find('.', start);
            if (dot == std::string::npos)
                dot = name.size();
            out.push_back(uint8_t(dot - start));
            out.insert(out.end(), name.begin() + long(start), name.begin() + long(dot));
            start = dot + 1;
        }
        out.push_back(0);
        const uint8_t question[4] = {0, uint8_t(aaaa ? 28 : 1), 0, 1};
        out.insert(out.end(), question, question + 4);
        if (!response)
            return;
        const uint8_t answer[12] = {0xc0, 0x0c, 0, uint8_t(aaaa ? 28 : 1), 0, 1, 0, 0, 0x0e, 0x10, 0, uint8_t(aaaa ? 16 : 4)};
        out.insert(out.end(), answer, answer + 12);
        uint8_t address[16];
        serverAddress(p.answer, aaaa, address);
        out.insert(out.end(), address, address + (aaaa ? 16 : 4));
    }

    void build(Plan &p, const Step &s, std::vector<uint8_t> &f)
    {
        std::vector<uint8_t> &dns = m_dns;
        if (s.dns)
            dnsPayload(p, s.dns == 2, dns);
        const size_t payload = s.dns ? dns.size() : s.payload;
        const size_t link = p.vlan ? 18 : 14;
        const size_t ip = p.v6 ? 40 : 20;
        const size_t transport = p.proto == 6 ? 20 : 8;
        f.assign(link + ip + transport + payload, 0);
        // Ethernet (+ 802.1Q): the client's MAC is 02:00:00:00:00:01.
        const uint8_t clientMac[6] = {2, 0, 0, 0, 0, 1}, serverMac[6] = {2, 0, 0, 0, 0, 2};
        std::memcpy(&f[0], s.fromClient ? serverMac : clientMac, 6);
        std::memcpy(&f[6], s.fromClient ? clientMac : serverMac, 6);
        if (p.vlan) {
            put16(f, 12, 0x8100);
            put16(f, 14, 100);
        }
        put16(f, link - 2, p.v6 ? 0x86dd : 0x0800);
        const uint8_t *src = s.fromClient ? p.client : p.server, *dst = s.fromClient ? p.server : p.client;
        const size_t alen = p.v6 ? 16 : 4;
        uint8_t *iph = &f[link];
        const size_t l4len = transport + payload;
        if (!p.v6) {
            iph[0] = 0x45;
            put16(f, link + 2, uint16_t(ip + l4len));
            put16(f, link + 4, uint16_t(m_ipId++));
            put16(f, link + 6, 0x4000); // DF
            iph[8] = 64;
            iph[9] = p.proto;
            std::memcpy(iph + 12, src, 4);
            std::memcpy(iph + 16, dst, 4);
            put16(f, link + 10, fold(sum(iph, 20, 0)));
        } else {
            iph[0] = 0x60;
            put16(f, link + 4, uint16_t(l4len));
            iph[6] = p.proto;
            iph[7] = 64;
            std::memcpy(iph + 8, src, 16);
            std::memcpy(iph + 24, dst, 16);
        }
        const size_t l4 = link + ip;
        put16(f, l4, s.fromClient ? p.sport : p.dport);
        put16(f, l4 + 2, s.fromClient ? p.dport : p.sport);
        uint8_t *body = &f[l4 + transport];
        if (s.dns)
            std::memcpy(body, dns.data(), dns.size());
        else
            for (size_t i = 0; i < payload; ++i)
                body[i] = uint8_t('a' + (i + m_ipId) % 26);
        size_t checksumAt;
        if (p.proto == 6) {
            uint32_t &seq = s.fromClient ? p.clientSeq : p.serverSeq;
            const uint32_t ackNo = s.fromClient ? p.serverSeq : p.clientSeq;
            put32(f, l4 + 4, seq);
            put32(f, l4 + 8, (s.tcpFlags & 0x10) ? ackNo : 0);
            f[l4 + 12] = 0x50;
            f[l4 + 13] = s.tcpFlags;
            put16(f, l4 + 14, 64240);
            seq += uint32_t(payload) + ((s.tcpFlags & 0x03) ? 1 : 0); // SYN and FIN take a sequence number
            checksumAt = l4 + 16;
        } else {
            put16(f, l4 + 4, uint16_t(l4len));
            checksumAt = l4 + 6;
        }
        // The pseudo-header checksum, so Wireshark shows no errors.
        uint32_t acc = sum(src, alen, 0);
        acc = sum(dst, alen, acc);
        acc += p.proto + uint32_t(l4len);
        uint16_t checksum = fold(sum(&f[l4], l4len, acc));
        if (checksum == 0 && p.proto == 17)
            checksum = 0xffff;
        put16(f, checksumAt, checksum);
    }

    std::mt19937_64 m_rng;
    size_t m_concurrent;
    uint64_t m_flowNumber = 0;
    uint64_t m_usec = 1'700'000'000ULL * 1'000'000ULL;
    uint32_t m_ipId = 1;
    std::vector<uint8_t> m_dns;
    uint64_t m_bytes = 0, m_tcpFlows = 0, m_tcpFrames = 0, m_udpFlows = 0, m_udpFrames = 0, m_dnsExchanges = 0,
             m_v6Flows = 0;
};

int usage(const char *why)
{
    std::fprintf(stderr, "provscope-bench-pcapgen: %s\nusage: provscope-bench-pcapgen --packets N -o FILE [--seed S] [--concurrent K]\n",
                 why);
    return 2;
}

bool parseCount(const char *text, uint64_t &out)
{
    char *end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-')
        return false;
    out = v;
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    uint64_t packets = 0, seed = 1, concurrent = 512;
    std::string path;
    bool havePackets = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--packets" && hasValue) {
            if (!parseCount(argv[++i], packets) || packets == 0)
                return usage("--packets needs a positive whole number");
            havePackets = true;
        } else if (arg == "--seed" && hasValue) {
            if (!parseCount(argv[++i], seed))
                return usage("--seed needs a whole number");
        } else if (arg == "--concurrent" && hasValue) {
            if (!parseCount(argv[++i], concurrent) || concurrent == 0)
                return usage("--concurrent needs a positive whole number");
        } else if (arg == "-o" && hasValue) {
            path = argv[++i];
        } else {
            return usage(("unknown or incomplete argument " + arg).c_str());
        }
    }
    if (!havePackets || path.empty())
        return usage("--packets and -o are required");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        std::fprintf(stderr, "provscope-bench-pcapgen: cannot create %s: %s%s\n", path.c_str(), std::strerror(errno),
                     errno == EEXIST ? " (remove it first: an existing file is never overwritten)" : "");
        return 1;
    }
    FILE *out = ::fdopen(fd, "wb");
    static char buffer[1 << 20];
    std::setvbuf(out, buffer, _IOFBF, sizeof buffer);
    Generator generator(seed, concurrent);
    const bool ok = generator.write(out, packets);
    if (!ok || std::fflush(out) != 0 || std::fclose(out) != 0) {
        std::fprintf(stderr, "provscope-bench-pcapgen: writing %s failed: %s\n", path.c_str(), std::strerror(errno));
        ::unlink(path.c_str());
        return 1;
    }
    generator.printTruth(packets);
    return 0;
}
