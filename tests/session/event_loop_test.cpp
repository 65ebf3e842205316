// Driving a session from the caller's own event loop: epoll on Session::fd()
// plus process_available(), and O_ASYNC on the device fd, which makes the
// kernel (fuse_dev_fasync) send SIGIO whenever it queues a request.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flat_fs.hpp"
#include "mounted_session.hpp"
#include "slow_fs.hpp"

namespace fusex::test {
namespace {

SessionOptions loop_options() {
    SessionOptions so;
    so.single_thread = true;
    return so;
}

TEST(EventLoop, EpollAndProcessAvailableServeAClient) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    fs.add("file", "served from epoll");
    MountedSession m(fs, loop_options(), /*background=*/false);
    ASSERT_TRUE(m.ok());
    Session& s = m.session();

    int ep = epoll_create1(EPOLL_CLOEXEC);
    ASSERT_GE(ep, 0);
    ScopeExit close_ep([ep] { ::close(ep); });
    epoll_event ev{};
    ev.events = EPOLLIN;
    ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, s.fd(), &ev), 0);

    Task<std::string> client(m, [p = m.path("file")] { return read_file(p); });
    int wakeups = 0, handled = 0;
    auto end = std::chrono::steady_clock::now() + 5s;
    while (!client.wait(0ms) && std::chrono::steady_clock::now() < end) {
        epoll_event got{};
        int n = epoll_wait(ep, &got, 1, 100);
        if (n <= 0) continue;
        ++wakeups;
        int rc = s.process_available();
        ASSERT_GE(rc, 0) << strerror(-rc);
        handled += rc;
    }
    auto r = client.wait(0ms);
    ASSERT_TRUE(r) << "the client did not finish";
    EXPECT_EQ(*r, "served from epoll");
    EXPECT_GE(wakeups, 1);
    EXPECT_GE(handled, 4) << "INIT, LOOKUP, OPEN, READ at least";

    // Nothing queued (once the RELEASE of the client's close is served):
    // returns 0 at once instead of blocking.
    EXPECT_TRUE(wait_until([&] { return s.process_available() == 0; }));
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(s.process_available(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);

    // Unmounted (nothing open): the device reports ENODEV.
    s.unmount();
    int rc = 0;
    EXPECT_TRUE(wait_until([&] { return (rc = s.process_available()) < 0; })) << "still " << rc;
    EXPECT_EQ(rc, -ENODEV);
}

// Leaves SIGIO blocked for the test (and the threads it starts) and, at the
// end, switches O_ASYNC off and swallows what is pending before unblocking:
// SIGIO's default action would kill the test binary.
class SigioScope {
  public:
    SigioScope() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGIO);
        pthread_sigmask(SIG_BLOCK, &set_, &old_);
    }
    ~SigioScope() {
        if (fd_ >= 0) ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_ASYNC);
        drain();
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    void watch(int fd) { fd_ = fd; }
    // Waits for one SIGIO; its siginfo, or nullopt after timeout.
    std::optional<siginfo_t> wait(std::chrono::milliseconds timeout) {
        timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>(timeout.count() % 1000) * 1000000};
        siginfo_t info{};
        if (sigtimedwait(&set_, &info, &ts) < 0) return std::nullopt;
        return info;
    }
    int drain() {
        int n = 0;
        while (wait(0ms)) ++n;
        return n;
    }

  private:
    sigset_t set_{}, old_{};
    int fd_ = -1;
};

TEST(EventLoop, OAsyncDeliversSigioWhenARequestIsQueued) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    SigioScope sigio;  // before any thread exists, so all inherit the mask
    FlatFs fs;
    fs.add("file", "woken by SIGIO");
    MountedSession m(fs, loop_options(), /*background=*/false);
    ASSERT_TRUE(m.ok());
    Session& s = m.session();
    const int fd = s.fd();

    sigio.watch(fd);
    ASSERT_EQ(::fcntl(fd, F_SETOWN, getpid()), 0);
    ASSERT_EQ(::fcntl(fd, F_SETSIG, SIGIO), 0);  // siginfo then names the fd
    ASSERT_EQ(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_ASYNC | O_NONBLOCK), 0);
    ASSERT_GE(s.process_available(), 1);  // INIT, queued before O_ASYNC was on
    sigio.drain();
    EXPECT_FALSE(sigio.wait(100ms)) << "SIGIO without a request";

    Task<std::string> client(m, [p = m.path("file")] { return read_file(p); });
    int signals = 0;
    auto end = std::chrono::steady_clock::now() + 5s;
    while (!client.wait(0ms) && std::chrono::steady_clock::now() < end) {
        auto info = sigio.wait(200ms);
        if (!info) continue;
        ++signals;
        EXPECT_EQ(info->si_fd, fd);
        EXPECT_EQ(info->si_code, POLL_IN);
        int rc = s.process_available();
        ASSERT_GE(rc, 0) << strerror(-rc);
    }
    auto r = client.wait(0ms);
    ASSERT_TRUE(r) << "the client did not finish";
    EXPECT_EQ(*r, "woken by SIGIO");
    EXPECT_GE(signals, 1);
}

// A parked reply answered later from another thread while the loop keeps
// serving: process_available() must not wait for it.
TEST(EventLoop, ParkedReplyDoesNotBlockTheLoop) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    SlowFs fs;
    fs.mode = SlowFs::OnInterrupt::Ignore;
    fs.slow = fs.add("slow", "x");
    fs.add("fast", "quick");
    fs.direct_io = true;
    MountedSession m(fs, loop_options(), /*background=*/false);
    ASSERT_TRUE(m.ok());
    ScopeExit drain([&] { fs.drain(); });
    Session& s = m.session();

    auto serve_until = [&](const std::function<bool()>& done) {
        auto end = std::chrono::steady_clock::now() + 5s;
        while (!done() && std::chrono::steady_clock::now() < end) {
            if (s.process_available() < 0) return false;
            std::this_thread::sleep_for(1ms);
        }
        return done();
    };
    Task<std::string> slow_client(m, [p = m.path("slow")] { return read_once(p); });
    ASSERT_TRUE(serve_until([&] { return fs.parked_count() == 1; }));
    Task<std::string> fast_client(m, [p = m.path("fast")] { return read_file(p); });
    ASSERT_TRUE(serve_until([&] { return fast_client.wait(0ms).has_value(); }));
    EXPECT_EQ(fast_client.wait(0ms), "quick");
    EXPECT_FALSE(slow_client.wait(0ms));

    std::thread([p = fs.parked(0)] { p->answer_data("later"); }).join();
    ASSERT_TRUE(serve_until([&] { return slow_client.wait(0ms).has_value(); }));
    EXPECT_EQ(slow_client.wait(0ms), "later");
}

}  // namespace
}  // namespace fusex::test
