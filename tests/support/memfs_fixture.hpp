// Fixture for tests against a mounted fusex-memfs, with a plain directory on
// the native filesystem beside it so that expected results come from the
// kernel's own filesystems rather than from hard-coded guesses.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/mounted_fs.hpp"
#include "support/sys_result.hpp"

namespace fusex::test {

class MemfsTest : public ::testing::Test {
  protected:
    // Extra command-line arguments for the daemon (e.g. {"-o", "allow_other"}).
    virtual std::vector<std::string> daemon_args() const { return {}; }

    void SetUp() override {
        FUSEX_SKIP_WITHOUT_FUSE();
        fs_ = std::make_unique<MountedFs>(example_binary("fusex-memfs"), daemon_args());
        ASSERT_TRUE(fs_->mounted());
        native_ = std::make_unique<TempDir>("native");
        ASSERT_FALSE(native_->path().empty());
    }
    void TearDown() override {
        fs_.reset();
        native_.reset();
    }

    std::string m(const std::string& rel = "") const { return rel.empty() ? fs_->dir() : *fs_ / rel; }
    std::string n(const std::string& rel = "") const { return rel.empty() ? native_->path() : *native_ / rel; }

    std::unique_ptr<MountedFs> fs_;
    std::unique_ptr<TempDir> native_;
};

// The same tests under each caching mode of memfs: the kernel's page cache
// with write-through (default) and with writeback caching, where sizes,
// mtimes and dirty pages are the kernel's business until flushed.
class MemfsModesTest : public MemfsTest, public ::testing::WithParamInterface<const char*> {
  protected:
    std::vector<std::string> daemon_args() const override {
        if (std::string(GetParam()).empty()) return {};
        return {"-o", GetParam()};
    }
};

inline std::string memfs_mode_name(const ::testing::TestParamInfo<const char*>& info) {
    std::string s = info.param;
    return s.empty() ? "default" : s;
}

#define FUSEX_INSTANTIATE_MEMFS_MODES(fixture) \
    INSTANTIATE_TEST_SUITE_P(Modes, fixture, ::testing::Values("", "writeback"), ::fusex::test::memfs_mode_name)

}  // namespace fusex::test

// Evaluates expr twice with `root` bound to the memfs mount and to the native
// directory, and expects the same success or errno from both.
#define EXPECT_SAME_OUTCOME(expr)                                                        \
    do {                                                                                 \
        auto fusex_run = [&]([[maybe_unused]] const std::string& root) { return SYS(expr); }; \
        auto fusex_mem = fusex_run(m());                                                  \
        auto fusex_nat = fusex_run(n());                                                  \
        EXPECT_EQ(fusex_mem.status(), fusex_nat.status())                                \
            << "memfs vs native for: " #expr;                                            \
    } while (0)
