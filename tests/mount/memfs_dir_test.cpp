// Names on a memfs mount: mkdir/rmdir, unlink, rename and its flags, hard and
// symbolic links, fifos. Error codes are checked against a native directory
// doing the same calls.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "support/file_util.hpp"
#include "support/memfs_fixture.hpp"

namespace fusex::test {
namespace {

#define AT(rel) ((root + "/" + std::string(rel)).c_str())

int rename2(const char* from, const char* to, unsigned flags) {
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, flags);
}

// Makes the same starting tree on both sides.
void make_tree(const std::string& root) {
    ASSERT_EQ(mkdir((root + "/d").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((root + "/d/sub").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((root + "/empty").c_str(), 0700), 0);
    ASSERT_TRUE(write_file(root + "/f", "file f"));
    ASSERT_TRUE(write_file(root + "/g", "file g"));
    ASSERT_TRUE(write_file(root + "/d/h", "file h"));
}

class MemfsNamesTest : public MemfsTest {
  protected:
    void SetUp() override {
        MemfsTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        make_tree(m());
        make_tree(n());
    }
};

TEST_F(MemfsNamesTest, MkdirRmdirErrors) {
    EXPECT_SAME_OUTCOME(mkdir(AT("d"), 0755));
    EXPECT_SAME_OUTCOME(mkdir(AT("f"), 0755));
    EXPECT_SAME_OUTCOME(mkdir(AT("missing/x"), 0755));
    EXPECT_SAME_OUTCOME(mkdir(AT("f/x"), 0755));
    EXPECT_SAME_OUTCOME(rmdir(AT("d")));
    EXPECT_SAME_OUTCOME(rmdir(AT("f")));
    EXPECT_SAME_OUTCOME(rmdir(AT("missing")));
    EXPECT_SAME_OUTCOME(rmdir(AT("d/sub/.")));
    EXPECT_SAME_OUTCOME(rmdir(AT("empty")));
    EXPECT_SAME_OUTCOME(rmdir(AT("empty")));
    EXPECT_FALSE(lstat_of(m("empty")));
    EXPECT_SAME_OUTCOME(mkdir(AT("new"), 0750));
    EXPECT_EQ(lstat_of(m("new"))->st_mode & 07777, lstat_of(n("new"))->st_mode & 07777);
}

TEST_F(MemfsNamesTest, DirectoryLinkCounts) {
    // A directory has 2 + one per subdirectory (their "..").
    for (const char* rel : {"", "d", "d/sub", "empty"}) {
        auto a = lstat_of(m(rel));
        auto b = lstat_of(n(rel));
        ASSERT_TRUE(a && b) << rel;
        EXPECT_EQ(a->st_nlink, b->st_nlink) << "nlink of '" << rel << "'";
    }
    ASSERT_EQ(mkdir(m("d/sub2").c_str(), 0755), 0);
    EXPECT_EQ(lstat_of(m("d"))->st_nlink, 4u);
    ASSERT_EQ(rmdir(m("d/sub2").c_str()), 0);
    EXPECT_EQ(lstat_of(m("d"))->st_nlink, 3u);
    ASSERT_EQ(rename(m("d/sub").c_str(), m("sub").c_str()), 0);
    EXPECT_EQ(lstat_of(m("d"))->st_nlink, 2u);
    EXPECT_EQ(lstat_of(m(""))->st_nlink, 5u);
}

TEST_F(MemfsNamesTest, UnlinkErrorsAndOpenFile) {
    EXPECT_SAME_OUTCOME(unlink(AT("d")));
    EXPECT_SAME_OUTCOME(unlink(AT("missing")));
    EXPECT_SAME_OUTCOME(unlink(AT("f/x")));
    EXPECT_SAME_OUTCOME(unlink(AT("d/h")));
    EXPECT_FALSE(lstat_of(m("d/h")));

    // An unlinked file lives on while open.
    int fd = open(m("f").c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(unlink(m("f").c_str()), 0);
    EXPECT_FALSE(lstat_of(m("f")));
    struct stat st {};
    ASSERT_EQ(fstat(fd, &st), 0);
    EXPECT_EQ(st.st_nlink, 0u);
    ASSERT_EQ(pwrite(fd, "XY", 2, 6), 2);
    char buf[16] = {};
    EXPECT_EQ(pread(fd, buf, sizeof buf, 0), 8);
    EXPECT_EQ(std::string(buf, 8), "file fXY");
    close(fd);
    // The name is free again.
    EXPECT_TRUE(write_file(m("f"), "new"));
    EXPECT_EQ(read_file(m("f")).value_or(""), "new");
}

TEST_F(MemfsNamesTest, RenameBasics) {
    EXPECT_SAME_OUTCOME(rename(AT("f"), AT("f2")));
    EXPECT_SAME_OUTCOME(rename(AT("f2"), AT("g")));  // replaces g
    EXPECT_EQ(read_file(m("g")).value_or(""), "file f");
    EXPECT_FALSE(lstat_of(m("f2")));
    EXPECT_SAME_OUTCOME(rename(AT("missing"), AT("x")));
    EXPECT_SAME_OUTCOME(rename(AT("g"), AT("d")));          // file over dir
    EXPECT_SAME_OUTCOME(rename(AT("empty"), AT("g")));      // dir over file
    EXPECT_SAME_OUTCOME(rename(AT("empty"), AT("d")));      // over non-empty dir
    EXPECT_SAME_OUTCOME(rename(AT("d"), AT("d/sub/x")));    // into itself
    EXPECT_SAME_OUTCOME(rename(AT("g"), AT("g")));          // same name
    EXPECT_SAME_OUTCOME(rename(AT("g"), AT("d/sub/g")));    // across dirs
    EXPECT_EQ(read_file(m("d/sub/g")).value_or(""), "file f");
    EXPECT_SAME_OUTCOME(rename(AT("d/sub"), AT("empty")));  // dir over empty dir
    EXPECT_EQ(read_file(m("empty/g")).value_or(""), "file f");
    EXPECT_SAME_OUTCOME(rename(AT("missing/a"), AT("b")));
}

TEST_F(MemfsNamesTest, RenameNoreplace) {
    EXPECT_SAME_OUTCOME(rename2(AT("f"), AT("g"), RENAME_NOREPLACE));
    EXPECT_EQ(read_file(m("g")).value_or(""), "file g");
    EXPECT_EQ(read_file(m("f")).value_or(""), "file f");
    EXPECT_SAME_OUTCOME(rename2(AT("f"), AT("d"), RENAME_NOREPLACE));
    EXPECT_SAME_OUTCOME(rename2(AT("f"), AT("f3"), RENAME_NOREPLACE));
    EXPECT_EQ(read_file(m("f3")).value_or(""), "file f");
    EXPECT_FALSE(lstat_of(m("f")));
    EXPECT_SAME_OUTCOME(rename2(AT("f3"), AT("g"), RENAME_NOREPLACE | RENAME_EXCHANGE));
}

TEST_F(MemfsNamesTest, RenameExchange) {
    auto ino_f = lstat_of(m("f"))->st_ino;
    EXPECT_SAME_OUTCOME(rename2(AT("f"), AT("g"), RENAME_EXCHANGE));
    EXPECT_EQ(read_file(m("f")).value_or(""), "file g");
    EXPECT_EQ(read_file(m("g")).value_or(""), "file f");
    EXPECT_EQ(lstat_of(m("g"))->st_ino, ino_f);
    // A file with a directory, across directories.
    EXPECT_SAME_OUTCOME(rename2(AT("f"), AT("d/sub"), RENAME_EXCHANGE));
    auto sub = lstat_of(m("d/sub"));
    auto f = lstat_of(m("f"));
    ASSERT_TRUE(sub && f);
    EXPECT_TRUE(S_ISREG(sub->st_mode));
    EXPECT_TRUE(S_ISDIR(f->st_mode));
    EXPECT_EQ(read_file(m("d/sub")).value_or(""), "file g");
    // Parents' link counts follow the moved directory.
    EXPECT_EQ(lstat_of(m("d"))->st_nlink, lstat_of(n("d"))->st_nlink);
    EXPECT_EQ(lstat_of(m(""))->st_nlink, lstat_of(n(""))->st_nlink);
    EXPECT_SAME_OUTCOME(rename2(AT("g"), AT("missing"), RENAME_EXCHANGE));
    EXPECT_SAME_OUTCOME(rename2(AT("missing"), AT("g"), RENAME_EXCHANGE));
    EXPECT_SAME_OUTCOME(rename2(AT("g"), AT("g"), RENAME_EXCHANGE));
}

TEST_F(MemfsNamesTest, HardLinks) {
    EXPECT_SAME_OUTCOME(link(AT("f"), AT("d/f-link")));
    auto a = lstat_of(m("f"));
    auto b = lstat_of(m("d/f-link"));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->st_ino, b->st_ino);
    EXPECT_EQ(a->st_nlink, 2u);
    EXPECT_EQ(b->st_nlink, 2u);
    ASSERT_TRUE(write_file(m("d/f-link"), "through the link"));
    EXPECT_EQ(read_file(m("f")).value_or(""), "through the link");

    EXPECT_SAME_OUTCOME(link(AT("f"), AT("g")));        // target exists
    EXPECT_SAME_OUTCOME(link(AT("d"), AT("d-link")));   // directories: EPERM
    EXPECT_SAME_OUTCOME(link(AT("missing"), AT("x")));
    EXPECT_SAME_OUTCOME(link(AT("f"), AT("missing/x")));
    EXPECT_SAME_OUTCOME(link(AT("f"), AT("f3")));
    EXPECT_EQ(lstat_of(m("f"))->st_nlink, 3u);
    EXPECT_SAME_OUTCOME(unlink(AT("f")));
    EXPECT_EQ(lstat_of(m("f3"))->st_nlink, 2u);
    EXPECT_SAME_OUTCOME(rename(AT("f3"), AT("d/f-link")));  // same inode: no-op
    EXPECT_EQ(lstat_of(m("f3"))->st_nlink, lstat_of(n("f3"))->st_nlink);
    EXPECT_EQ(read_file(m("d/f-link")).value_or(""), "through the link");
}

TEST_F(MemfsNamesTest, Symlinks) {
    const std::string target = "d/h";
    EXPECT_SAME_OUTCOME(symlink(target.c_str(), AT("sl")));
    auto st = lstat_of(m("sl"));
    ASSERT_TRUE(st);
    EXPECT_TRUE(S_ISLNK(st->st_mode));
    EXPECT_EQ(st->st_size, static_cast<off_t>(target.size()));
    char buf[256];
    ssize_t len = readlink(m("sl").c_str(), buf, sizeof buf);
    ASSERT_EQ(len, static_cast<ssize_t>(target.size()));
    EXPECT_EQ(std::string(buf, static_cast<size_t>(len)), target);
    // A short buffer truncates silently.
    EXPECT_EQ(readlink(m("sl").c_str(), buf, 2), 2);
    EXPECT_EQ(std::string(buf, 2), "d/");
    EXPECT_EQ(read_file(m("sl")).value_or(""), "file h");

    EXPECT_SAME_OUTCOME(symlink("nowhere", AT("dangling")));
    struct stat s {};
    EXPECT_SAME_OUTCOME(stat(AT("dangling"), &s));
    EXPECT_SAME_OUTCOME(lstat(AT("dangling"), &s));
    EXPECT_SAME_OUTCOME(symlink("x", AT("f")));
    EXPECT_SAME_OUTCOME(readlink(AT("f"), buf, sizeof buf));
    EXPECT_SAME_OUTCOME(symlink("loop", AT("loop")));
    EXPECT_SAME_OUTCOME(open(AT("loop"), O_RDONLY));
    // A long target survives unchanged.
    std::string longt(4000, 'a');
    EXPECT_SAME_OUTCOME(symlink(longt.c_str(), AT("long")));
    std::string lbuf(5000, '\0');
    EXPECT_EQ(readlink(m("long").c_str(), lbuf.data(), lbuf.size()), 4000);
    EXPECT_EQ(lbuf.substr(0, 4000), longt);
    // Through a symlinked directory.
    EXPECT_SAME_OUTCOME(symlink("d", AT("dl")));
    EXPECT_EQ(read_file(m("dl/h")).value_or(""), "file h");
}

TEST_F(MemfsNamesTest, FifosAndNodes) {
    EXPECT_SAME_OUTCOME(mkfifo(AT("fifo"), 0640));
    auto st = lstat_of(m("fifo"));
    ASSERT_TRUE(st);
    EXPECT_TRUE(S_ISFIFO(st->st_mode));
    EXPECT_EQ(st->st_mode & 0777, lstat_of(n("fifo"))->st_mode & 0777);
    EXPECT_SAME_OUTCOME(mkfifo(AT("fifo"), 0640));
    // The pipe itself works (the kernel serves fifos, not the daemon).
    int r = open(m("fifo").c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(r, 0);
    int w = open(m("fifo").c_str(), O_WRONLY | O_NONBLOCK);
    ASSERT_GE(w, 0);
    ASSERT_EQ(write(w, "pipe", 4), 4);
    char buf[8] = {};
    EXPECT_EQ(read(r, buf, sizeof buf), 4);
    EXPECT_EQ(std::string(buf, 4), "pipe");
    close(w);
    close(r);
    EXPECT_SAME_OUTCOME(mknod(AT("regular"), S_IFREG | 0600, 0));
    EXPECT_TRUE(S_ISREG(lstat_of(m("regular"))->st_mode));
    EXPECT_EQ(lstat_of(m("regular"))->st_size, 0);
}

}  // namespace
}  // namespace fusex::test
