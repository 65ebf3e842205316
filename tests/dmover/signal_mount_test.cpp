// Parked calls and sleeping waiters through a real mount: a signal ends a
// blocked write with EINTR (its records never run), and epoll is woken by a
// completion like poll is.
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>

#include <gtest/gtest.h>

#include "dmover_client.hpp"
#include "mount_fixture.hpp"
#include "scattered_buffer.hpp"

namespace dmover_test {
namespace {

void on_usr2(int) {}

TEST(SignalMount, SignalInterruptsBlockedWrite) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    struct sigaction sa{}, old{};
    sa.sa_handler = on_usr2;  // no SA_RESTART
    sigaction(SIGUSR2, &sa, &old);
    dmover::Device dev(m.device(), "fill8");
    std::vector<unsigned char> mem(4096, 0), extra(4096, 0);
    std::vector<iovec> iov = {{mem.data(), mem.size()}}, extra_iov = {{extra.data(), extra.size()}};
    dmover_request r{};
    r.immediate = 1;
    r.out = buffer_of(iov);
    std::vector<dmover_request> full(DMOVER_MAX_INFLIGHT, r);
    ASSERT_EQ(dev.submit(full), DMOVER_MAX_INFLIGHT);
    dmover_request more = r;
    more.out = buffer_of(extra_iov);
    std::atomic<pthread_t> writer{};
    auto result = std::async(std::launch::async, [&] {
        writer = pthread_self();
        return write(dev.fd(), &more, sizeof more) < 0 ? errno : 0;
    });
    EXPECT_EQ(result.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
    pthread_kill(writer.load(), SIGUSR2);
    ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(result.get(), EINTR);
    sigaction(SIGUSR2, &old, nullptr);
    // Drain: exactly the 64 accepted requests complete; the refused one never ran.
    dmover_completion c[DMOVER_MAX_INFLIGHT];
    size_t got = 0;
    while (got < DMOVER_MAX_INFLIGHT) got += dev.reap(std::span(c + got, DMOVER_MAX_INFLIGHT - got));
    EXPECT_EQ(extra, std::vector<unsigned char>(extra.size(), 0));
    EXPECT_EQ(mem, std::vector<unsigned char>(mem.size(), 1));
}

TEST(SignalMount, EpollIsWokenByACompletion) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    dmover::Device dev(m.device(), "zero");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    ASSERT_GE(ep, 0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, dev.fd(), &ev), 0);
    std::vector<unsigned char> mem(1 << 20, 1);
    std::vector<iovec> iov = {{mem.data(), mem.size()}};
    dmover_request r{};
    r.out = buffer_of(iov);
    for (int round = 0; round < 20; ++round) {
        epoll_event out{};
        ASSERT_EQ(epoll_wait(ep, &out, 1, 0), 0);  // nothing ready yet
        auto waiter = std::async(std::launch::async, [&] { return epoll_wait(ep, &out, 1, 10000); });
        ASSERT_EQ(dev.submit(std::span(&r, 1)), 1u);
        ASSERT_EQ(waiter.wait_for(std::chrono::seconds(10)), std::future_status::ready);
        EXPECT_EQ(waiter.get(), 1) << "round " << round;
        dmover_completion c;
        ASSERT_EQ(dev.reap(std::span(&c, 1)), 1u);
        EXPECT_EQ(c.error, 0);
    }
    close(ep);
}

}  // namespace
}  // namespace dmover_test
