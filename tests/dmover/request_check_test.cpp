#include "request_check.hpp"

#include <climits>

#include <gtest/gtest.h>

#include "iov_cursor.hpp"

namespace dmover {
namespace {

const Function& fn(const char* name) { return *find_function(name); }

TEST(Functions, NamesAndInputCounts) {
    EXPECT_EQ(fn("zero").inputs, 0u);
    EXPECT_EQ(fn("fill8").inputs, 0u);
    EXPECT_EQ(fn("copy").inputs, 1u);
    EXPECT_EQ(fn("crc32c").inputs, 1u);
    EXPECT_FALSE(fn("crc32c").has_output);
    for (unsigned n = 2; n <= 16; ++n) EXPECT_EQ(fn(("xor" + std::to_string(n)).c_str()).inputs, n);
    EXPECT_EQ(find_function("xor1"), nullptr);
    EXPECT_EQ(find_function("xor17"), nullptr);
    EXPECT_EQ(find_function(""), nullptr);
    EXPECT_EQ(find_function("COPY"), nullptr);
}

TEST(RequestShape, AcceptsWellFormed) {
    dmover_request r{};
    r.out = {0x1000, 2, 0};
    r.in[0] = {0x2000, 1, 0};
    EXPECT_EQ(check_request_shape(fn("copy"), r), 0);
    r.in[1] = {0x3000, 64, 0};
    EXPECT_EQ(check_request_shape(fn("xor2"), r), 0);
}

TEST(RequestShape, RejectsTooManyIovecs) {
    dmover_request r{};
    r.out = {0x1000, DMOVER_MAX_IOV + 1, 0};
    r.in[0] = {0x2000, 1, 0};
    EXPECT_EQ(check_request_shape(fn("copy"), r), EINVAL);
    r.out.iovcnt = 1;
    r.in[0].iovcnt = 0xffffffffu;
    EXPECT_EQ(check_request_shape(fn("copy"), r), EINVAL);
}

TEST(RequestShape, RejectsUnusedBuffersAndReservedFields) {
    dmover_request r{};
    r.out = {0x1000, 1, 0};
    r.in[0] = {0x2000, 1, 0};
    r.in[1] = {0x3000, 1, 0};  // copy has one input
    EXPECT_EQ(check_request_shape(fn("copy"), r), EINVAL);
    r.in[1] = {};
    r.in[0].reserved = 1;
    EXPECT_EQ(check_request_shape(fn("copy"), r), EINVAL);
    dmover_request c{};
    c.in[0] = {0x2000, 1, 0};
    EXPECT_EQ(check_request_shape(fn("crc32c"), c), 0);
    c.out = {0x1000, 1, 0};  // crc32c writes nothing
    EXPECT_EQ(check_request_shape(fn("crc32c"), c), EINVAL);
}

TEST(RequestShape, ImmediateRanges) {
    dmover_request r{};
    r.out = {0x1000, 1, 0};
    r.immediate = 255;
    EXPECT_EQ(check_request_shape(fn("fill8"), r), 0);
    r.immediate = 256;
    EXPECT_EQ(check_request_shape(fn("fill8"), r), EINVAL);
    EXPECT_EQ(check_request_shape(fn("zero"), r), EINVAL);
    dmover_request c{};
    c.in[0] = {0x2000, 1, 0};
    c.immediate = 0xffffffffu;
    EXPECT_EQ(check_request_shape(fn("crc32c"), c), 0);
    c.immediate = 0x100000000ull;
    EXPECT_EQ(check_request_shape(fn("crc32c"), c), EINVAL);
}

TEST(TotalLength, SumsAndRejectsOverflow) {
    size_t total = 1;
    iovec ok[] = {{nullptr, 10}, {nullptr, 0}, {nullptr, 5}};
    EXPECT_EQ(total_length(ok, &total), 0);
    EXPECT_EQ(total, 15u);
    iovec wrap[] = {{nullptr, SIZE_MAX}, {nullptr, 2}};
    EXPECT_EQ(total_length(wrap, &total), EINVAL);
    iovec big[] = {{nullptr, size_t(SSIZE_MAX)}, {nullptr, 1}};
    EXPECT_EQ(total_length(big, &total), EINVAL);
    iovec edge[] = {{nullptr, size_t(SSIZE_MAX) - 1}, {nullptr, 1}};
    EXPECT_EQ(total_length(edge, &total), 0);
    EXPECT_EQ(total_length({}, &total), 0);
    EXPECT_EQ(total, 0u);
}

TEST(IovCursor, CoversChunksAcrossSegments) {
    char buf[100];
    iovec iov[] = {{buf, 10}, {buf + 20, 0}, {buf + 30, 25}, {buf + 60, 5}};
    IovCursor cur(iov);
    std::vector<iovec> out;
    EXPECT_EQ(cur.take(12, out), 12u);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].iov_base, buf);
    EXPECT_EQ(out[0].iov_len, 10u);
    EXPECT_EQ(out[1].iov_base, buf + 30);
    EXPECT_EQ(out[1].iov_len, 2u);
    out.clear();
    EXPECT_EQ(cur.take(100, out), 28u);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].iov_base, buf + 32);
    EXPECT_EQ(out[0].iov_len, 23u);
    EXPECT_EQ(out[1].iov_len, 5u);
    out.clear();
    EXPECT_EQ(cur.take(1, out), 0u);
}

}  // namespace
}  // namespace dmover
