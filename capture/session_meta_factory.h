#pragma once
// The SessionMeta of a capture starting now on this machine.
#include "event.h"

#include <cstdint>
#include <string>

namespace provscope {

// captureStartNs: boot ns taken before the programs were attached (0: now).
SessionMeta makeLiveSessionMeta(const std::string &captureConfigJson, uint64_t captureStartNs = 0);

} // namespace provscope
