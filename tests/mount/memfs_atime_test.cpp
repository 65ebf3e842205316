// When reads update atime, per memfs's -o noatime|relatime|strictatime.
// FUSE sends the daemon no atime updates: memfs infers access from the READ
// requests it gets, so these tests open the file afresh before reading (an
// open drops cached pages unless the daemon asked to keep them).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "support/file_util.hpp"
#include "support/memfs_fixture.hpp"

namespace fusex::test {
namespace {

using namespace std::chrono_literals;

class MemfsAtimeTest : public MemfsModesTest {};

timespec atime_of(const std::string& path) {
    auto st = lstat_of(path);
    return st ? st->st_atim : timespec{-1, -1};
}

bool same(const timespec& a, const timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

void read_once(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    char buf[64];
    ASSERT_GT(read(fd, buf, sizeof buf), 0);
    close(fd);
}

TEST_P(MemfsAtimeTest, ReadUpdatesAtimeAsConfigured) {
    const std::string mode = GetParam();
    const std::string f = m("f");
    ASSERT_TRUE(write_file(f, "some data to read"));
    // An atime older than mtime: relatime and strictatime must update it.
    const timespec old[2] = {{1000000000, 0}, {0, UTIME_OMIT}};
    ASSERT_EQ(utimensat(AT_FDCWD, f.c_str(), old, 0), 0);
    auto before = lstat_of(f);
    ASSERT_TRUE(before);
    read_once(f);
    timespec first = atime_of(f);
    if (mode == "noatime") {
        EXPECT_TRUE(same(first, old[0])) << "noatime: a read changed atime to " << first.tv_sec;
    } else {
        EXPECT_GT(first.tv_sec, old[0].tv_sec) << mode << ": a read did not update an atime older than mtime";
    }
    // Reading changes neither mtime nor ctime.
    auto after = lstat_of(f);
    EXPECT_TRUE(same(after->st_mtim, before->st_mtim)) << "a read changed mtime";
    EXPECT_TRUE(same(after->st_ctim, before->st_ctim)) << "a read changed ctime";

    // A second read soon after: relatime leaves the now-recent atime alone.
    std::this_thread::sleep_for(30ms);
    read_once(f);
    timespec second = atime_of(f);
    if (mode == "relatime" || mode == "noatime") {
        EXPECT_TRUE(same(second, first)) << mode << ": a second read changed atime";
    }
}

INSTANTIATE_TEST_SUITE_P(Modes, MemfsAtimeTest, ::testing::Values("relatime", "strictatime", "noatime"),
                         memfs_mode_name);

}  // namespace
}  // namespace fusex::test
