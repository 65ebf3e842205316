// Real mounts for the transport tests: a fusex::Session serving an in-test
// filesystem on a fresh temp dir from a background thread, torn down on
// every path (lazy unmount, stop, join; the fusectl abort file if the
// session will not end), plus the enable_uring switch the uring cases need.
#pragma once

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "fusex/session.hpp"

namespace fusex::test {

// Why real mounts cannot be tested here, or "".
std::string mount_unavailable();

class TransportMount {
  public:
    TransportMount(Filesystem& fs, SessionOptions options);
    ~TransportMount();
    TransportMount(const TransportMount&) = delete;
    TransportMount& operator=(const TransportMount&) = delete;

    ::testing::AssertionResult ok() const { return status_; }
    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    Session& session() { return *session_; }
    // The cap:: bits INIT put in force (waits for INIT, via a stat of the root).
    uint64_t negotiated();
    void teardown();

  private:
    void abort_connection();
    std::string dir_;
    std::unique_ptr<Session> session_;
    std::thread runner_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool finished_ = false;
    unsigned long dev_ = 0;
    ::testing::AssertionResult status_ = ::testing::AssertionFailure() << "not mounted";
};

// Holds /sys/module/fuse/parameters/enable_uring at a value for the life of
// the object (restoring it after), under a file lock so that parallel test
// processes that depend on it do not flip it under each other.
class UringSetting {
  public:
    explicit UringSetting(bool enabled);
    ~UringSetting();
    // "" when in force, else why not (not root, no such parameter).
    const std::string& unavailable() const { return why_; }

  private:
    int lock_fd_ = -1;
    std::string previous_;
    std::string why_;
};

// Collects what the process writes to stderr (fusex's log) meanwhile.
class StderrCapture {
  public:
    StderrCapture();
    ~StderrCapture();
    std::string text() const;

  private:
    int saved_ = -1;
    int file_ = -1;
};

}  // namespace fusex::test
