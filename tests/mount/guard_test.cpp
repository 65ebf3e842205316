// The mount guard and the timeout helpers are what keep a broken filesystem
// from hanging the test run or leaving mounts behind, so they are tested
// against daemons that fail, never mount, or stop answering.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "support/mountinfo.hpp"
#include "support/mounted_fs.hpp"
#include "support/timeout.hpp"

namespace fusex::test {
namespace {

using namespace std::chrono_literals;

TEST(MountGuard, ReportsADaemonThatExitsEarly) {
    MountedFs fs("/bin/sh", {"-c", "echo 'cannot start: simulated' >&2; exit 3", "sh"});
    auto r = fs.mounted();
    ASSERT_FALSE(r);
    std::string msg = r.message();
    EXPECT_NE(msg.find("status 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cannot start: simulated"), std::string::npos) << "stderr not included: " << msg;
}

TEST(MountGuard, GivesUpOnADaemonThatNeverMounts) {
    auto start = std::chrono::steady_clock::now();
    std::string dir;
    {
        MountedFs fs("/bin/sh", {"-c", "sleep 60", "sh"}, 500ms);
        EXPECT_FALSE(fs.mounted());
        EXPECT_NE(std::string(fs.mounted().message()).find("no mount"), std::string::npos);
        dir = fs.dir();
    }
    // The sleeping "daemon" was stopped rather than waited for.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 15s);
    struct stat st {};
    EXPECT_NE(stat(dir.c_str(), &st), 0) << "mountpoint directory left behind";
}

TEST(MountGuard, CleansUpAfterAWedgedDaemon) {
    FUSEX_SKIP_WITHOUT_FUSE();
    std::string dir;
    auto start = std::chrono::steady_clock::now();
    {
        MountedFs fs(example_binary("fusex-memfs"));
        ASSERT_TRUE(fs.mounted());
        dir = fs.dir();
        // A daemon that stops answering: requests now wait forever.
        fs.daemon().signal(SIGSTOP);
        const std::string path = fs / "anything";
        auto r = in_child(
            [path] {
                struct stat s {};
                stat(path.c_str(), &s);
                return std::string();
            },
            500ms);
        EXPECT_FALSE(r) << "a stat on a stopped daemon returned";
        EXPECT_NE(std::string(r.message()).find("timed out"), std::string::npos) << r.message();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 30s) << "teardown took too long";
    EXPECT_TRUE(mounts_at(dir).empty()) << "mount left behind on " << dir;
    struct stat st {};
    EXPECT_NE(stat(dir.c_str(), &st), 0) << "mountpoint directory left behind";
}

TEST(MountGuard, TeardownAfterTheDaemonWasKilled) {
    FUSEX_SKIP_WITHOUT_FUSE();
    MountedFs fs(example_binary("fusex-memfs"));
    ASSERT_TRUE(fs.mounted());
    // A crashed daemon leaves a dead mount (ENOTCONN) that must still go.
    fs.daemon().signal(SIGKILL);
    ASSERT_TRUE(fs.daemon().wait_for(5s));
    struct stat st {};
    EXPECT_EQ(stat(fs.dir().c_str(), &st), -1);
    // The first call after the crash may still see the abort itself, or,
    // when the daemon served through io_uring, the kernel cancelling the
    // requests queued on its dead ring.
    EXPECT_TRUE(errno == ENOTCONN || errno == ECONNABORTED || errno == ECANCELED) << strerror(errno);
    fs.teardown();
    EXPECT_FALSE(fs.is_mounted());
}

TEST(Timeouts, InThreadReportsHangsAndResults) {
    EXPECT_TRUE(in_thread([] { return std::string(); }, 5s));
    auto failed = in_thread([] { return std::string("went wrong"); }, 5s);
    EXPECT_FALSE(failed);
    EXPECT_NE(std::string(failed.message()).find("went wrong"), std::string::npos);
    auto hung = in_thread(
        [] {
            std::this_thread::sleep_for(1500ms);
            return std::string();
        },
        100ms);
    EXPECT_FALSE(hung);
    EXPECT_NE(std::string(hung.message()).find("timed out"), std::string::npos);
    // Give the detached thread time to end before the process does.
    std::this_thread::sleep_for(1600ms);
}

TEST(Timeouts, InChildReportsFailuresAndCrashes) {
    EXPECT_TRUE(in_child([] { return std::string(); }));
    auto failed = in_child([] { return std::string("child says no"); });
    EXPECT_FALSE(failed);
    EXPECT_NE(std::string(failed.message()).find("child says no"), std::string::npos);
    auto crashed = in_child([]() -> std::string {
        raise(SIGKILL);
        return {};
    });
    EXPECT_FALSE(crashed);
    EXPECT_NE(std::string(crashed.message()).find("signal 9"), std::string::npos) << crashed.message();
}

}  // namespace
}  // namespace fusex::test
