// Plain, obviously correct versions of every function, to compare against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace dmover_test {

// Bit by bit, straight from the definition.
inline uint32_t reference_crc32c(uint32_t seed, const void* data, size_t n) {
    auto p = static_cast<const unsigned char*>(data);
    uint32_t crc = ~seed;
    for (size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
    return ~crc;
}

inline std::vector<unsigned char> reference_xor(const std::vector<std::vector<unsigned char>>& srcs) {
    std::vector<unsigned char> out(srcs.at(0).size(), 0);
    for (const auto& s : srcs)
        for (size_t i = 0; i < out.size(); ++i) out[i] ^= s[i];
    return out;
}

inline std::vector<unsigned char> random_bytes(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<unsigned char> v(n);
    for (auto& b : v) b = static_cast<unsigned char>(rng());
    return v;
}

}  // namespace dmover_test
