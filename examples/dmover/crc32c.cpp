#include "crc32c.hpp"

#include <nmmintrin.h>

#include <array>
#include <climits>
#include <cstring>

#ifdef DMOVER_HAVE_ISAL
#include <isa-l/crc.h>
#endif

namespace dmover {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;

constexpr std::array<uint32_t, 256> make_table() {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
        t[i] = c;
    }
    return t;
}
constexpr auto kTable = make_table();

// The register functions work on the inverted CRC (no pre/post inversion).
uint32_t table_register(uint32_t reg, const unsigned char* p, size_t n) {
    while (n--) reg = (reg >> 8) ^ kTable[(reg ^ *p++) & 0xff];
    return reg;
}

__attribute__((target("sse4.2"))) uint32_t sse42_register(uint32_t reg, const unsigned char* p, size_t n) {
    while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
        reg = _mm_crc32_u8(reg, *p++);
        --n;
    }
    uint64_t wide = reg;
    // Four independent loads per iteration let the CPU overlap the loads with
    // the 3-cycle crc32 latency chain.
    while (n >= 32) {
        uint64_t w[4];
        std::memcpy(w, p, 32);
        wide = _mm_crc32_u64(wide, w[0]);
        wide = _mm_crc32_u64(wide, w[1]);
        wide = _mm_crc32_u64(wide, w[2]);
        wide = _mm_crc32_u64(wide, w[3]);
        p += 32;
        n -= 32;
    }
    while (n >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        wide = _mm_crc32_u64(wide, w);
        p += 8;
        n -= 8;
    }
    reg = static_cast<uint32_t>(wide);
    while (n--) reg = _mm_crc32_u8(reg, *p++);
    return reg;
}

#ifdef DMOVER_HAVE_ISAL
uint32_t isal_register(uint32_t reg, const unsigned char* p, size_t n) {
    // crc32_iscsi takes an int length and does no inversion itself.
    constexpr size_t kStep = size_t(1) << 30;
    while (n > 0) {
        size_t step = n < kStep ? n : kStep;
        reg = crc32_iscsi(const_cast<unsigned char*>(p), static_cast<int>(step), reg);
        p += step;
        n -= step;
    }
    return reg;
}
#endif

bool cpu_has_sse42() {
    static const bool has = __builtin_cpu_supports("sse4.2");
    return has;
}

}  // namespace

std::vector<Crc32cImpl> available_crc32c_impls() {
    std::vector<Crc32cImpl> impls{Crc32cImpl::Table};
    if (cpu_has_sse42()) impls.push_back(Crc32cImpl::Sse42);
#ifdef DMOVER_HAVE_ISAL
    impls.push_back(Crc32cImpl::Isal);
#endif
    return impls;
}

Crc32cImpl best_crc32c_impl() {
    static const Crc32cImpl best = available_crc32c_impls().back();
    return best;
}

const char* crc32c_impl_name(Crc32cImpl impl) {
    switch (impl) {
        case Crc32cImpl::Table: return "table";
        case Crc32cImpl::Sse42: return "sse4.2";
        case Crc32cImpl::Isal: return "isa-l";
    }
    return "?";
}

uint32_t crc32c_update_with(Crc32cImpl impl, uint32_t seed, const void* data, size_t length) {
    auto p = static_cast<const unsigned char*>(data);
    uint32_t reg = ~seed;
    switch (impl) {
        case Crc32cImpl::Sse42:
            reg = sse42_register(reg, p, length);
            break;
        case Crc32cImpl::Isal:
#ifdef DMOVER_HAVE_ISAL
            reg = isal_register(reg, p, length);
            break;
#endif
        case Crc32cImpl::Table:
            reg = table_register(reg, p, length);
            break;
    }
    return ~reg;
}

uint32_t crc32c_update(uint32_t seed, const void* data, size_t length) {
    return crc32c_update_with(best_crc32c_impl(), seed, data, length);
}

}  // namespace dmover
