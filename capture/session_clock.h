#pragma once
// Facts about this boot that every session records: boot id and the offset
// from the eBPF clock (CLOCK_BOOTTIME) to epoch time.
#include <cstdint>
#include <string>

namespace provscope {

std::string currentBootId();        // /proc/sys/kernel/random/boot_id, "" if unreadable
int64_t bootToEpochOffsetNs();      // CLOCK_REALTIME - CLOCK_BOOTTIME, sampled tightly
uint64_t bootTimeNowNs();           // CLOCK_BOOTTIME now

} // namespace provscope
