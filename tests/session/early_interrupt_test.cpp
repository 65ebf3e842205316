// Interrupt bookkeeping driven byte by byte through SessionCore::handle():
// an INTERRUPT that arrives before its request (another worker read it
// first) must not be lost, and the kernel gets EAGAIN for a unique the
// session does not know yet, as the protocol asks.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "flat_fs.hpp"
#include "raw_session.hpp"
#include "slow_fs.hpp"

namespace fusex::test {
namespace {

using namespace std::chrono_literals;

class EarlyInterrupt : public ::testing::Test {
  protected:
    void SetUp() override {
        fs.slow = fs.add("slow", "slow-data");
        fast = fs.add("fast", "fast-data");
        ASSERT_TRUE(raw.init());
    }
    void TearDown() override { fs.drain(); }

    SlowFs fs;
    NodeId fast = 0;
    RawSession raw{fs};
};

TEST_F(EarlyInterrupt, InterruptBeforeItsRequestIsAnsweredEagainAndRemembered) {
    const uint64_t x = 100;
    raw.handle(interrupt_request(x));
    auto eagain = raw.next();
    ASSERT_TRUE(eagain);
    EXPECT_EQ(eagain->header.unique, x | 1);
    EXPECT_EQ(eagain->header.error, -EAGAIN);
    EXPECT_TRUE(eagain->payload.empty());

    raw.handle(read_request(x, fs.slow, 0, 100));
    ASSERT_EQ(fs.parked_count(), 1u);
    EXPECT_TRUE(fs.parked(0)->interrupt_seen) << "on_interrupt must run at once for a remembered interrupt";
    auto eintr = raw.next();
    ASSERT_TRUE(eintr);
    EXPECT_EQ(eintr->header.unique, x);
    EXPECT_EQ(eintr->header.error, -EINTR);
    EXPECT_FALSE(raw.next(50ms));
}

TEST_F(EarlyInterrupt, InterruptOfAParkedRequestRunsTheCallbackAndSendsNoEagain) {
    const uint64_t y = 200;
    raw.handle(read_request(y, fs.slow, 0, 100));
    ASSERT_EQ(fs.parked_count(), 1u);
    EXPECT_FALSE(fs.parked(0)->interrupt_seen);
    raw.handle(interrupt_request(y));
    auto m = raw.next();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->header.unique, y);
    EXPECT_EQ(m->header.error, -EINTR);
    EXPECT_FALSE(raw.next(50ms)) << "a found target needs no answer to the INTERRUPT";
}

TEST_F(EarlyInterrupt, InterruptAfterTheAnswerTouchesNothingElse) {
    raw.handle(read_request(300, fast, 0, 100));
    auto data = raw.next();
    ASSERT_TRUE(data);
    EXPECT_EQ(data->header.error, 0);
    raw.handle(interrupt_request(300));  // too late: the kernel drops the EAGAIN
    auto eagain = raw.next();
    ASSERT_TRUE(eagain);
    EXPECT_EQ(eagain->header.error, -EAGAIN);

    raw.handle(read_request(302, fs.slow, 0, 100));
    ASSERT_EQ(fs.parked_count(), 1u);
    EXPECT_FALSE(fs.parked(0)->interrupted()) << "a stale interrupt must not hit another request";
    EXPECT_FALSE(raw.next(50ms));
}

// Two workers: one reads request X, the other its INTERRUPT, and they race
// into the core. Whichever wins, the handler must learn of the interrupt.
TEST_F(EarlyInterrupt, RacingRequestAndInterruptNeverLoseTheInterrupt) {
    constexpr int kRounds = 3000;
    int lost = 0;
    for (int i = 0; i < kRounds; ++i) {
        const uint64_t x = 1000 + 2 * static_cast<uint64_t>(i);
        std::atomic<int> ready{0};
        auto go = [&ready] {
            ready.fetch_add(1);
            while (ready.load() < 2) std::this_thread::yield();
        };
        std::thread a([&] {
            go();
            raw.handle(read_request(x, fs.slow, 0, 100));
        });
        std::thread b([&] {
            go();
            raw.handle(interrupt_request(x));
        });
        a.join();
        b.join();
        auto p = fs.parked(static_cast<size_t>(i));
        ASSERT_TRUE(p);
        if (!p->answered()) {
            ++lost;
            p->answer_error(EIO);
        }
        while (raw.next(0ms)) {
        }
    }
    EXPECT_EQ(lost, 0) << "interrupts lost out of " << kRounds;
}

// A handler whose interrupt callback throws: the exception stays in the
// worker that read the INTERRUPT (logged), the request is still answerable.
class ThrowingCallbackFs : public FlatFs {
  public:
    void read(const ReadRequest&, ReplyData reply) override {
        reply.on_interrupt([] { throw std::runtime_error("callback bug"); });
        parked.emplace(std::move(reply));
    }
    std::optional<ReplyData> parked;
};

TEST(EarlyInterruptCallback, ThrowingCallbackDoesNotEscapeTheWorker) {
    ThrowingCallbackFs fs;
    NodeId f = fs.add("f", "abc");
    RawSession raw(fs);
    ASSERT_TRUE(raw.init());
    raw.handle(read_request(700, f, 0, 10));
    ASSERT_TRUE(fs.parked);
    EXPECT_NO_THROW(raw.handle(interrupt_request(700)));
    EXPECT_TRUE(fs.parked->interrupted());
    std::move(*fs.parked).error(EINTR);
    fs.parked.reset();
    auto m = raw.next();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->header.unique, 700u);
    EXPECT_EQ(m->header.error, -EINTR);
}

}  // namespace
}  // namespace fusex::test
