// The steady-state request path allocates nothing: requests decoded in place,
// in-flight slots recycled, replies encoded on the stack.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "core_harness.hpp"

namespace {
std::atomic<long> g_allocations{0};
}

// Counting replacements of the global allocation functions. GCC 12 flags
// free() inside a replaced operator delete as mismatched; it is not.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace fusex {
namespace {

class StaticFs : public Filesystem {
  public:
    void getattr(const GetattrRequest& req, ReplyAttr reply) override {
        Attr a;
        a.ino = req.node;
        a.mode = S_IFREG | 0644;
        a.size = sizeof data_;
        std::move(reply).attr(a, 1.0);
    }
    void read(const ReadRequest& req, ReplyData reply) override {
        size_t off = std::min<size_t>(req.offset, sizeof data_);
        size_t n = std::min<size_t>(req.size, sizeof data_ - off);
        std::move(reply).data(std::span<const std::byte>(data_ + off, n));
    }
    void write(const WriteRequest& req, ReplyWrite reply) override { std::move(reply).written(req.data.size()); }

  private:
    std::byte data_[8192] = {};
};

TEST(HotPath, GetattrReadWriteAllocateNothingInSteadyState) {
    StaticFs fs;
    testing::CoreHarness h(fs);
    h.init();

    abi::fuse_getattr_in getattr{};
    abi::fuse_read_in read{};
    read.size = 4096;
    struct {
        abi::fuse_write_in in;
        char data[512];
    } write{};
    write.in.size = sizeof write.data;

    auto round = [&](uint64_t unique) {
        abi::fuse_out_header out{};
        h.send(abi::FUSE_GETATTR, unique, 2, &getattr, sizeof getattr);
        ASSERT_TRUE(h.reply_header(&out));
        ASSERT_EQ(out.error, 0);
        ASSERT_EQ(out.unique, unique);
        h.send(abi::FUSE_READ, unique + 2, 2, &read, sizeof read);
        ASSERT_TRUE(h.reply_header(&out));
        ASSERT_EQ(out.len, sizeof out + 4096);
        h.send(abi::FUSE_WRITE, unique + 4, 2, &write, sizeof write);
        ASSERT_TRUE(h.reply_header(&out));
        ASSERT_EQ(out.error, 0);
    };
    for (uint64_t u = 10; u < 100; u += 6) round(u);  // warm-up: slots, buffers
    long before = g_allocations.load();
    for (uint64_t u = 1000; u < 1000 + 6 * 2000; u += 6) round(u);
    EXPECT_EQ(g_allocations.load() - before, 0) << "allocations on the steady-state request path";
}

}  // namespace
}  // namespace fusex
