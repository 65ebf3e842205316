#include "xor_kernels.hpp"

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace dmover {
namespace {

using Bytes = unsigned char;

void xor_tail(Bytes* dst, const Bytes* const* srcs, unsigned n, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
        Bytes acc = srcs[0][i];
        for (unsigned s = 1; s < n; ++s) acc ^= srcs[s][i];
        dst[i] = acc;
    }
}

void xor_scalar(Bytes* dst, const Bytes* const* srcs, unsigned n, size_t length) {
    size_t i = 0;
    for (; i + 8 <= length; i += 8) {
        uint64_t acc, w;
        std::memcpy(&acc, srcs[0] + i, 8);
        for (unsigned s = 1; s < n; ++s) {
            std::memcpy(&w, srcs[s] + i, 8);
            acc ^= w;
        }
        std::memcpy(dst + i, &acc, 8);
    }
    xor_tail(dst, srcs, n, i, length);
}

// Four vectors per step: independent accumulators hide load latency.
void xor_sse2(Bytes* dst, const Bytes* const* srcs, unsigned n, size_t length) {
    size_t i = 0;
    for (; i + 64 <= length; i += 64) {
        auto at = [&](unsigned s, int k) {
            return _mm_loadu_si128(reinterpret_cast<const __m128i*>(srcs[s] + i + 16 * k));
        };
        __m128i a0 = at(0, 0), a1 = at(0, 1), a2 = at(0, 2), a3 = at(0, 3);
        for (unsigned s = 1; s < n; ++s) {
            a0 = _mm_xor_si128(a0, at(s, 0));
            a1 = _mm_xor_si128(a1, at(s, 1));
            a2 = _mm_xor_si128(a2, at(s, 2));
            a3 = _mm_xor_si128(a3, at(s, 3));
        }
        auto out = reinterpret_cast<__m128i*>(dst + i);
        _mm_storeu_si128(out + 0, a0);
        _mm_storeu_si128(out + 1, a1);
        _mm_storeu_si128(out + 2, a2);
        _mm_storeu_si128(out + 3, a3);
    }
    xor_tail(dst, srcs, n, i, length);
}

__attribute__((target("avx2"))) void xor_avx2(Bytes* dst, const Bytes* const* srcs, unsigned n, size_t length) {
    size_t i = 0;
    for (; i + 128 <= length; i += 128) {
        auto at = [&](unsigned s, int k) __attribute__((target("avx2"))) {
            return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(srcs[s] + i + 32 * k));
        };
        __m256i a0 = at(0, 0), a1 = at(0, 1), a2 = at(0, 2), a3 = at(0, 3);
        for (unsigned s = 1; s < n; ++s) {
            a0 = _mm256_xor_si256(a0, at(s, 0));
            a1 = _mm256_xor_si256(a1, at(s, 1));
            a2 = _mm256_xor_si256(a2, at(s, 2));
            a3 = _mm256_xor_si256(a3, at(s, 3));
        }
        auto out = reinterpret_cast<__m256i*>(dst + i);
        _mm256_storeu_si256(out + 0, a0);
        _mm256_storeu_si256(out + 1, a1);
        _mm256_storeu_si256(out + 2, a2);
        _mm256_storeu_si256(out + 3, a3);
    }
    _mm256_zeroupper();
    // The remainder (< 128 bytes) goes through the SSE2 path.
    const Bytes* rest[16];
    for (unsigned s = 0; s < n && s < 16; ++s) rest[s] = srcs[s] + i;
    xor_sse2(dst + i, rest, n, length - i);
}

bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2");
    return has;
}

}  // namespace

std::vector<XorImpl> available_xor_impls() {
    std::vector<XorImpl> impls{XorImpl::Scalar, XorImpl::Sse2};
    if (cpu_has_avx2()) impls.push_back(XorImpl::Avx2);
    return impls;
}

const char* xor_impl_name(XorImpl impl) {
    switch (impl) {
        case XorImpl::Scalar: return "scalar";
        case XorImpl::Sse2: return "sse2";
        case XorImpl::Avx2: return "avx2";
    }
    return "?";
}

void xor_buffers_with(XorImpl impl, void* dst, const void* const* srcs, unsigned n, size_t length) {
    if (n == 0 || length == 0) return;
    auto d = static_cast<Bytes*>(dst);
    auto s = reinterpret_cast<const Bytes* const*>(srcs);
    switch (impl) {
        case XorImpl::Scalar: xor_scalar(d, s, n, length); break;
        case XorImpl::Sse2: xor_sse2(d, s, n, length); break;
        case XorImpl::Avx2: xor_avx2(d, s, n, length); break;
    }
}

void xor_buffers(void* dst, const void* const* srcs, unsigned n, size_t length) {
    xor_buffers_with(cpu_has_avx2() ? XorImpl::Avx2 : XorImpl::Sse2, dst, srcs, n, length);
}

}  // namespace dmover
