// provscope-bench-pcapread FILE [RUNS] [--flows-jsonl OUT]: readCaptureFile + FlowAggregator
// alone (no session), the part of `provscope-cli import` before the store, so
// import_bench.sh can tell reading and aggregating from storing. Prints one JSON line per
// run: seconds, packets/s, flows and DNS records handed out. --flows-jsonl writes the last
// run's flows as `provscope-cli flows` names them (proto, src, sport, dst, dport,
// packets_out, bytes_out, packets_in, bytes_in), to check the aggregator alone against tshark.
#include "capture_file_reader.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

using namespace provscope;

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: provscope-bench-pcapread FILE [RUNS]\n");
        return 2;
    }
    int runs = 1;
    const char *jsonl = nullptr;
    for (int i = 2; i < argc; ++i) {
        if (std::strcmp(argv[i], "--flows-jsonl") == 0 && i + 1 < argc)
            jsonl = argv[++i];
        else
            runs = std::max(1, std::atoi(argv[i]));
    }
    std::vector<Flow> kept;
    for (int run = 0; run < runs; ++run) {
        FlowAggregator aggregator;
        uint64_t flows = 0, packets = 0, dns = 0;
        const auto start = std::chrono::steady_clock::now();
        auto summary = readCaptureFile(argv[1], aggregator, [&](std::vector<Flow> &&f, std::vector<DnsRecord> &&d) -> Result<void> {
            for (const Flow &flow : f) { // a flush re-sends open flows: none in a capture this short
                ++flows;
                packets += flow.packets();
            }
            if (jsonl && run + 1 == runs)
                kept.insert(kept.end(), f.begin(), f.end());
            dns += d.size();
            return {};
        });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!summary) {
            std::fprintf(stderr, "%s\n", summary.error().c_str());
            return 1;
        }
        std::printf("{\"seconds\":%.4f,\"frames\":%llu,\"packets_per_s\":%.0f,\"flows\":%llu,\"flow_packets\":%llu,"
                    "\"dns_records\":%llu,\"complete\":%s}\n",
                    seconds, (unsigned long long)summary->frames, double(summary->frames) / seconds,
                    (unsigned long long)flows, (unsigned long long)packets, (unsigned long long)dns,
                    summary->complete ? "true" : "false");
    }
    if (jsonl) {
        std::ofstream out(jsonl);
        for (const Flow &f : kept)
            out << "{\"proto\":\"" << (f.proto == kProtoTcp ? "tcp" : "udp") << "\",\"src\":\"" << f.src
                << "\",\"sport\":" << f.sport << ",\"dst\":\"" << f.dst << "\",\"dport\":" << f.dport
                << ",\"packets_out\":" << f.packetsOut << ",\"bytes_out\":" << f.bytesOut
                << ",\"packets_in\":" << f.packetsIn << ",\"bytes_in\":" << f.bytesIn << ",\"dns_name\":\""
                << f.dnsName << "\"}\n";
        if (!out.flush()) {
            std::fprintf(stderr, "cannot write %s\n", jsonl);
            return 1;
        }
    }
    return 0;
}
