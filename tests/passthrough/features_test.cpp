// Extended attributes, fallocate, SEEK_DATA/SEEK_HOLE, copy_file_range,
// flock, fsync and O_TMPFILE through the mount.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "passthrough_fixture.hpp"

namespace fusex::test {
namespace {

TEST_F(PassthroughTest, Xattrs) {
    ASSERT_TRUE(write_file(m("f"), "x"));
    ASSERT_EQ(setxattr(m("f").c_str(), "user.color", "blue", 4, XATTR_CREATE), 0);
    EXPECT_EQ(SYS_ERRNO(setxattr(m("f").c_str(), "user.color", "red", 3, XATTR_CREATE)), EEXIST);
    char buf[16] = {};
    EXPECT_EQ(getxattr(s("f").c_str(), "user.color", buf, sizeof buf), 4);  // stored in SOURCE
    EXPECT_STREQ(buf, "blue");
    EXPECT_EQ(getxattr(m("f").c_str(), "user.color", nullptr, 0), 4);
    EXPECT_EQ(SYS_ERRNO(getxattr(m("f").c_str(), "user.color", buf, 2)), ERANGE);
    char list[256] = {};
    ssize_t n = listxattr(m("f").c_str(), list, sizeof list);
    ASSERT_GT(n, 0);
    bool found = false;
    for (ssize_t i = 0; i < n; i += static_cast<ssize_t>(strlen(list + i)) + 1)
        found |= std::string(list + i) == "user.color";
    EXPECT_TRUE(found);
    EXPECT_EQ(removexattr(m("f").c_str(), "user.color"), 0);
    EXPECT_EQ(SYS_ERRNO(getxattr(m("f").c_str(), "user.color", buf, sizeof buf)), ENODATA);
    // Directories too.
    ASSERT_EQ(mkdir(m("d").c_str(), 0755), 0);
    EXPECT_EQ(setxattr(m("d").c_str(), "user.k", "v", 1, 0), 0);
    EXPECT_EQ(getxattr(s("d").c_str(), "user.k", buf, sizeof buf), 1);
}

TEST_F(PassthroughTest, FallocateAndSeekDataHole) {
    const off_t mib = 1 << 20;
    int fd = open(m("sparse").c_str(), O_CREAT | O_RDWR, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 4 * mib), 0);
    std::string block = pattern(4096, 1);
    ASSERT_EQ(pwrite(fd, block.data(), block.size(), mib), 4096);
    ASSERT_EQ(fsync(fd), 0);
    // The same file opened natively must give the same answers.
    int native = open(s("sparse").c_str(), O_RDONLY);
    ASSERT_GE(native, 0);
    for (off_t from : {off_t(0), off_t(4096), mib, mib + 4096}) {
        EXPECT_EQ(SYS(lseek(fd, from, SEEK_DATA)), SYS(lseek(native, from, SEEK_DATA))) << from;
        EXPECT_EQ(SYS(lseek(fd, from, SEEK_HOLE)), SYS(lseek(native, from, SEEK_HOLE))) << from;
    }
    EXPECT_EQ(lseek(fd, 0, SEEK_DATA), mib);
    EXPECT_EQ(SYS_ERRNO(lseek(fd, 3 * mib, SEEK_DATA)), ENXIO);

    // Allocation shows in SOURCE's block count; punching a hole zeroes data.
    blkcnt_t before = lstat_of(s("sparse"))->st_blocks;
    ASSERT_EQ(fallocate(fd, 0, 2 * mib, mib), 0);
    EXPECT_GE(lstat_of(s("sparse"))->st_blocks, before + 2048);
    ASSERT_EQ(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, mib, 4096), 0);
    char c = 1;
    EXPECT_EQ(pread(fd, &c, 1, mib + 10), 1);
    EXPECT_EQ(c, 0);
    EXPECT_EQ(lstat_of(m("sparse"))->st_size, 4 * mib);
    close(native);
    close(fd);
}

TEST_F(PassthroughTest, CopyFileRange) {
    std::string data = pattern((1 << 20) + 17, 5);
    ASSERT_TRUE(write_file(m("from"), data));
    int in = open(m("from").c_str(), O_RDONLY);
    int out = open(m("to").c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(in, 0);
    ASSERT_GE(out, 0);
    size_t copied = 0;
    while (copied < data.size()) {
        ssize_t n = copy_file_range(in, nullptr, out, nullptr, data.size() - copied, 0);
        ASSERT_GT(n, 0) << strerror(errno);
        copied += static_cast<size_t>(n);
    }
    close(in);
    close(out);
    EXPECT_EQ(read_file(s("to")), data);
    EXPECT_EQ(read_file(m("to")), data);
}

TEST_F(PassthroughTest, FlockIsRealOnTheSource) {
    ASSERT_TRUE(write_file(m("lockme"), ""));
    int a = open(m("lockme").c_str(), O_RDWR);
    int b = open(m("lockme").c_str(), O_RDWR);
    int native = open(s("lockme").c_str(), O_RDWR);
    ASSERT_TRUE(a >= 0 && b >= 0 && native >= 0);
    ASSERT_EQ(flock(a, LOCK_EX), 0);
    EXPECT_EQ(SYS_ERRNO(flock(b, LOCK_EX | LOCK_NB)), EWOULDBLOCK);
    EXPECT_EQ(SYS_ERRNO(flock(native, LOCK_SH | LOCK_NB)), EWOULDBLOCK);
    ASSERT_EQ(flock(a, LOCK_UN), 0);
    EXPECT_EQ(flock(b, LOCK_SH | LOCK_NB), 0);
    EXPECT_EQ(flock(native, LOCK_SH | LOCK_NB), 0);
    close(a);
    close(b);
    close(native);
}

TEST_F(PassthroughTest, FsyncAndFsyncdir) {
    int fd = open(m("f").c_str(), O_CREAT | O_RDWR, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "abc", 3), 3);
    EXPECT_EQ(fsync(fd), 0);
    EXPECT_EQ(fdatasync(fd), 0);
    close(fd);
    int dir = open(m().c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(dir, 0);
    EXPECT_EQ(fsync(dir), 0);
    close(dir);
}

TEST_F(PassthroughTest, Tmpfile) {
    int fd = open(m().c_str(), O_TMPFILE | O_RDWR, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == ENOSYS))
        GTEST_SKIP() << "O_TMPFILE not offered on FUSE by this kernel: " << strerror(errno);
    ASSERT_GE(fd, 0) << strerror(errno);
    ASSERT_EQ(write(fd, "tmp", 3), 3);
    std::string proc = "/proc/self/fd/" + std::to_string(fd);
    ASSERT_EQ(linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, m("named").c_str(), AT_SYMLINK_FOLLOW), 0);
    close(fd);
    EXPECT_EQ(read_file(s("named")), "tmp");
}

}  // namespace
}  // namespace fusex::test
