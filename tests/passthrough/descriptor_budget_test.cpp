// More files in use at once than the daemon may hold descriptors: past its
// budget it keeps file handles instead, and everything still works.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "passthrough_fixture.hpp"

namespace fusex::test {
namespace {

size_t open_descriptors(pid_t pid) {
    auto listed = list_dir("/proc/" + std::to_string(pid) + "/fd");
    return listed ? listed->size() : 0;
}

TEST(PassthroughDescriptorBudget, ThreeThousandFilesWithTwoThousandDescriptors) {
    FUSEX_SKIP_WITHOUT_FUSE();
    TempDir source("ptsrc");
    ASSERT_EQ(mkdir((source / "d").c_str(), 0755), 0);
    const int files = 3000;
    for (int i = 0; i < files; ++i) ASSERT_TRUE(write_file(source / ("d/f" + std::to_string(i)), std::to_string(i)));
    // sh -f (no globbing) lowers the limit and becomes the daemon; the
    // guard appends the mountpoint, which arrives as $0.
    std::string script = "ulimit -Sn 2000 && ulimit -Hn 2000 && exec '" +
                         example_binary("fusex-passthrough") + "' -f '" + source.path() + "' \"$0\"";
    MountedFs fs("/bin/sh", {"-c", script});
    ASSERT_TRUE(fs.mounted());

    auto listed = list_dir(fs / "d");  // readdirplus: a lookup per entry
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->size(), static_cast<size_t>(files));
    for (int i = 0; i < files; ++i) {
        std::string name = "d/f" + std::to_string(i);
        ASSERT_EQ(read_file(fs / name), std::to_string(i)) << name;
    }
    // The kernel holds all 3000 inodes now, the daemon far fewer descriptors.
    EXPECT_LT(open_descriptors(fs.daemon().pid()), 1500u);

    // Operations on inodes kept as file handles.
    std::string last = fs / ("d/f" + std::to_string(files - 1));
    EXPECT_EQ(chmod(last.c_str(), 0600), 0);
    EXPECT_EQ(setxattr(last.c_str(), "user.k", "v", 1, 0), 0);
    EXPECT_EQ(link(last.c_str(), (fs / "d/alias").c_str()), 0);
    EXPECT_EQ(rename((fs / "d/f0").c_str(), (fs / "d/renamed").c_str()), 0);
    auto st = lstat_of(source / ("d/f" + std::to_string(files - 1)));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->st_mode & 07777, 0600u);
    EXPECT_EQ(st->st_nlink, 2u);
    EXPECT_TRUE(lstat_of(source / "d/renamed"));

    // An open file stays usable after its last name is gone.
    int fd = open((fs / "d/f1").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(unlink((fs / "d/f1").c_str()), 0);
    struct stat ost {};
    EXPECT_EQ(fstat(fd, &ost), 0);
    EXPECT_EQ(ost.st_size, 1);
    close(fd);
}

}  // namespace
}  // namespace fusex::test
