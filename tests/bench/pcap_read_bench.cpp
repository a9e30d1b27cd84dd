// provscope-bench-pcapread FILE [RUNS]: readCaptureFile + FlowAggregator alone (no
// session), the part of `provscope-cli import` before the store, so import_bench.sh can
// tell reading and aggregating from storing. Prints one JSON line per run: seconds,
// packets/s, flows and DNS records handed out.
#include "capture_file_reader.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace provscope;

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: provscope-bench-pcapread FILE [RUNS]\n");
        return 2;
    }
    const int runs = argc > 2 ? std::atoi(argv[2]) : 1;
    for (int run = 0; run < runs; ++run) {
        FlowAggregator aggregator;
        uint64_t flows = 0, packets = 0, dns = 0;
        const auto start = std::chrono::steady_clock::now();
        auto summary = readCaptureFile(argv[1], aggregator, [&](std::vector<Flow> &&f, std::vector<DnsRecord> &&d) -> Result<void> {
            for (const Flow &flow : f) { // a flush re-sends open flows: none in a capture this short
                ++flows;
                packets += flow.packets();
            }
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
    return 0;
}
