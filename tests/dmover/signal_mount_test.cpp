// Parked calls and sleeping waiters through a real mount: a signal ends a
// blocked write with EINTR (its records never run), and epoll is woken by a
// completion like poll is.
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
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

TEST(SignalMount, CallerKilledWithRequestsInFlight) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    for (int round = 0; round < 5; ++round) {
        int ready[2];
        ASSERT_EQ(pipe(ready), 0);
        pid_t child = fork();
        if (child == 0) {
            // Big requests so the kill lands while the daemon is writing here.
            static std::vector<unsigned char> mem(size_t(256) << 20);
            std::vector<std::vector<iovec>> iovs(DMOVER_MAX_INFLIGHT);
            std::vector<dmover_request> reqs(DMOVER_MAX_INFLIGHT);
            for (unsigned i = 0; i < DMOVER_MAX_INFLIGHT; ++i) {
                iovs[i] = {{mem.data() + (size_t(i) << 22), size_t(1) << 22}};
                reqs[i].out = buffer_of(iovs[i]);
            }
            dmover::Device dev(m.device(), "zero");
            dev.submit(reqs);
            (void)!write(ready[1], "x", 1);
            pause();
            _exit(0);
        }
        char x;
        ASSERT_EQ(read(ready[0], &x, 1), 1);
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
        close(ready[0]);
        close(ready[1]);
    }
    EXPECT_TRUE(m.daemon_alive());
    dmover::Device dev(m.device(), "crc32c");
    std::vector<unsigned char> data = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    std::vector<iovec> iov = {{data.data(), data.size()}};
    dmover_request r{};
    r.in[0] = buffer_of(iov);
    dev.run(std::span(&r, 1), [](const dmover_completion& c) { EXPECT_EQ(c.result, 0xE3069283u); });
}

}  // namespace
}  // namespace dmover_test
