// Nothing outside SOURCE is reachable through the daemon: ".." of the mount
// is the mount's own parent (never SOURCE's), and symlinks are handed to the
// client as links, never followed by the daemon. (A client that follows a
// link pointing outside does so in its own kernel, as with any filesystem.)
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "passthrough_fixture.hpp"

namespace fusex::test {
namespace {

class ContainmentTest : public PassthroughTest {
  protected:
    // SOURCE's parent then differs from the mountpoint's parent (/tmp).
    std::string source_subdir() const override { return "deep/src"; }

    void SetUp() override {
        PassthroughTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        outside_ = std::make_unique<TempDir>("outside");
        ASSERT_TRUE(write_file(*outside_ / "victim", "secret"));
        ASSERT_EQ(symlink((*outside_ / "victim").c_str(), s("lnk").c_str()), 0);
        ASSERT_EQ(symlink("/etc/passwd", s("passwd").c_str()), 0);
        ASSERT_EQ(mkdir(s("sub").c_str(), 0755), 0);
    }
    void TearDown() override {
        PassthroughTest::TearDown();
        outside_.reset();
    }
    std::unique_ptr<TempDir> outside_;
};

ino_t ino_of(const std::string& path) {
    auto st = lstat_of(path);
    return st ? st->st_ino : 0;
}

std::string parent_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

TEST_F(ContainmentTest, DotDotOfTheRootIsTheMountsParent) {
    ino_t mount_parent = ino_of(parent_of(m()));
    ino_t source_parent = ino_of(parent_of(s()));
    ASSERT_NE(mount_parent, source_parent);
    EXPECT_EQ(ino_of(m("..")), mount_parent);
    EXPECT_EQ(ino_of(m("sub/../..")), mount_parent);
    int root = open(m().c_str(), O_PATH | O_DIRECTORY);
    ASSERT_GE(root, 0);
    struct stat st {};
    EXPECT_EQ(fstatat(root, "..", &st, AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(st.st_ino, mount_parent);
    close(root);
    auto listed = list_dir(m(".."));
    ASSERT_TRUE(listed);
    bool sees_src = false;
    for (const auto& n : *listed) sees_src |= n == "src";
    EXPECT_FALSE(sees_src) << "the mount's .. lists SOURCE's siblings";
}

TEST_F(ContainmentTest, SymlinkToOutsideComesBackAsALink) {
    auto st = lstat_of(m("passwd"));
    ASSERT_TRUE(st);
    EXPECT_TRUE(S_ISLNK(st->st_mode));
    char buf[64] = {};
    EXPECT_EQ(readlink(m("passwd").c_str(), buf, sizeof buf - 1), 11);
    EXPECT_STREQ(buf, "/etc/passwd");
    EXPECT_EQ(SYS_ERRNO(open(m("passwd").c_str(), O_RDONLY | O_NOFOLLOW)), ELOOP);
    EXPECT_EQ(SYS_ERRNO(open(m("lnk").c_str(), O_WRONLY | O_NOFOLLOW)), ELOOP);
}

TEST_F(ContainmentTest, OperationsOnALinkNeverReachItsTarget) {
    std::string victim = *outside_ / "victim";
    auto before = lstat_of(victim);
    ASSERT_TRUE(before);

    EXPECT_EQ(lchown(m("lnk").c_str(), 4321, 4321), 0);
    EXPECT_EQ(lstat_of(s("lnk"))->st_uid, 4321u);  // the link itself changed

    timespec times[2] = {{12345, 0}, {12345, 0}};
    utimensat(AT_FDCWD, m("lnk").c_str(), times, AT_SYMLINK_NOFOLLOW);  // may be refused

    EXPECT_NE(lsetxattr(m("lnk").c_str(), "user.evil", "1", 1, 0), 0);
    EXPECT_EQ(lremovexattr(m("lnk").c_str(), "user.evil"), -1);

    EXPECT_EQ(rename(m("lnk").c_str(), m("sub/moved").c_str()), 0);
    EXPECT_EQ(unlink(m("sub/moved").c_str()), 0);

    auto after = lstat_of(victim);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->st_uid, before->st_uid);
    EXPECT_EQ(after->st_mtim.tv_sec, before->st_mtim.tv_sec);
    EXPECT_EQ(after->st_mtim.tv_nsec, before->st_mtim.tv_nsec);
    EXPECT_EQ(getxattr(victim.c_str(), "user.evil", nullptr, 0), -1);
    EXPECT_EQ(read_file(victim), "secret");
}

}  // namespace
}  // namespace fusex::test
