// Names through the mount: readdir, mkdir/rmdir, rename (with flags), link,
// symlink, mknod, attributes.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "passthrough_fixture.hpp"

namespace fusex::test {
namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

TEST_F(PassthroughTest, ReaddirListsSourceAndStatsMatch) {
    std::vector<std::string> names;
    for (int i = 0; i < 300; ++i) {
        names.push_back("file-with-a-longish-name-" + std::to_string(i));
        ASSERT_TRUE(write_file(s(names.back()), std::to_string(i)));
    }
    ASSERT_EQ(mkdir(s("subdir").c_str(), 0755), 0);
    names.push_back("subdir");
    auto listed = list_dir(m());
    ASSERT_TRUE(listed);
    EXPECT_EQ(sorted(*listed), sorted(names));  // no repeats, none missing
    // readdirplus entries carry the right attributes.
    for (const auto& n : names) {
        auto a = lstat_of(m(n)), b = lstat_of(s(n));
        ASSERT_TRUE(a && b) << n;
        EXPECT_EQ(a->st_ino, b->st_ino) << n;
        EXPECT_EQ(a->st_mode, b->st_mode) << n;
        EXPECT_EQ(a->st_size, b->st_size) << n;
    }
}

TEST_F(PassthroughTest, MkdirRmdirUnlink) {
    ASSERT_EQ(mkdir(m("d").c_str(), 0750), 0);
    auto st = lstat_of(s("d"));
    ASSERT_TRUE(st);
    EXPECT_TRUE(S_ISDIR(st->st_mode));
    EXPECT_EQ(st->st_mode & 07777, 0750u);
    ASSERT_TRUE(write_file(m("d/f"), "x"));
    EXPECT_EQ(SYS_ERRNO(rmdir(m("d").c_str())), ENOTEMPTY);
    EXPECT_EQ(unlink(m("d/f").c_str()), 0);
    EXPECT_EQ(rmdir(m("d").c_str()), 0);
    EXPECT_FALSE(lstat_of(s("d")));
    EXPECT_EQ(SYS_ERRNO(unlink(m("missing").c_str())), ENOENT);
}

TEST_F(PassthroughTest, RenameWithFlags) {
    ASSERT_TRUE(write_file(m("a"), "A"));
    ASSERT_TRUE(write_file(m("b"), "B"));
    ASSERT_EQ(mkdir(m("dir").c_str(), 0755), 0);
    EXPECT_EQ(rename(m("a").c_str(), m("dir/a2").c_str()), 0);
    EXPECT_EQ(read_file(s("dir/a2")), "A");
    EXPECT_FALSE(lstat_of(s("a")));
    EXPECT_EQ(SYS_ERRNO(renameat2(AT_FDCWD, m("b").c_str(), AT_FDCWD, m("dir/a2").c_str(), RENAME_NOREPLACE)),
              EEXIST);
    EXPECT_EQ(renameat2(AT_FDCWD, m("b").c_str(), AT_FDCWD, m("dir/a2").c_str(), RENAME_EXCHANGE), 0);
    EXPECT_EQ(read_file(m("b")), "A");
    EXPECT_EQ(read_file(m("dir/a2")), "B");
    EXPECT_EQ(rename(m("dir").c_str(), m("dir2").c_str()), 0);
    EXPECT_EQ(read_file(m("dir2/a2")), "B");
}

TEST_F(PassthroughTest, HardLinkSharesInode) {
    ASSERT_TRUE(write_file(m("orig"), "data"));
    ASSERT_EQ(link(m("orig").c_str(), m("alias").c_str()), 0);
    auto a = lstat_of(m("orig")), b = lstat_of(m("alias"));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->st_ino, b->st_ino);
    EXPECT_EQ(b->st_nlink, 2u);
    EXPECT_EQ(lstat_of(s("alias"))->st_ino, lstat_of(s("orig"))->st_ino);
    ASSERT_TRUE(write_file(m("alias"), "changed"));
    EXPECT_EQ(read_file(m("orig")), "changed");
}

TEST_F(PassthroughTest, SymlinkIsStoredAndReadBack) {
    ASSERT_EQ(symlink("some/relative/target", m("lnk").c_str()), 0);
    char buf[64] = {};
    EXPECT_EQ(readlink(m("lnk").c_str(), buf, sizeof buf - 1), 20);
    EXPECT_STREQ(buf, "some/relative/target");
    char buf2[64] = {};
    EXPECT_EQ(readlink(s("lnk").c_str(), buf2, sizeof buf2 - 1), 20);
    EXPECT_STREQ(buf2, "some/relative/target");
    EXPECT_TRUE(S_ISLNK(lstat_of(m("lnk"))->st_mode));
}

TEST_F(PassthroughTest, MknodFifo) {
    ASSERT_EQ(mkfifo(m("fifo").c_str(), 0640), 0);
    auto st = lstat_of(s("fifo"));
    ASSERT_TRUE(st);
    EXPECT_TRUE(S_ISFIFO(st->st_mode));
}

TEST_F(PassthroughTest, SetattrModeOwnerTimesSize) {
    ASSERT_TRUE(write_file(m("f"), "0123456789"));
    EXPECT_EQ(chmod(m("f").c_str(), 0604), 0);
    EXPECT_EQ(lstat_of(s("f"))->st_mode & 07777, 0604u);
    EXPECT_EQ(chown(m("f").c_str(), 1234, 5678), 0);
    EXPECT_EQ(lstat_of(s("f"))->st_uid, 1234u);
    EXPECT_EQ(lstat_of(s("f"))->st_gid, 5678u);
    timespec times[2] = {{1000000000, 5}, {1100000000, 7}};
    EXPECT_EQ(utimensat(AT_FDCWD, m("f").c_str(), times, 0), 0);
    auto st = lstat_of(s("f"));
    EXPECT_EQ(st->st_mtim.tv_sec, 1100000000);
    EXPECT_EQ(st->st_mtim.tv_nsec, 7);
    EXPECT_EQ(st->st_atim.tv_sec, 1000000000);
    timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    EXPECT_EQ(utimensat(AT_FDCWD, m("f").c_str(), now, 0), 0);
    EXPECT_GT(lstat_of(s("f"))->st_atim.tv_sec, 1000000000);
    EXPECT_EQ(lstat_of(s("f"))->st_mtim.tv_sec, 1100000000);
    EXPECT_EQ(truncate(m("f").c_str(), 4), 0);
    EXPECT_EQ(read_file(s("f")), "0123");
}

TEST_F(PassthroughTest, StatfsIsTheSources) {
    struct statvfs a {}, b {};
    ASSERT_EQ(statvfs(m().c_str(), &a), 0);
    ASSERT_EQ(statvfs(s().c_str(), &b), 0);
    EXPECT_EQ(a.f_blocks, b.f_blocks);
    EXPECT_EQ(a.f_bsize, b.f_bsize);
}

TEST_F(PassthroughTest, ManyFilesCreateStatUnlink) {
    for (int i = 0; i < 2000; ++i) {
        std::string p = m("n" + std::to_string(i));
        int fd = open(p.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
        ASSERT_GE(fd, 0) << p << ": " << strerror(errno);
        close(fd);
    }
    for (int i = 0; i < 2000; ++i) ASSERT_TRUE(lstat_of(m("n" + std::to_string(i))));
    for (int i = 0; i < 2000; ++i) ASSERT_EQ(unlink(m("n" + std::to_string(i)).c_str()), 0);
    EXPECT_TRUE(list_dir(s())->empty());
}

}  // namespace
}  // namespace fusex::test
