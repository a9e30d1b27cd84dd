#pragma once
// Deterministic UUIDs for the nodes of a BackTrack tracker log, derived from our
// identities with name-based UUIDv5 (SHA-1) under a fixed provscope namespace,
// so exporting the same session twice gives the same UUIDs:
//   process: (boot id, pid, start_boottime ns); the last 12 digits are the pid in
//            decimal, zero-padded, as BackTrack's process UUIDs end in the pid
//   file:    (boot id, absolute path)
//   socket:  (boot id, local address, local port, remote address, remote port)
#include <cstdint>
#include <string>
#include <string_view>

namespace provscope {

std::string backtrackProcessUuid(std::string_view bootId, uint32_t pid, uint64_t startNs);
std::string backtrackFileUuid(std::string_view bootId, std::string_view path);
std::string backtrackSocketUuid(std::string_view bootId, std::string_view laddr, uint16_t lport,
                                std::string_view raddr, uint16_t rport);

} // namespace provscope
