// RAII guard around an example filesystem mounted through the kernel for one
// test: starts the daemon in the foreground on a fresh /tmp mountpoint, waits
// for the mount, and on destruction (also after a failed assertion or an
// exception) unmounts, stops the daemon and removes the directory. Whatever
// goes wrong, it never leaves a mount behind and never blocks for long. When
// the test has failed, teardown prints the daemon's stderr.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/process.hpp"

namespace fusex::test {

// Why FUSE mounts cannot be tested here (not root, no /dev/fuse), or "".
std::string fuse_unavailable();

#define FUSEX_SKIP_WITHOUT_FUSE()                                                  \
    do {                                                                           \
        if (auto fusex_skip_reason = ::fusex::test::fuse_unavailable();            \
            !fusex_skip_reason.empty())                                            \
            GTEST_SKIP() << fusex_skip_reason;                                     \
    } while (0)

// Full path of an example program in the build tree.
std::string example_binary(std::string_view name);

// A fresh empty directory under /tmp, removed (recursively) on destruction.
class TempDir {
  public:
    explicit TempDir(std::string_view tag = "dir");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const noexcept { return path_; }
    std::string operator/(std::string_view rel) const { return path_ + "/" + std::string(rel); }

  private:
    std::string path_;
};

class MountedFs {
  public:
    // program: a path (see example_binary); args go between "-f" and the
    // mountpoint.
    MountedFs(std::string program, std::vector<std::string> args = {},
              std::chrono::milliseconds mount_timeout = std::chrono::seconds(10));
    ~MountedFs();
    MountedFs(const MountedFs&) = delete;
    MountedFs& operator=(const MountedFs&) = delete;

    // Success once mounted; otherwise the reason with the daemon's stderr.
    ::testing::AssertionResult mounted() const { return status_; }
    const std::string& dir() const noexcept { return dir_; }
    std::string operator/(std::string_view rel) const { return dir_ + "/" + std::string(rel); }
    Child& daemon() { return *daemon_; }
    std::string daemon_log() const { return daemon_ ? daemon_->err() : std::string(); }
    // Device minor of the FUSE mount (its fusectl connection number).
    unsigned minor() const noexcept { return minor_; }
    // Whether a FUSE mount is still on dir().
    bool is_mounted() const;

    // Unmount (aborting the connection first if the mount is busy), stop the
    // daemon and remove the directory. Idempotent; the destructor calls it.
    void teardown();

  private:
    void wait_for_mount(std::chrono::milliseconds timeout);

    std::string dir_;
    std::unique_ptr<Child> daemon_;
    ::testing::AssertionResult status_ = ::testing::AssertionFailure() << "not started";
    unsigned minor_ = 0;
    bool torn_down_ = false;
};

}  // namespace fusex::test
