#pragma once
// Names of the syscall kinds the eBPF side reports (enum ps_syscall_kind).
#include <cstdint>
#include <string_view>

namespace provscope {

// "openat" for PS_SC_OPENAT; "unknown" for anything out of range.
std::string_view syscallName(uint32_t kind);
// The kind for a name, PS_SC_UNKNOWN (0) when it is not one of ours.
uint32_t syscallKind(std::string_view name);
// Number of kinds, PS_SC_KIND_COUNT.
uint32_t syscallKindCount();

} // namespace provscope
