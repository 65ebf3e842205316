// The in-flight table on its own: interrupt bookkeeping and resend
// supersession without any session around it.
#include <gtest/gtest.h>

#include "protocol/abi.hpp"
#include "session/inflight.hpp"

namespace fusex::detail {
namespace {

constexpr uint64_t kResend = abi::FUSE_UNIQUE_RESEND;

TEST(InFlightTable, InterruptOfAnUnknownUniqueIsRememberedByThatSameCall) {
    InFlightTable t;
    EXPECT_FALSE(t.interrupt(10));  // lookup and remembering are one step
    InFlight* s = t.acquire(10, abi::FUSE_READ, 2, nullptr);
    EXPECT_TRUE(s->interrupted.load());
    InFlight* other = t.acquire(12, abi::FUSE_READ, 2, nullptr);
    EXPECT_FALSE(other->interrupted.load());
    t.release(s);
    t.release(other);
    // Remembered once: a later request with the same unique (after a
    // restart of the numbering, say) starts clean.
    InFlight* again = t.acquire(10, abi::FUSE_READ, 2, nullptr);
    EXPECT_FALSE(again->interrupted.load());
    t.release(again);
    EXPECT_EQ(t.active(), 0u);
}

// The kernel sends an INTERRUPT answered EAGAIN again at once: a request
// still being decoded on another worker makes its unique come back many
// times, and that must not push other remembered interrupts out.
TEST(InFlightTable, RepeatedEarlyInterruptDoesNotEvictOthers) {
    InFlightTable t;
    EXPECT_FALSE(t.interrupt(50));
    for (int i = 0; i < 1000; ++i) EXPECT_FALSE(t.interrupt(52));
    InFlight* a = t.acquire(50, abi::FUSE_READ, 2, nullptr);
    InFlight* b = t.acquire(52, abi::FUSE_READ, 2, nullptr);
    EXPECT_TRUE(a->interrupted.load());
    EXPECT_TRUE(b->interrupted.load());
    t.release(a);
    t.release(b);
}

TEST(InFlightTable, InterruptRunsTheCallbackOnce) {
    InFlightTable t;
    InFlight* s = t.acquire(20, abi::FUSE_READ, 2, nullptr);
    int runs = 0;
    s->on_interrupt = [&] { ++runs; };
    EXPECT_TRUE(t.interrupt(20));
    EXPECT_TRUE(t.interrupt(20));
    EXPECT_EQ(runs, 1);
    EXPECT_TRUE(s->interrupted.load());
    t.release(s);
}

TEST(InFlightTable, ResentRequestSupersedesItsFirstCopy) {
    InFlightTable t;
    InFlight* first = t.acquire(30, abi::FUSE_READ, 2, nullptr);
    bool told = false;
    first->on_interrupt = [&] { told = true; };
    InFlight* second = t.acquire(30 | kResend, abi::FUSE_READ, 2, nullptr);
    EXPECT_TRUE(told) << "the first copy's handler is told to give up";
    EXPECT_TRUE(first->superseded.load());
    EXPECT_TRUE(first->interrupted.load());
    EXPECT_FALSE(second->superseded.load());
    EXPECT_FALSE(second->interrupted.load());

    // A second resend keeps the unique: the newest copy is the live one.
    InFlight* third = t.acquire(30 | kResend, abi::FUSE_READ, 2, nullptr);
    EXPECT_TRUE(second->superseded.load());
    EXPECT_FALSE(third->superseded.load());
    int hits = 0;
    third->on_interrupt = [&] { ++hits; };
    EXPECT_TRUE(t.interrupt(30 | kResend));
    EXPECT_EQ(hits, 1) << "an interrupt goes to the live copy";
    for (InFlight* s : {first, second, third}) t.release(s);
    EXPECT_EQ(t.active(), 0u);
}

TEST(InFlightTable, ResendOfAnUnknownRequestSupersedesNothing) {
    InFlightTable t;
    InFlight* other = t.acquire(40, abi::FUSE_READ, 2, nullptr);
    InFlight* resent = t.acquire(42 | kResend, abi::FUSE_READ, 2, nullptr);
    EXPECT_FALSE(other->superseded.load());
    EXPECT_FALSE(resent->superseded.load());
    t.release(other);
    t.release(resent);
}

}  // namespace
}  // namespace fusex::detail
