// Regular files on a memfs mount: open flags, read/write, sparse writes past
// 4 GiB, truncate, fallocate and SEEK_DATA/SEEK_HOLE. Where the kernel's
// filesystems define the answer, the same call on a native directory gives
// the expectation.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "support/file_util.hpp"
#include "support/memfs_fixture.hpp"

namespace fusex::test {
namespace {

using MemfsFileTest = MemfsModesTest;

constexpr off_t kGiB = 1ll << 30;
constexpr off_t kMiB = 1ll << 20;

#define AT(rel) ((root + "/" + std::string(rel)).c_str())

class FdCloser {
  public:
    explicit FdCloser(int fd) : fd_(fd) {}
    ~FdCloser() {
        if (fd_ >= 0) close(fd_);
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

std::string pread_str(int fd, size_t size, off_t off) {
    std::string s(size, '\0');
    ssize_t n = pread(fd, s.data(), size, off);
    s.resize(n < 0 ? 0 : static_cast<size_t>(n));
    return s;
}

TEST_P(MemfsFileTest, CreateWriteReadBack) {
    std::string data = pattern(3 * kMiB + 17, 1);
    ASSERT_TRUE(write_file(m("f"), data));
    auto back = read_file(m("f"));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->size(), data.size());
    EXPECT_TRUE(*back == data) << "content differs after a 3 MiB write";
    auto st = lstat_of(m("f"));
    ASSERT_TRUE(st);
    EXPECT_TRUE(S_ISREG(st->st_mode));
    EXPECT_EQ(st->st_size, static_cast<off_t>(data.size()));
    EXPECT_EQ(st->st_nlink, 1u);
}

TEST_P(MemfsFileTest, OpenFlagsMatchNative) {
    ASSERT_TRUE(write_file(m("f"), "abc"));
    ASSERT_TRUE(write_file(n("f"), "abc"));
    ASSERT_EQ(mkdir(m("d").c_str(), 0755), 0);
    ASSERT_EQ(mkdir(n("d").c_str(), 0755), 0);
    auto open_close = [](const char* p, int flags) {
        int fd = open(p, flags, 0644);
        if (fd >= 0) close(fd);
        return fd;
    };
    EXPECT_SAME_OUTCOME(open_close(AT("f"), O_CREAT | O_EXCL | O_WRONLY));
    EXPECT_SAME_OUTCOME(open_close(AT("missing"), O_RDONLY));
    EXPECT_SAME_OUTCOME(open_close(AT("f"), O_RDONLY | O_DIRECTORY));
    EXPECT_SAME_OUTCOME(open_close(AT("d"), O_WRONLY));
    EXPECT_SAME_OUTCOME(open_close(AT("d"), O_RDONLY));
    EXPECT_SAME_OUTCOME(open_close(AT("f/x"), O_RDONLY));
    EXPECT_SAME_OUTCOME(open_close(AT("missing/x"), O_CREAT | O_WRONLY));
    EXPECT_SAME_OUTCOME(open_close(AT("d/new"), O_CREAT | O_EXCL | O_RDWR));
}

TEST_P(MemfsFileTest, TruncOnOpenAndAppend) {
    ASSERT_TRUE(write_file(m("f"), "0123456789"));
    int fd = open(m("f").c_str(), O_WRONLY | O_TRUNC);
    ASSERT_GE(fd, 0);
    struct stat st {};
    ASSERT_EQ(fstat(fd, &st), 0);
    EXPECT_EQ(st.st_size, 0);
    ASSERT_EQ(write(fd, "abc", 3), 3);
    close(fd);

    fd = open(m("f").c_str(), O_WRONLY | O_APPEND);
    ASSERT_GE(fd, 0);
    // O_APPEND ignores the file position.
    ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
    ASSERT_EQ(write(fd, "de", 2), 2);
    close(fd);
    EXPECT_EQ(read_file(m("f")).value_or("<unreadable>"), "abcde");

    fd = open(m("f").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    char c;
    EXPECT_EQ(pread(fd, &c, 1, 5), 0) << "read at EOF must return 0";
    EXPECT_EQ(pread(fd, &c, 1, 1 << 20), 0) << "read past EOF must return 0";
    close(fd);
}

TEST_P(MemfsFileTest, SparseWriteBeyond4GiB) {
    int fd = open(m("big").c_str(), O_CREAT | O_RDWR, 0644);
    ASSERT_GE(fd, 0);
    FdCloser closer(fd);
    const off_t far = 5 * kGiB + 123;
    ASSERT_EQ(pwrite(fd, "hello", 5, far), 5);
    // Straddle the 4 GiB boundary: catches 32-bit offset truncation.
    const off_t edge = 4 * kGiB - 3;
    ASSERT_EQ(pwrite(fd, "ABCDEF", 6, edge), 6);

    struct stat st {};
    ASSERT_EQ(fstat(fd, &st), 0);
    EXPECT_EQ(st.st_size, far + 5);
    // Two small extents: a sparse store uses kilobytes, not gigabytes.
    EXPECT_LT(st.st_blocks * 512, 4 * kMiB) << "st_blocks " << st.st_blocks << ": the file is not sparse";

    EXPECT_EQ(pread_str(fd, 5, far), "hello");
    EXPECT_EQ(pread_str(fd, 6, edge), "ABCDEF");
    EXPECT_EQ(pread_str(fd, 4, 3), std::string(4, '\0'));
    EXPECT_EQ(pread_str(fd, 8, 2 * kGiB), std::string(8, '\0'));
    // Bytes just below 4 GiB and just above are not mixed up with offset 0..
    EXPECT_EQ(pread_str(fd, 3, 0), std::string(3, '\0'));
    // Reading across EOF returns the tail only.
    EXPECT_EQ(pread_str(fd, 100, far + 2), "llo");

    // The same through a fresh open (not just the page cache).
    close(open(m("big").c_str(), O_RDONLY));
    auto st2 = lstat_of(m("big"));
    ASSERT_TRUE(st2);
    EXPECT_EQ(st2->st_size, far + 5);
}

TEST_P(MemfsFileTest, TruncateShrinkAndGrow) {
    ASSERT_TRUE(write_file(m("f"), pattern(10000, 2)));
    ASSERT_EQ(truncate(m("f").c_str(), 100), 0);
    EXPECT_EQ(lstat_of(m("f"))->st_size, 100);
    // Growing again must show zeros, not the bytes that were cut off.
    ASSERT_EQ(truncate(m("f").c_str(), 10000), 0);
    auto c = read_file(m("f"));
    ASSERT_TRUE(c);
    ASSERT_EQ(c->size(), 10000u);
    EXPECT_EQ(c->substr(0, 100), pattern(100, 2));
    EXPECT_EQ(c->substr(100), std::string(9900, '\0')) << "stale data after truncate down and up";

    int fd = open(m("f").c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    FdCloser closer(fd);
    ASSERT_EQ(ftruncate(fd, 6 * kGiB), 0);
    struct stat st {};
    ASSERT_EQ(fstat(fd, &st), 0);
    EXPECT_EQ(st.st_size, 6 * kGiB);
    EXPECT_LT(st.st_blocks * 512, 4 * kMiB);
    ASSERT_EQ(ftruncate(fd, 0), 0);
    ASSERT_EQ(fstat(fd, &st), 0);
    EXPECT_EQ(st.st_size, 0);

    EXPECT_SAME_OUTCOME(truncate(AT("missing"), 1));
    EXPECT_SAME_OUTCOME(truncate(AT("f"), -1));
    ASSERT_EQ(mkdir(m("d").c_str(), 0755), 0);
    ASSERT_EQ(mkdir(n("d").c_str(), 0755), 0);
    EXPECT_SAME_OUTCOME(truncate(AT("d"), 0));
}

TEST_P(MemfsFileTest, FallocateModes) {
    for (const auto& root : {m(), n()}) {
        SCOPED_TRACE(root);
        int fd = open((root + "/f").c_str(), O_CREAT | O_RDWR, 0644);
        ASSERT_GE(fd, 0);
        FdCloser closer(fd);
        ASSERT_EQ(fallocate(fd, 0, 0, 64 * 1024), 0) << strerror(errno);
        struct stat st {};
        ASSERT_EQ(fstat(fd, &st), 0);
        EXPECT_EQ(st.st_size, 64 * 1024);
        EXPECT_EQ(pread_str(fd, 16, 1000), std::string(16, '\0'));

        ASSERT_EQ(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1 * kMiB), 0) << strerror(errno);
        ASSERT_EQ(fstat(fd, &st), 0);
        EXPECT_EQ(st.st_size, 64 * 1024) << "KEEP_SIZE changed the size";

        std::string data = pattern(64 * 1024, 3);
        ASSERT_EQ(pwrite(fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
        ASSERT_EQ(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 8192, 16384), 0) << strerror(errno);
        ASSERT_EQ(fstat(fd, &st), 0);
        EXPECT_EQ(st.st_size, 64 * 1024);
        std::string back = pread_str(fd, data.size(), 0);
        ASSERT_EQ(back.size(), data.size());
        EXPECT_EQ(back.substr(0, 8192), data.substr(0, 8192));
        EXPECT_EQ(back.substr(8192, 16384), std::string(16384, '\0')) << "punched range not zero";
        EXPECT_EQ(back.substr(24576), data.substr(24576));

        // Unaligned punch: partial pages are zeroed, neighbours kept.
        ASSERT_EQ(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 30001, 10), 0);
        back = pread_str(fd, 12, 30000);
        EXPECT_EQ(back, data.substr(30000, 1) + std::string(10, '\0') + data.substr(30011, 1));

        // Extending allocation past 4 GiB keeps it sparse-cheap and sized.
        ASSERT_EQ(fallocate(fd, 0, 5 * kGiB, 4096), 0) << strerror(errno);
        ASSERT_EQ(fstat(fd, &st), 0);
        EXPECT_EQ(st.st_size, 5 * kGiB + 4096);
    }
    auto try_mode = [&](const std::string& r, int mode) {
        int fd = open((r + "/f").c_str(), O_RDWR);
        int rc = fallocate(fd, mode, 0, 4096);
        int e = errno;
        close(fd);
        errno = e;
        return rc;
    };
    // PUNCH_HOLE needs KEEP_SIZE: the VFS answers EOPNOTSUPP for both.
    EXPECT_SAME_OUTCOME(try_mode(root, FALLOC_FL_PUNCH_HOLE));
    EXPECT_SAME_OUTCOME(fallocate(-1, 0, 0, 1));
}

TEST_P(MemfsFileTest, SeekDataAndHole) {
    int fd = open(m("s").c_str(), O_CREAT | O_RDWR, 0644);
    ASSERT_GE(fd, 0);
    FdCloser closer(fd);
    std::string block = pattern(4096, 4);
    ASSERT_EQ(pwrite(fd, block.data(), 4096, 0), 4096);
    ASSERT_EQ(pwrite(fd, block.data(), 4096, kMiB), 4096);
    ASSERT_EQ(ftruncate(fd, 2 * kMiB), 0);

    EXPECT_EQ(lseek(fd, 0, SEEK_DATA), 0);
    off_t hole = lseek(fd, 0, SEEK_HOLE);
    EXPECT_GE(hole, 4096);
    EXPECT_LT(hole, kMiB) << "no hole reported between the two data blocks";
    EXPECT_EQ(lseek(fd, hole, SEEK_DATA), kMiB);
    off_t hole2 = lseek(fd, kMiB, SEEK_HOLE);
    EXPECT_GE(hole2, kMiB + 4096);
    EXPECT_LE(hole2, 2 * kMiB);
    // Only the implicit hole at EOF lies beyond: no more data.
    errno = 0;
    EXPECT_EQ(lseek(fd, kMiB + kMiB / 2, SEEK_DATA), -1);
    EXPECT_EQ(errno, ENXIO);
    errno = 0;
    EXPECT_EQ(lseek(fd, 2 * kMiB, SEEK_HOLE), -1);
    EXPECT_EQ(errno, ENXIO);

    // Data far beyond 4 GiB is found too. With writeback caching the byte
    // sits in the kernel's page cache, and the kernel asks the daemon for
    // SEEK_DATA without flushing first: write it back explicitly.
    ASSERT_EQ(pwrite(fd, "x", 1, 5 * kGiB), 1);
    if (std::string(GetParam()) == "writeback") {
        ASSERT_EQ(fsync(fd), 0);
    }
    off_t d = lseek(fd, 3 * kMiB, SEEK_DATA);
    EXPECT_LE(d, 5 * kGiB);
    EXPECT_GT(d, 4 * kGiB) << "SEEK_DATA found data in a hole";
}

FUSEX_INSTANTIATE_MEMFS_MODES(MemfsFileTest);

}  // namespace
}  // namespace fusex::test
