// Kernel passthrough (-o passthrough) and the command line.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>

#include "passthrough_fixture.hpp"
#include "support/process.hpp"

namespace fusex::test {
namespace {

using namespace std::chrono_literals;

size_t count_lines_with(const std::string& log, const std::string& what) {
    size_t n = 0;
    for (const auto& line : nonempty_lines(log)) n += line.find(what) != std::string::npos;
    return n;
}

class KernelPassthroughTest : public PassthroughTest {
    // -d logs every request, which shows whether data went through the daemon.
    std::vector<std::string> daemon_options() const override { return {"-d", "-o", "passthrough"}; }
};

TEST_F(KernelPassthroughTest, DataBypassesTheDaemon) {
    std::string data = pattern(2 * 1024 * 1024 + 5, 11);
    ASSERT_TRUE(write_file(m("pt"), data));
    EXPECT_EQ(read_file(m("pt")), data);
    EXPECT_EQ(read_file(s("pt")), data);
    int fd = open(m("pt").c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    void* p = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
    ASSERT_NE(p, MAP_FAILED);
    EXPECT_EQ(std::memcmp(p, data.data(), 4096), 0);
    munmap(p, 4096);
    close(fd);

    std::string log = fs_->daemon_log();
    if (log.find("offers no FUSE_PASSTHROUGH") != std::string::npos)
        GTEST_SKIP() << "the kernel offers no FUSE_PASSTHROUGH (data went through the daemon, which worked)";
    EXPECT_EQ(log.find("backing file refused"), std::string::npos) << log.substr(0, 2000);
    EXPECT_EQ(count_lines_with(log, " READ "), 0u);
    EXPECT_EQ(count_lines_with(log, " WRITE "), 0u);
    EXPECT_GT(count_lines_with(log, " CREATE ") + count_lines_with(log, " OPEN "), 0u);
}

class DebugLogTest : public PassthroughTest {
    std::vector<std::string> daemon_options() const override { return {"-d"}; }
};

// close() on a local disk or memory filesystem reports nothing, so the
// daemon asks the kernel not to send FLUSH for files opened there.
TEST_F(DebugLogTest, NoFlushRoundTripForALocalSource) {
    ASSERT_TRUE(write_file(m("f"), "data"));
    EXPECT_EQ(read_file(m("f")), "data");
    std::string log = fs_->daemon_log();
    EXPECT_GT(count_lines_with(log, " CREATE ") + count_lines_with(log, " OPEN "), 1u) << log.substr(0, 2000);
    EXPECT_EQ(count_lines_with(log, " FLUSH "), 0u) << log.substr(0, 2000);
}

TEST(PassthroughCommandLine, RejectsUnknownAndBadOptionsWithOneLine) {
    FUSEX_SKIP_WITHOUT_FUSE();
    TempDir source("ptsrc");
    for (std::vector<std::string> opts : {std::vector<std::string>{"-o", "bogus"},
                                          {"-o", "cache=sometimes"},
                                          {"-o", "timeout=-1"},
                                          {"-o", "writeback=yes"},
                                          {"-o", "no_early_flush=1"}}) {
        opts.push_back(source.path());
        MountedFs fs(example_binary("fusex-passthrough"), opts, 5s);
        EXPECT_FALSE(fs.mounted()) << opts[1];
        fs.daemon().wait_for(5s);
        EXPECT_EQ(fs.daemon().exit_code(), 1) << opts[1];
        auto lines = nonempty_lines(fs.daemon_log());
        EXPECT_EQ(lines.size(), 1u) << opts[1] << ": " << fs.daemon_log();
    }
}

TEST(PassthroughCommandLine, NeedsSourceAndMountpoint) {
    auto r = run_process({example_binary("fusex-passthrough"), "/tmp"}, 10s);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(nonempty_lines(r.err).size(), 1u) << r.err;
    auto missing = run_process({example_binary("fusex-passthrough"), "/nonexistent/source", "/tmp"}, 10s);
    EXPECT_EQ(missing.exit_code, 1);
}

TEST(PassthroughCommandLine, HelpNamesTheOptions) {
    auto r = run_process({example_binary("fusex-passthrough"), "--help"}, 10s);
    EXPECT_EQ(r.exit_code, 0);
    for (const char* opt : {"timeout=", "cache=", "writeback", "passthrough", "transport"})
        EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
}

}  // namespace
}  // namespace fusex::test
