// Differential test: the same seeded random operations run step by step on a
// memfs mount and on a fresh tmpfs, the kernel's own in-memory filesystem.
// Every step's return value and errno must agree, and at the end the two
// trees must be identical. On failure the seed, the step and the recent
// operations are printed; FUSEX_DIFF_SEED=<n> reruns one seed and
// FUSEX_DIFF_OPS=<n> changes the number of operations.
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <ostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "diff/ops.hpp"
#include "diff/tree_compare.hpp"
#include "support/mounted_fs.hpp"
#include "support/mountinfo.hpp"

namespace fusex::test::diff {
namespace {

using namespace std::chrono_literals;

// A private tmpfs: the native reference. Unmounted even when the test fails.
class Tmpfs {
  public:
    Tmpfs() : dir_("tmpfs") {
        if (dir_.path().empty()) return;
        // A generous size limit: large sparse offsets cost no memory.
        if (mount("fusex-diff", dir_.path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=8g") == 0)
            mounted_ = true;
        else
            error_ = std::string("mounting tmpfs: ") + strerror(errno);
    }
    ~Tmpfs() {
        if (mounted_) umount2(dir_.path().c_str(), MNT_DETACH);
    }
    bool ok() const { return mounted_; }
    const std::string& error() const { return error_; }
    const std::string& path() const { return dir_.path(); }

  private:
    TempDir dir_;
    bool mounted_ = false;
    std::string error_;
};

unsigned long env_or(const char* name, unsigned long fallback) {
    const char* v = getenv(name);
    return v && *v ? strtoul(v, nullptr, 10) : fallback;
}

// A seed and the daemon's options: the same operations must give the same
// results whatever the caching mode, threading or transport.
struct Variant {
    unsigned long seed;
    std::vector<std::string> args;
    const char* name;
    // For gtest's and ctest's test names.
    friend void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }
};

class DiffTest : public ::testing::TestWithParam<Variant> {
  protected:
    void SetUp() override {
        FUSEX_SKIP_WITHOUT_FUSE();
        fs_ = std::make_unique<MountedFs>(example_binary("fusex-memfs"), GetParam().args);
        ASSERT_TRUE(fs_->mounted());
        native_ = std::make_unique<Tmpfs>();
        ASSERT_TRUE(native_->ok()) << native_->error();
    }
    void TearDown() override {
        fs_.reset();
        native_.reset();
    }
    std::unique_ptr<MountedFs> fs_;
    std::unique_ptr<Tmpfs> native_;
};

TEST_P(DiffTest, RandomOperationsAgreeWithTmpfs) {
    const unsigned long seed = env_or("FUSEX_DIFF_SEED", GetParam().seed);
    const unsigned long count = env_or("FUSEX_DIFF_OPS", 3000);
    // Stay well inside ctest's per-test timeout even on a slow machine.
    const auto budget = 150s;
    const auto start = std::chrono::steady_clock::now();
    SCOPED_TRACE("seed " + std::to_string(seed) + " (rerun with FUSEX_DIFF_SEED=" + std::to_string(seed) + ")");

    std::mt19937_64 rng(seed);
    std::deque<std::string> recent;
    unsigned long done = 0, succeeded = 0;
    for (; done < count; ++done) {
        if (std::chrono::steady_clock::now() - start > budget) break;
        Op op = random_op(rng);
        Outcome a = execute(op, fs_->dir());
        Outcome b = execute(op, native_->path());
        recent.push_back("#" + std::to_string(done) + " " + describe(op) + " -> " + describe(b));
        if (recent.size() > 12) recent.pop_front();
        if (!(a == b)) {
            std::string history;
            for (const auto& r : recent) history += "  " + r + "\n";
            FAIL() << "seed " << seed << ", step " << done << ": " << describe(op) << "\n  memfs: " << describe(a)
                   << "\n  tmpfs: " << describe(b) << "\nrecent operations (tmpfs results):\n"
                   << history;
        }
        if (a.result.ok()) ++succeeded;
    }
    TreeStats stats = tree_stats(native_->path());
    std::cout << "seed " << seed << ": " << done << " operations, " << succeeded << " succeeded; final tree: "
              << stats.files << " files, " << stats.dirs << " dirs, " << stats.symlinks << " symlinks, "
              << stats.bytes << " bytes\n";
    // A run where nothing succeeds would prove nothing.
    EXPECT_GT(succeeded, done / 5) << "seed " << seed << ": too few operations succeeded";
    EXPECT_GT(stats.files + stats.dirs, 5u) << "seed " << seed << ": the final tree is nearly empty";
    EXPECT_GE(done, std::min<unsigned long>(count, 500)) << "seed " << seed << ": ran out of time";

    auto diffs = compare_trees(fs_->dir(), native_->path());
    std::string all;
    for (const auto& d : diffs) all += "  " + d + "\n";
    EXPECT_TRUE(diffs.empty()) << "seed " << seed << ": trees differ after " << done << " operations (memfs vs tmpfs):\n"
                               << all;
}

INSTANTIATE_TEST_SUITE_P(
    Seeds, DiffTest,
    ::testing::Values(Variant{1, {}, "seed1"}, Variant{2, {}, "seed2"}, Variant{3, {}, "seed3"},
                      Variant{20240611, {}, "seed20240611"}, Variant{987654321, {}, "seed987654321"},
                      Variant{4, {"-o", "writeback"}, "seed4_writeback"},
                      Variant{5, {"-o", "writeback,timeout=0"}, "seed5_writeback_notimeout"},
                      Variant{6, {"-s"}, "seed6_single_thread"},
                      Variant{7, {"-o", "transport=readv"}, "seed7_readv"},
                      Variant{8, {"-o", "transport=splice"}, "seed8_splice"},
                      Variant{9, {"-o", "transport=uring"}, "seed9_uring"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace fusex::test::diff
