// Which transport a mount ends up with: the INIT capabilities each asks for,
// io_uring actually serving (its queue threads are pinned to their CPU), and
// auto / uring falling back with one log line when enable_uring is off.
#include <sys/stat.h>

#include <unistd.h>

#include <filesystem>
#include <initializer_list>
#include <sstream>
#include <string_view>

#include "fusex/filesystem.hpp"
#include "transport_fixture.hpp"

namespace fusex::test {
namespace {

constexpr uint64_t kSpliceCaps = cap::kSpliceRead | cap::kSpliceWrite | cap::kSpliceMove;

// Lines of text containing every one of parts.
size_t count_lines(const std::string& text, std::initializer_list<std::string_view> parts) {
    size_t n = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        bool all = true;
        for (auto p : parts) all = all && line.find(p) != std::string::npos;
        n += all;
    }
    return n;
}

class TransportChoiceTest : public ::testing::Test {
  protected:
    void TearDown() override { fx_.tear_down(); }
    // Mounts with kind, reads a file through it, returns the caps in force.
    uint64_t mount_and_read(TransportKind kind, SessionOptions options = {}) {
        if (auto why = fx_.set_up(kind, options); !why.empty()) {
            skip_ = why;
            return 0;
        }
        EXPECT_TRUE(fx_.mount().ok());
        uint64_t caps = fx_.mount().negotiated();
        auto got = read_range(fx_.path("big_direct"), 0, 1u << 20);
        EXPECT_TRUE(got && *got == slice(fx_.fs().backing("big_direct"), 0, 1u << 20));
        return caps;
    }
    TransportFixture fx_;
    std::string skip_;
};

TEST_F(TransportChoiceTest, ReadvAsksForNoSpliceOrUring) {
    uint64_t caps = mount_and_read(TransportKind::Readv);
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    EXPECT_EQ(caps & (kSpliceCaps | cap::kOverIoUring), 0u);
    EXPECT_EQ(fx_.fs().reads_on_pinned_threads.load(), 0u);
}

TEST_F(TransportChoiceTest, SpliceAsksForSpliceCapabilities) {
    uint64_t caps = mount_and_read(TransportKind::Splice);
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    EXPECT_EQ(caps & kSpliceCaps, kSpliceCaps);
    EXPECT_EQ(caps & cap::kOverIoUring, 0u);
}

TEST_F(TransportChoiceTest, UringServesRequestsFromItsQueues) {
    StderrCapture log;
    uint64_t caps = mount_and_read(TransportKind::Uring);
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    EXPECT_TRUE(caps & cap::kOverIoUring);
    EXPECT_EQ(caps & kSpliceCaps, 0u);
    if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
        EXPECT_GT(fx_.fs().reads_on_pinned_threads.load(), 0u);
        EXPECT_EQ(fx_.fs().reads_on_pinned_threads.load(), fx_.fs().reads.load());
    }
    EXPECT_EQ(count_lines(log.text(), {"transport: io_uring, ", " queues"}), 1u) << log.text();
}

TEST_F(TransportChoiceTest, AutoPicksUringWhenEnabled) {
    uint64_t caps = mount_and_read(TransportKind::Auto);
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    UringSetting probe(true);  // shared: only tells whether the system has it
    if (!probe.unavailable().empty()) GTEST_SKIP() << probe.unavailable();
    EXPECT_TRUE(caps & cap::kOverIoUring);
}

TEST_F(TransportChoiceTest, AutoFallsBackToSpliceWithOneLineWhenUringIsOff) {
    if (auto why = mount_unavailable(); !why.empty()) GTEST_SKIP() << why;
    UringSetting off(false);
    if (!off.unavailable().empty()) GTEST_SKIP() << off.unavailable();
    StderrCapture log;
    SessionOptions options;
    options.transport = TransportKind::Auto;
    // set_up(Auto) would switch it back on: mount by hand.
    char tmpl[] = "/tmp/fusex-backing-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    {
        DataFs fs(tmpl);
        TransportMount m(fs, options);
        ASSERT_TRUE(m.ok());
        uint64_t caps = m.negotiated();
        EXPECT_EQ(caps & cap::kOverIoUring, 0u);
        EXPECT_EQ(caps & kSpliceCaps, kSpliceCaps);
        auto got = read_range(m.path("big"), 0, 300000);
        EXPECT_TRUE(got && *got == slice(fs.backing("big"), 0, 300000));
    }
    std::filesystem::remove_all(tmpl);
    std::string text = log.text();
    EXPECT_EQ(count_lines(text, {"not using io_uring (", "enable_uring is N); using splice"}), 1u) << text;
    EXPECT_EQ(count_lines(text, {"io_uring"}), 1u) << text;
}

TEST_F(TransportChoiceTest, UringRequestedButOffStaysOnDevFuse) {
    if (auto why = mount_unavailable(); !why.empty()) GTEST_SKIP() << why;
    UringSetting off(false);
    if (!off.unavailable().empty()) GTEST_SKIP() << off.unavailable();
    StderrCapture log;
    SessionOptions options;
    options.transport = TransportKind::Uring;
    char tmpl[] = "/tmp/fusex-backing-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    {
        DataFs fs(tmpl);
        TransportMount m(fs, options);
        ASSERT_TRUE(m.ok());
        EXPECT_EQ(m.negotiated() & (cap::kOverIoUring | kSpliceCaps), 0u);
        auto got = read_range(m.path("mem"), 0, DataFs::kMemSize);
        EXPECT_TRUE(got && *got == fs.backing("mem"));
    }
    std::filesystem::remove_all(tmpl);
    EXPECT_EQ(count_lines(log.text(), {"transport uring: not using io_uring"}), 1u) << log.text();
}

TEST_F(TransportChoiceTest, SingleThreadedSessionsDoNotUseUring) {
    SessionOptions options;
    options.single_thread = true;
    uint64_t caps = mount_and_read(TransportKind::Uring, options);
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    EXPECT_EQ(caps & cap::kOverIoUring, 0u);
}

TEST_F(TransportChoiceTest, SingleThreadedSpliceServes) {
    SessionOptions options;
    options.single_thread = true;
    uint64_t caps = mount_and_read(TransportKind::Splice, options);
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    EXPECT_EQ(caps & kSpliceCaps, kSpliceCaps);
}

}  // namespace
}  // namespace fusex::test
