// The data path against this test's own memory (process_vm_* on getpid()).
#include "executor.hpp"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "reference.hpp"
#include "remote_memory.hpp"
#include "scattered_buffer.hpp"

namespace dmover {
namespace {

using dmover_test::buffer_of;
using dmover_test::random_bytes;
using dmover_test::ScatteredBuffer;

const Function& fn(const std::string& name) { return *find_function(name); }

struct Case {
    size_t length;
    unsigned pieces;
};
const Case kCases[] = {{0, 0}, {0, 3}, {1, 1}, {4095, 1}, {4097, 3}, {300001, 1}, {300001, 7}, {700000, 64}};

TEST(Executor, ZeroAndFill8MatchReference) {
    Scratch scratch;
    for (const Case& c : kCases) {
        for (int fill : {-1, 0, 0x5c, 0xff}) {
            ScatteredBuffer out(c.length, c.pieces, unsigned(c.length + c.pieces));
            out.fill(random_bytes(c.length, 3));
            dmover_request r{};
            r.out = buffer_of(out.iov());
            r.immediate = fill < 0 ? 0 : unsigned(fill);
            Outcome o = execute(fn(fill < 0 ? "zero" : "fill8"), r, getpid(), scratch);
            ASSERT_EQ(o.error, 0);
            EXPECT_EQ(o.result, c.length);
            EXPECT_EQ(out.gather(), std::vector<unsigned char>(c.length, fill < 0 ? 0 : fill));
            EXPECT_TRUE(out.guards_intact());
        }
    }
}

TEST(Executor, CopyAndEveryXorMatchReference) {
    Scratch scratch;
    for (unsigned n = 1; n <= 16; ++n) {
        const std::string name = n == 1 ? "copy" : "xor" + std::to_string(n);
        for (const Case& c : kCases) {
            if (n > 4 && c.length > 300001) continue;  // keeps the test quick
            SCOPED_TRACE(name + " length " + std::to_string(c.length) + " pieces " + std::to_string(c.pieces));
            std::vector<ScatteredBuffer> ins;
            std::vector<std::vector<unsigned char>> data;
            dmover_request r{};
            for (unsigned i = 0; i < n; ++i) {
                // Each input cut differently: chunks never line up.
                ins.emplace_back(c.length, c.pieces ? 1 + (c.pieces + i) % 64 : 0, 11 * i + n);
                data.push_back(random_bytes(c.length, 50 + i));
                ins.back().fill(data.back());
            }
            for (unsigned i = 0; i < n; ++i) r.in[i] = buffer_of(ins[i].iov());
            ScatteredBuffer out(c.length, c.pieces, 99 + n);
            r.out = buffer_of(out.iov());
            Outcome o = execute(fn(name), r, getpid(), scratch);
            ASSERT_EQ(o.error, 0);
            EXPECT_EQ(o.result, c.length);
            auto want = c.length ? dmover_test::reference_xor(data) : std::vector<unsigned char>{};
            EXPECT_EQ(out.gather(), want);
            EXPECT_TRUE(out.guards_intact());
        }
    }
}

TEST(Executor, Crc32cMatchesReferenceAndUsesSeed) {
    Scratch scratch;
    for (const Case& c : kCases) {
        for (uint32_t seed : {0u, 0x12345678u}) {
            ScatteredBuffer in(c.length, c.pieces, 7 + c.pieces);
            auto data = random_bytes(c.length, 21);
            in.fill(data);
            dmover_request r{};
            r.in[0] = buffer_of(in.iov());
            r.immediate = seed;
            Outcome o = execute(fn("crc32c"), r, getpid(), scratch);
            ASSERT_EQ(o.error, 0);
            EXPECT_EQ(o.result, dmover_test::reference_crc32c(seed, data.data(), data.size()));
        }
    }
}

TEST(Executor, UnequalLengthsAreEinval) {
    Scratch scratch;
    ScatteredBuffer a(100, 2, 1), b(101, 2, 2), out(100, 1, 3);
    dmover_request r{};
    r.out = buffer_of(out.iov());
    r.in[0] = buffer_of(a.iov());
    r.in[1] = buffer_of(b.iov());
    EXPECT_EQ(execute(fn("xor2"), r, getpid(), scratch).error, EINVAL);
    r.in[1] = {};
    r.out = buffer_of(b.iov());
    EXPECT_EQ(execute(fn("copy"), r, getpid(), scratch).error, EINVAL);
    EXPECT_TRUE(b.guards_intact());
}

TEST(Executor, OverflowingLengthsAreEinval) {
    Scratch scratch;
    char byte = 0;
    std::vector<iovec> huge = {{&byte, SIZE_MAX / 2 + 1}, {&byte, SIZE_MAX / 2 + 1}};
    dmover_request r{};
    r.out = buffer_of(huge);
    EXPECT_EQ(execute(fn("zero"), r, getpid(), scratch).error, EINVAL);
    dmover_request c{};
    c.in[0] = buffer_of(huge);
    EXPECT_EQ(execute(fn("crc32c"), c, getpid(), scratch).error, EINVAL);
}

TEST(Executor, TooManyIovecsAreEinval) {
    Scratch scratch;
    ScatteredBuffer out(1000, DMOVER_MAX_IOV + 1, 5);
    dmover_request r{};
    r.out = buffer_of(out.iov());
    EXPECT_EQ(execute(fn("zero"), r, getpid(), scratch).error, EINVAL);
    EXPECT_TRUE(out.guards_intact());
}

// An address range nobody may access: reserved with PROT_NONE for the whole
// test, so that no later allocation (an allocator's mmap, ASan's shadow) can
// land in it the way it could in an unmapped hole.
struct Hole {
    Hole() {
        size = 256 * 1024;
        p = static_cast<char*>(mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    }
    ~Hole() { munmap(p, size); }
    char* p;
    size_t size;
};

TEST(Executor, InaccessibleAddressesAreEfault) {
    Scratch scratch;
    Hole hole;
    auto data = random_bytes(400000, 4);
    // An input whose second piece is unmapped, past the first chunk.
    std::vector<iovec> bad_in = {{data.data(), 300000}, {hole.p, 100000}};
    std::vector<unsigned char> out_mem(400000, 0);
    std::vector<iovec> out = {{out_mem.data(), out_mem.size()}};
    dmover_request r{};
    r.out = buffer_of(out);
    r.in[0] = buffer_of(bad_in);
    EXPECT_EQ(execute(fn("copy"), r, getpid(), scratch).error, EFAULT);
    // An output in read-only memory.
    void* ro = mmap(nullptr, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    std::vector<iovec> ro_out = {{ro, 8192}};
    std::vector<iovec> good_in = {{data.data(), 8192}};
    r.out = buffer_of(ro_out);
    r.in[0] = buffer_of(good_in);
    EXPECT_EQ(execute(fn("copy"), r, getpid(), scratch).error, EFAULT);
    munmap(ro, 8192);
    // The iovec array itself unmapped.
    r.out = dmover_buffer{reinterpret_cast<uint64_t>(hole.p), 1, 0};
    EXPECT_EQ(execute(fn("copy"), r, getpid(), scratch).error, EFAULT);
    // A null iovec array with a count.
    dmover_request z{};
    z.out = dmover_buffer{0, 2, 0};
    EXPECT_EQ(execute(fn("zero"), z, getpid(), scratch).error, EFAULT);
}

TEST(Executor, GoneProcessIsEsrch) {
    Scratch scratch;
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);
    std::vector<unsigned char> mem(10);
    std::vector<iovec> out = {{mem.data(), mem.size()}};
    dmover_request r{};
    r.out = buffer_of(out);
    EXPECT_EQ(execute(fn("zero"), r, child, scratch).error, ESRCH);
}

TEST(Executor, CancelStopsBetweenChunks) {
    Scratch scratch;
    std::vector<unsigned char> mem(1 << 20);
    std::vector<iovec> out = {{mem.data(), mem.size()}};
    dmover_request r{};
    r.out = buffer_of(out);
    std::atomic<bool> cancel{true};
    EXPECT_EQ(execute(fn("zero"), r, getpid(), scratch, &cancel).error, ECANCELED);
}

}  // namespace
}  // namespace dmover

namespace dmover {
namespace {

TEST(ThreadGroup, ThreadsResolveToTheirProcess) {
    ThreadGroupCache cache;
    EXPECT_EQ(thread_group_of(getpid()), getpid());
    pid_t tid = 0, resolved = 0, cached = 0;
    std::thread([&] {
        tid = gettid();
        resolved = thread_group_of(tid);
        cache.resolve(tid);
        cached = cache.resolve(tid);  // the re-checked hit
    }).join();
    EXPECT_NE(tid, getpid());
    EXPECT_EQ(resolved, getpid());
    EXPECT_EQ(cached, getpid());
    EXPECT_EQ(cache.resolve(getpid()), getpid());
}

}  // namespace
}  // namespace dmover
