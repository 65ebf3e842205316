// The device through a real mount: results, errors, flow control, poll,
// interrupts and close, as a caller sees them.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "dmover_client.hpp"
#include "mount_fixture.hpp"
#include "reference.hpp"
#include "scattered_buffer.hpp"

namespace dmover_test {
namespace {

int open_raw(const DmoverMount& m, int flags = 0) { return ::open(m.device().c_str(), O_RDWR | O_CLOEXEC | flags); }

int setfunc(int fd, const char* name) {
    dmover_setfunc sf{};
    std::strncpy(sf.name, name, sizeof sf.name);
    return ioctl(fd, DMIO_SETFUNC, &sf) == 0 ? 0 : errno;
}

// A zero request over `mem` (one iovec kept in `iov`).
dmover_request zero_request(uint64_t id, std::vector<iovec>& iov) {
    dmover_request r{};
    r.id = id;
    r.out = buffer_of(iov);
    return r;
}

TEST(DeviceMount, EveryFunctionMatchesReferenceWithScatteredBuffers) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    std::vector<std::string> names = {"zero", "fill8", "copy", "crc32c"};
    for (int n = 2; n <= 16; ++n) names.push_back("xor" + std::to_string(n));
    for (const std::string& name : names) {
        SCOPED_TRACE(name);
        const unsigned inputs = name == "zero" || name == "fill8" ? 0 : name == "copy" || name == "crc32c" ? 1 : std::stoi(name.substr(3));
        dmover::Device dev(m.device(), name);
        // Several requests per write, lengths across chunk boundaries, many iovecs.
        const size_t lengths[] = {0, 1, 4097, 65536 + 3, 300000};
        std::vector<ScatteredBuffer> outs, ins;
        std::vector<std::vector<std::vector<unsigned char>>> data;
        std::vector<dmover_request> reqs;
        outs.reserve(std::size(lengths));
        ins.reserve(std::size(lengths) * inputs);
        for (size_t k = 0; k < std::size(lengths); ++k) {
            const size_t len = lengths[k];
            dmover_request r{};
            r.id = k;
            r.immediate = name == "fill8" ? 0x3c : name == "crc32c" ? 0x1234 * k : 0;
            data.emplace_back();
            for (unsigned i = 0; i < inputs; ++i) {
                ins.emplace_back(len, len ? 1 + unsigned(k + i) % 9 : 0, unsigned(k * 31 + i));
                data.back().push_back(random_bytes(len, unsigned(k * 17 + i)));
                ins.back().fill(data.back().back());
                r.in[i] = buffer_of(ins.back().iov());
            }
            if (name != "crc32c") {
                outs.emplace_back(len, len ? 1 + unsigned(k) % 5 : 0, unsigned(k + 1000));
                r.out = buffer_of(outs.back().iov());
            }
            reqs.push_back(r);
        }
        std::vector<dmover_completion> done(reqs.size());
        dev.run(reqs, [&](const dmover_completion& c) { done.at(c.id) = c; });
        for (size_t k = 0; k < reqs.size(); ++k) {
            const size_t len = lengths[k];
            ASSERT_EQ(done[k].error, 0) << "request " << k;
            if (name == "crc32c") {
                EXPECT_EQ(done[k].result, reference_crc32c(uint32_t(reqs[k].immediate), data[k][0].data(), len));
                continue;
            }
            EXPECT_EQ(done[k].result, len);
            std::vector<unsigned char> want(len, name == "fill8" ? 0x3c : 0);
            if (inputs > 0 && len > 0) want = reference_xor(data[k]);
            EXPECT_EQ(outs[k].gather(), want) << "request " << k;
            EXPECT_TRUE(outs[k].guards_intact());
        }
    }
}

TEST(DeviceMount, Crc32cChainsAndCombinesAcrossRequests) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    dmover::Device dev(m.device(), "crc32c");
    auto data = random_bytes(1 << 20, 5);
    const uint32_t whole = reference_crc32c(0, data.data(), data.size());
    auto crc_of = [&](size_t off, size_t len, uint32_t seed) {
        std::vector<iovec> iov = {{data.data() + off, len}};
        dmover_request r{};
        r.immediate = seed;
        r.in[0] = buffer_of(iov);
        uint64_t result = 0;
        dev.run(std::span(&r, 1), [&](const dmover_completion& c) {
            EXPECT_EQ(c.error, 0);
            result = c.result;
        });
        return uint32_t(result);
    };
    const size_t cut = 333333;
    EXPECT_EQ(crc_of(cut, data.size() - cut, crc_of(0, cut, 0)), whole);
    EXPECT_EQ(dmover::crc32c_combine(crc_of(0, cut, 0), crc_of(cut, data.size() - cut, 0), data.size() - cut), whole);
}

TEST(DeviceMount, SetfuncAndLengthErrors) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    int fd = open_raw(m);
    ASSERT_GE(fd, 0);
    dmover_request r{};
    dmover_completion c{};
    EXPECT_EQ(write(fd, &r, sizeof r), -1);
    EXPECT_EQ(errno, ENXIO);
    EXPECT_EQ(read(fd, &c, sizeof c), -1);
    EXPECT_EQ(errno, ENXIO);
    EXPECT_EQ(setfunc(fd, "frobnicate"), ENOENT);
    dmover_setfunc unterminated;
    std::memset(&unterminated, 'x', sizeof unterminated);
    EXPECT_EQ(ioctl(fd, DMIO_SETFUNC, &unterminated), -1);
    EXPECT_EQ(errno, EINVAL);
    EXPECT_EQ(setfunc(fd, "zero"), 0);
    EXPECT_EQ(setfunc(fd, "copy"), EBUSY);
    EXPECT_EQ(write(fd, &r, sizeof r - 1), -1);
    EXPECT_EQ(errno, EINVAL);
    dmover_completion two[2];
    EXPECT_EQ(read(fd, two, sizeof two[0] + 1), -1);
    EXPECT_EQ(errno, EINVAL);
    EXPECT_EQ(ioctl(fd, _IO('D', 0x7f)), -1);
    close(fd);
}

TEST(DeviceMount, HugeWriteAndReadAreShortNotEinval) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    dmover::Device dev(m.device(), "zero");
    std::vector<unsigned char> mem(64);
    std::vector<iovec> iov = {{mem.data(), mem.size()}};
    // 2 MiB of records: the kernel splits it at max_write, inside a record.
    std::vector<dmover_request> reqs((2 << 20) / sizeof(dmover_request) + 1, zero_request(0, iov));
    EXPECT_EQ(dev.submit(reqs), DMOVER_MAX_INFLIGHT);
    std::vector<dmover_completion> done((2 << 20) / sizeof(dmover_completion) + 1);
    size_t got = 0;
    while (got < DMOVER_MAX_INFLIGHT) got += dev.reap(std::span(done).subspan(got));
    EXPECT_EQ(got, DMOVER_MAX_INFLIGHT);
}

TEST(DeviceMount, BadRequestsFailAloneAndDaemonSurvives) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    dmover::Device dev(m.device(), "copy");
    std::vector<unsigned char> src = random_bytes(8192, 1), dst(8192), short_dst(8191);
    std::vector<iovec> src_iov = {{src.data(), src.size()}}, dst_iov = {{dst.data(), dst.size()}};
    std::vector<iovec> short_iov = {{short_dst.data(), short_dst.size()}};
    std::vector<iovec> many(DMOVER_MAX_IOV + 1, iovec{dst.data(), 1});
    std::vector<iovec> huge = {{dst.data(), SIZE_MAX / 2 + 1}, {dst.data(), SIZE_MAX / 2 + 1}};
    std::vector<iovec> wild = {{reinterpret_cast<void*>(0x10), 8192}};
    auto req = [&](uint64_t id, std::vector<iovec>& out, std::vector<iovec>& in) {
        dmover_request r{};
        r.id = id;
        r.out = buffer_of(out);
        r.in[0] = buffer_of(in);
        return r;
    };
    std::vector<dmover_request> reqs = {req(0, dst_iov, src_iov), req(1, short_iov, src_iov), req(2, many, src_iov),
                                        req(3, huge, huge),       req(4, dst_iov, wild),     req(5, wild, src_iov)};
    reqs.push_back(req(6, dst_iov, src_iov));
    reqs[6].in[1] = reqs[6].in[0];  // copy has one input: a second is malformed
    reqs.push_back(req(7, dst_iov, src_iov));
    reqs[7].in[0].iov = 0x20;  // the iovec array itself unreadable
    const int want[] = {0, EINVAL, EINVAL, EINVAL, EFAULT, EFAULT, EINVAL, EFAULT};
    std::vector<int> got(reqs.size(), -1);
    dev.run(reqs, [&](const dmover_completion& c) { got.at(c.id) = c.error; });
    for (size_t i = 0; i < reqs.size(); ++i) EXPECT_EQ(got[i], want[i]) << "request " << i;
    EXPECT_TRUE(m.daemon_alive());
    dmover::Device again(m.device(), "copy");
    std::vector<dmover_request> ok = {req(9, dst_iov, src_iov)};
    again.run(ok, [&](const dmover_completion& c) { EXPECT_EQ(c.error, 0); });
}

TEST(DeviceMount, NonblockingFlowControlAndPoll) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    int fd = open_raw(m, O_NONBLOCK);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(setfunc(fd, "zero"), 0);
    dmover_completion c[DMOVER_MAX_INFLIGHT + 1];
    EXPECT_EQ(read(fd, c, sizeof c[0]), -1);
    EXPECT_EQ(errno, EAGAIN);
    pollfd p{fd, POLLIN | POLLOUT, 0};
    ASSERT_EQ(poll(&p, 1, 0), 1);
    EXPECT_EQ(p.revents, POLLOUT);
    std::vector<unsigned char> mem(4096, 1);
    std::vector<iovec> iov = {{mem.data(), mem.size()}};
    std::vector<dmover_request> reqs(DMOVER_MAX_INFLIGHT + 1, zero_request(0, iov));
    for (size_t i = 0; i < reqs.size(); ++i) reqs[i].id = i;
    // One more than fits: a short write of exactly 64 records.
    EXPECT_EQ(write(fd, reqs.data(), reqs.size() * sizeof reqs[0]), ssize_t(DMOVER_MAX_INFLIGHT * sizeof reqs[0]));
    EXPECT_EQ(write(fd, reqs.data(), sizeof reqs[0]), -1);
    EXPECT_EQ(errno, EAGAIN);
    p = {fd, POLLIN | POLLOUT, 0};
    ASSERT_EQ(poll(&p, 1, 5000), 1);
    EXPECT_EQ(p.revents, POLLIN);  // completions ready, no free slot
    size_t got = 0;
    for (int spins = 0; got < DMOVER_MAX_INFLIGHT && spins < 5000; ++spins) {
        ssize_t n = read(fd, c, sizeof c);
        if (n < 0) {
            ASSERT_EQ(errno, EAGAIN);
            usleep(1000);
            continue;
        }
        ASSERT_EQ(n % sizeof c[0], 0u);
        got += size_t(n) / sizeof c[0];
    }
    EXPECT_EQ(got, DMOVER_MAX_INFLIGHT);
    p = {fd, POLLIN | POLLOUT, 0};
    ASSERT_EQ(poll(&p, 1, 0), 1);
    EXPECT_EQ(p.revents, POLLOUT);
    close(fd);
}

TEST(DeviceMount, BlockingWriteWaitsForAFreeSlotAndPollWakes) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    dmover::Device dev(m.device(), "zero");
    std::vector<unsigned char> mem(4096);
    std::vector<iovec> iov = {{mem.data(), mem.size()}};
    std::vector<dmover_request> reqs(DMOVER_MAX_INFLIGHT, zero_request(0, iov));
    ASSERT_EQ(dev.submit(reqs), DMOVER_MAX_INFLIGHT);
    auto blocked = std::async(std::launch::async, [&] { return dev.submit(std::span(reqs.data(), 3)); });
    EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
    dmover_completion c[2];
    ASSERT_EQ(dev.reap(c), 2u);
    ASSERT_EQ(blocked.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(blocked.get(), 2u);  // as many as the freed slots
    // A poll that sleeps is woken by a completion.
    dmover::Device idle(m.device(), "zero");
    auto woke = std::async(std::launch::async, [&] {
        pollfd p{idle.fd(), POLLIN, 0};
        return poll(&p, 1, 10000) == 1 ? p.revents : 0;
    });
    EXPECT_EQ(woke.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
    ASSERT_EQ(idle.submit(std::span(reqs.data(), 1)), 1u);
    ASSERT_EQ(woke.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(woke.get(), POLLIN);
}

void on_usr1(int) {}

TEST(DeviceMount, SignalInterruptsBlockedRead) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    struct sigaction sa{}, old{};
    sa.sa_handler = on_usr1;  // no SA_RESTART: read must fail with EINTR
    sigaction(SIGUSR1, &sa, &old);
    dmover::Device dev(m.device(), "zero");
    std::atomic<pthread_t> reader{};
    auto result = std::async(std::launch::async, [&] {
        reader = pthread_self();
        dmover_completion c;
        ssize_t n = read(dev.fd(), &c, sizeof c);
        return n < 0 ? errno : 0;
    });
    EXPECT_EQ(result.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
    pthread_kill(reader.load(), SIGUSR1);
    ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(result.get(), EINTR);
    sigaction(SIGUSR1, &old, nullptr);
    EXPECT_TRUE(m.daemon_alive());
}

TEST(DeviceMount, CloseWaitsForRequestsInFlight) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    for (int round = 0; round < 20; ++round) {
        std::vector<unsigned char> mem(DMOVER_MAX_INFLIGHT << 16, 0xee);
        std::vector<std::vector<iovec>> iovs;
        std::vector<dmover_request> reqs;
        for (unsigned i = 0; i < DMOVER_MAX_INFLIGHT; ++i) {
            iovs.push_back({{mem.data() + (size_t(i) << 16), size_t(1) << 16}});
        }
        for (unsigned i = 0; i < DMOVER_MAX_INFLIGHT; ++i) reqs.push_back(zero_request(i, iovs[i]));
        {
            dmover::Device dev(m.device(), "zero");
            ASSERT_EQ(dev.submit(reqs), DMOVER_MAX_INFLIGHT);
        }  // closed without reading a completion
        // close() returned: the daemon no longer writes here.
        EXPECT_EQ(mem, std::vector<unsigned char>(mem.size(), 0)) << "round " << round;
    }
    EXPECT_TRUE(m.daemon_alive());
}

TEST(DeviceMount, ManyConcurrentSessions) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    constexpr int kSessions = 24;
    std::vector<std::future<std::string>> results;
    for (int s = 0; s < kSessions; ++s) {
        results.push_back(std::async(std::launch::async, [&, s]() -> std::string {
            const unsigned inputs = 1 + s % 4;  // copy, xor2, xor3, xor4
            const std::string name = inputs == 1 ? "copy" : "xor" + std::to_string(inputs);
            dmover::Device dev(m.device(), name);
            constexpr size_t kRequests = 300, kLen = 3000;
            std::vector<std::vector<unsigned char>> in(inputs);
            for (unsigned i = 0; i < inputs; ++i) in[i] = random_bytes(kRequests * kLen, unsigned(s * 10 + i));
            std::vector<unsigned char> out(kRequests * kLen);
            std::vector<iovec> storage;
            storage.reserve(kRequests * (1 + inputs));
            std::vector<dmover_request> reqs;
            for (size_t k = 0; k < kRequests; ++k) {
                std::vector<const void*> ptrs;
                for (auto& v : in) ptrs.push_back(v.data() + k * kLen);
                reqs.push_back(dmover::make_request(k, 0, storage, out.data() + k * kLen, ptrs, kLen));
            }
            size_t completions = 0;
            dev.run(reqs, [&](const dmover_completion& c) {
                completions += c.error == 0 ? 1 : 0;
            }, 1 + s % DMOVER_MAX_INFLIGHT);
            if (completions != kRequests) return name + ": failed completions";
            if (out != reference_xor(in)) return name + ": wrong bytes";
            return "";
        }));
    }
    for (auto& r : results) {
        ASSERT_EQ(r.wait_for(std::chrono::seconds(60)), std::future_status::ready);
        EXPECT_EQ(r.get(), "");
    }
}

TEST(DeviceMount, SubmittingThreadMayExitBeforeCompletion) {
    DmoverMount m;
    DMOVER_REQUIRE_MOUNT(m);
    dmover::Device dev(m.device(), "fill8");
    std::vector<unsigned char> mem(8 << 20, 0);
    std::vector<iovec> iov = {{mem.data(), mem.size()}};
    dmover_request r{};
    r.immediate = 0x77;
    r.out = buffer_of(iov);
    // FUSE names the calling thread; the work must still reach its process.
    std::thread([&] { ASSERT_EQ(dev.submit(std::span(&r, 1)), 1u); }).join();
    dmover_completion c{};
    ASSERT_EQ(dev.reap(std::span(&c, 1)), 1u);
    EXPECT_EQ(c.error, 0);
    EXPECT_EQ(mem, std::vector<unsigned char>(mem.size(), 0x77));
}

}  // namespace
}  // namespace dmover_test
