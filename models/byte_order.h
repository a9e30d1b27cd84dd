#pragma once
// Big-endian (network order) reads for the packet and DNS parsers; callers check bounds.
#include <cstdint>

namespace provscope {

inline uint16_t be16(const uint8_t *p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t be32(const uint8_t *p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

} // namespace provscope
