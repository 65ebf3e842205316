// Data through the mount: reads, writes, truncation, mmap, in each cache mode.
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

#include "passthrough_fixture.hpp"

namespace fusex::test {
namespace {

void check_round_trip(const std::string& mnt, const std::string& src) {
    std::string data = pattern(3 * 1024 * 1024 + 123, 7);
    ASSERT_TRUE(write_file(mnt + "/big", data));
    EXPECT_EQ(read_file(mnt + "/big"), data);
    EXPECT_EQ(read_file(src + "/big"), data);  // it really is in SOURCE

    // A write in the middle, seen on both sides.
    int fd = open((mnt + "/big").c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    std::string patch = pattern(5000, 9);
    ASSERT_EQ(pwrite(fd, patch.data(), patch.size(), 70000), static_cast<ssize_t>(patch.size()));
    data.replace(70000, patch.size(), patch);
    ASSERT_EQ(ftruncate(fd, 1000000), 0);
    data.resize(1000000);
    close(fd);
    EXPECT_EQ(read_file(mnt + "/big"), data);
    EXPECT_EQ(read_file(src + "/big"), data);

    // Changes made in SOURCE show through a fresh open.
    std::string other = pattern(10000, 3);
    ASSERT_TRUE(write_file(src + "/from-source", other));
    EXPECT_EQ(read_file(mnt + "/from-source"), other);
}

TEST_F(PassthroughTest, DataRoundTrip) { check_round_trip(m(), s()); }

TEST_F(PassthroughTest, MmapSharedWriteReachesSource) {
    ASSERT_TRUE(write_file(m("mapped"), std::string(8192, 'a')));
    int fd = open(m("mapped").c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    void* p = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ASSERT_NE(p, MAP_FAILED);
    static_cast<char*>(p)[4096] = 'z';
    ASSERT_EQ(msync(p, 8192, MS_SYNC), 0);
    munmap(p, 8192);
    close(fd);
    auto back = read_file(s("mapped"));
    ASSERT_TRUE(back);
    EXPECT_EQ((*back)[4096], 'z');
}

TEST_F(PassthroughTest, AppendAndExclusiveCreate) {
    int fd = open(m("log").c_str(), O_CREAT | O_EXCL | O_WRONLY | O_APPEND, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "one\n", 4), 4);
    ASSERT_EQ(write(fd, "two\n", 4), 4);
    close(fd);
    EXPECT_EQ(read_file(s("log")), "one\ntwo\n");
    EXPECT_EQ(SYS_ERRNO(open(m("log").c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600)), EEXIST);
    auto st = lstat_of(s("log"));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->st_mode & 07777, 0600u);
}

class WritebackTest : public PassthroughTest {
    std::vector<std::string> daemon_options() const override { return {"-o", "writeback"}; }
};

TEST_F(WritebackTest, DataRoundTripAndAppend) {
    check_round_trip(m(), s());
    // Write-only opens and O_APPEND go through the kernel's cache here.
    int fd = open(m("wo").c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "abc", 3), 3);
    ASSERT_EQ(write(fd, "def", 3), 3);
    ASSERT_EQ(fsync(fd), 0);
    close(fd);
    EXPECT_EQ(read_file(s("wo")), "abcdef");
}

class CacheNeverTest : public PassthroughTest {
    std::vector<std::string> daemon_options() const override { return {"-o", "cache=never"}; }
};

TEST_F(CacheNeverTest, DataRoundTripAndSourceChangesShowAtOnce) {
    check_round_trip(m(), s());
    ASSERT_TRUE(write_file(m("f"), "old"));
    int fd = open(m("f").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(write_file(s("f"), "new"));  // behind the mount's back
    char buf[8] = {};
    EXPECT_EQ(pread(fd, buf, sizeof buf, 0), 3);
    EXPECT_STREQ(buf, "new");
    close(fd);
}

class CacheAlwaysTest : public PassthroughTest {
    std::vector<std::string> daemon_options() const override { return {"-o", "cache=always,timeout=30"}; }
};

TEST_F(CacheAlwaysTest, DataRoundTrip) { check_round_trip(m(), s()); }

// cachestat(2), Linux 6.5+: how many of a file's cached pages are dirty.
// 451 on every architecture (the generic syscall table); glibc 2.36 has no name for it.
std::optional<uint64_t> dirty_pages(const std::string& path) {
    struct { uint64_t off, len; } range{0, 0};  // len 0: to the end of the file
    struct { uint64_t cache, dirty, writeback, evicted, recently_evicted; } stat{};
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) return std::nullopt;
    long r = syscall(451, fd, &range, &stat, 0);
    close(fd);
    if (r != 0) return std::nullopt;
    return stat.dirty;
}

// Writes 8 MiB through the mount in 1 MiB writes (a streaming writer);
// returns the file's page count, or skips when dirty pages cannot be seen.
size_t stream_8_mib(const std::string& mnt_file, const std::string& src_file) {
    struct statfs fs {};
    if (statfs(src_file.substr(0, src_file.rfind('/')).c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC) return 0;
    int fd = open(mnt_file.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    EXPECT_GE(fd, 0);
    std::string chunk = pattern(1 << 20, 5);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(write(fd, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
    close(fd);
    return (8u << 20) / static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

constexpr const char* kNoDirtyCounts = "source on tmpfs or no cachestat(2): dirty pages cannot be counted";

TEST_F(PassthroughTest, LargeWritesStartTheirWayToDiskAtOnce) {
    size_t pages = stream_8_mib(m("stream"), s("stream"));
    if (pages == 0 || !dirty_pages(s("stream"))) GTEST_SKIP() << kNoDirtyCounts;
    // The kernel itself would leave them dirty for 30 s (dirty_expire_centisecs).
    uint64_t dirty = pages;
    for (int i = 0; i < 100 && dirty > pages / 4; ++i) {
        dirty = dirty_pages(s("stream")).value_or(pages);
        if (dirty > pages / 4) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_LE(dirty, pages / 4) << "of " << pages << " pages";
}

class NoEarlyFlushTest : public PassthroughTest {
    std::vector<std::string> daemon_options() const override { return {"-o", "no_early_flush"}; }
};

TEST_F(NoEarlyFlushTest, LargeWritesStayInThePageCache) {
    size_t pages = stream_8_mib(m("stream"), s("stream"));
    if (pages == 0 || !dirty_pages(s("stream"))) GTEST_SKIP() << kNoDirtyCounts;
    EXPECT_GE(dirty_pages(s("stream")).value_or(0), pages * 3 / 4) << "of " << pages << " pages";
}

// The same data path over each of fusex's transports.
class TransportTest : public PassthroughTest, public ::testing::WithParamInterface<const char*> {
    std::vector<std::string> daemon_options() const override {
        return {"-o", std::string("transport=") + GetParam()};
    }
};

TEST_P(TransportTest, DataRoundTripAndListing) {
    check_round_trip(m(), s());
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(write_file(m("f" + std::to_string(i)), "x"));
    auto listed = list_dir(m());
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->size(), 52u);  // big, from-source and the 50
}

INSTANTIATE_TEST_SUITE_P(Transports, TransportTest, ::testing::Values("readv", "splice", "uring"));

}  // namespace
}  // namespace fusex::test
