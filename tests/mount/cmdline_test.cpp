// The example programs as users run them: bad mountpoints fail with exit
// status 1 and one line, --help and --version exit 0, -d logs requests, and
// SIGTERM/SIGINT or an outside umount end the daemon cleanly.
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "fusex/version.hpp"
#include "support/file_util.hpp"
#include "support/mountinfo.hpp"
#include "support/mounted_fs.hpp"

namespace fusex::test {
namespace {

using namespace std::chrono_literals;

const char* const kPrograms[] = {"fusex-memfs", "fusex-hello"};

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    return s;
}

class CmdlineTest : public ::testing::TestWithParam<const char*> {
  protected:
    std::string program() const { return example_binary(GetParam()); }
};

TEST_P(CmdlineTest, HelpExitsZero) {
    auto r = run_process({program(), "--help"}, 10s);
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string text = lower(r.out + r.err);
    EXPECT_NE(text.find("usage"), std::string::npos) << text;
    EXPECT_NE(text.find("mountpoint"), std::string::npos) << text;
    auto h = run_process({program(), "-h"}, 10s);
    EXPECT_EQ(h.exit_code, 0);
}

TEST_P(CmdlineTest, VersionExitsZero) {
    for (const char* flag : {"--version", "-V"}) {
        auto r = run_process({program(), flag}, 10s);
        ASSERT_FALSE(r.timed_out);
        EXPECT_EQ(r.exit_code, 0) << flag << ": " << r.err;
        EXPECT_NE((r.out + r.err).find(fusex::kVersion), std::string::npos) << flag << " printed: " << r.out << r.err;
    }
}

TEST_P(CmdlineTest, BadUsageFailsWithOneLine) {
    for (std::vector<std::string> args : {std::vector<std::string>{}, {"--no-such-option", "/tmp"}, {"/tmp", "/var"}}) {
        args.insert(args.begin(), program());
        auto r = run_process(args, 10s);
        ASSERT_FALSE(r.timed_out);
        EXPECT_NE(r.exit_code, 0) << "arguments: " << args.size() - 1;
        EXPECT_FALSE(nonempty_lines(r.err).empty()) << "no error message";
    }
}

TEST_P(CmdlineTest, MissingMountpointFailsWithOneLine) {
    FUSEX_SKIP_WITHOUT_FUSE();
    const std::string missing = "/tmp/fusex-does-not-exist-" + std::to_string(getpid());
    for (bool foreground : {true, false}) {
        std::vector<std::string> args{program()};
        if (foreground) args.push_back("-f");
        args.push_back(missing);
        auto r = run_process(args, 10s);
        ASSERT_FALSE(r.timed_out);
        EXPECT_EQ(r.exit_code, 1) << (foreground ? "-f" : "daemon mode");
        auto lines = nonempty_lines(r.err);
        EXPECT_EQ(lines.size(), 1u) << "stderr:\n" << r.err;
        if (!lines.empty()) {
            EXPECT_NE(lines[0].find(missing), std::string::npos) << "the line should name the path";
        }
        EXPECT_TRUE(mounts_at(missing).empty());
    }
    // A regular file is no mountpoint either.
    TempDir dir("file");
    ASSERT_TRUE(write_file(dir / "file", "x"));
    auto r = run_process({program(), "-f", dir / "file"}, 10s);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(nonempty_lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(mounts_at(dir / "file").empty());
}

TEST_P(CmdlineTest, BusyMountpointFailsWithOneLine) {
    FUSEX_SKIP_WITHOUT_FUSE();
    MountedFs first(program());
    ASSERT_TRUE(first.mounted());
    auto r = run_process({program(), "-f", first.dir()}, 10s);
    // (The guard's teardown removes a second mount if one was made anyway.)
    EXPECT_FALSE(r.timed_out) << "second daemon kept running: it mounted over the first";
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(nonempty_lines(r.err).size(), 1u) << "stderr:\n" << r.err;
    EXPECT_EQ(mounts_at(first.dir()).size(), 1u);
    // The first mount still works.
    struct stat st {};
    EXPECT_EQ(stat(first.dir().c_str(), &st), 0);
}

TEST_P(CmdlineTest, DebugLogsRequests) {
    FUSEX_SKIP_WITHOUT_FUSE();
    MountedFs fs(program(), {"-d"});
    ASSERT_TRUE(fs.mounted());
    auto names = list_dir(fs.dir());
    ASSERT_TRUE(names);
    struct stat st {};
    stat((fs / "no-such-name").c_str(), &st);
    // Logging is asynchronous to our calls only in ordering; give it a moment.
    std::string log;
    for (int i = 0; i < 100; ++i) {
        log = lower(fs.daemon_log());
        if (log.find("lookup") != std::string::npos) break;
        usleep(20000);
    }
    EXPECT_NE(log.find("init"), std::string::npos) << "no INIT in the -d log:\n" << log;
    EXPECT_NE(log.find("lookup"), std::string::npos) << "no LOOKUP in the -d log:\n" << log;
    EXPECT_NE(log.find("readdir"), std::string::npos) << "no READDIR in the -d log:\n" << log;
    EXPECT_NE(log.find("no-such-name"), std::string::npos) << "the looked-up name is not logged";
}

class SignalTest : public ::testing::TestWithParam<std::tuple<const char*, int>> {};

TEST_P(SignalTest, SignalUnmountsCleanly) {
    FUSEX_SKIP_WITHOUT_FUSE();
    auto [name, sig] = GetParam();
    MountedFs fs(example_binary(name));
    ASSERT_TRUE(fs.mounted());
    // Some traffic first, so the workers are busy reading the device.
    ASSERT_TRUE(list_dir(fs.dir()));
    fs.daemon().signal(sig);
    ASSERT_TRUE(fs.daemon().wait_for(10s)) << "daemon still running 10 s after signal " << sig;
    EXPECT_EQ(fs.daemon().exit_code(), 0) << "stderr:\n" << fs.daemon_log();
    EXPECT_FALSE(fs.is_mounted()) << "the mount outlived the daemon";
}

TEST_P(CmdlineTest, OutsideUnmountEndsDaemon) {
    FUSEX_SKIP_WITHOUT_FUSE();
    MountedFs fs(program());
    ASSERT_TRUE(fs.mounted());
    ASSERT_EQ(umount2(fs.dir().c_str(), 0), 0) << strerror(errno);
    ASSERT_TRUE(fs.daemon().wait_for(10s)) << "daemon still running 10 s after umount";
    EXPECT_EQ(fs.daemon().exit_code(), 0) << "stderr:\n" << fs.daemon_log();
}

TEST_P(CmdlineTest, BackgroundModeDetachesAndServes) {
    FUSEX_SKIP_WITHOUT_FUSE();
    TempDir dir("bg");
    // Without -f the program returns once mounted, leaving a daemon behind.
    auto r = run_process({program(), dir.path()}, 10s);
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    bool mounted = false;
    for (int i = 0; i < 200 && !mounted; ++i) {
        for (const auto& m : mounts_at(dir.path())) mounted |= is_fuse(m);
        if (!mounted) usleep(20000);
    }
    EXPECT_TRUE(mounted) << "no mount after the program returned";
    if (mounted) {
        EXPECT_TRUE(list_dir(dir.path()));
        // Unmounting ends the detached daemon. If the mount is busy, abort
        // its connection while the minor is surely still its own.
        if (umount2(dir.path().c_str(), 0) != 0) {
            ADD_FAILURE() << "umount: " << strerror(errno);
            abort_fuse_connection(mounts_at(dir.path()).back().minor);
            umount2(dir.path().c_str(), MNT_DETACH);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Examples, CmdlineTest, ::testing::ValuesIn(kPrograms),
                         [](const auto& info) { return std::string(info.param).substr(6); });
INSTANTIATE_TEST_SUITE_P(Examples, SignalTest,
                         ::testing::Combine(::testing::ValuesIn(kPrograms), ::testing::Values(SIGTERM, SIGINT)),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param)).substr(6) +
                                    (std::get<1>(info.param) == SIGTERM ? "_TERM" : "_INT");
                         });

}  // namespace
}  // namespace fusex::test
