// poll() on a FUSE file: the kernel asks the daemon (FUSE_POLL) and, when the
// caller will sleep, passes a handle to remember; Notifier::poll_wakeup(kh)
// later wakes the sleeper, who then polls again.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>

#include "flat_fs.hpp"
#include "mounted_session.hpp"

namespace fusex::test {
namespace {

// Readable once `ready` is set; remembers the handle of a sleeping poller.
class PollableFs : public FlatFs {
  public:
    void poll(const PollRequest& req, ReplyPoll reply) override {
        {
            std::lock_guard lock(mu_);
            ++polls_;
            if (req.schedule_notify) kh_ = req.kh;
        }
        std::move(reply).events(ready ? (req.events & POLLIN) : 0);
    }
    std::optional<uint64_t> kh() const {
        std::lock_guard lock(mu_);
        return kh_;
    }
    int polls() const {
        std::lock_guard lock(mu_);
        return polls_;
    }
    std::atomic<bool> ready{false};

  private:
    std::optional<uint64_t> kh_;
    int polls_ = 0;
};

struct PollResult {
    int rc = 0;
    short revents = 0;
    std::chrono::milliseconds took{};
};

PollResult poll_file(const std::string& path, short events, int timeout_ms) {
    PollResult r;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {-2, 0, {}};
    pollfd p{fd, events, 0};
    auto t0 = std::chrono::steady_clock::now();
    r.rc = ::poll(&p, 1, timeout_ms);
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    r.revents = p.revents;
    ::close(fd);
    return r;
}

TEST(NotifyPoll, SleepingPollerWakesOnPollWakeup) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    PollableFs fs;
    fs.add("events", "");
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());

    Task<PollResult> client(m, [p = m.path("events")] { return poll_file(p, POLLIN, 20000); });
    ASSERT_TRUE(wait_until([&] { return fs.kh().has_value(); })) << "no FUSE_POLL with schedule_notify";
    EXPECT_FALSE(client.wait(200ms)) << "poll() must sleep while nothing is ready";

    fs.ready = true;  // the state changes elsewhere...
    ASSERT_EQ(m.session().notifier().poll_wakeup(*fs.kh()), 0);  // ...and the sleeper is told
    auto r = client.wait(5s);
    ASSERT_TRUE(r) << "poll() did not wake";
    EXPECT_EQ(r->rc, 1);
    EXPECT_TRUE(r->revents & POLLIN);
    EXPECT_LT(r->took, 10s);
    EXPECT_GE(fs.polls(), 2) << "the woken poller asks again";
}

TEST(NotifyPoll, WakeupForAnUnknownHandleIsIgnored) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    PollableFs fs;
    fs.add("events", "");
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    Task<int> touch(m, [p = m.path("events")] { return ::access(p.c_str(), F_OK); });
    ASSERT_EQ(touch.wait(5s), 0);
    EXPECT_EQ(m.session().notifier().poll_wakeup(0xdeadbeef), 0);
}

// Without a poll handler the library answers ENOSYS; the kernel then stops
// asking and treats every file as always readable and writable, like a
// regular file on a local filesystem.
TEST(NotifyPoll, WithoutAHandlerFilesAreAlwaysReady) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    fs.add("plain", "x");
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    Task<PollResult> client(m, [p = m.path("plain")] { return poll_file(p, POLLIN | POLLOUT, 10000); });
    auto r = client.wait(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->rc, 1);
    EXPECT_EQ(r->revents & (POLLIN | POLLOUT), POLLIN | POLLOUT);
}

}  // namespace
}  // namespace fusex::test
