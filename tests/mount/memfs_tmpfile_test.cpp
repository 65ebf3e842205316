// O_TMPFILE on a memfs mount: an unnamed file that can be given a name later.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "support/file_util.hpp"
#include "support/memfs_fixture.hpp"

namespace fusex::test {
namespace {

TEST_F(MemfsTest, TmpfileIsUnnamedUntilLinked) {
    int fd = open(m().c_str(), O_TMPFILE | O_RDWR, 0600);
    ASSERT_GE(fd, 0) << "O_TMPFILE: " << strerror(errno);
    ASSERT_EQ(write(fd, "temporary", 9), 9);
    struct stat st {};
    ASSERT_EQ(fstat(fd, &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_nlink, 0u);
    EXPECT_EQ(st.st_size, 9);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_EQ(list_dir(m()).value_or(std::vector<std::string>{"<unreadable>"}), std::vector<std::string>{});
    char buf[16] = {};
    EXPECT_EQ(pread(fd, buf, sizeof buf, 0), 9);
    EXPECT_EQ(std::string(buf, 9), "temporary");

    // Give it a name through /proc/self/fd.
    std::string proc = "/proc/self/fd/" + std::to_string(fd);
    ASSERT_EQ(linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, m("named").c_str(), AT_SYMLINK_FOLLOW), 0) << strerror(errno);
    close(fd);
    EXPECT_EQ(read_file(m("named")).value_or(""), "temporary");
    auto named = lstat_of(m("named"));
    ASSERT_TRUE(named);
    EXPECT_EQ(named->st_nlink, 1u);
    EXPECT_EQ(named->st_ino, st.st_ino);
}

TEST_F(MemfsTest, TmpfileExclCannotBeLinked) {
    for (const auto& root : {m(), n()}) {
        SCOPED_TRACE(root);
        int fd = open(root.c_str(), O_TMPFILE | O_EXCL | O_WRONLY, 0600);
        ASSERT_GE(fd, 0) << strerror(errno);
        std::string proc = "/proc/self/fd/" + std::to_string(fd);
        EXPECT_EQ(SYS(linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, (root + "/x").c_str(), AT_SYMLINK_FOLLOW)),
                  fail(ENOENT));
        close(fd);
    }
    EXPECT_SAME_OUTCOME(open(root.c_str(), O_TMPFILE | O_RDONLY, 0600));  // EINVAL: needs write access
}

TEST_F(MemfsTest, TmpfileInSubdirAndDiscardedOnClose) {
    ASSERT_EQ(mkdir(m("d").c_str(), 0755), 0);
    int fd = open(m("d").c_str(), O_TMPFILE | O_RDWR, 0644);
    ASSERT_GE(fd, 0) << strerror(errno);
    std::string big(1 << 20, 'q');
    ASSERT_EQ(write(fd, big.data(), big.size()), static_cast<ssize_t>(big.size()));
    close(fd);
    // Nothing visible remains; the filesystem can still be used normally.
    EXPECT_EQ(list_dir(m("d")).value_or(std::vector<std::string>{"<unreadable>"}), std::vector<std::string>{});
    EXPECT_EQ(SYS(rmdir(m("d").c_str())), SysResult{});
}

}  // namespace
}  // namespace fusex::test
