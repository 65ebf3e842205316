// default_permissions: with it the kernel checks modes itself, so a non-root
// caller meets the same EACCES/EPERM as on a native filesystem. Each check
// runs in a forked child that drops to an unprivileged uid (setresuid is
// process-wide, and the test process must stay root).
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "support/file_util.hpp"
#include "support/memfs_fixture.hpp"
#include "support/timeout.hpp"

namespace fusex::test {
namespace {

constexpr uid_t kUser = 4321;
constexpr gid_t kGroup = 4321;

class MemfsPermissionTest : public MemfsTest {
  protected:
    // allow_other: without it the kernel refuses every other uid outright,
    // which would hide the mode checks under test.
    std::vector<std::string> daemon_args() const override { return {"-o", "default_permissions,allow_other"}; }

    void SetUp() override {
        MemfsTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        for (const auto& root : {m(), n()}) {
            ASSERT_EQ(chmod(root.c_str(), 0755), 0);
            ASSERT_TRUE(write_file(root + "/secret", "secret", 0600));
            ASSERT_TRUE(write_file(root + "/public", "public", 0644));
            ASSERT_TRUE(write_file(root + "/script", "#!/bin/sh\n", 0755));
            ASSERT_EQ(mkdir((root + "/closed").c_str(), 0700), 0);
            ASSERT_EQ(mkdir((root + "/shared").c_str(), 0777), 0);
            ASSERT_EQ(chmod((root + "/shared").c_str(), 0777), 0);  // past the umask
            ASSERT_EQ(mkdir((root + "/mine").c_str(), 0755), 0);
            ASSERT_EQ(chown((root + "/mine").c_str(), kUser, kGroup), 0);
            ASSERT_TRUE(write_file(root + "/mine/own", "own", 0600));
            ASSERT_EQ(chown((root + "/mine/own").c_str(), kUser, kGroup), 0);
            ASSERT_TRUE(write_file(root + "/closed/inner", "inner", 0644));
        }
    }

    // Runs each op as kUser on both trees; reports every differing outcome.
    void expect_same_as_user(const std::vector<std::pair<std::string, std::function<SysResult(const std::string&)>>>& ops) {
        const std::string mem = m(), nat = n();
        EXPECT_TRUE(in_child([&] {
            if (setgroups(0, nullptr) != 0 || setresgid(kGroup, kGroup, kGroup) != 0 ||
                setresuid(kUser, kUser, kUser) != 0)
                return std::string("cannot drop privileges: ") + strerror(errno);
            std::ostringstream diffs;
            for (const auto& [what, op] : ops) {
                SysResult a = op(mem).status(), b = op(nat).status();
                if (!(a == b)) diffs << what << ": memfs " << a << ", native " << b << "\n";
            }
            return diffs.str();
        }));
    }
};

int open_close(const std::string& path, int flags) {
    int fd = open(path.c_str(), flags, 0644);
    if (fd >= 0) close(fd);
    return fd;
}

TEST_F(MemfsPermissionTest, UnprivilegedCallerMatchesNative) {
    using Op = std::function<SysResult(const std::string&)>;
    std::vector<std::pair<std::string, Op>> ops = {
        {"read 0600 root file", [](const std::string& r) { return SYS(open_close(r + "/secret", O_RDONLY)); }},
        {"read 0644 root file", [](const std::string& r) { return SYS(open_close(r + "/public", O_RDONLY)); }},
        {"write 0644 root file", [](const std::string& r) { return SYS(open_close(r + "/public", O_WRONLY)); }},
        {"truncate 0644 root file", [](const std::string& r) { return SYS(truncate((r + "/public").c_str(), 0)); }},
        {"access X on script", [](const std::string& r) { return SYS(access((r + "/script").c_str(), X_OK)); }},
        {"access W on public", [](const std::string& r) { return SYS(access((r + "/public").c_str(), W_OK)); }},
        {"create in 0755 root dir", [](const std::string& r) { return SYS(open_close(r + "/new", O_CREAT | O_WRONLY)); }},
        {"mkdir in 0755 root dir", [](const std::string& r) { return SYS(mkdir((r + "/newdir").c_str(), 0755)); }},
        {"unlink in 0755 root dir", [](const std::string& r) { return SYS(unlink((r + "/public").c_str())); }},
        {"traverse 0700 dir", [](const std::string& r) { return SYS(open_close(r + "/closed/inner", O_RDONLY)); }},
        {"list 0700 dir", [](const std::string& r) { return SYS(open_close(r + "/closed", O_RDONLY | O_DIRECTORY)); }},
        {"chmod root's file", [](const std::string& r) { return SYS(chmod((r + "/public").c_str(), 0777)); }},
        {"chown root's file", [](const std::string& r) { return SYS(chown((r + "/public").c_str(), kUser, kGroup)); }},
        {"utimes root's file", [](const std::string& r) { return SYS(utimensat(AT_FDCWD, (r + "/public").c_str(), nullptr, 0)); }},
        {"create in 0777 dir", [](const std::string& r) { return SYS(open_close(r + "/shared/x", O_CREAT | O_WRONLY)); }},
        {"write own file", [](const std::string& r) { return SYS(open_close(r + "/mine/own", O_WRONLY)); }},
        {"chmod own file", [](const std::string& r) { return SYS(chmod((r + "/mine/own").c_str(), 0640)); }},
        {"chown own file to root", [](const std::string& r) { return SYS(chown((r + "/mine/own").c_str(), 0, 0)); }},
        {"utimes own file", [](const std::string& r) { return SYS(utimensat(AT_FDCWD, (r + "/mine/own").c_str(), nullptr, 0)); }},
        {"create in own dir", [](const std::string& r) { return SYS(open_close(r + "/mine/new", O_CREAT | O_EXCL | O_WRONLY)); }},
        {"rename root file into own dir", [](const std::string& r) {
             return SYS(rename((r + "/public").c_str(), (r + "/mine/p").c_str()));
         }},
        {"setxattr on root's file", [](const std::string& r) {
             return SYS(setxattr((r + "/public").c_str(), "user.x", "1", 1, 0));
         }},
        {"setxattr on own file", [](const std::string& r) {
             return SYS(setxattr((r + "/mine/own").c_str(), "user.x", "1", 1, 0));
         }},
    };
    expect_same_as_user(ops);
    // The files the user could create belong to the user.
    auto st = lstat_of(m("shared/x"));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->st_uid, kUser);
    EXPECT_EQ(st->st_gid, kGroup);
    EXPECT_EQ(lstat_of(m("mine/own"))->st_mode & 07777, 0640u);
    EXPECT_FALSE(lstat_of(m("new"))) << "an unprivileged create in a 0755 root dir succeeded";
}

TEST_F(MemfsPermissionTest, StickyDirectoryProtectsOthersFiles) {
    for (const auto& root : {m(), n()}) {
        ASSERT_EQ(chmod((root + "/shared").c_str(), 01777), 0);
        ASSERT_TRUE(write_file(root + "/shared/roots", "r", 0666));
    }
    using Op = std::function<SysResult(const std::string&)>;
    std::vector<std::pair<std::string, Op>> ops = {
        {"unlink root's file in sticky dir", [](const std::string& r) { return SYS(unlink((r + "/shared/roots").c_str())); }},
        {"rename root's file in sticky dir", [](const std::string& r) {
             return SYS(rename((r + "/shared/roots").c_str(), (r + "/shared/moved").c_str()));
         }},
        {"write root's 0666 file", [](const std::string& r) { return SYS(open_close(r + "/shared/roots", O_WRONLY)); }},
    };
    expect_same_as_user(ops);
    EXPECT_TRUE(lstat_of(m("shared/roots")));
}

}  // namespace
}  // namespace fusex::test
