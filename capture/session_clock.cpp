#include "session_clock.h"

#include <cstdint>
#include <ctime>
#include <fstream>

namespace provscope {
namespace {

int64_t nowNs(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace

std::string currentBootId()
{
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
}

int64_t bootToEpochOffsetNs()
{
    // Bracket the realtime read with two boottime reads and keep the tightest of a
    // few tries, so a preemption between the reads does not skew every timestamp.
    int64_t best = 0;
    int64_t bestWidth = INT64_MAX;
    for (int i = 0; i < 5; ++i) {
        const int64_t before = nowNs(CLOCK_BOOTTIME);
        const int64_t real = nowNs(CLOCK_REALTIME);
        const int64_t after = nowNs(CLOCK_BOOTTIME);
        if (after - before < bestWidth) {
            bestWidth = after - before;
            best = real - (before + (after - before) / 2);
        }
    }
    return best;
}

uint64_t bootTimeNowNs() { return uint64_t(nowNs(CLOCK_BOOTTIME)); }

} // namespace provscope
