// The notification and interrupt paths under each transport the session can
// serve with: notifications always leave through the session's main fd, but
// the requests they act on (and the NOTIFY_REPLY of a retrieve, and the
// INTERRUPTs) arrive through whichever transport serves the mount.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>
#include <span>

#include "mounted_session.hpp"
#include "slow_fs.hpp"

namespace fusex::test {
namespace {

const char* kind_name(TransportKind k) {
    switch (k) {
        case TransportKind::Readv: return "Readv";
        case TransportKind::Splice: return "Splice";
        case TransportKind::Uring: return "Uring";
        default: return "Auto";
    }
}

class PollSlowFs : public SlowFs {
  public:
    void poll(const PollRequest& req, ReplyPoll reply) override {
        if (req.schedule_notify) kh = req.kh;
        std::move(reply).events(ready ? (req.events & POLLIN) : 0);
    }
    std::atomic<uint64_t> kh{0};
    std::atomic<bool> ready{false};
};

class PerTransport : public ::testing::TestWithParam<TransportKind> {
  protected:
    void SetUp() override {
        FUSEX_SESSION_SKIP_WITHOUT_FUSE();
        struct sigaction sa {};
        sa.sa_handler = [](int) {};
        sigaction(SIGUSR1, &sa, nullptr);  // no SA_RESTART
        fs.slow = fs.add("slow", "x");
        cached = fs.add("cached", "first");
        so.transport = GetParam();
    }
    // A read of "slow" that the filesystem parks, interrupted by a signal
    // once parked: returns the errno the reader got (EINTR expected), -1 if
    // the read was never parked.
    int interrupted_read(MountedSession& m) {
        Task<int> reader(m, [p = m.path("slow")] {
            int err = 0;
            read_once(p, 64, &err);
            return err;
        });
        if (!wait_until([&] { return fs.parked_count() == 1; })) return -1;
        pthread_kill(reader.native_handle(), SIGUSR1);
        return reader.wait(5s).value_or(-2);  // -2: still blocked after 5 s
    }

    PollSlowFs fs;
    NodeId cached = 0;
    SessionOptions so;
};

TEST_P(PerTransport, CacheNotificationsAndRetrieve) {
    MountedSession m(fs, so);
    ASSERT_TRUE(m.ok());
    ScopeExit drain([&] { fs.drain(); });
    Notifier& n = m.session().notifier();
    auto read = [&] {
        Task<std::string> t(m, [p = m.path("cached")] { return read_file(p); });
        return t.wait(5s);
    };
    ASSERT_EQ(read(), "first");
    fs.set_content(cached, "other");
    EXPECT_EQ(read(), "first");
    ASSERT_EQ(n.inval_inode(cached, 0, 0), 0);
    EXPECT_EQ(read(), "other");

    const std::string pushed = "STORE";
    ASSERT_EQ(n.store(cached, 0, std::as_bytes(std::span(pushed.data(), pushed.size()))), 0);
    int reads = fs.reads(cached);
    EXPECT_EQ(read(), "STORE");
    EXPECT_EQ(fs.reads(cached), reads);

    auto got = std::make_shared<std::promise<std::string>>();
    auto fut = got->get_future();
    ASSERT_EQ(n.retrieve(cached, 0, 4096,
                         [got](uint64_t, std::span<const std::byte> d) {
                             got->set_value(std::string(reinterpret_cast<const char*>(d.data()), d.size()));
                         }),
              0);
    ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(fut.get(), "STORE");
}

TEST_P(PerTransport, InterruptAndPollWakeup) {
    fs.direct_io = true;
    MountedSession m(fs, so);
    ASSERT_TRUE(m.ok());
    ScopeExit drain([&] { fs.drain(); });
    EXPECT_EQ(interrupted_read(m), EINTR);

    Task<int> poller(m, [p = m.path("cached")] {
        int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
        pollfd pfd{fd, POLLIN, 0};
        int rc = ::poll(&pfd, 1, 20000);
        ::close(fd);
        return rc == 1 && (pfd.revents & POLLIN) ? 0 : -1;
    });
    ASSERT_TRUE(wait_until([&] { return fs.kh != 0; }));
    fs.ready = true;
    ASSERT_EQ(m.session().notifier().poll_wakeup(fs.kh), 0);
    EXPECT_EQ(poller.wait(5s), 0);
}

// The handler blocks its worker: the INTERRUPT must come in on another one
// (a new readv worker of the pool, or /dev/fuse beside the io_uring queues).
// A single-threaded session cannot do this (nobody would read the
// INTERRUPT): there a slow handler parks its reply instead.
TEST_P(PerTransport, HandlerBlockingItsWorkerSeesTheInterrupt) {
    fs.direct_io = true;
    fs.mode = SlowFs::OnInterrupt::Block;
    MountedSession m(fs, so);
    ASSERT_TRUE(m.ok());
    ScopeExit drain([&] { fs.drain(); });
    ASSERT_EQ(interrupted_read(m), EINTR);
    EXPECT_TRUE(fs.parked(0)->interrupt_seen);
}

TEST_P(PerTransport, ResendRedeliversAParkedRead) {
    fs.direct_io = true;
    fs.mode = SlowFs::OnInterrupt::Ignore;
    MountedSession m(fs, so);
    ASSERT_TRUE(m.ok());
    ScopeExit drain([&] { fs.drain(); });

    Task<std::string> reader(m, [p = m.path("slow")] { return read_once(p); });
    ASSERT_TRUE(wait_until([&] { return fs.parked_count() == 1; }));
    ASSERT_EQ(m.session().notifier().resend(), 0);
    if (!wait_until([&] { return fs.parked_count() == 2; }, 2s)) {
        auto init = m.session().state().init();
        if (init && (init->flags & cap::kOverIoUring))
            GTEST_SKIP() << "the kernel resends only requests read from /dev/fuse, not those queued over io_uring";
        FAIL() << "the parked READ was not resent";
    }
    ASSERT_TRUE(fs.parked(1)->answer_data("resent"));
    EXPECT_EQ(reader.wait(5s), "resent");
}

// A handler may answer after the session has ended (the connection was
// aborted and run() returned): the reply must fail quietly, not touch the
// transports run() tore down.
TEST_P(PerTransport, ReplyAfterTheSessionEndedIsHarmless) {
    fs.direct_io = true;
    fs.mode = SlowFs::OnInterrupt::Ignore;
    MountedSession m(fs, so);
    ASSERT_TRUE(m.ok());
    ScopeExit drain([&] { fs.drain(); });
    {
        Task<std::string> reader(m, [p = m.path("slow")] { return read_once(p); });
        ASSERT_TRUE(wait_until([&] { return fs.parked_count() == 1; }));
        m.abort_connection();
        EXPECT_TRUE(reader.wait(5s)) << "abort must release the reader";
    }
    ASSERT_TRUE(m.wait_served(5s)) << "run() must end once the connection is aborted";
    EXPECT_TRUE(fs.parked(0)->answer_data("too late"));
    EXPECT_TRUE(fs.parked(0)->answered());
}

INSTANTIATE_TEST_SUITE_P(Session, PerTransport,
                         ::testing::Values(TransportKind::Readv, TransportKind::Splice, TransportKind::Uring),
                         [](const auto& info) { return std::string(kind_name(info.param)); });

}  // namespace
}  // namespace fusex::test
