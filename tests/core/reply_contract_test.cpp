// A reply is answered exactly once: twice throws, never answers EIO, an
// escaped exception answers EIO, and a reply can be answered from another
// thread after the handler returned.
#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "core_harness.hpp"

namespace fusex {
namespace {

class ContractFs : public Filesystem {
  public:
    std::optional<ReplyEmpty> parked;
    bool twice_threw = false;

    void unlink(const UnlinkRequest& req, ReplyEmpty reply) override {
        if (req.name == "twice") {
            std::move(reply).ok();
            try {
                std::move(reply).ok();
            } catch (const ReplyError&) {
                twice_threw = true;
            }
        } else if (req.name == "forget") {
            // dropped unanswered
        } else if (req.name == "throw") {
            throw std::runtime_error("boom");
        } else if (req.name == "later") {
            parked.emplace(std::move(reply));
        } else {
            std::move(reply).error(ENOENT);
        }
    }
};

class ReplyContract : public ::testing::Test {
  protected:
    ContractFs fs;
    testing::CoreHarness h{fs};
    void SetUp() override { h.init(); }
    testing::CoreHarness::Reply unlink(uint64_t unique, std::string_view name) {
        std::string tail(name);
        tail.push_back('\0');
        h.send(abi::FUSE_UNLINK, unique, 1, nullptr, 0, tail);
        return h.reply();
    }
};

TEST_F(ReplyContract, AnsweringTwiceThrowsAndSendsOnce) {
    auto r = unlink(10, "twice");
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.header.error, 0);
    EXPECT_TRUE(fs.twice_threw);
    EXPECT_FALSE(h.reply().ok) << "a second reply went out";
}

TEST_F(ReplyContract, UnansweredReplySendsEio) {
    auto r = unlink(12, "forget");
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.header.unique, 12u);
    EXPECT_EQ(r.header.error, -EIO);
}

TEST_F(ReplyContract, EscapedExceptionSendsEio) {
    auto r = unlink(14, "throw");
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.header.error, -EIO);
}

TEST_F(ReplyContract, ErrorCarriesErrno) {
    auto r = unlink(16, "other");
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.header.error, -ENOENT);
}

TEST_F(ReplyContract, AnsweredLaterFromAnotherThread) {
    auto none = unlink(18, "later");
    EXPECT_FALSE(none.ok) << "nothing is sent before the deferred answer";
    ASSERT_TRUE(fs.parked.has_value());
    std::thread([&] { std::move(*fs.parked).ok(); }).join();
    auto r = h.reply();
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.header.unique, 18u);
    EXPECT_EQ(r.header.error, 0);
}

TEST_F(ReplyContract, UnknownOpcodeIsEnosys) {
    h.send(9999, 20, 1, nullptr, 0);
    auto r = h.reply();
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.header.error, -ENOSYS);
}

TEST_F(ReplyContract, ForgetTakesNoReplyAndCountsDown) {
    struct Lookup : ContractFs {
        void lookup(const LookupRequest&, ReplyEntry reply) override {
            Entry e;
            e.node = 42;
            e.attr.mode = S_IFREG;
            std::move(reply).entry(e);
        }
    };
    Lookup lfs;
    testing::CoreHarness lh(lfs);
    lh.init();
    for (uint64_t u = 2; u < 8; u += 2) {
        lh.send(abi::FUSE_LOOKUP, u, 1, nullptr, 0, std::string_view("x\0", 2));
        ASSERT_TRUE(lh.reply().ok);
    }
    EXPECT_EQ(lh.core().state().lookups(42), 3u);
    abi::fuse_forget_in forget{2};
    lh.send(abi::FUSE_FORGET, 10, 42, &forget, sizeof forget);
    EXPECT_FALSE(lh.reply().ok);
    EXPECT_EQ(lh.core().state().lookups(42), 1u);
    auto saved = SessionState::parse(lh.core().state().serialize());
    ASSERT_TRUE(saved.has_value());
    EXPECT_EQ(saved->lookups(42), 1u);
    ASSERT_TRUE(saved->init().has_value());
    EXPECT_EQ(saved->init()->minor, 44u);
}

}  // namespace
}  // namespace fusex
