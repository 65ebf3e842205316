// What each Notifier call puts on the wire, read back from a socketpair that
// stands in for /dev/fuse, and how NOTIFY_REPLY finds its retrieve callback.
#include <gtest/gtest.h>

#include <cstring>
#include <span>

#include "flat_fs.hpp"
#include "raw_session.hpp"

namespace fusex::test {
namespace {

using namespace std::chrono_literals;

template <class T>
T body_of(const OutMessage& m) {
    T t{};
    EXPECT_GE(m.payload.size(), sizeof t);
    std::memcpy(&t, m.payload.data(), std::min(sizeof t, m.payload.size()));
    return t;
}

std::string tail_of(const OutMessage& m, size_t skip) {
    return std::string(reinterpret_cast<const char*>(m.payload.data()) + skip, m.payload.size() - skip);
}

class NotifyWire : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(raw.init(cap::kHasExpireOnly)); }
    Notifier& notifier() { return raw.session().notifier(); }
    OutMessage expect_notify(uint32_t code) {
        auto m = raw.next();
        EXPECT_TRUE(m);
        if (!m) return {};
        EXPECT_EQ(m->header.unique, 0u) << "notifications have unique 0";
        EXPECT_EQ(m->header.error, static_cast<int32_t>(code)) << "the code travels in `error`";
        return *m;
    }
    FlatFs fs;
    RawSession raw{fs};
};

TEST_F(NotifyWire, InvalInode) {
    ASSERT_EQ(notifier().inval_inode(7, 4096, -1), 0);
    auto m = expect_notify(abi::FUSE_NOTIFY_INVAL_INODE);
    auto b = body_of<abi::fuse_notify_inval_inode_out>(m);
    EXPECT_EQ(m.payload.size(), sizeof b);
    EXPECT_EQ(b.ino, 7u);
    EXPECT_EQ(b.off, 4096);
    EXPECT_EQ(b.len, -1);
}

TEST_F(NotifyWire, InvalEntryAndExpireOnly) {
    ASSERT_EQ(notifier().inval_entry(1, "some name"), 0);
    auto m = expect_notify(abi::FUSE_NOTIFY_INVAL_ENTRY);
    auto b = body_of<abi::fuse_notify_inval_entry_out>(m);
    EXPECT_EQ(b.parent, 1u);
    EXPECT_EQ(b.namelen, 9u);
    EXPECT_EQ(b.flags, 0u);
    EXPECT_EQ(tail_of(m, sizeof b), std::string("some name\0", 10)) << "name, then a NUL";

    ASSERT_EQ(notifier().inval_entry(1, "n", true), 0);
    auto e = body_of<abi::fuse_notify_inval_entry_out>(expect_notify(abi::FUSE_NOTIFY_INVAL_ENTRY));
    EXPECT_EQ(e.flags, abi::FUSE_EXPIRE_ONLY);
}

TEST_F(NotifyWire, Delete) {
    ASSERT_EQ(notifier().delete_entry(3, 9, "gone"), 0);
    auto m = expect_notify(abi::FUSE_NOTIFY_DELETE);
    auto b = body_of<abi::fuse_notify_delete_out>(m);
    EXPECT_EQ(b.parent, 3u);
    EXPECT_EQ(b.child, 9u);
    EXPECT_EQ(b.namelen, 4u);
    EXPECT_EQ(tail_of(m, sizeof b), std::string("gone\0", 5));
}

TEST_F(NotifyWire, StoreCarriesTheData) {
    std::string data(10000, 'q');
    ASSERT_EQ(notifier().store(5, 8192, std::as_bytes(std::span(data.data(), data.size()))), 0);
    auto m = expect_notify(abi::FUSE_NOTIFY_STORE);
    auto b = body_of<abi::fuse_notify_store_out>(m);
    EXPECT_EQ(b.nodeid, 5u);
    EXPECT_EQ(b.offset, 8192u);
    EXPECT_EQ(b.size, 10000u);
    EXPECT_EQ(tail_of(m, sizeof b), data);
}

TEST_F(NotifyWire, PollAndResend) {
    ASSERT_EQ(notifier().poll_wakeup(0x1234), 0);
    EXPECT_EQ(body_of<abi::fuse_notify_poll_wakeup_out>(expect_notify(abi::FUSE_NOTIFY_POLL)).kh, 0x1234u);
    ASSERT_EQ(notifier().resend(), 0);
    EXPECT_TRUE(expect_notify(abi::FUSE_NOTIFY_RESEND).payload.empty());
}

// A message the negotiated protocol lacks is refused locally (ENOSYS)
// instead of reaching a kernel that would reject or misread it.
TEST(NotifyWireOld, MessagesNeedTheirProtocolMinor) {
    struct Case {
        uint32_t minor;
        bool delete_ok, store_ok, resend_ok;
    };
    for (Case c : {Case{14, false, false, false}, Case{17, false, true, false}, Case{39, true, true, false},
                   Case{40, true, true, true}}) {
        SCOPED_TRACE(c.minor);
        FlatFs fs;
        RawSession raw(fs);
        ASSERT_TRUE(raw.init(0, c.minor));
        Notifier& n = raw.session().notifier();
        std::string d = "x";
        auto data = std::as_bytes(std::span(d.data(), d.size()));
        EXPECT_EQ(n.delete_entry(1, 2, "a"), c.delete_ok ? 0 : -ENOSYS);
        EXPECT_EQ(n.store(2, 0, data), c.store_ok ? 0 : -ENOSYS);
        EXPECT_EQ(n.retrieve(2, 0, 1, [](uint64_t, std::span<const std::byte>) {}), c.store_ok ? 0 : -ENOSYS);
        EXPECT_EQ(n.resend(), c.resend_ok ? 0 : -ENOSYS);
        EXPECT_EQ(n.inval_inode(2, 0, 0), 0);
        // Without FUSE_HAS_EXPIRE_ONLY offered, expire_only is refused.
        EXPECT_EQ(n.inval_entry(1, "a", true), -ENOSYS);
        EXPECT_EQ(n.inval_entry(1, "a", false), 0);
        while (raw.next(0ms)) {
        }
    }
}

TEST_F(NotifyWire, RetrieveRepliesFindTheirOwnCallbacks) {
    std::string got_a, got_b;
    int calls = 0;
    auto keep = [&calls](std::string& into) {
        return [&calls, &into](uint64_t off, std::span<const std::byte> d) {
            ++calls;
            into = std::to_string(off) + ":" + std::string(reinterpret_cast<const char*>(d.data()), d.size());
        };
    };
    ASSERT_EQ(notifier().retrieve(4, 100, 50, keep(got_a)), 0);
    auto a = body_of<abi::fuse_notify_retrieve_out>(expect_notify(abi::FUSE_NOTIFY_RETRIEVE));
    ASSERT_EQ(notifier().retrieve(4, 0, 10, keep(got_b)), 0);
    auto b = body_of<abi::fuse_notify_retrieve_out>(expect_notify(abi::FUSE_NOTIFY_RETRIEVE));
    EXPECT_EQ(a.nodeid, 4u);
    EXPECT_EQ(a.offset, 100u);
    EXPECT_EQ(a.size, 50u);
    EXPECT_NE(a.notify_unique, b.notify_unique);

    // Answered out of order, each to its own callback; the kernel's
    // NOTIFY_REPLY carries notify_unique as its unique.
    raw.handle(notify_reply_request(b.notify_unique, 4, 0, "bbbb"));
    raw.handle(notify_reply_request(a.notify_unique, 4, 100, "aaaa"));
    EXPECT_EQ(got_a, "100:aaaa");
    EXPECT_EQ(got_b, "0:bbbb");
    // A second reply for the same id (or an unknown one) is ignored.
    raw.handle(notify_reply_request(a.notify_unique, 4, 100, "again"));
    raw.handle(notify_reply_request(999999, 4, 0, "who"));
    EXPECT_EQ(calls, 2);
    EXPECT_FALSE(raw.next(50ms)) << "NOTIFY_REPLY takes no answer";
}

TEST_F(NotifyWire, ThrowingRetrieveCallbackDoesNotEscapeTheWorker) {
    ASSERT_EQ(notifier().retrieve(4, 0, 10, [](uint64_t, std::span<const std::byte>) {
        throw std::runtime_error("callback bug");
    }), 0);
    auto r = body_of<abi::fuse_notify_retrieve_out>(expect_notify(abi::FUSE_NOTIFY_RETRIEVE));
    EXPECT_NO_THROW(raw.handle(notify_reply_request(r.notify_unique, 4, 0, "data")));
}

}  // namespace
}  // namespace fusex::test
