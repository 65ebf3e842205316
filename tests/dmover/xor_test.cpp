#include "xor_kernels.hpp"

#include <gtest/gtest.h>

#include "reference.hpp"

namespace dmover {
namespace {

TEST(Xor, EveryImplementationMatchesReference) {
    for (XorImpl impl : available_xor_impls()) {
        SCOPED_TRACE(xor_impl_name(impl));
        for (unsigned n = 1; n <= 16; ++n) {
            for (size_t len : {0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 1000, 4096, 5003}) {
                std::vector<std::vector<unsigned char>> srcs;
                for (unsigned s = 0; s < n; ++s) srcs.push_back(dmover_test::random_bytes(len + 5, n * 100 + s));
                // Misaligned starts: source s begins at byte s % 5.
                std::vector<std::vector<unsigned char>> views;
                std::vector<const void*> ptrs;
                for (unsigned s = 0; s < n; ++s) {
                    views.emplace_back(srcs[s].begin() + s % 5, srcs[s].begin() + s % 5 + long(len));
                    ptrs.push_back(srcs[s].data() + s % 5);
                }
                std::vector<unsigned char> out(len + 3, 0xAA);
                xor_buffers_with(impl, out.data() + 3, ptrs.data(), n, len);
                auto want = len ? dmover_test::reference_xor(views) : std::vector<unsigned char>{};
                ASSERT_TRUE(std::equal(want.begin(), want.end(), out.begin() + 3)) << "n " << n << " len " << len;
                EXPECT_EQ(out[0], 0xAA);
            }
        }
    }
}

TEST(Xor, DestinationMayBeFirstSource) {
    auto a = dmover_test::random_bytes(1000, 1), b = dmover_test::random_bytes(1000, 2);
    auto want = dmover_test::reference_xor({a, b});
    const void* srcs[] = {a.data(), b.data()};
    xor_buffers(a.data(), srcs, 2, a.size());
    EXPECT_EQ(a, want);
}

}  // namespace
}  // namespace dmover
