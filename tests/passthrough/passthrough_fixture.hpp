// Fixture: fusex-passthrough serving a fresh temporary source directory on a
// fresh mountpoint (the shared RAII guard unmounts, stops the daemon and
// aborts the connection if need be, whatever happens in the test).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "support/file_util.hpp"
#include "support/mounted_fs.hpp"
#include "support/sys_result.hpp"

namespace fusex::test {

class PassthroughTest : public ::testing::Test {
  protected:
    // Options for the daemon, before SOURCE (e.g. {"-o", "passthrough"}).
    virtual std::vector<std::string> daemon_options() const { return {}; }
    // Where SOURCE sits inside the temporary directory ("" for itself).
    virtual std::string source_subdir() const { return ""; }

    void SetUp() override {
        FUSEX_SKIP_WITHOUT_FUSE();
        source_ = std::make_unique<TempDir>("ptsrc");
        ASSERT_FALSE(source_->path().empty());
        source_path_ = source_->path();
        if (!source_subdir().empty()) {
            source_path_ += "/" + source_subdir();
            ASSERT_EQ(std::system(("mkdir -p '" + source_path_ + "'").c_str()), 0);
        }
        auto args = daemon_options();
        args.push_back(source_path_);
        fs_ = std::make_unique<MountedFs>(example_binary("fusex-passthrough"), args);
        ASSERT_TRUE(fs_->mounted());
    }
    void TearDown() override {
        fs_.reset();  // unmount before the source goes away
        source_.reset();
    }

    // A path on the mount and the same path in the source directory.
    std::string m(const std::string& rel = "") const { return rel.empty() ? fs_->dir() : *fs_ / rel; }
    std::string s(const std::string& rel = "") const { return rel.empty() ? source_path_ : source_path_ + "/" + rel; }

    std::unique_ptr<TempDir> source_;
    std::string source_path_;
    std::unique_ptr<MountedFs> fs_;
};

}  // namespace fusex::test
