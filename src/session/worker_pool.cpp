// Serving loops: the single-threaded loop, the worker pool with one cloned
// /dev/fuse fd per worker, stop/wake-up, and process_available() for callers
// with an event loop of their own.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "fusex/log.hpp"
#include "session/session_core.hpp"

namespace fusex::detail {

void set_thread_transport(transport::Transport* t) noexcept;

namespace {

// A signal whose only job is to make a blocked read() return EINTR so a
// worker sees that the session stops. Installed once, without SA_RESTART.
int wake_signal() {
    static const int sig = [] {
        int s = SIGRTMIN + 2;
        struct sigaction sa {};
        sa.sa_handler = [](int) {};
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;
        sigaction(s, &sa, nullptr);
        return s;
    }();
    return sig;
}

}  // namespace

int SessionCore::clone_device_fd() {
    int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    uint32_t master = static_cast<uint32_t>(fd_);
    if (::ioctl(fd, abi::FUSE_DEV_IOC_CLONE, &master) < 0) {
        int e = errno;
        ::close(fd);
        return -e;
    }
    return fd;
}

void SessionCore::serve_loop(transport::Transport& t, std::vector<std::byte>& buf, bool is_worker) {
    set_thread_transport(&t);
    while (!stopping()) {
        if (is_worker) idle_.fetch_add(1, std::memory_order_relaxed);
        ssize_t n = t.receive(buf);
        if (is_worker && idle_.fetch_sub(1, std::memory_order_relaxed) == 1 && n > 0) maybe_grow_pool();
        if (n > 0) {
            handle(std::span<const std::byte>(buf.data(), static_cast<size_t>(n)));
            continue;
        }
        if (n == -EINTR || n == -EAGAIN || n == -ENOENT) continue;
        if (n == -ENODEV || n == -ECONNABORTED || n == 0) {
            // The filesystem was unmounted or the connection aborted.
            stopping_.store(true, std::memory_order_release);
            break;
        }
        log(LogLevel::Error, "reading /dev/fuse failed: %s", strerror(static_cast<int>(-n)));
        std::lock_guard lock(pool_mu_);
        if (!end_error_) end_error_ = static_cast<int>(n);
        stopping_.store(true, std::memory_order_release);
        break;
    }
    set_thread_transport(nullptr);
}

void SessionCore::worker_main(Worker* w) {
    if (w->ring_queue)
        ring_loop(*w->transport);
    else
        serve_loop(*w->transport, w->buffer, true);
    w->running.store(false, std::memory_order_release);
    {
        std::lock_guard lock(pool_mu_);
        live_workers_.fetch_sub(1);
    }
    pool_cv_.notify_all();
}

void SessionCore::spawn_worker() {
    auto w = std::make_unique<Worker>();
    w->fd = fd_;
    if (options_.clone_fd && !workers_.empty()) {
        int cloned = clone_device_fd();
        if (cloned >= 0) {
            w->fd = cloned;
            w->owns_fd = true;
        } else {
            log(LogLevel::Warning, "FUSE_DEV_IOC_CLONE failed (%s); workers share one fd", strerror(-cloned));
            options_.clone_fd = false;
        }
    }
    w->transport = make_transport(w->fd);
    w->buffer.resize(request_buffer_size());
    live_workers_.fetch_add(1);
    Worker* raw = w.get();
    w->thread = std::thread([this, raw] { worker_main(raw); });
    raw->handle = raw->thread.native_handle();
    workers_.push_back(std::move(w));
}

void SessionCore::maybe_grow_pool() {
    if (!initialized() || stopping()) return;
    std::lock_guard lock(pool_mu_);
    if (workers_.size() >= options_.max_threads || idle_.load() > 0) return;
    spawn_worker();
}

void SessionCore::wake_workers() {
    int sig = wake_signal();
    std::lock_guard lock(pool_mu_);
    for (auto& w : workers_)
        if (w->running.load(std::memory_order_acquire)) pthread_kill(w->handle, sig);
}

// The kernel sends DESTROY only for fuseblk mounts; everyone else learns that
// the filesystem is done when the loop ends.
void SessionCore::finish() {
    if (initialized() && !destroyed_.exchange(true)) fs_.destroy();
}

int SessionCore::run() {
    if (fd_ < 0) return -EBADF;
    wake_signal();
    if (options_.single_thread || options_.max_threads <= 1) {
        serving_thread_.store(pthread_self());
        std::vector<std::byte> buf(request_buffer_size());
        serve_loop(*main_transport_, buf, false);
        serving_thread_.store(pthread_t{});
        finish();
        return end_error_;
    }
    {
        std::lock_guard lock(pool_mu_);
        spawn_worker();
    }
    std::unique_lock lock(pool_mu_);
    while (live_workers_.load() > 0) {
        pool_cv_.wait_for(lock, std::chrono::milliseconds(50));
        if (stopping() && live_workers_.load() > 0) {
            // Workers blocked in read() only notice through EINTR; keep
            // poking until all are out (a signal can land just before read).
            lock.unlock();
            wake_workers();
            lock.lock();
        }
    }
    std::vector<std::unique_ptr<Worker>> done;
    done.swap(workers_);
    lock.unlock();
    for (auto& w : done) w->thread.join();
    // Not destroyed: a handler may still answer a request one of them read
    // (the reply then fails on the dead connection instead of a freed object).
    lock.lock();
    for (auto& w : done) retired_.push_back(std::move(w));
    finish();
    return end_error_;
}

void SessionCore::stop() noexcept {
    stopping_.store(true, std::memory_order_release);
    // Async-signal-safe: pthread_kill and atomics only.
    pthread_t t = serving_thread_.load();
    if (!pthread_equal(t, pthread_t{}) && !pthread_equal(t, pthread_self())) pthread_kill(t, wake_signal());
}

int SessionCore::process_available() {
    if (fd_ < 0) return -EBADF;
    if (poll_buffer_.empty()) {
        int flags = ::fcntl(fd_, F_GETFL);
        if (flags >= 0 && !(flags & O_NONBLOCK)) ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
        poll_buffer_.resize(request_buffer_size());
    }
    int handled = 0;
    for (;;) {
        ssize_t n = main_transport_->receive(poll_buffer_);
        if (n > 0) {
            handle(std::span<const std::byte>(poll_buffer_.data(), static_cast<size_t>(n)));
            ++handled;
            continue;
        }
        if (n == -EAGAIN) return handled;
        if (n == -EINTR || n == -ENOENT) continue;
        if (n == 0 || n == -ECONNABORTED) return -ENODEV;
        return static_cast<int>(n);
    }
}

}  // namespace fusex::detail
