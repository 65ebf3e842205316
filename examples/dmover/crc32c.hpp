// CRC-32C (Castagnoli) with several implementations picked at run time.
// crc32c_update(seed, data) = CRC of data continued from the CRC `seed`
// (pre/post inverted): crc32c_update(0, "123456789") == 0xE3069283 and
// crc32c_update(crc32c_update(0, A), B) == crc32c_update(0, A || B).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dmover {

enum class Crc32cImpl { Table, Sse42, Isal };

// The fastest implementation this CPU and build offer.
uint32_t crc32c_update(uint32_t seed, const void* data, size_t length);

// For tests and benchmarks: every implementation usable here.
std::vector<Crc32cImpl> available_crc32c_impls();
uint32_t crc32c_update_with(Crc32cImpl impl, uint32_t seed, const void* data, size_t length);
const char* crc32c_impl_name(Crc32cImpl impl);
Crc32cImpl best_crc32c_impl();

}  // namespace dmover
