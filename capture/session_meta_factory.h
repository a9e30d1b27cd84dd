#pragma once
// The SessionMeta of a capture starting now on this machine.
#include "event.h"

#include <string>

namespace provscope {

SessionMeta makeLiveSessionMeta(const std::string &captureConfigJson);

} // namespace provscope
