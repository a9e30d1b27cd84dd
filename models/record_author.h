#pragma once
// Who adds a record to a session and when: custody log entries and annotations.
#include <cstdint>
#include <string>

namespace provscope {

// The effective user's name, or the uid as text when it has none.
std::string effectiveUserName();
// The wall clock (CLOCK_REALTIME) as epoch ns.
int64_t epochNowNs();

} // namespace provscope
