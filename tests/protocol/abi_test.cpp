// Our hand-written ABI against the distribution's uapi header (7.38), fact
// by fact; plus the 7.39..7.44 additions that header predates.
#include <gtest/gtest.h>

#include <cstddef>

#include "abi_reference.hpp"
#include "protocol/abi.hpp"

namespace fusex::test {
namespace {

std::map<std::string, uint64_t> our_facts() {
    using namespace abi;
    std::map<std::string, uint64_t> m;
#define FACT_C(x) m[#x] = static_cast<uint64_t>(abi::x);
#define FACT_S(s) m["sizeof " #s] = sizeof(abi::s);
#define FACT_O(s, f) m["offsetof " #s "." #f] = offsetof(abi::s, f);
#include "abi_facts.inc"
#undef FACT_C
#undef FACT_S
#undef FACT_O
    return m;
}

TEST(Abi, MatchesTheUapiHeaderFactByFact) {
    const auto kernel = kernel_header_facts();
    const auto ours = our_facts();
    ASSERT_EQ(kernel.size(), ours.size());
    EXPECT_GT(ours.size(), 250u);
    for (const auto& [name, value] : kernel) {
        auto it = ours.find(name);
        ASSERT_NE(it, ours.end()) << name;
        EXPECT_EQ(it->second, value) << name;
    }
}

TEST(Abi, NewerThanTheUapiHeader) {
    using namespace abi;
    EXPECT_EQ(FUSE_KERNEL_MINOR_VERSION, 44u);
    EXPECT_EQ(FUSE_CREATE_SUPP_GROUP, 1ull << 34);
    EXPECT_EQ(FUSE_DIRECT_IO_ALLOW_MMAP, 1ull << 36);
    EXPECT_EQ(FUSE_PASSTHROUGH, 1ull << 37);
    EXPECT_EQ(FUSE_NO_EXPORT_SUPPORT, 1ull << 38);
    EXPECT_EQ(FUSE_HAS_RESEND, 1ull << 39);
    EXPECT_EQ(FUSE_ALLOW_IDMAP, 1ull << 40);
    EXPECT_EQ(FUSE_OVER_IO_URING, 1ull << 41);
    EXPECT_EQ(FUSE_REQUEST_TIMEOUT, 1ull << 42);
    EXPECT_EQ(FOPEN_PASSTHROUGH, 1u << 7);
    EXPECT_EQ(uint32_t{FUSE_STATX}, 52u);
    EXPECT_EQ(uint32_t{FUSE_NOTIFY_RESEND}, 7u);
    EXPECT_EQ(offsetof(fuse_open_out, backing_id), 12u);
    EXPECT_EQ(offsetof(fuse_init_out, max_stack_depth), 36u);
    EXPECT_EQ(offsetof(fuse_init_out, request_timeout), 40u);
    EXPECT_EQ(sizeof(fuse_statx_out), 288u);
    EXPECT_EQ(offsetof(fuse_statx_out, stat), 32u);
    EXPECT_EQ(sizeof(fuse_uring_req_header), 2 * 128 + sizeof(fuse_uring_ent_in_out));
    EXPECT_EQ(offsetof(fuse_uring_req_header, ring_ent_in_out), 256u);
    EXPECT_EQ(uint32_t{FUSE_IO_URING_CMD_REGISTER}, 1u);
    EXPECT_EQ(uint32_t{FUSE_IO_URING_CMD_COMMIT_AND_FETCH}, 2u);
    EXPECT_EQ(FUSE_DEV_IOC_BACKING_OPEN, 0x4010e501ul);
    EXPECT_EQ(FUSE_DEV_IOC_BACKING_CLOSE, 0x4004e502ul);
}

TEST(Abi, RecordHelpers) {
    using namespace abi;
    EXPECT_EQ(FUSE_NAME_OFFSET(), 24u);
    EXPECT_EQ(FUSE_NAME_OFFSET_DIRENTPLUS(), 152u);
    EXPECT_EQ(FUSE_REC_ALIGN(0), 0u);
    EXPECT_EQ(FUSE_REC_ALIGN(1), 8u);
    EXPECT_EQ(FUSE_REC_ALIGN(8), 8u);
    EXPECT_EQ(FUSE_DIRENT_SIZE(0), 24u);
    EXPECT_EQ(FUSE_DIRENTPLUS_SIZE(3), 160u);
}

}  // namespace
}  // namespace fusex::test
