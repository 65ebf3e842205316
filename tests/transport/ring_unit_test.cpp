// The raw io_uring and the sizes the FUSE queues use.
#include <sys/eventfd.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "transport/ring.hpp"
#include "transport/transport.hpp"

namespace fusex::transport {
namespace {

TEST(Ring, SubmitsAndReapsManyRoundsWithoutLosingOne) {
    Ring ring;
    std::string why;
    if (!ring.open(8, &why)) GTEST_SKIP() << "no io_uring here: " << why;
    uint64_t next = 0, reaped = 0, sum = 0;
    for (int round = 0; round < 100; ++round) {
        for (int i = 0; i < 5; ++i) {
            io_uring_sqe* s = ring.get_sqe();
            ASSERT_NE(s, nullptr);
            s->opcode = IORING_OP_NOP;
            s->user_data = ++next;
        }
        ASSERT_GE(ring.submit_and_wait(5), 0);
        ring.reap([&](uint64_t user_data, int res) {
            EXPECT_EQ(res, 0);
            sum += user_data;
            ++reaped;
        });
    }
    EXPECT_EQ(reaped, next);
    EXPECT_EQ(sum, next * (next + 1) / 2);
}

TEST(Ring, ReportsAFullSubmissionQueue) {
    Ring ring;
    if (!ring.open(4, nullptr)) GTEST_SKIP() << "no io_uring here";
    int got = 0;
    while (ring.get_sqe() && got < 100) ++got;
    EXPECT_EQ(got, 4);
}

TEST(Ring, ReadsAnEventfd) {
    Ring ring;
    if (!ring.open(4, nullptr)) GTEST_SKIP() << "no io_uring here";
    int efd = eventfd(0, EFD_CLOEXEC);
    uint64_t value = 0, one = 3;
    io_uring_sqe* s = ring.get_sqe();
    s->opcode = IORING_OP_READ;
    s->fd = efd;
    s->addr = reinterpret_cast<uintptr_t>(&value);
    s->len = sizeof value;
    s->user_data = 42;
    ASSERT_GE(ring.submit_and_wait(0), 0);
    ASSERT_EQ(write(efd, &one, sizeof one), 8);
    int res = -1;
    while (ring.reap([&](uint64_t ud, int r) { EXPECT_EQ(ud, 42u); res = r; }) == 0) ring.submit_and_wait(1);
    EXPECT_EQ(res, 8);
    EXPECT_EQ(value, 3u);
    close(efd);
}

TEST(UringPayload, CoversMaxWriteAndMaxPagesInWholePages) {
    EXPECT_EQ(uring_payload_size(1u << 20, 256), 1u << 20);
    EXPECT_EQ(uring_payload_size(4096, 1), 8192u);  // FUSE_MIN_READ_BUFFER
    EXPECT_EQ(uring_payload_size((1u << 20) + 1, 32), (1u << 20) + 4096);
    EXPECT_EQ(uring_payload_size(65536, 256), 1u << 20);
}

}  // namespace
}  // namespace fusex::transport
