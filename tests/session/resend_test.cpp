// FUSE_NOTIFY_RESEND (7.40+): the kernel puts every request the daemon has
// read but not answered back in its queue, with FUSE_UNIQUE_RESEND set in
// the unique. The session hands the new copy to the handler, tells the old
// copy's handler (interrupted()/on_interrupt) and drops the old copy's reply.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "mounted_session.hpp"
#include "raw_session.hpp"
#include "slow_fs.hpp"

namespace fusex::test {
namespace {

constexpr uint64_t kResend = abi::FUSE_UNIQUE_RESEND;

TEST(ResendRaw, NewCopyIsServedAndTheOldReplyDropped) {
    SlowFs fs;
    fs.mode = SlowFs::OnInterrupt::Ignore;
    fs.slow = fs.add("slow", "x");
    RawSession raw(fs);
    ScopeExit drain([&] { fs.drain(); });
    ASSERT_TRUE(raw.init());

    const uint64_t x = 500;
    raw.handle(read_request(x, fs.slow, 0, 100));
    raw.handle(read_request(x | kResend, fs.slow, 0, 100));
    ASSERT_EQ(fs.parked_count(), 2u);
    auto old_copy = fs.parked(0), new_copy = fs.parked(1);
    EXPECT_EQ(new_copy->unique, x | kResend);
    EXPECT_TRUE(old_copy->interrupt_seen) << "the old copy's handler is told";
    EXPECT_FALSE(new_copy->interrupt_seen);

    ASSERT_TRUE(old_copy->answer_data("stale"));
    EXPECT_FALSE(raw.next(50ms)) << "the old copy's reply must not reach the kernel";
    ASSERT_TRUE(new_copy->answer_data("fresh"));
    auto m = raw.next();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->header.unique, x | kResend);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(m->payload.data()), m->payload.size()), "fresh");
}

TEST(ResendRaw, InterruptOfTheResentUniqueReachesTheNewCopy) {
    SlowFs fs;
    fs.mode = SlowFs::OnInterrupt::Callback;
    fs.slow = fs.add("slow", "x");
    RawSession raw(fs);
    ScopeExit drain([&] { fs.drain(); });
    ASSERT_TRUE(raw.init());

    const uint64_t x = 600;
    raw.handle(read_request(x, fs.slow, 0, 100));
    ASSERT_EQ(fs.parked_count(), 1u);
    EXPECT_FALSE(raw.next(50ms));
    raw.handle(read_request(x | kResend, fs.slow, 0, 100));
    // The superseded copy answered EINTR from its callback: dropped.
    EXPECT_FALSE(raw.next(50ms));
    raw.handle(interrupt_request(x | kResend));
    auto m = raw.next();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->header.unique, x | kResend);
    EXPECT_EQ(m->header.error, -EINTR);
}

TEST(ResendMount, ParkedReadIsResentAndAnsweredThroughTheNewUnique) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    SlowFs fs;
    fs.mode = SlowFs::OnInterrupt::Ignore;
    fs.slow = fs.add("slow", "x");
    fs.direct_io = true;
    SessionOptions so;
    so.transport = TransportKind::Readv;
    MountedSession m(fs, so);
    ASSERT_TRUE(m.ok());
    ScopeExit drain([&] { fs.drain(); });

    struct Result {
        std::string data;
        int err;
    };
    Task<Result> client(m, [p = m.path("slow")] {
        Result r;
        r.data = read_once(p, 256, &r.err);
        return r;
    });
    ASSERT_TRUE(wait_until([&] { return fs.parked_count() == 1; }));
    auto first = fs.parked(0);
    EXPECT_EQ(first->unique & kResend, 0u);

    auto init = m.session().state().init();
    ASSERT_TRUE(init && init->minor >= 40) << "kernel without NOTIFY_RESEND";
    ASSERT_EQ(m.session().notifier().resend(), 0);
    ASSERT_TRUE(wait_until([&] { return fs.parked_count() == 2; })) << "the kernel did not resend the READ";
    auto second = fs.parked(1);
    EXPECT_EQ(second->unique, first->unique | kResend);
    EXPECT_EQ(second->offset, first->offset);
    EXPECT_TRUE(first->interrupt_seen);

    EXPECT_TRUE(first->answer_data("stale"));  // dropped by the session
    EXPECT_FALSE(client.wait(100ms)) << "the old unique must not complete the read";
    ASSERT_TRUE(second->answer_data("fresh"));
    auto r = client.wait(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->err, 0);
    EXPECT_EQ(r->data, "fresh");
}

}  // namespace
}  // namespace fusex::test
