// An in-process fusex::Session mounted on a fresh temp dir for one test, and
// bounded helpers so that no step of a test can hang: a client call that
// blocks is run as a Task and abandoned through a connection abort.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "fusex/session.hpp"

namespace fusex::test {

using namespace std::chrono_literals;

// Why real mounts cannot be tested here (not root, no /dev/fuse), or "".
std::string fuse_unavailable();

#define FUSEX_SESSION_SKIP_WITHOUT_FUSE()                                            \
    do {                                                                             \
        if (auto fusex_why = ::fusex::test::fuse_unavailable(); !fusex_why.empty())  \
            GTEST_SKIP() << fusex_why;                                               \
    } while (0)

// Polls pred every millisecond until it holds or timeout passes.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s);

class MountedSession {
  public:
    // Mounts fs; with `background` run() serves it on a thread of its own,
    // otherwise the test drives it (process_available()).
    explicit MountedSession(Filesystem& fs, SessionOptions so = {}, bool background = true, MountOptions mo = {});
    ~MountedSession();
    MountedSession(const MountedSession&) = delete;
    MountedSession& operator=(const MountedSession&) = delete;

    ::testing::AssertionResult ok() const { return status_; }
    Session& session() { return *session_; }
    const std::string& dir() const noexcept { return dir_; }
    std::string path(std::string_view rel) const { return dir_ + "/" + std::string(rel); }

    // Releases every waiter of the connection through fusectl's abort file.
    void abort_connection();
    // Whether the background run() has returned, waiting up to timeout.
    bool wait_served(std::chrono::milliseconds timeout);
    // Unmount, stop and join the server, abort if it will not end, remove
    // the directory. Idempotent; the destructor calls it.
    void teardown();

  private:
    std::string dir_;
    std::unique_ptr<Session> session_;
    ::testing::AssertionResult status_ = ::testing::AssertionFailure() << "not mounted";
    unsigned long connection_ = 0;  // fusectl directory name (the sb's dev_t)
    std::thread runner_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool served_ = false;
    bool torn_down_ = false;
};

// A client call on its own thread. If it has not finished when the Task is
// destroyed, the connection is aborted (which fails the call) and joined.
template <class T>
class Task {
  public:
    Task(MountedSession& m, std::function<T()> fn) : m_(m), state_(std::make_shared<State>()) {
        thread_ = std::thread([s = state_, fn = std::move(fn)] {
            T v = fn();
            std::lock_guard lock(s->mu);
            s->value = std::move(v);
            s->cv.notify_all();
        });
    }
    ~Task() {
        if (!wait(0ms)) m_.abort_connection();
        thread_.join();
    }
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;

    std::optional<T> wait(std::chrono::milliseconds timeout) {
        std::unique_lock lock(state_->mu);
        state_->cv.wait_for(lock, timeout, [&] { return state_->value.has_value(); });
        return state_->value;
    }
    pthread_t native_handle() { return thread_.native_handle(); }

  private:
    struct State {
        std::mutex mu;
        std::condition_variable cv;
        std::optional<T> value;
    };
    MountedSession& m_;
    std::shared_ptr<State> state_;
    std::thread thread_;
};

// The whole file (up to max bytes); *err gets the errno of a failure.
std::string read_file(const std::string& path, size_t max = 1 << 16, int* err = nullptr);
// What a single read() at offset 0 returns (a slow file parks every read).
std::string read_once(const std::string& path, size_t max = 256, int* err = nullptr);

}  // namespace fusex::test
