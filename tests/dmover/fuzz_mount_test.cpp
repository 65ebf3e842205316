// Random, mostly malformed requests through a real mount: every one must
// come back as a completion with 0, EINVAL or EFAULT, and the daemon must
// keep serving. Buffers point into a sandbox between guard pages, at
// unmapped or null addresses, or carry absurd counts and lengths.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "dmover_client.hpp"
#include "mount_fixture.hpp"

namespace dmover_test {
namespace {

class Sandbox {
  public:
    static constexpr size_t kSize = 8 << 20, kPage = 4096;
    Sandbox() {
        auto* p = static_cast<unsigned char*>(
            mmap(nullptr, kSize + 2 * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        base_ = p;
        data_ = p + kPage;
        mprotect(data_, kSize, PROT_READ | PROT_WRITE);
    }
    ~Sandbox() { munmap(base_, kSize + 2 * kPage); }
    unsigned char* data() const { return data_; }
    unsigned char* guard() const { return base_; }

  private:
    unsigned char* base_;
    unsigned char* data_;
};

TEST(FuzzMount, RandomRequestsNeverCrashTheDaemon) {
    DmoverMount m(120);
    DMOVER_REQUIRE_MOUNT(m);
    Sandbox box;
    std::mt19937_64 rng(12345);
    auto pick = [&](uint64_t n) { return rng() % n; };
    const char* functions[] = {"zero", "fill8", "copy", "xor2", "xor5", "xor16", "crc32c"};
    // iovec arrays live in the sandbox's upper half, data in the lower one.
    iovec* arrays = reinterpret_cast<iovec*>(box.data() + Sandbox::kSize / 2);
    const size_t array_slots = Sandbox::kSize / 2 / sizeof(iovec);
    const size_t data_size = Sandbox::kSize / 2;
    size_t total = 0;
    for (const char* fn : functions) {
        SCOPED_TRACE(fn);
        dmover::Device dev(m.device(), fn);
        std::vector<dmover_request> reqs(300);
        size_t next_slot = 0;
        auto random_iovec = [&]() -> iovec {
            switch (pick(6)) {
                case 0: return {nullptr, pick(100)};
                case 1: return {box.guard() + pick(4096), 1 + pick(4096)};
                case 2: return {reinterpret_cast<void*>(rng()), pick(1 << 20)};
                case 3: return {box.data() + pick(data_size), size_t(rng())};
                default: {
                    size_t off = pick(data_size);
                    return {box.data() + off, pick(data_size - off + 1)};
                }
            }
        };
        auto random_buffer = [&]() -> dmover_buffer {
            switch (pick(8)) {
                case 0: return {};
                case 1: return {rng(), uint32_t(pick(100)), 0};
                case 2: return {reinterpret_cast<uint64_t>(box.guard()), 1 + uint32_t(pick(8)), 0};
                case 3: return {0, 1 + uint32_t(pick(4)), uint32_t(pick(2))};
                default: {
                    uint32_t n = uint32_t(pick(DMOVER_MAX_IOV + 3));
                    if (next_slot + n > array_slots) next_slot = 0;
                    for (uint32_t i = 0; i < n; ++i) arrays[next_slot + i] = random_iovec();
                    dmover_buffer b{reinterpret_cast<uint64_t>(arrays + next_slot), n, 0};
                    next_slot += n;
                    return b;
                }
            }
        };
        const std::string name = fn;
        const unsigned inputs = name == "zero" || name == "fill8" ? 0
                                : name == "copy" || name == "crc32c" ? 1 : unsigned(std::stoul(name.substr(3)));
        const bool has_out = name != "crc32c";
        // A buffer of exactly `len` bytes in valid memory, cut in random
        // pieces, sometimes with one piece spoiled.
        auto shaped_buffer = [&](size_t len) -> dmover_buffer {
            uint32_t n = 1 + uint32_t(pick(8));
            if (next_slot + n > array_slots) next_slot = 0;
            size_t left = len;
            for (uint32_t i = 0; i < n; ++i) {
                size_t piece = i + 1 == n ? left : pick(left + 1);
                arrays[next_slot + i] = {box.data() + pick(data_size - piece + 1), piece};
                left -= piece;
            }
            if (pick(40) == 0) arrays[next_slot + pick(n)] = random_iovec();
            if (pick(20) == 0) arrays[next_slot + pick(n)].iov_base = box.guard();  // same length, no access
            dmover_buffer b{reinterpret_cast<uint64_t>(arrays + next_slot), n, 0};
            next_slot += n;
            return b;
        };
        for (size_t k = 0; k < reqs.size(); ++k) {
            dmover_request& r = reqs[k];
            r = {};
            r.id = k;
            if (pick(2) == 0) {  // well formed but for what shaped_buffer spoils
                const size_t len = pick(3) == 0 ? pick(100) : pick(200000);
                r.immediate = name == "fill8" || name == "crc32c" ? pick(256) : 0;
                if (has_out) r.out = shaped_buffer(len);
                for (unsigned i = 0; i < inputs; ++i) r.in[i] = shaped_buffer(pick(40) == 0 ? len + 1 : len);
                continue;
            }
            r.immediate = pick(4) == 0 ? rng() : pick(256);
            r.out = random_buffer();
            for (unsigned i = 0; i < DMOVER_MAX_INPUTS; ++i)
                if (pick(3) != 0) r.in[i] = random_buffer();
        }
        std::vector<int> seen(reqs.size(), 0);
        int errors[3] = {0, 0, 0};
        // Requests may run at the same time and overwrite each other's iovec
        // arrays only in the sandbox: the results are not checked, only that
        // each completes once with a sane error.
        dev.run(reqs, [&](const dmover_completion& c) {
            ASSERT_LT(c.id, reqs.size());
            ++seen[c.id];
            EXPECT_TRUE(c.error == 0 || c.error == EINVAL || c.error == EFAULT) << c.error;
            ++errors[c.error == 0 ? 0 : c.error == EINVAL ? 1 : 2];
        });
        for (int s : seen) EXPECT_EQ(s, 1);
        total += reqs.size();
        // Each kind of outcome occurs, or the fuzzing tests less than it seems.
        EXPECT_GT(errors[0], 0);
        EXPECT_GT(errors[1], 0);
        EXPECT_GT(errors[2], 0);
        std::printf("%s: %d ok, %d EINVAL, %d EFAULT\n", fn, errors[0], errors[1], errors[2]);
    }
    EXPECT_EQ(total, 300 * std::size(functions));
    EXPECT_TRUE(m.daemon_alive());
}

}  // namespace
}  // namespace dmover_test
