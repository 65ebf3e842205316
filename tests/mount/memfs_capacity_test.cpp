// memfs -o size=: statfs reports the capacity, data counts against it, a
// full filesystem answers ENOSPC (as tmpfs does), and freed space returns.
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/file_util.hpp"
#include "support/memfs_fixture.hpp"

namespace fusex::test {
namespace {

constexpr unsigned long long kMiB = 1ull << 20;

class MemfsCapacityTest : public MemfsTest {
  protected:
    std::vector<std::string> daemon_args() const override { return {"-o", "size=8m"}; }
};

unsigned long long free_bytes(const std::string& path) {
    struct statvfs sv {};
    if (statvfs(path.c_str(), &sv) != 0) return 0;
    return static_cast<unsigned long long>(sv.f_bfree) * sv.f_frsize;
}

// Writes up to `size` bytes; returns how many went in and the errno that
// stopped it (0 if all did).
std::pair<unsigned long long, int> fill(const std::string& path, unsigned long long size) {
    int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) return {0, errno};
    std::string chunk = pattern(256 * 1024, 8);
    unsigned long long written = 0;
    int err = 0;
    while (written < size) {
        ssize_t n = write(fd, chunk.data(), chunk.size());
        if (n < 0) {
            err = errno;
            break;
        }
        if (n == 0) break;
        written += static_cast<unsigned long long>(n);
    }
    if (close(fd) != 0 && err == 0) err = errno;
    return {written, err};
}

TEST_F(MemfsCapacityTest, StatfsShowsCapacity) {
    struct statvfs sv {};
    ASSERT_EQ(statvfs(m().c_str(), &sv), 0);
    unsigned long long total = static_cast<unsigned long long>(sv.f_blocks) * sv.f_frsize;
    EXPECT_GE(total, 7 * kMiB);
    EXPECT_LE(total, 9 * kMiB);
    unsigned long long before = free_bytes(m());
    ASSERT_TRUE(write_file(m("f"), std::string(2 * kMiB, 'x')));
    unsigned long long after = free_bytes(m());
    EXPECT_LE(after + 2 * kMiB - 64 * 1024, before) << "writing 2 MiB did not reduce free space";
    ASSERT_EQ(unlink(m("f").c_str()), 0);
    // The kernel sends RELEASE for the closed file in the background, and
    // the data of an unlinked file goes once its last open is released: wait
    // for that round trip (another ring or worker may be handling it).
    unsigned long long freed = free_bytes(m());
    for (int i = 0; i < 200 && freed + 64 * 1024 < before; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        freed = free_bytes(m());
    }
    EXPECT_GE(freed + 64 * 1024, before) << "unlinking did not return the space";
}

TEST_F(MemfsCapacityTest, FullFilesystemGivesENOSPC) {
    auto [written, err] = fill(m("big"), 16 * kMiB);
    EXPECT_EQ(err, ENOSPC) << "wrote " << written << " bytes into an 8 MiB filesystem";
    EXPECT_LE(written, 8 * kMiB);
    EXPECT_GE(written, 6 * kMiB) << "stopped well before the capacity";
    // What was written is intact up to the point of failure.
    auto st = lstat_of(m("big"));
    ASSERT_TRUE(st);
    EXPECT_LE(static_cast<unsigned long long>(st->st_size), 8 * kMiB);
    // Sparse growth costs nothing, so it still works when full.
    EXPECT_EQ(SYS(truncate(m("sparse").c_str(), 0)).err, ENOENT);
    int fd = open(m("sparse").c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(ftruncate(fd, 1ll << 30), 0) << strerror(errno);
    close(fd);
    // Freeing space makes room again.
    ASSERT_EQ(unlink(m("big").c_str()), 0);
    auto again = fill(m("again"), 4 * kMiB);
    EXPECT_EQ(again.second, 0) << strerror(again.second);
    EXPECT_EQ(again.first, 4 * kMiB);
}

}  // namespace
}  // namespace fusex::test
