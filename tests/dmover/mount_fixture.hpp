// A fusex-dmover mounted on a fresh directory for the length of one test.
// Always cleaned up: lazy unmount, SIGTERM then SIGKILL to the daemon, and
// the connection's abort file if the kernel still holds it. A watchdog
// aborts the connection when a test overruns, so a hang becomes a failure.
#pragma once

#include <string>
#include <thread>

namespace dmover_test {

class DmoverMount {
  public:
    explicit DmoverMount(int watchdog_seconds = 60, const std::string& extra_options = "");
    ~DmoverMount();
    DmoverMount(const DmoverMount&) = delete;
    DmoverMount& operator=(const DmoverMount&) = delete;

    // Empty when mounted, else why not (the test then skips).
    const std::string& skip_reason() const { return skip_reason_; }
    std::string device() const { return dir_ + "/dmover"; }
    const std::string& dir() const { return dir_; }
    int daemon_pid() const { return pid_; }
    bool daemon_alive() const;

  private:
    void abort_connection() const;
    std::string dir_;
    std::string skip_reason_;
    int pid_ = -1;
    unsigned connection_ = 0;  // /sys/fs/fuse/connections/N
    std::thread watchdog_;
    int stop_pipe_[2] = {-1, -1};
};

// The fuse connection number (device minor) of the dmover mount at dir, 0 if none.
unsigned connection_of(const std::string& dir);

// Runs a shell command line; returns its exit status and fills *output with
// what it printed (stdout and stderr).
int run_command(const std::string& command, std::string* output);

}  // namespace dmover_test

#define DMOVER_REQUIRE_MOUNT(m)                                        \
    do {                                                               \
        if (!(m).skip_reason().empty()) GTEST_SKIP() << (m).skip_reason(); \
    } while (0)
