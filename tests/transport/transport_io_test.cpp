// Data integrity through a real mount under every transport: reads of many
// sizes and offsets (page cache and direct_io, file data from an fd and from
// memory, short at end of file), writes of many sizes, concurrent readers
// and writers.
#include <fcntl.h>
#include <unistd.h>

#include <thread>

#include "fusex/filesystem.hpp"
#include "transport_fixture.hpp"

namespace fusex::test {
namespace {

class TransportIoTest : public ::testing::TestWithParam<TransportKind> {
  protected:
    void SetUp() override {
        if (auto why = fx_.set_up(GetParam()); !why.empty()) GTEST_SKIP() << why;
        ASSERT_TRUE(fx_.mount().ok());
    }
    void TearDown() override { fx_.tear_down(); }
    TransportFixture fx_;
};

const size_t kSizes[] = {1, 7, 4095, 4096, 4097, 65537, (128u << 10) + 5, 1u << 20, (1u << 20) + 1, 3u << 20};

TEST_P(TransportIoTest, ReadsOfManySizesAndOffsetsMatch) {
    for (const char* name : {"big", "big_direct", "mem"}) {
        auto content = fx_.fs().backing(name);
        ASSERT_FALSE(content.empty());
        for (uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{12345}, uint64_t{content.size() - 100}}) {
            for (size_t size : kSizes) {
                auto got = read_range(fx_.path(name), offset, size);
                ASSERT_TRUE(got) << name << " offset " << offset << " size " << size << ": " << strerror(errno);
                ASSERT_TRUE(*got == slice(content, offset, size))
                    << name << " offset " << offset << " size " << size << ": got " << got->size() << " bytes";
            }
        }
    }
}

TEST_P(TransportIoTest, ReadsEndShortAtEndOfFile) {
    auto content = fx_.fs().backing("big_direct");
    const uint64_t end = content.size();
    EXPECT_EQ(read_range(fx_.path("big_direct"), end - 10, 4096, 0, 4096)->size(), 10u);
    EXPECT_EQ(read_range(fx_.path("big_direct"), end - 1, 1u << 20, 0, 1u << 20)->size(), 1u);
    EXPECT_EQ(read_range(fx_.path("big_direct"), end, 100)->size(), 0u);
    EXPECT_EQ(read_range(fx_.path("big_direct"), end + 5000, 100)->size(), 0u);
    auto tail = read_range(fx_.path("big_direct"), end - 5000, 1u << 20, 0, 1u << 20);
    ASSERT_TRUE(tail);
    EXPECT_TRUE(*tail == slice(content, end - 5000, 1u << 20));
}

TEST_P(TransportIoTest, SequentialWholeFileReadsInMegabyteChunks) {
    for (const char* name : {"big", "big_direct"}) {
        auto got = read_range(fx_.path(name), 0, DataFs::kBigSize + 4096, 0, 1u << 20);
        ASSERT_TRUE(got);
        EXPECT_TRUE(*got == fx_.fs().backing(name)) << name;
    }
}

TEST_P(TransportIoTest, WritesOfManySizesLandIntact) {
    const size_t sizes[] = {1, 100, 4096, 5000, 65536, 1u << 20, 777777, (1u << 20) + 3, 13};
    for (const char* name : {"w", "w_direct"}) {
        int fd = ::open(fx_.path(name).c_str(), O_RDWR | O_TRUNC | O_CLOEXEC);
        ASSERT_GE(fd, 0) << name << ": " << strerror(errno);
        std::vector<std::byte> expected;
        unsigned seed = 7;
        for (size_t size : sizes) {
            std::vector<std::byte> chunk(size);
            for (auto& b : chunk) b = static_cast<std::byte>(seed = seed * 1103515245 + 12345);
            ASSERT_EQ(::write(fd, chunk.data(), size), static_cast<ssize_t>(size)) << name << " size " << size;
            expected.insert(expected.end(), chunk.begin(), chunk.end());
        }
        // An overwrite in the middle, at an unaligned offset.
        std::vector<std::byte> patch(70000, std::byte{0x5a});
        ASSERT_EQ(::pwrite(fd, patch.data(), patch.size(), 4099), static_cast<ssize_t>(patch.size()));
        std::copy(patch.begin(), patch.end(), expected.begin() + 4099);
        ASSERT_EQ(::close(fd), 0);
        EXPECT_TRUE(fx_.fs().backing(name) == expected) << name << ": backing file differs";
        auto back = read_range(fx_.path(name), 0, expected.size() + 10, 0, 1u << 20);
        ASSERT_TRUE(back);
        EXPECT_TRUE(*back == expected) << name << ": read back differs";
    }
    // Large payloads arrive spliced exactly under the splice transport.
    if (GetParam() == TransportKind::Splice)
        EXPECT_GT(fx_.fs().spliced_writes.load(), 0u);
    else
        EXPECT_EQ(fx_.fs().spliced_writes.load(), 0u);
}

TEST_P(TransportIoTest, ConcurrentReadersSeeTheSameBytes) {
    struct Job {
        const char* name;
        size_t chunk;
    };
    const Job jobs[] = {{"big", 4096}, {"big", 1u << 20}, {"big_direct", 12345}, {"big_direct", 1u << 20},
                        {"mem", 65536}, {"mem", 999}, {"big", 131072}, {"big_direct", 4096}};
    std::vector<std::thread> threads;
    std::vector<int> ok(std::size(jobs), 0);
    for (size_t i = 0; i < std::size(jobs); ++i) {
        threads.emplace_back([&, i] {
            auto expected = fx_.fs().backing(jobs[i].name);
            for (int round = 0; round < 3; ++round) {
                auto got = read_range(fx_.path(jobs[i].name), 0, expected.size() + 1, 0, jobs[i].chunk);
                if (!got || *got != expected) return;
            }
            ok[i] = 1;
        });
    }
    for (auto& t : threads) t.join();
    for (size_t i = 0; i < std::size(jobs); ++i) EXPECT_TRUE(ok[i]) << jobs[i].name << " chunk " << jobs[i].chunk;
}

TEST_P(TransportIoTest, ConcurrentWritersOfDisjointRanges) {
    constexpr size_t kRegion = 256u << 10;
    constexpr int kWriters = 4;
    int fd = ::open(fx_.path("w_direct").c_str(), O_RDWR | O_TRUNC | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < kWriters; ++i) {
        threads.emplace_back([fd, i] {
            std::vector<std::byte> data(kRegion, static_cast<std::byte>(0x10 + i));
            for (size_t off = 0; off < kRegion; off += 65536 + 17) {
                size_t n = std::min<size_t>(65536 + 17, kRegion - off);
                [[maybe_unused]] ssize_t w = ::pwrite(fd, data.data(), n, static_cast<off_t>(i * kRegion + off));
            }
        });
    }
    for (auto& t : threads) t.join();
    ::close(fd);
    auto content = fx_.fs().backing("w_direct");
    ASSERT_EQ(content.size(), kRegion * kWriters);
    for (int i = 0; i < kWriters; ++i)
        for (size_t j = 0; j < kRegion; j += 4093)
            ASSERT_EQ(content[i * kRegion + j], static_cast<std::byte>(0x10 + i)) << "writer " << i << " at " << j;
}

INSTANTIATE_TEST_SUITE_P(AllTransports, TransportIoTest,
                         ::testing::Values(TransportKind::Readv, TransportKind::Splice, TransportKind::Uring,
                                           TransportKind::Auto),
                         [](const auto& info) { return std::string(transport_name(info.param)); });

}  // namespace
}  // namespace fusex::test
