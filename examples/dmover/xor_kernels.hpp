// dst = srcs[0] ^ srcs[1] ^ ... ^ srcs[n-1] over `length` bytes, with the
// widest vectors this CPU has. dst may be srcs[0]; any alignment works.
#pragma once

#include <cstddef>
#include <vector>

namespace dmover {

enum class XorImpl { Scalar, Sse2, Avx2 };

void xor_buffers(void* dst, const void* const* srcs, unsigned n, size_t length);

// For tests and benchmarks.
std::vector<XorImpl> available_xor_impls();
void xor_buffers_with(XorImpl impl, void* dst, const void* const* srcs, unsigned n, size_t length);
const char* xor_impl_name(XorImpl impl);

}  // namespace dmover
