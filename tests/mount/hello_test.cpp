// fusex-hello through the kernel: one read-only file, and every attempt to
// change anything refused with a permission or read-only error.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "support/file_util.hpp"
#include "support/mounted_fs.hpp"
#include "support/sys_result.hpp"

namespace fusex::test {
namespace {

const std::string kContent = "Hello, world!\n";

class HelloTest : public ::testing::Test {
  protected:
    virtual std::vector<std::string> args() const { return {}; }
    void SetUp() override {
        FUSEX_SKIP_WITHOUT_FUSE();
        fs_ = std::make_unique<MountedFs>(example_binary("fusex-hello"), args());
        ASSERT_TRUE(fs_->mounted());
    }
    void TearDown() override { fs_.reset(); }
    std::string p(const std::string& rel) const { return *fs_ / rel; }
    std::unique_ptr<MountedFs> fs_;
};

class HelloReadOnlyMountTest : public HelloTest {
  protected:
    std::vector<std::string> args() const override { return {"-o", "ro"}; }
};

int open_close(const std::string& path, int flags) {
    int fd = open(path.c_str(), flags, 0644);
    if (fd >= 0) close(fd);
    return fd;
}

// A refused change on a read-only filesystem: EACCES (permission) or EROFS.
::testing::AssertionResult refused(const SysResult& r) {
    if (r.ret < 0 && (r.err == EACCES || r.err == EROFS || r.err == EPERM))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << r << ", want EACCES, EPERM or EROFS";
}

TEST_F(HelloTest, RootListsExactlyHello) {
    auto names = list_dir(fs_->dir());
    ASSERT_TRUE(names);
    EXPECT_EQ(*names, std::vector<std::string>{"hello"});
    auto root = lstat_of(fs_->dir());
    ASSERT_TRUE(root);
    EXPECT_TRUE(S_ISDIR(root->st_mode));
    EXPECT_EQ(root->st_mode & 0777, 0555u);
}

TEST_F(HelloTest, FileAttributes) {
    auto st = lstat_of(p("hello"));
    ASSERT_TRUE(st);
    EXPECT_TRUE(S_ISREG(st->st_mode));
    EXPECT_EQ(st->st_mode & 07777, 0444u);
    EXPECT_EQ(st->st_size, static_cast<off_t>(kContent.size()));
    EXPECT_EQ(st->st_nlink, 1u);
    EXPECT_EQ(SYS(access(p("hello").c_str(), R_OK)), SysResult{});
}

TEST_F(HelloTest, ReadsContentAtAnyOffset) {
    EXPECT_EQ(read_file(p("hello")).value_or("<unreadable>"), kContent);
    int fd = open(p("hello").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    char buf[64];
    ssize_t n = pread(fd, buf, sizeof buf, 7);
    ASSERT_EQ(n, static_cast<ssize_t>(kContent.size() - 7));
    EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), kContent.substr(7));
    EXPECT_EQ(pread(fd, buf, sizeof buf, static_cast<off_t>(kContent.size())), 0);
    EXPECT_EQ(pread(fd, buf, sizeof buf, 1 << 30), 0);
    // Many small reads see the same bytes as one big one.
    std::string pieces;
    for (off_t off = 0;; ++off) {
        char c;
        ssize_t r = pread(fd, &c, 1, off);
        ASSERT_GE(r, 0);
        if (r == 0) break;
        pieces.push_back(c);
    }
    EXPECT_EQ(pieces, kContent);
    close(fd);
}

TEST_F(HelloTest, MissingNamesAreENOENT) {
    EXPECT_EQ(SYS(open(p("nothere").c_str(), O_RDONLY)), fail(ENOENT));
    EXPECT_EQ(SYS(access(p("hello/x").c_str(), F_OK)), fail(ENOTDIR));
    struct stat st {};
    EXPECT_EQ(SYS(stat(p("HELLO").c_str(), &st)), fail(ENOENT));
}

TEST_F(HelloTest, WritesAreRefused) {
    EXPECT_EQ(SYS(open_close(p("hello"), O_WRONLY)), fail(EACCES));
    EXPECT_EQ(SYS(open_close(p("hello"), O_RDWR)), fail(EACCES));
    EXPECT_TRUE(refused(SYS(open_close(p("new"), O_CREAT | O_WRONLY))));
    EXPECT_TRUE(refused(SYS(mkdir(p("dir").c_str(), 0755))));
    EXPECT_TRUE(refused(SYS(unlink(p("hello").c_str()))));
    EXPECT_TRUE(refused(SYS(rename(p("hello").c_str(), p("bye").c_str()))));
    EXPECT_TRUE(refused(SYS(truncate(p("hello").c_str(), 0))));
    EXPECT_TRUE(refused(SYS(chmod(p("hello").c_str(), 0666))));
    EXPECT_TRUE(refused(SYS(symlink("hello", p("link").c_str()))));
    // Nothing changed.
    EXPECT_EQ(read_file(p("hello")).value_or("<unreadable>"), kContent);
    EXPECT_EQ(list_dir(fs_->dir()).value_or(std::vector<std::string>{}), std::vector<std::string>{"hello"});
}

TEST_F(HelloReadOnlyMountTest, EveryChangeIsEROFS) {
    EXPECT_EQ(SYS(open_close(p("hello"), O_WRONLY)), fail(EROFS));
    EXPECT_EQ(SYS(open_close(p("new"), O_CREAT | O_WRONLY)), fail(EROFS));
    EXPECT_EQ(SYS(mkdir(p("dir").c_str(), 0755)), fail(EROFS));
    EXPECT_EQ(SYS(unlink(p("hello").c_str())), fail(EROFS));
    EXPECT_EQ(SYS(setxattr(p("hello").c_str(), "user.x", "1", 1, 0)), fail(EROFS));
    struct statvfs sv {};
    ASSERT_EQ(statvfs(fs_->dir().c_str(), &sv), 0);
    EXPECT_TRUE(sv.f_flag & ST_RDONLY);
    EXPECT_EQ(read_file(p("hello")).value_or("<unreadable>"), kContent);
}

}  // namespace
}  // namespace fusex::test
