#pragma once

namespace fusex {
inline constexpr const char* kVersion = "0.1.0";
// The newest FUSE protocol minor fusex speaks; INIT negotiates down from it.
inline constexpr unsigned kProtocolMajor = 7;
inline constexpr unsigned kProtocolMinor = 44;
}  // namespace fusex
