// Other users through -o allow_other,default_permissions: the kernel checks
// permissions, and what a user creates is theirs in SOURCE too.
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "passthrough_fixture.hpp"
#include "support/timeout.hpp"

namespace fusex::test {
namespace {

constexpr uid_t kUser = 65534;  // nobody
constexpr gid_t kGroup = 65534;

class OtherUserTest : public PassthroughTest {
    std::vector<std::string> daemon_options() const override {
        return {"-o", "allow_other", "-o", "default_permissions"};
    }
};

// "what: strerror(errno)", built by appending (GCC 12 warns falsely on +).
std::string failed(const char* what) {
    std::string r = what;
    r += ": ";
    r += strerror(errno);
    return r;
}

std::string as_user(const std::function<std::string()>& fn) {
    if (setgroups(0, nullptr) != 0 || setresgid(kGroup, kGroup, kGroup) != 0 ||
        setresuid(kUser, kUser, kUser) != 0)
        return failed("cannot become nobody");
    return fn();
}

TEST_F(OtherUserTest, CreatedFilesBelongToTheCaller) {
    ASSERT_EQ(chmod(s().c_str(), 0777), 0);
    std::string file = m("mine"), dir = m("mydir"), link = m("mylink");
    EXPECT_TRUE(in_child([&] {
        return as_user([&]() -> std::string {
            int fd = open(file.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
            if (fd < 0) return failed("create");
            close(fd);
            if (mkdir(dir.c_str(), 0700) != 0) return failed("mkdir");
            if (symlink("mine", link.c_str()) != 0) return failed("symlink");
            return "";
        });
    }));
    for (const char* name : {"mine", "mydir", "mylink"}) {
        auto st = lstat_of(s(name));
        ASSERT_TRUE(st) << name;
        EXPECT_EQ(st->st_uid, kUser) << name;
        EXPECT_EQ(st->st_gid, kGroup) << name;
    }
}

TEST_F(OtherUserTest, KernelEnforcesModes) {
    ASSERT_EQ(chmod(s().c_str(), 0755), 0);
    ASSERT_TRUE(write_file(m("private"), "root only", 0600));
    ASSERT_EQ(chmod(m("private").c_str(), 0600), 0);
    ASSERT_TRUE(write_file(m("public"), "everyone", 0644));
    std::string priv = m("private"), pub = m("public"), newdir = m("x");
    EXPECT_TRUE(in_child([&] {
        return as_user([&]() -> std::string {
            if (open(priv.c_str(), O_RDONLY) >= 0 || errno != EACCES)
                return "reading a 0600 root file did not fail with EACCES";
            int fd = open(pub.c_str(), O_RDONLY);
            if (fd < 0) return failed("reading a 0644 file");
            close(fd);
            if (open(pub.c_str(), O_WRONLY) >= 0 || errno != EACCES) return "writing a 0644 root file worked";
            if (mkdir(newdir.c_str(), 0755) == 0 || errno != EACCES)
                return "mkdir in a 0755 root directory did not fail with EACCES";
            return "";
        });
    }));
}

}  // namespace
}  // namespace fusex::test
