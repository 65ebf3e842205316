// Attributes on a memfs mount: modes and owners, timestamps and their update
// rules, extended attributes and statfs.
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "support/file_util.hpp"
#include "support/memfs_fixture.hpp"

// In the global namespace, where timespec lives, so gtest finds them by ADL.
static bool operator==(const timespec& a, const timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}
static bool operator<(const timespec& a, const timespec& b) {
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}
[[maybe_unused]] static std::ostream& operator<<(std::ostream& os, const timespec& t) {
    return os << t.tv_sec << "." << t.tv_nsec;
}

namespace fusex::test {
namespace {

#define AT(rel) ((root + "/" + std::string(rel)).c_str())

using namespace std::chrono_literals;

timespec now() {
    timespec t{};
    clock_gettime(CLOCK_REALTIME, &t);
    return t;
}

// Sets a file's atime and mtime to the distant past, so any later update
// shows as a change.
void age(const std::string& path) {
    const timespec old[2] = {{1000000000, 111}, {1000000000, 222}};
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), old, AT_SYMLINK_NOFOLLOW), 0) << path << ": " << strerror(errno);
}

TEST_F(MemfsTest, ChmodAndChown) {
    ASSERT_TRUE(write_file(m("f"), "x", 0644));
    for (mode_t mode : {0600u, 0000u, 0755u, 04755u, 02711u, 01777u, 0444u}) {
        ASSERT_EQ(chmod(m("f").c_str(), mode), 0) << std::oct << mode;
        EXPECT_EQ(lstat_of(m("f"))->st_mode, S_IFREG | mode) << std::oct << mode;
    }
    int fd = open(m("f").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(fchmod(fd, 0640), 0);
    close(fd);
    EXPECT_EQ(lstat_of(m("f"))->st_mode & 07777, 0640u);

    ASSERT_EQ(chown(m("f").c_str(), 1234, 5678), 0);
    auto st = lstat_of(m("f"));
    EXPECT_EQ(st->st_uid, 1234u);
    EXPECT_EQ(st->st_gid, 5678u);
    ASSERT_EQ(chown(m("f").c_str(), static_cast<uid_t>(-1), 42), 0);
    st = lstat_of(m("f"));
    EXPECT_EQ(st->st_uid, 1234u) << "uid -1 must leave the owner alone";
    EXPECT_EQ(st->st_gid, 42u);

    // lchown changes the link, not its target.
    ASSERT_EQ(symlink("f", m("l").c_str()), 0);
    ASSERT_EQ(lchown(m("l").c_str(), 77, 88), 0);
    EXPECT_EQ(lstat_of(m("l"))->st_uid, 77u);
    EXPECT_EQ(lstat_of(m("f"))->st_uid, 1234u);

    // Chown by root on a setuid executable clears setuid (as on ext4).
    ASSERT_TRUE(write_file(n("f"), "x", 0644));
    for (const auto& path : {m("f"), n("f")}) {
        ASSERT_EQ(chmod(path.c_str(), 04755), 0);
        ASSERT_EQ(chown(path.c_str(), 1, 1), 0);
    }
    EXPECT_EQ(lstat_of(m("f"))->st_mode, lstat_of(n("f"))->st_mode);
    EXPECT_SAME_OUTCOME(chmod(AT("missing"), 0644));
}

TEST_F(MemfsTest, CreateModeHonoursUmask) {
    mode_t old = umask(027);
    bool ok_file = write_file(m("f"), "", 0666);
    int mk = mkdir(m("d").c_str(), 0777);
    umask(old);
    ASSERT_TRUE(ok_file);
    ASSERT_EQ(mk, 0);
    EXPECT_EQ(lstat_of(m("f"))->st_mode & 07777, 0640u);
    EXPECT_EQ(lstat_of(m("d"))->st_mode & 07777, 0750u);
}

TEST_F(MemfsTest, UtimensatSetsAndOmits) {
    ASSERT_TRUE(write_file(m("f"), "data"));
    const timespec set[2] = {{1500000000, 123456789}, {1600000000, 987654321}};
    ASSERT_EQ(utimensat(AT_FDCWD, m("f").c_str(), set, 0), 0);
    auto st = lstat_of(m("f"));
    EXPECT_EQ(st->st_atim, set[0]);
    EXPECT_EQ(st->st_mtim, set[1]);

    // UTIME_OMIT keeps one, UTIME_NOW takes the current time.
    timespec before = now();
    const timespec mix[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    ASSERT_EQ(utimensat(AT_FDCWD, m("f").c_str(), mix, 0), 0);
    st = lstat_of(m("f"));
    EXPECT_EQ(st->st_atim, set[0]) << "UTIME_OMIT changed atime";
    EXPECT_FALSE((st->st_mtim < timespec{before.tv_sec - 1, 0})) << "UTIME_NOW did not set mtime to now";
    // Any change of timestamps updates ctime to now.
    EXPECT_FALSE((st->st_ctim < timespec{before.tv_sec - 1, 0}));

    // Times before 1970 and far in the future survive.
    const timespec odd[2] = {{-86400, 5}, {4102444800, 7}};
    ASSERT_EQ(utimensat(AT_FDCWD, m("f").c_str(), odd, 0), 0);
    st = lstat_of(m("f"));
    EXPECT_EQ(st->st_atim, odd[0]);
    EXPECT_EQ(st->st_mtim, odd[1]);

    // futimens on an open file and AT_SYMLINK_NOFOLLOW on a link.
    int fd = open(m("f").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(futimens(fd, set), 0);
    close(fd);
    EXPECT_EQ(lstat_of(m("f"))->st_mtim, set[1]);
    ASSERT_EQ(symlink("f", m("l").c_str()), 0);
    ASSERT_EQ(utimensat(AT_FDCWD, m("l").c_str(), odd, AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(lstat_of(m("l"))->st_mtim, odd[1]);
    EXPECT_EQ(lstat_of(m("f"))->st_mtim, set[1]);
}

TEST_F(MemfsTest, TimestampUpdateRules) {
    ASSERT_EQ(mkdir(m("d").c_str(), 0755), 0);
    ASSERT_TRUE(write_file(m("d/f"), "data"));
    const timespec t0 = {1000000000, 0};

    // write: mtime and ctime move, atime does not.
    age(m("d/f"));
    auto before = lstat_of(m("d/f"));
    std::this_thread::sleep_for(20ms);
    int fd = open(m("d/f").c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, "zz", 2, 1), 2);
    close(fd);
    auto after = lstat_of(m("d/f"));
    EXPECT_LT(t0, after->st_mtim) << "write did not update mtime";
    EXPECT_LT(before->st_ctim, after->st_ctim) << "write did not update ctime";
    EXPECT_EQ(after->st_atim, (timespec{1000000000, 111})) << "write changed atime";

    // chmod: ctime only.
    age(m("d/f"));
    before = lstat_of(m("d/f"));
    std::this_thread::sleep_for(20ms);
    ASSERT_EQ(chmod(m("d/f").c_str(), 0600), 0);
    after = lstat_of(m("d/f"));
    EXPECT_EQ(after->st_mtim, (timespec{1000000000, 222})) << "chmod changed mtime";
    EXPECT_LT(before->st_ctim, after->st_ctim) << "chmod did not update ctime";

    // truncate: mtime and ctime.
    age(m("d/f"));
    before = lstat_of(m("d/f"));
    std::this_thread::sleep_for(20ms);
    ASSERT_EQ(truncate(m("d/f").c_str(), 1), 0);
    after = lstat_of(m("d/f"));
    EXPECT_LT(t0, after->st_mtim) << "truncate did not update mtime";
    EXPECT_LT(before->st_ctim, after->st_ctim);

    // Creating, renaming and removing names update the parent's mtime/ctime.
    auto check_parent = [&](const char* what, auto op) {
        age(m("d"));
        auto b = lstat_of(m("d"));
        std::this_thread::sleep_for(20ms);
        op();
        auto a = lstat_of(m("d"));
        EXPECT_LT(t0, a->st_mtim) << what << " did not update the directory's mtime";
        EXPECT_LT(b->st_ctim, a->st_ctim) << what << " did not update the directory's ctime";
    };
    check_parent("create", [&] { ASSERT_TRUE(write_file(m("d/g"), "")); });
    check_parent("rename", [&] { ASSERT_EQ(rename(m("d/g").c_str(), m("d/h").c_str()), 0); });
    check_parent("unlink", [&] { ASSERT_EQ(unlink(m("d/h").c_str()), 0); });
    check_parent("mkdir", [&] { ASSERT_EQ(mkdir(m("d/s").c_str(), 0755), 0); });
    check_parent("rmdir", [&] { ASSERT_EQ(rmdir(m("d/s").c_str()), 0); });

    // link: the file's ctime moves (its link count changed).
    age(m("d/f"));
    before = lstat_of(m("d/f"));
    std::this_thread::sleep_for(20ms);
    ASSERT_EQ(link(m("d/f").c_str(), m("d/f2").c_str()), 0);
    after = lstat_of(m("d/f"));
    EXPECT_LT(before->st_ctim, after->st_ctim) << "link did not update the file's ctime";
    EXPECT_EQ(after->st_mtim, (timespec{1000000000, 222})) << "link changed the file's mtime";
}

TEST_F(MemfsTest, XattrsMatchNative) {
    ASSERT_TRUE(write_file(m("f"), "x"));
    ASSERT_TRUE(write_file(n("f"), "x"));
    EXPECT_SAME_OUTCOME(setxattr(AT("f"), "user.a", "value-a", 7, 0));
    EXPECT_SAME_OUTCOME(setxattr(AT("f"), "user.a", "again", 5, XATTR_CREATE));
    EXPECT_SAME_OUTCOME(setxattr(AT("f"), "user.b", "b", 1, XATTR_REPLACE));
    EXPECT_SAME_OUTCOME(setxattr(AT("f"), "user.b", "bee", 3, XATTR_CREATE));
    EXPECT_SAME_OUTCOME(setxattr(AT("f"), "user.a", "new-a", 5, XATTR_REPLACE));
    EXPECT_SAME_OUTCOME(setxattr(AT("f"), "user.empty", "", 0, 0));
    EXPECT_SAME_OUTCOME(setxattr(AT("missing"), "user.a", "1", 1, 0));

    char buf[256];
    EXPECT_EQ(getxattr(m("f").c_str(), "user.a", nullptr, 0), 5) << "size query";
    ssize_t len = getxattr(m("f").c_str(), "user.a", buf, sizeof buf);
    ASSERT_EQ(len, 5);
    EXPECT_EQ(std::string(buf, 5), "new-a");
    EXPECT_EQ(getxattr(m("f").c_str(), "user.empty", buf, sizeof buf), 0);
    EXPECT_SAME_OUTCOME(getxattr(AT("f"), "user.a", buf, 2));     // ERANGE
    EXPECT_SAME_OUTCOME(getxattr(AT("f"), "user.none", buf, sizeof buf));  // ENODATA
    EXPECT_SAME_OUTCOME(getxattr(AT("f"), "user.none", nullptr, 0));

    // listxattr: names NUL-separated; order is free, so compare sorted.
    auto list = [](const std::string& path) {
        std::vector<std::string> names;
        char lb[1024];
        ssize_t n = listxattr(path.c_str(), lb, sizeof lb);
        for (ssize_t i = 0; i < n;) {
            std::string s(lb + i);
            i += static_cast<ssize_t>(s.size()) + 1;
            // Security labels may exist natively; compare user names only.
            if (s.rfind("user.", 0) == 0) names.push_back(s);
        }
        std::sort(names.begin(), names.end());
        return names;
    };
    EXPECT_EQ(list(m("f")), (std::vector<std::string>{"user.a", "user.b", "user.empty"}));
    EXPECT_EQ(list(m("f")), list(n("f")));
    EXPECT_EQ(listxattr(m("f").c_str(), nullptr, 0), static_cast<ssize_t>(sizeof("user.a") * 2 + sizeof("user.empty")));
    EXPECT_SAME_OUTCOME(listxattr(AT("f"), buf, 3));  // ERANGE

    EXPECT_SAME_OUTCOME(removexattr(AT("f"), "user.a"));
    EXPECT_SAME_OUTCOME(removexattr(AT("f"), "user.a"));  // ENODATA
    EXPECT_SAME_OUTCOME(getxattr(AT("f"), "user.a", buf, sizeof buf));
    EXPECT_EQ(list(m("f")), (std::vector<std::string>{"user.b", "user.empty"}));

    // Large binary values round-trip.
    std::string big = pattern(60000, 5);
    ASSERT_EQ(setxattr(m("f").c_str(), "user.big", big.data(), big.size(), 0), 0) << strerror(errno);
    std::string back(70000, '\0');
    len = getxattr(m("f").c_str(), "user.big", back.data(), back.size());
    ASSERT_EQ(len, static_cast<ssize_t>(big.size()));
    EXPECT_TRUE(back.substr(0, big.size()) == big);

    // Directories and symlinks (lsetxattr on a link: EPERM for user.*).
    ASSERT_EQ(mkdir(m("d").c_str(), 0755), 0);
    ASSERT_EQ(mkdir(n("d").c_str(), 0755), 0);
    EXPECT_SAME_OUTCOME(setxattr(AT("d"), "user.dir", "1", 1, 0));
    ASSERT_EQ(symlink("f", m("l").c_str()), 0);
    ASSERT_EQ(symlink("f", n("l").c_str()), 0);
    EXPECT_SAME_OUTCOME(lsetxattr(AT("l"), "user.l", "1", 1, 0));
}

TEST_F(MemfsTest, Statfs) {
    struct statfs sf {};
    ASSERT_EQ(statfs(m().c_str(), &sf), 0) << strerror(errno);
    EXPECT_EQ(static_cast<unsigned long>(sf.f_type), 0x65735546ul) << "not FUSE_SUPER_MAGIC";
    EXPECT_GT(sf.f_bsize, 0);
    EXPECT_GT(sf.f_namelen, 0);
    EXPECT_GE(sf.f_blocks, sf.f_bfree);
    EXPECT_GE(sf.f_bfree, sf.f_bavail);
    struct statvfs sv {};
    ASSERT_EQ(statvfs(m().c_str(), &sv), 0);
    EXPECT_FALSE(sv.f_flag & ST_RDONLY);
    // statfs through any path inside works too.
    ASSERT_TRUE(write_file(m("f"), "x"));
    struct statfs sf2 {};
    EXPECT_EQ(statfs(m("f").c_str(), &sf2), 0);
    EXPECT_EQ(sf2.f_type, sf.f_type);
}

}  // namespace
}  // namespace fusex::test
