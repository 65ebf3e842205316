// The per-open state machine with stand-in replies and a hand-driven pool.
#include "device_session.hpp"

#include <fcntl.h>

#include <thread>

#include <gtest/gtest.h>

#include "fake_reply.hpp"

namespace dmover {
namespace {

using dmover_test::FakeAnswer;
using dmover_test::FakeReply;
using dmover_test::FakeState;
using Device = DeviceSession<FakeReply, FakeReply, FakeReply>;

constexpr size_t kReq = sizeof(dmover_request);
constexpr size_t kDone = sizeof(dmover_completion);

struct Harness {
    std::mutex mu;
    std::vector<Job> jobs;
    std::vector<uint64_t> wakes;
    std::shared_ptr<Device> dev;

    explicit Harness(unsigned depth = DMOVER_MAX_INFLIGHT, const char* fn = "copy") {
        dev = std::make_shared<Device>(
            [this](std::vector<Job>&& js) {
                std::lock_guard lk(mu);
                for (auto& j : js) jobs.push_back(std::move(j));
            },
            [this](uint64_t kh) {
                std::lock_guard lk(mu);
                wakes.push_back(kh);
            },
            depth);
        if (fn) {
            EXPECT_EQ(dev->set_function(fn), 0);
        }
    }
    std::shared_ptr<FakeState> write(size_t records, bool nonblock = false, uint64_t first_id = 0) {
        std::vector<dmover_request> rs(records);
        for (size_t i = 0; i < records; ++i) rs[i].id = first_id + i;
        auto st = std::make_shared<FakeState>();
        dev->write(std::as_bytes(std::span(rs)), 1234, nonblock, FakeReply(st));
        return st;
    }
    std::shared_ptr<FakeState> read(size_t records, bool nonblock = false) {
        auto st = std::make_shared<FakeState>();
        dev->read(uint32_t(records * kDone), nonblock, FakeReply(st));
        return st;
    }
    // Completes the oldest n submitted jobs, as the pool would.
    void complete(size_t n, int error = 0) {
        std::vector<Job> done;
        {
            std::lock_guard lk(mu);
            n = std::min(n, jobs.size());
            done.assign(std::make_move_iterator(jobs.begin()), std::make_move_iterator(jobs.begin() + long(n)));
            jobs.erase(jobs.begin(), jobs.begin() + long(n));
        }
        for (Job& j : done) j.sink->completed(dmover_completion{j.request.id, error, 0, 7});
    }
    size_t submitted() {
        std::lock_guard lk(mu);
        return jobs.size();
    }
};

TEST(DeviceSession, ReadWriteBeforeSetfuncAreEnxio) {
    Harness h(64, nullptr);
    EXPECT_EQ(h.write(1)->answer.error, ENXIO);
    EXPECT_EQ(h.read(1)->answer.error, ENXIO);
    EXPECT_EQ(h.dev->poll(false, 0), uint32_t(POLLERR));
}

TEST(DeviceSession, SetfuncOnceAndKnownNamesOnly) {
    Harness h(64, nullptr);
    EXPECT_EQ(h.dev->set_function("nope"), ENOENT);
    EXPECT_EQ(h.dev->set_function("xor16"), 0);
    EXPECT_EQ(h.dev->set_function("copy"), EBUSY);
    EXPECT_EQ(h.dev->set_function("xor16"), EBUSY);
}

TEST(DeviceSession, PartialRecordsAreEinval) {
    Harness h;
    std::vector<std::byte> bytes(kReq + 1);
    auto st = std::make_shared<FakeState>();
    h.dev->write(bytes, 1, false, FakeReply(st));
    EXPECT_EQ(st->answer.error, EINVAL);
    auto rd = std::make_shared<FakeState>();
    h.dev->read(uint32_t(kDone * 2 - 1), false, FakeReply(rd));
    EXPECT_EQ(rd->answer.error, EINVAL);
    EXPECT_EQ(h.submitted(), 0u);
}

TEST(DeviceSession, PartialRecordBeyondDepthIsTheKernelsCut) {
    Harness h(4);
    std::vector<std::byte> bytes(kReq * 5 + 100);  // as a split large write
    auto st = std::make_shared<FakeState>();
    h.dev->write(bytes, 1, false, FakeReply(st));
    EXPECT_EQ(st->answer.written, 4 * kReq);
    h.complete(4);
    auto rd = std::make_shared<FakeState>();
    h.dev->read(uint32_t(kDone * 4 + 5), false, FakeReply(rd));
    EXPECT_EQ(rd->answer.completions.size(), 4u);
}

TEST(DeviceSession, AcceptsUpToDepthThenShortWrite) {
    Harness h;
    auto w = h.write(40);
    EXPECT_EQ(w->answer.written, 40 * kReq);
    auto w2 = h.write(40, false, 40);
    EXPECT_EQ(w2->answer.kind, FakeAnswer::Written);
    EXPECT_EQ(w2->answer.written, 24 * kReq);  // only 24 slots were left
    EXPECT_EQ(h.submitted(), 64u);
    EXPECT_EQ(h.dev->in_flight(), 64u);
    EXPECT_EQ(h.dev->poll(false, 0) & POLLOUT, 0u);
}

TEST(DeviceSession, FullSessionParksBlockingWriteAndRefusesNonblocking) {
    Harness h;
    h.write(64);
    EXPECT_EQ(h.write(1, true)->answer.error, EAGAIN);
    auto parked = h.write(3, false, 100);
    EXPECT_FALSE(parked->answered());
    EXPECT_EQ(h.dev->parked(), 1u);
    // Completing does not free a slot: reading the completion does.
    h.complete(2);
    EXPECT_FALSE(parked->answered());
    auto rd = h.read(64);
    ASSERT_EQ(rd->answer.kind, FakeAnswer::Data);
    EXPECT_EQ(rd->answer.completions.size(), 2u);
    ASSERT_TRUE(parked->answered());
    EXPECT_EQ(parked->answer.written, 2 * kReq);  // two slots freed
    EXPECT_EQ(h.dev->in_flight(), 64u);
}

TEST(DeviceSession, ReadParksUntilCompletionAndNonblockingGetsEagain) {
    Harness h;
    EXPECT_EQ(h.read(4, true)->answer.error, EAGAIN);
    auto rd = h.read(4);
    EXPECT_FALSE(rd->answered());
    h.write(3);
    h.complete(1);
    ASSERT_TRUE(rd->answered());
    ASSERT_EQ(rd->answer.completions.size(), 1u);
    EXPECT_EQ(rd->answer.completions[0].id, 0u);
    EXPECT_EQ(rd->answer.completions[0].result, 7u);
    h.complete(2);
    auto rd2 = h.read(1);
    ASSERT_EQ(rd2->answer.completions.size(), 1u);
    EXPECT_EQ(rd2->answer.completions[0].id, 1u);
    EXPECT_EQ(h.read(8)->answer.completions.size(), 1u);
    EXPECT_EQ(h.dev->in_flight(), 0u);
}

TEST(DeviceSession, PollReportsReadinessAndWakesOnce) {
    Harness h(2);
    EXPECT_EQ(h.dev->poll(false, 0), uint32_t(POLLOUT | POLLWRNORM));
    EXPECT_EQ(h.dev->poll(true, 77), uint32_t(POLLOUT | POLLWRNORM));
    h.write(2);
    EXPECT_EQ(h.dev->poll(true, 77), 0u);
    h.complete(1);
    EXPECT_EQ(h.wakes, std::vector<uint64_t>{77});  // POLLIN appeared
    h.complete(1);
    EXPECT_EQ(h.wakes.size(), 1u);  // not re-armed: no second wake
    EXPECT_EQ(h.dev->poll(true, 77), uint32_t(POLLIN | POLLRDNORM));
    h.read(2);
    EXPECT_EQ(h.wakes.size(), 2u);  // POLLOUT appeared
    EXPECT_EQ(h.dev->poll(false, 0), uint32_t(POLLOUT | POLLWRNORM));
}

TEST(DeviceSession, InterruptAnswersParkedCallsWithEintr) {
    Harness h(1);
    auto rd = h.read(1);
    rd->interrupt();
    EXPECT_EQ(rd->answer.error, EINTR);
    h.write(1);
    auto w = h.write(1, false, 9);
    ASSERT_FALSE(w->answered());
    w->interrupt();
    EXPECT_EQ(w->answer.error, EINTR);
    EXPECT_EQ(h.dev->parked(), 0u);
    h.complete(1);
    EXPECT_EQ(h.read(1)->answer.completions.size(), 1u);
    EXPECT_EQ(h.submitted(), 0u);  // the interrupted write's record never ran
}

TEST(DeviceSession, AlreadyInterruptedCallIsNotParked) {
    Harness h;
    auto st = std::make_shared<FakeState>();
    st->interrupted = true;
    h.dev->read(uint32_t(kDone), false, FakeReply(st));
    EXPECT_EQ(st->answer.error, EINTR);
    EXPECT_EQ(h.dev->parked(), 0u);
}

TEST(DeviceSession, FlushWaitsForRunningRequests) {
    Harness h;
    auto f0 = std::make_shared<FakeState>();
    h.dev->flush(FakeReply(f0));
    EXPECT_EQ(f0->answer.kind, FakeAnswer::Ok);
    h.write(2);
    auto f = std::make_shared<FakeState>();
    h.dev->flush(FakeReply(f));
    EXPECT_FALSE(f->answered());
    h.complete(1);
    EXPECT_FALSE(f->answered());
    h.complete(1);
    EXPECT_EQ(f->answer.kind, FakeAnswer::Ok);  // unread completions do not matter
}

TEST(DeviceSession, ReleaseCancelsAndFreesOnceJobsFinish) {
    Harness h;
    h.write(5);
    auto rd = h.read(1);  // answered at once? no: nothing completed yet
    EXPECT_FALSE(rd->answered());
    std::weak_ptr<Device> weak = h.dev;
    h.dev->release();
    EXPECT_EQ(rd->answer.error, EBADF);
    EXPECT_TRUE(h.dev->cancelled().load());
    h.dev.reset();
    EXPECT_FALSE(weak.expired());  // the jobs still hold it
    h.complete(5, ECANCELED);
    EXPECT_TRUE(weak.expired());
}

// Clients on several threads against a pool thread, with blocking calls.
TEST(DeviceSession, ConcurrentClientsSeeEveryCompletionOnce) {
    Harness h(8);
    std::atomic<bool> stop{false};
    std::thread pool([&] {
        while (!stop.load()) {
            h.complete(3);
            std::this_thread::yield();
        }
    });
    constexpr int kWriters = 3, kPerWriter = 500;
    std::vector<std::thread> writers;
    for (int t = 0; t < kWriters; ++t) {
        writers.emplace_back([&, t] {
            uint64_t id = uint64_t(t) * kPerWriter;
            for (uint64_t end = id + kPerWriter; id < end;) {
                size_t n = std::min<uint64_t>(1 + id % 5, end - id);
                auto w = h.write(n, false, id)->wait();
                ASSERT_EQ(w.kind, FakeAnswer::Written);
                id += w.written / kReq;
            }
        });
    }
    std::vector<int> seen(kWriters * kPerWriter, 0);
    for (int got = 0; got < kWriters * kPerWriter;) {
        auto a = h.read(4)->wait();
        ASSERT_EQ(a.kind, FakeAnswer::Data);
        for (auto& c : a.completions) ++seen[c.id];
        got += int(a.completions.size());
    }
    for (auto& t : writers) t.join();
    stop = true;
    pool.join();
    for (int s : seen) EXPECT_EQ(s, 1);
    EXPECT_EQ(h.dev->in_flight(), 0u);
}

}  // namespace
}  // namespace dmover
