// A session: one mounted filesystem and the threads that serve it.
//
//   MyFs fs;
//   fusex::Session s(fs);
//   if (int e = s.mount("/mnt/x", {}); e < 0) ...
//   s.run();      // until unmounted or stop()
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "fusex/filesystem.hpp"
#include "fusex/notifier.hpp"
#include "fusex/options.hpp"
#include "fusex/session_state.hpp"

namespace fusex {

namespace detail {
class SessionCore;
}

class Session {
  public:
    explicit Session(Filesystem& fs, SessionOptions options = {});
    ~Session();  // unmounts if still mounted
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Mount at mountpoint. Returns 0, or -errno with *error set to one line.
    int mount(const std::string& mountpoint, const MountOptions& options, std::string* error = nullptr);
    // Serve an already open /dev/fuse connection (tests, hand-over).
    void attach(int fd, std::string mountpoint = {});

    // Serve until the filesystem is unmounted, DESTROY arrives or stop() is
    // called. Uses the calling thread (single_thread) or a worker pool.
    // Returns 0 on a clean end, else a negative errno.
    int run();
    // Ask run() to return. Async-signal-safe.
    void stop() noexcept;
    bool stopping() const noexcept;
    // Lazy unmount (umount2 MNT_DETACH, or fusermount3 -u -z when not root).
    void unmount();

    // For an event loop of the caller's own: the device fd (watch it with
    // epoll, or set O_ASYNC for SIGIO) and a call that handles every request
    // already queued, then returns how many it handled (0 if none), or a
    // negative errno (-ENODEV once unmounted). process_available() sets
    // O_NONBLOCK on the fd the first time; do not mix it with run().
    int fd() const noexcept;
    int process_available();

    // Kernel passthrough (cap::kPassthrough): register an open file as a
    // backing file; put the returned id (> 0) in OpenResult::backing_id and the
    // kernel does reads and writes on it directly. Negative errno on failure.
    int open_backing(int fd);
    int close_backing(int backing_id);

    Notifier& notifier() noexcept { return notifier_; }
    const SessionState& state() const noexcept;
    const std::string& mountpoint() const noexcept;
    const SessionOptions& options() const noexcept;

    detail::SessionCore& core() noexcept { return *core_; }

  private:
    std::unique_ptr<detail::SessionCore> core_;
    Notifier notifier_;
};

}  // namespace fusex
