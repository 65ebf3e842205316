// Every opcode: kernel-shaped bytes in, the typed request out, fields intact.
// Session-level and namespace requests here; file and handle requests in
// decode_roundtrip_files_test.cpp.
#include <fcntl.h>
#include <gtest/gtest.h>

#include "protocol/decode.hpp"
#include "request_builder.hpp"
#include "roundtrip_check.hpp"

namespace fusex::test {
namespace {

using namespace abi;
using protocol::DecodeParams;

TEST(DecodeRoundTrip, Init) {
    fuse_init_in in{};
    in.major = 7;
    in.minor = 44;
    in.max_readahead = 131072;
    in.flags = static_cast<uint32_t>(FUSE_ASYNC_READ | FUSE_INIT_EXT | FUSE_MAX_PAGES);
    in.flags2 = static_cast<uint32_t>(FUSE_PASSTHROUGH >> 32);
    auto x = decode_unaligned(Req(FUSE_INIT, 0).arg(in).bytes());
    auto* r = ok<protocol::InitRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->major, 7u);
    EXPECT_EQ(r->minor, 44u);
    EXPECT_EQ(r->max_readahead, 131072u);
    EXPECT_EQ(r->flags, FUSE_ASYNC_READ | FUSE_INIT_EXT | FUSE_MAX_PAGES | FUSE_PASSTHROUGH);
    EXPECT_TRUE(x.d.needs_reply);
}

TEST(DecodeRoundTrip, InitFlags2IgnoredWithoutInitExt) {
    fuse_init_in in{};
    in.major = 7;
    in.minor = 40;
    in.flags = static_cast<uint32_t>(FUSE_ASYNC_READ);
    in.flags2 = 0xffffffff;
    auto x = decode_unaligned(Req(FUSE_INIT, 0).arg(in).bytes());
    auto* r = ok<protocol::InitRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->flags, FUSE_ASYNC_READ);
}

TEST(DecodeRoundTrip, InitOldKernelSends16Bytes) {
    fuse_init_in in{};
    in.major = 7;
    in.minor = 31;
    in.flags = static_cast<uint32_t>(FUSE_BIG_WRITES);
    auto x = decode_unaligned(Req(FUSE_INIT, 0).arg(in, FUSE_COMPAT_INIT_IN_SIZE).bytes());
    auto* r = ok<protocol::InitRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->minor, 31u);
    EXPECT_EQ(r->flags, FUSE_BIG_WRITES);
}

TEST(DecodeRoundTrip, InitNewerMajorNeedsOnlyVersion) {
    uint32_t v[2] = {8, 0};
    auto x = decode_unaligned(Req(FUSE_INIT, 0).raw(v, sizeof v).bytes());
    auto* r = ok<protocol::InitRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->major, 8u);
}

TEST(DecodeRoundTrip, Destroy) {
    auto x = decode_unaligned(Req(FUSE_DESTROY).bytes());
    EXPECT_TRUE(ok<protocol::DestroyRequest>(x));
    EXPECT_TRUE(x.d.needs_reply);
}

TEST(DecodeRoundTrip, Interrupt) {
    fuse_interrupt_in in{99};
    auto x = decode_unaligned(Req(FUSE_INTERRUPT, 0).arg(in).bytes());
    auto* r = ok<protocol::InterruptRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->target, 99u);
    EXPECT_FALSE(x.d.needs_reply);  // the session answers INTERRUPT only on purpose
}

TEST(DecodeRoundTrip, NotifyReply) {
    fuse_notify_retrieve_in in{};
    in.offset = 4096;
    in.size = 5;
    auto x = decode_unaligned(Req(FUSE_NOTIFY_REPLY).arg(in).data("hello").bytes());
    auto* r = ok<protocol::NotifyReplyRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->offset, 4096u);
    EXPECT_EQ(sv(r->data), "hello");
    EXPECT_FALSE(x.d.needs_reply);  // the kernel sends NOTIFY_REPLY without a reply slot
}

TEST(DecodeRoundTrip, Lookup) {
    auto x = decode_unaligned(Req(FUSE_LOOKUP).name("file.txt").bytes());
    auto* r = ok<LookupRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->parent, kNode);
    EXPECT_EQ(r->name, "file.txt");
    EXPECT_TRUE(x.d.needs_reply);
}

TEST(DecodeRoundTrip, Forget) {
    fuse_forget_in in{3};
    auto x = decode_unaligned(Req(FUSE_FORGET, 77).arg(in).bytes());
    auto* r = ok<ForgetRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->forget.node, 77u);
    EXPECT_EQ(r->forget.nlookup, 3u);
    EXPECT_FALSE(x.d.needs_reply);
}

TEST(DecodeRoundTrip, BatchForget) {
    fuse_batch_forget_in in{3, 0};
    fuse_forget_one f[3] = {{10, 1}, {11, 2}, {12, 300}};
    auto x = decode_unaligned(Req(FUSE_BATCH_FORGET, 0).arg(in).raw(f, sizeof f).bytes());
    auto* r = ok<BatchForgetRequest>(x);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->count, 3u);
    for (uint32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(r->at(i).node, f[i].nodeid);
        EXPECT_EQ(r->at(i).nlookup, f[i].nlookup);
    }
    EXPECT_EQ(r->at(3).node, 0u);  // out of range reads as a no-op
    EXPECT_FALSE(x.d.needs_reply);
}

TEST(DecodeRoundTrip, BatchForgetEmpty) {
    fuse_batch_forget_in in{0, 0};
    auto x = decode_unaligned(Req(FUSE_BATCH_FORGET, 0).arg(in).bytes());
    auto* r = ok<BatchForgetRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->count, 0u);
}

TEST(DecodeRoundTrip, Getattr) {
    fuse_getattr_in in{FUSE_GETATTR_FH, 0, 555};
    auto x = decode_unaligned(Req(FUSE_GETATTR).arg(in).bytes());
    auto* r = ok<GetattrRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->node, kNode);
    EXPECT_EQ(r->fh, 555u);

    fuse_getattr_in nofh{0, 0, 555};
    auto y = decode_unaligned(Req(FUSE_GETATTR).arg(nofh).bytes());
    auto* s = ok<GetattrRequest>(y);
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->fh.has_value());
}

TEST(DecodeRoundTrip, GetattrBefore79HasNoArgument) {
    DecodeParams p;
    p.minor = 8;
    auto x = decode_unaligned(Req(FUSE_GETATTR).bytes(), p);
    auto* r = ok<GetattrRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->fh.has_value());
}

TEST(DecodeRoundTrip, Setattr) {
    fuse_setattr_in in{};
    in.valid = FATTR_MODE | FATTR_SIZE | FATTR_FH | FATTR_MTIME | FATTR_LOCKOWNER;
    in.fh = 9;
    in.size = 12345;
    in.mode = 0100644;
    in.mtime = 1700000000;
    in.mtimensec = 5;
    auto x = decode_unaligned(Req(FUSE_SETATTR).arg(in).bytes());
    auto* r = ok<SetattrRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->has(kSetMode));
    EXPECT_TRUE(r->has(kSetSize));
    EXPECT_TRUE(r->has(kSetMtime));
    EXPECT_FALSE(r->has(kSetUid));
    EXPECT_EQ(r->valid & (FATTR_FH | FATTR_LOCKOWNER), 0u);  // transport bits stripped
    EXPECT_EQ(r->fh, 9u);
    EXPECT_EQ(r->size, 12345u);
    EXPECT_EQ(r->mode, 0100644u);
    EXPECT_EQ(r->mtime.tv_sec, 1700000000);
    EXPECT_EQ(r->mtime.tv_nsec, 5);
}

TEST(DecodeRoundTrip, Readlink) {
    auto x = decode_unaligned(Req(FUSE_READLINK).bytes());
    auto* r = ok<ReadlinkRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->node, kNode);
}

TEST(DecodeRoundTrip, Symlink) {
    auto x = decode_unaligned(Req(FUSE_SYMLINK).name("link").name("../target/path").bytes());
    auto* r = ok<SymlinkRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->parent, kNode);
    EXPECT_EQ(r->name, "link");
    EXPECT_EQ(r->target, "../target/path");
}

TEST(DecodeRoundTrip, Mknod) {
    fuse_mknod_in in{020644, 0x0801, 022, 0};
    auto x = decode_unaligned(Req(FUSE_MKNOD).arg(in).name("dev").bytes());
    auto* r = ok<MknodRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "dev");
    EXPECT_EQ(r->mode, 020644u);
    EXPECT_EQ(r->rdev, 0x0801u);
    EXPECT_EQ(r->umask, 022u);
}

TEST(DecodeRoundTrip, MknodCompatBefore712) {
    DecodeParams p;
    p.minor = 11;
    fuse_mknod_in in{010600, 0, 0, 0};
    auto x = decode_unaligned(Req(FUSE_MKNOD).arg(in, FUSE_COMPAT_MKNOD_IN_SIZE).name("fifo").bytes(), p);
    auto* r = ok<MknodRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "fifo");
    EXPECT_EQ(r->mode, 010600u);
    EXPECT_EQ(r->umask, 0u);
}

TEST(DecodeRoundTrip, Mkdir) {
    fuse_mkdir_in in{0755, 027};
    auto x = decode_unaligned(Req(FUSE_MKDIR).arg(in).name("d").bytes());
    auto* r = ok<MkdirRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "d");
    EXPECT_EQ(r->mode, 0755u);
    EXPECT_EQ(r->umask, 027u);
}

TEST(DecodeRoundTrip, Unlink) {
    auto x = decode_unaligned(Req(FUSE_UNLINK).name("gone").bytes());
    auto* r = ok<UnlinkRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->parent, kNode);
    EXPECT_EQ(r->name, "gone");
}

TEST(DecodeRoundTrip, Rmdir) {
    auto x = decode_unaligned(Req(FUSE_RMDIR).name("dir").bytes());
    auto* r = ok<RmdirRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "dir");
}

TEST(DecodeRoundTrip, Rename) {
    fuse_rename_in in{77};
    auto x = decode_unaligned(Req(FUSE_RENAME).arg(in).name("a").name("bb").bytes());
    auto* r = ok<RenameRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->parent, kNode);
    EXPECT_EQ(r->name, "a");
    EXPECT_EQ(r->new_parent, 77u);
    EXPECT_EQ(r->new_name, "bb");
    EXPECT_EQ(r->flags, 0u);
}

TEST(DecodeRoundTrip, Rename2) {
    fuse_rename2_in in{78, 2 /* RENAME_EXCHANGE */, 0};
    auto x = decode_unaligned(Req(FUSE_RENAME2).arg(in).name("x").name("y").bytes());
    auto* r = ok<RenameRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->new_parent, 78u);
    EXPECT_EQ(r->flags, 2u);
    EXPECT_EQ(r->name, "x");
    EXPECT_EQ(r->new_name, "y");
}

TEST(DecodeRoundTrip, Link) {
    fuse_link_in in{500};
    auto x = decode_unaligned(Req(FUSE_LINK, 3).arg(in).name("hard").bytes());
    auto* r = ok<LinkRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->node, 500u);
    EXPECT_EQ(r->new_parent, 3u);
    EXPECT_EQ(r->new_name, "hard");
}

}  // namespace
}  // namespace fusex::test
