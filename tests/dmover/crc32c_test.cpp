#include "crc32c.hpp"

#include <gtest/gtest.h>

#include "dmover_client.hpp"
#include "reference.hpp"

namespace dmover {
namespace {

using dmover_test::random_bytes;
using dmover_test::reference_crc32c;

TEST(Crc32c, CheckValueOfEveryImplementation) {
    for (Crc32cImpl impl : available_crc32c_impls()) {
        SCOPED_TRACE(crc32c_impl_name(impl));
        EXPECT_EQ(crc32c_update_with(impl, 0, "123456789", 9), 0xE3069283u);
        EXPECT_EQ(crc32c_update_with(impl, 0, "", 0), 0u);
    }
    EXPECT_EQ(reference_crc32c(0, "123456789", 9), 0xE3069283u);
}

TEST(Crc32c, ImplementationsMatchReferenceAtAnyLengthAndAlignment) {
    const auto data = random_bytes(70000, 7);
    for (Crc32cImpl impl : available_crc32c_impls()) {
        SCOPED_TRACE(crc32c_impl_name(impl));
        for (size_t offset : {0, 1, 3, 7, 8, 13}) {
            for (size_t len : {0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 255, 4096, 4099, 65536}) {
                uint32_t seed = static_cast<uint32_t>(len * 2654435761u);
                ASSERT_EQ(crc32c_update_with(impl, seed, data.data() + offset, len),
                          reference_crc32c(seed, data.data() + offset, len))
                    << "offset " << offset << " len " << len;
            }
        }
    }
}

TEST(Crc32c, SeedChainsAcrossPieces) {
    const auto data = random_bytes(100000, 8);
    const uint32_t whole = crc32c_update(0, data.data(), data.size());
    for (size_t cut : {0, 1, 4095, 50000, 99999, 100000}) {
        uint32_t a = crc32c_update(0, data.data(), cut);
        EXPECT_EQ(crc32c_update(a, data.data() + cut, data.size() - cut), whole) << cut;
    }
}

TEST(Crc32c, CombineJoinsIndependentPieces) {
    const auto data = random_bytes(200000, 9);
    const uint32_t whole = reference_crc32c(0, data.data(), data.size());
    for (size_t cut : {0, 1, 8, 1000, 131072, 199999, 200000}) {
        uint32_t a = crc32c_update(0, data.data(), cut);
        uint32_t b = crc32c_update(0, data.data() + cut, data.size() - cut);
        EXPECT_EQ(crc32c_combine(a, b, data.size() - cut), whole) << cut;
    }
    // Many equal pieces, as fusex-dmover-cli splits a file.
    uint32_t crc = 0;
    for (size_t off = 0; off < data.size(); off += 4096) {
        size_t n = std::min<size_t>(4096, data.size() - off);
        uint32_t piece = crc32c_update(0, data.data() + off, n);
        crc = off == 0 ? piece : crc32c_combine(crc, piece, n);
    }
    EXPECT_EQ(crc, whole);
}

TEST(Crc32c, ZerosOperatorMatchesFeedingZeros) {
    const std::vector<unsigned char> zeros(5000, 0);
    for (uint32_t reg : {0x1u, 0xdeadbeefu, 0xffffffffu}) {
        for (size_t n : {0, 1, 2, 3, 17, 4999}) {
            // Feeding n zero bytes to the raw register = multiplying by x^(8n).
            uint32_t fed = ~reference_crc32c(~reg, zeros.data(), n);
            EXPECT_EQ(crc32c_multiply(crc32c_zeros_operator(n), reg), fed) << n;
        }
    }
}

}  // namespace
}  // namespace dmover
