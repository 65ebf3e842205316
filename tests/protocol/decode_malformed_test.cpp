// Hostile and broken input: decode() must reject it with the right error,
// never crash, never read outside the buffer (run under ASan), never allocate.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "protocol/decode.hpp"
#include "request_builder.hpp"
#include "samples.hpp"

// Counts heap allocations so the tests can prove decode() makes none.
namespace {
std::atomic<long> g_allocations{0};
}
// noinline: once inlined, GCC pairs the malloc/free inside with new/delete
// at call sites and warns about a mismatch that is not there.
[[gnu::noinline]] void* operator new(size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace fusex::test {
namespace {

using namespace abi;
using protocol::decode;
using protocol::Decoded;

Decoded decode_vec(const std::vector<std::byte>& b, const protocol::DecodeParams& p = {}) {
    return decode(std::span<const std::byte>(b.data(), b.size()), p);
}

TEST(DecodeMalformed, ShortHeaderIsEprotoWithoutReply) {
    std::vector<std::byte> full = Req(FUSE_LOOKUP).name("x").bytes();
    for (size_t n = 0; n < sizeof(fuse_in_header); ++n) {
        // An exact-size heap copy so ASan sees any over-read.
        std::vector<std::byte> b(full.begin(), full.begin() + static_cast<long>(n));
        set_len(b, static_cast<uint32_t>(n));
        Decoded d = decode_vec(b);
        EXPECT_EQ(d.error, EPROTO) << n;
        EXPECT_FALSE(d.needs_reply) << n;
        EXPECT_STRNE(d.why, "");
        EXPECT_TRUE(std::holds_alternative<std::monostate>(d.request));
    }
}

TEST(DecodeMalformed, LengthMismatchIsEio) {
    std::vector<std::byte> b = Req(FUSE_LOOKUP).name("abc").bytes();
    for (uint32_t len : {0u, 40u, static_cast<uint32_t>(b.size() - 1), static_cast<uint32_t>(b.size() + 1), 0xffffffffu}) {
        set_len(b, len);
        Decoded d = decode_vec(b);
        EXPECT_EQ(d.error, EIO) << len;
        EXPECT_TRUE(d.needs_reply);
        EXPECT_EQ(d.header.unique, kUnique);  // the caller can still fail this request
        EXPECT_TRUE(std::holds_alternative<std::monostate>(d.request));
    }
}

TEST(DecodeMalformed, ForgetNeverGetsAReplyEvenWhenBroken) {
    std::vector<std::byte> b = Req(FUSE_FORGET).arg(fuse_forget_in{1}, 4).bytes();
    Decoded d = decode_vec(b);
    EXPECT_EQ(d.error, EINVAL);
    EXPECT_FALSE(d.needs_reply);
    set_len(b, 999);
    d = decode_vec(b);
    EXPECT_EQ(d.error, EIO);
    EXPECT_FALSE(d.needs_reply);
}

// Every opcode, every prefix length, with header.len patched to match: the
// argument checks must catch it. And with header.len left alone: the
// framing check must.
TEST(DecodeMalformed, EveryOpcodeTruncatedAtEveryLength) {
    for (const Sample& s : valid_samples()) {
        Decoded whole = decode_vec(s.bytes, s.params);
        ASSERT_EQ(whole.error, 0) << s.label << ": " << whole.why;
        for (size_t n = 0; n < s.bytes.size(); ++n) {
            std::vector<std::byte> b(s.bytes.begin(), s.bytes.begin() + static_cast<long>(n));
            Decoded framing = decode_vec(b, s.params);
            EXPECT_NE(framing.error, 0) << s.label << " len " << n;
            set_len(b, static_cast<uint32_t>(n));
            Decoded d = decode_vec(b, s.params);
            if (n < sizeof(fuse_in_header)) {
                EXPECT_EQ(d.error, EPROTO) << s.label << " len " << n;
            } else if (n >= s.min_valid_len) {
                EXPECT_EQ(d.error, 0) << s.label << " len " << n << ": " << d.why;
            } else {
                EXPECT_EQ(d.error, EINVAL) << s.label << " len " << n;
                EXPECT_TRUE(std::holds_alternative<std::monostate>(d.request)) << s.label;
                EXPECT_STRNE(d.why, "") << s.label;
            }
        }
    }
}

TEST(DecodeMalformed, NamesMustBeNulTerminated) {
    // The name runs to the end of the request without its NUL.
    for (uint32_t op : {uint32_t{FUSE_LOOKUP}, uint32_t{FUSE_UNLINK}, uint32_t{FUSE_RMDIR}, uint32_t{FUSE_REMOVEXATTR}}) {
        Decoded d = decode_vec(Req(op).data("no-nul").bytes());
        EXPECT_EQ(d.error, EINVAL) << op;
    }
    EXPECT_EQ(decode_vec(Req(FUSE_MKDIR).arg(fuse_mkdir_in{}).data("d").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_MKNOD).arg(fuse_mknod_in{}).data("n").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_CREATE).arg(fuse_create_in{}).data("c").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_LINK).arg(fuse_link_in{}).data("l").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_GETXATTR).arg(fuse_getxattr_in{}).data("user.a").bytes()).error, EINVAL);
    // Second strings.
    EXPECT_EQ(decode_vec(Req(FUSE_SYMLINK).name("l").data("target").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_RENAME).arg(fuse_rename_in{}).name("a").data("b").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_RENAME2).arg(fuse_rename2_in{}).name("a").data("b").bytes()).error, EINVAL);
}

TEST(DecodeMalformed, NamesMustNotBeEmpty) {
    EXPECT_EQ(decode_vec(Req(FUSE_LOOKUP).name("").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_SYMLINK).name("").name("t").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_SYMLINK).name("l").name("").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_RENAME).arg(fuse_rename_in{}).name("").name("b").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_RENAME).arg(fuse_rename_in{}).name("a").name("").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_LINK).arg(fuse_link_in{}).name("").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_CREATE).arg(fuse_create_in{}).name("").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_SETXATTR).arg(fuse_setxattr_in{}, 8).name("").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_LOOKUP).bytes()).error, EINVAL);  // no name at all
}

TEST(DecodeMalformed, BytesAfterTheLastNameAreRejected) {
    EXPECT_EQ(decode_vec(Req(FUSE_LOOKUP).name("a").data("junk").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_RENAME).arg(fuse_rename_in{}).name("a").name("b").name("c").bytes()).error, EINVAL);
}

TEST(DecodeMalformed, WritePayloadMustMatchSize) {
    fuse_write_in w{};
    w.size = 5;
    EXPECT_EQ(decode_vec(Req(FUSE_WRITE).arg(w).data("1234").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_WRITE).arg(w).data("123456").bytes()).error, EINVAL);
    EXPECT_EQ(decode_vec(Req(FUSE_WRITE).arg(w).data("12345").bytes()).error, 0);
    w.size = 0xffffffff;
    EXPECT_EQ(decode_vec(Req(FUSE_WRITE).arg(w).data("12345").bytes()).error, EINVAL);
}

TEST(DecodeMalformed, SetxattrLayoutMustMatchNegotiation) {
    // A 16-byte (extended) struct decoded as 8-byte compat leaves stray
    // bytes before the name: the name then is "" (setxattr_flags = 0 is
    // four NULs) and must be rejected rather than misread.
    fuse_setxattr_in in{2, 0, 0, 0};
    EXPECT_EQ(decode_vec(Req(FUSE_SETXATTR).arg(in).name("user.x").data("vv").bytes()).error, EINVAL);
    // Compat bytes under an EXT connection: the value size cannot match.
    protocol::DecodeParams p;
    p.setxattr_ext = true;
    EXPECT_EQ(decode_vec(Req(FUSE_SETXATTR).arg(in, 8).name("user.x").data("vv").bytes(), p).error, EINVAL);
    // Value size mismatch.
    in.size = 3;
    EXPECT_EQ(decode_vec(Req(FUSE_SETXATTR).arg(in, 8).name("user.x").data("vv").bytes()).error, EINVAL);
}

TEST(DecodeMalformed, OversizedCounts) {
    fuse_forget_one f{1, 1};
    for (uint32_t count : {2u, 0x10000000u, 0xffffffffu}) {
        Decoded d = decode_vec(Req(FUSE_BATCH_FORGET).arg(fuse_batch_forget_in{count, 0}).raw(&f, sizeof f).bytes());
        EXPECT_EQ(d.error, EINVAL) << count;
        EXPECT_FALSE(d.needs_reply);
    }
    // Too few entries claimed for the bytes present.
    fuse_forget_one two[2] = {{1, 1}, {2, 2}};
    EXPECT_EQ(decode_vec(Req(FUSE_BATCH_FORGET).arg(fuse_batch_forget_in{1, 0}).raw(two, sizeof two).bytes()).error,
              EINVAL);
    fuse_ioctl_in io{};
    io.in_size = 0xffffffff;
    EXPECT_EQ(decode_vec(Req(FUSE_IOCTL).arg(io).data("x").bytes()).error, EINVAL);
    io.in_size = 0;
    EXPECT_EQ(decode_vec(Req(FUSE_IOCTL).arg(io).data("x").bytes()).error, EINVAL);
    fuse_notify_retrieve_in nr{};
    nr.size = 100;
    EXPECT_EQ(decode_vec(Req(FUSE_NOTIFY_REPLY).arg(nr).data("short").bytes()).error, EINVAL);
}

TEST(DecodeMalformed, ExtensionLongerThanRequest) {
    Decoded d = decode_vec(Req(FUSE_LOOKUP).name("a").extlen(1).bytes());  // 8 > 2 arg bytes
    EXPECT_EQ(d.error, EINVAL);
    d = decode_vec(Req(FUSE_GETATTR).arg(fuse_getattr_in{}).extlen(0xffff).bytes());
    EXPECT_EQ(d.error, EINVAL);
}

TEST(DecodeMalformed, DecodeDoesNotAllocate) {
    std::vector<Sample> samples = valid_samples();
    long before = g_allocations.load();
    size_t ok = 0;
    for (const Sample& s : samples) {
        Decoded d = decode_vec(s.bytes, s.params);
        ok += d.error == 0;
        std::vector<std::byte>::size_type n = s.bytes.size() / 2;
        Decoded t = decode(std::span<const std::byte>(s.bytes.data(), n), s.params);
        (void)t;
    }
    EXPECT_EQ(g_allocations.load() - before, 0);
    EXPECT_EQ(ok, samples.size());
}

// Checks that every view in a decoded request lies inside the input.
struct ViewCheck {
    const std::byte* lo;
    const std::byte* hi;
    bool inside(const void* p, size_t n) const {
        auto* b = static_cast<const std::byte*>(p);
        return n == 0 || (b >= lo && b + n <= hi);
    }
    bool name(std::string_view s) const {
        return !s.empty() && inside(s.data(), s.size()) && s.find('\0') == std::string_view::npos;
    }
};

bool views_ok(const Decoded& d, const ViewCheck& c) {
    return std::visit(
        [&](const auto& r) -> bool {
            using R = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<R, LookupRequest> || std::is_same_v<R, UnlinkRequest> ||
                          std::is_same_v<R, RmdirRequest> || std::is_same_v<R, MknodRequest> ||
                          std::is_same_v<R, MkdirRequest> || std::is_same_v<R, CreateRequest> ||
                          std::is_same_v<R, GetxattrRequest> || std::is_same_v<R, RemovexattrRequest>) {
                return c.name(r.name);
            } else if constexpr (std::is_same_v<R, SymlinkRequest>) {
                return c.name(r.name) && c.name(r.target);
            } else if constexpr (std::is_same_v<R, RenameRequest>) {
                return c.name(r.name) && c.name(r.new_name);
            } else if constexpr (std::is_same_v<R, LinkRequest>) {
                return c.name(r.new_name);
            } else if constexpr (std::is_same_v<R, SetxattrRequest>) {
                return c.name(r.name) && c.inside(r.value.data(), r.value.size());
            } else if constexpr (std::is_same_v<R, WriteRequest>) {
                return c.inside(r.data.data(), r.data.size());
            } else if constexpr (std::is_same_v<R, IoctlRequest>) {
                return c.inside(r.in.data(), r.in.size());
            } else if constexpr (std::is_same_v<R, protocol::NotifyReplyRequest>) {
                return c.inside(r.data.data(), r.data.size());
            } else if constexpr (std::is_same_v<R, BatchForgetRequest>) {
                return c.inside(r.raw, size_t{r.count} * sizeof(fuse_forget_one));
            } else if constexpr (std::is_same_v<R, std::monostate>) {
                return d.error != 0;  // an empty request only with an error
            } else {
                return true;
            }
        },
        d.request);
}

// Seeded random and mutated inputs; run under ASan/UBSan this proves decode
// reads only inside the buffer. Each input sits in its own exact-size heap
// block so an over-read hits a redzone.
TEST(DecodeFuzz, RandomAndMutatedInputsNeverMisbehave) {
    std::mt19937_64 rng(20261125);
    const std::vector<Sample> samples = valid_samples();
    std::uniform_int_distribution<int> byte(0, 255);
    size_t decoded_ok = 0, total = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    for (int i = 0; i < 300000; ++i) {
        if ((i & 1023) == 0 && std::chrono::steady_clock::now() > deadline) break;
        std::vector<std::byte> b;
        protocol::DecodeParams p;
        p.minor = static_cast<uint32_t>(rng() % 46);
        p.setxattr_ext = rng() & 1;
        switch (rng() % 3) {
            case 0: {  // pure noise, sometimes with a consistent len
                b.resize(rng() % 160);
                for (auto& x : b) x = static_cast<std::byte>(byte(rng));
                if (rng() & 1) set_len(b, static_cast<uint32_t>(b.size()));
                break;
            }
            case 1: {  // a valid header for a random opcode over noise
                b.resize(sizeof(fuse_in_header) + rng() % 120);
                for (auto& x : b) x = static_cast<std::byte>(byte(rng) % 4 == 0 ? 0 : byte(rng));
                fuse_in_header h{};
                h.len = static_cast<uint32_t>(b.size());
                h.opcode = static_cast<uint32_t>(rng() % 56);
                h.total_extlen = static_cast<uint16_t>(rng() % 8 == 0 ? rng() % 20 : 0);
                std::memcpy(b.data(), &h, sizeof h);
                break;
            }
            default: {  // a valid sample with a few bytes flipped, resized
                const Sample& s = samples[rng() % samples.size()];
                b = s.bytes;
                p = s.params;
                const int flips = 1 + static_cast<int>(rng() % 4);
                for (int k = 0; k < flips; ++k) {
                    size_t at = sizeof(uint32_t) + rng() % (b.size() - sizeof(uint32_t));
                    b[at] = static_cast<std::byte>(byte(rng));
                }
                if (rng() % 4 == 0) b.resize(rng() % (b.size() + 16));
                set_len(b, static_cast<uint32_t>(b.size()));
                break;
            }
        }
        std::unique_ptr<std::byte[]> exact(new std::byte[b.size() ? b.size() : 1]);
        if (!b.empty()) std::memcpy(exact.get(), b.data(), b.size());
        Decoded d = decode(std::span<const std::byte>(exact.get(), b.size()), p);
        ++total;
        decoded_ok += d.error == 0;
        ASSERT_TRUE(views_ok(d, ViewCheck{exact.get(), exact.get() + b.size()})) << "input " << i;
        ASSERT_TRUE(d.error == 0 || d.error == EPROTO || d.error == EIO || d.error == EINVAL || d.error == ENOSYS);
        if (d.error != 0) {
            ASSERT_STRNE(d.why, "");
        }
        if ((i & 63) == 0) {  // the -d logger sees the same inputs
            std::string line = protocol::describe(d);
            ASSERT_FALSE(line.empty());
            ASSERT_EQ(line.find('\n'), std::string::npos);
        }
    }
    RecordProperty("inputs", static_cast<int>(total));
    RecordProperty("decoded_ok", static_cast<int>(decoded_ok));
    EXPECT_GT(total, 20000u);       // the loop really ran (even on a loaded machine)
    EXPECT_GT(decoded_ok, 1000u);   // and reached deep into the decoders
}

}  // namespace
}  // namespace fusex::test
