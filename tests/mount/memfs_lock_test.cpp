// File locks on a memfs mount: flock(2), POSIX record locks between
// processes and open file description locks. Conflicts between processes
// are tested with a forked child (POSIX locks belong to a process).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/file_util.hpp"
#include "support/memfs_fixture.hpp"
#include "support/timeout.hpp"

namespace fusex::test {
namespace {

using namespace std::chrono_literals;

struct flock range(short type, off_t start, off_t len) {
    struct flock fl {};
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    return fl;
}

int setlk(int fd, short type, off_t start, off_t len, int cmd = F_SETLK) {
    struct flock fl = range(type, start, len);
    return fcntl(fd, cmd, &fl);
}

TEST_F(MemfsTest, FlockExcludesOtherOpenFiles) {
    ASSERT_TRUE(write_file(m("f"), "x"));
    ASSERT_TRUE(write_file(n("f"), "x"));
    for (const auto& root : {m(), n()}) {
        SCOPED_TRACE(root);
        int a = open((root + "/f").c_str(), O_RDWR);
        int b = open((root + "/f").c_str(), O_RDWR);
        ASSERT_GE(a, 0);
        ASSERT_GE(b, 0);
        EXPECT_EQ(SYS(flock(a, LOCK_EX | LOCK_NB)), SysResult{});
        EXPECT_EQ(SYS(flock(b, LOCK_EX | LOCK_NB)), fail(EWOULDBLOCK));
        EXPECT_EQ(SYS(flock(b, LOCK_SH | LOCK_NB)), fail(EWOULDBLOCK));
        // Converting one's own lock is fine.
        EXPECT_EQ(SYS(flock(a, LOCK_SH | LOCK_NB)), SysResult{});
        EXPECT_EQ(SYS(flock(b, LOCK_SH | LOCK_NB)), SysResult{});
        EXPECT_EQ(SYS(flock(b, LOCK_EX | LOCK_NB)), fail(EWOULDBLOCK));
        EXPECT_EQ(SYS(flock(a, LOCK_UN)), SysResult{});
        EXPECT_EQ(SYS(flock(b, LOCK_EX | LOCK_NB)), SysResult{});
        // Closing the holder releases the lock.
        close(b);
        EXPECT_EQ(SYS(flock(a, LOCK_EX | LOCK_NB)), SysResult{});
        close(a);
    }
}

TEST_F(MemfsTest, FlockBlocksUntilReleased) {
    ASSERT_TRUE(write_file(m("f"), "x"));
    int a = open(m("f").c_str(), O_RDWR);
    ASSERT_GE(a, 0);
    ASSERT_EQ(flock(a, LOCK_EX), 0);
    const std::string path = m("f");
    // The child waits in flock(LOCK_EX) until the parent unlocks.
    std::thread unlocker([a] {
        std::this_thread::sleep_for(300ms);
        flock(a, LOCK_UN);
    });
    auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(in_child([&] {
        int b = open(path.c_str(), O_RDWR);
        if (b < 0) return std::string("open failed");
        if (flock(b, LOCK_EX) != 0) return std::string("flock: ") + strerror(errno);
        return std::string();
    }));
    unlocker.join();
    EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms) << "flock did not wait for the holder";
    close(a);
}

TEST_F(MemfsTest, PosixLocksBetweenProcesses) {
    for (const auto& root : {m(), n()}) {
        SCOPED_TRACE(root);
        const std::string path = root + "/f";
        ASSERT_TRUE(write_file(path, std::string(1000, 'x')));
        int fd = open(path.c_str(), O_RDWR);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(setlk(fd, F_WRLCK, 0, 100), 0) << strerror(errno);
        ASSERT_EQ(setlk(fd, F_RDLCK, 200, 50), 0) << strerror(errno);
        const pid_t parent = getpid();
        EXPECT_TRUE(in_child([&] {
            int cfd = open(path.c_str(), O_RDWR);
            if (cfd < 0) return std::string("open failed");
            std::string err;
            // Overlapping the write lock: refused with EAGAIN (or EACCES).
            int rc = setlk(cfd, F_RDLCK, 50, 10);
            if (rc == 0 || (errno != EAGAIN && errno != EACCES))
                err += "conflicting F_SETLK gave " + std::to_string(rc) + " " + strerror(errno) + "\n";
            struct flock probe = range(F_WRLCK, 10, 1);
            if (fcntl(cfd, F_GETLK, &probe) != 0) {
                err += std::string("F_GETLK: ") + strerror(errno) + "\n";
            } else if (probe.l_type != F_WRLCK || probe.l_start != 0 || probe.l_len != 100 || probe.l_pid != parent) {
                err += "F_GETLK reported type " + std::to_string(probe.l_type) + " start " +
                       std::to_string(probe.l_start) + " len " + std::to_string(probe.l_len) + " pid " +
                       std::to_string(probe.l_pid) + ", want the parent's write lock on [0,100)\n";
            }
            // Shared with the read lock, but not exclusive.
            if (setlk(cfd, F_RDLCK, 210, 5) != 0) err += "read lock beside a read lock refused\n";
            if (setlk(cfd, F_WRLCK, 240, 20) == 0) err += "write lock over a read lock granted\n";
            // Beyond both: free.
            if (setlk(cfd, F_WRLCK, 500, 0) != 0) err += std::string("lock to EOF refused: ") + strerror(errno) + "\n";
            struct flock free_probe = range(F_WRLCK, 100, 100);
            if (fcntl(cfd, F_GETLK, &free_probe) != 0 || free_probe.l_type != F_UNLCK)
                err += "F_GETLK on a free range did not report F_UNLCK\n";
            return err;
        }));
        // The child's locks died with it; ours remain.
        struct flock probe = range(F_WRLCK, 600, 1);
        ASSERT_EQ(fcntl(fd, F_GETLK, &probe), 0);
        EXPECT_EQ(probe.l_type, F_UNLCK) << "a dead process's lock survived";
        close(fd);
    }
}

TEST_F(MemfsTest, PosixLockWaitReleasedByUnlock) {
    const std::string path = m("f");
    ASSERT_TRUE(write_file(path, "data"));
    int fd = open(path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(setlk(fd, F_WRLCK, 0, 0), 0) << strerror(errno);
    std::thread unlocker([fd] {
        std::this_thread::sleep_for(300ms);
        setlk(fd, F_UNLCK, 0, 0);
    });
    auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(in_child([&] {
        int cfd = open(path.c_str(), O_RDWR);
        if (cfd < 0) return std::string("open failed");
        if (setlk(cfd, F_WRLCK, 0, 0, F_SETLKW) != 0) return std::string("F_SETLKW: ") + strerror(errno);
        return std::string();
    }));
    unlocker.join();
    EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms) << "F_SETLKW did not wait for the holder";
    close(fd);
}

TEST_F(MemfsTest, OpenFileDescriptionLocks) {
    ASSERT_TRUE(write_file(m("f"), "data"));
    ASSERT_TRUE(write_file(n("f"), "data"));
    for (const auto& root : {m(), n()}) {
        SCOPED_TRACE(root);
        int a = open((root + "/f").c_str(), O_RDWR);
        int b = open((root + "/f").c_str(), O_RDWR);
        ASSERT_GE(a, 0);
        ASSERT_GE(b, 0);
        // Same process, different open files: OFD locks conflict.
        EXPECT_EQ(SYS(setlk(a, F_WRLCK, 0, 10, F_OFD_SETLK)), SysResult{});
        EXPECT_EQ(SYS(setlk(b, F_WRLCK, 5, 10, F_OFD_SETLK)), fail(EAGAIN));
        EXPECT_EQ(SYS(setlk(b, F_WRLCK, 10, 10, F_OFD_SETLK)), SysResult{});
        EXPECT_EQ(SYS(setlk(a, F_UNLCK, 0, 10, F_OFD_SETLK)), SysResult{});
        EXPECT_EQ(SYS(setlk(b, F_WRLCK, 0, 10, F_OFD_SETLK)), SysResult{});
        close(a);
        close(b);
    }
}

}  // namespace
}  // namespace fusex::test
