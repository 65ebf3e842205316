// Every opcode: kernel-shaped bytes in, the typed request out, fields intact.
#include <fcntl.h>
#include <gtest/gtest.h>

#include "protocol/decode.hpp"
#include "request_builder.hpp"

namespace fusex::test {
namespace {

using namespace abi;
using protocol::DecodeParams;

// Checks the common part of every successful decode and returns the request.
template <class R>
const R* ok(const Decoding& x) {
    EXPECT_EQ(x.d.error, 0) << x.d.why;
    const R* r = std::get_if<R>(&x.d.request);
    EXPECT_NE(r, nullptr) << "variant index " << x.d.request.index();
    if (r != nullptr) {
        EXPECT_EQ(r->ctx.unique, kUnique);
        EXPECT_EQ(r->ctx.node, x.d.header.nodeid);
        EXPECT_EQ(r->ctx.uid, kUid);
        EXPECT_EQ(r->ctx.gid, kGid);
        EXPECT_EQ(r->ctx.pid, kPid);
    }
    return r;
}

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

TEST(DecodeRoundTrip, OpenAndOpendir) {
    fuse_open_in in{O_RDWR | O_APPEND, 0};
    auto x = decode_unaligned(Req(FUSE_OPEN).arg(in).bytes());
    auto* r = ok<OpenRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->flags, static_cast<uint32_t>(O_RDWR | O_APPEND));
    auto y = decode_unaligned(Req(FUSE_OPENDIR).arg(in).bytes());
    auto* s = ok<OpendirRequest>(y);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->node, kNode);
}

TEST(DecodeRoundTrip, Read) {
    fuse_read_in in{};
    in.fh = 8;
    in.offset = 1 << 20;
    in.size = 65536;
    in.read_flags = FUSE_READ_LOCKOWNER;
    in.lock_owner = 0xabc;
    in.flags = O_RDONLY;
    auto x = decode_unaligned(Req(FUSE_READ).arg(in).bytes());
    auto* r = ok<ReadRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->fh, 8u);
    EXPECT_EQ(r->offset, 1u << 20);
    EXPECT_EQ(r->size, 65536u);
    EXPECT_EQ(r->lock_owner, 0xabcu);
}

TEST(DecodeRoundTrip, ReadWithoutLockOwner) {
    fuse_read_in in{};
    in.lock_owner = 0xabc;
    auto x = decode_unaligned(Req(FUSE_READ).arg(in).bytes());
    auto* r = ok<ReadRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->lock_owner.has_value());
}

TEST(DecodeRoundTrip, ReaddirAndReaddirplus) {
    fuse_read_in in{};
    in.fh = 3;
    in.offset = 17;
    in.size = 4096;
    auto x = decode_unaligned(Req(FUSE_READDIR).arg(in).bytes());
    auto* r = ok<ReaddirRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->plus);
    EXPECT_EQ(r->offset, 17u);
    EXPECT_EQ(r->size, 4096u);
    auto y = decode_unaligned(Req(FUSE_READDIRPLUS).arg(in).bytes());
    auto* s = ok<ReaddirRequest>(y);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->plus);
    EXPECT_EQ(s->fh, 3u);
}

TEST(DecodeRoundTrip, Write) {
    fuse_write_in in{};
    in.fh = 4;
    in.offset = 10;
    in.size = 6;
    in.write_flags = FUSE_WRITE_CACHE | FUSE_WRITE_KILL_SUIDGID | FUSE_WRITE_LOCKOWNER;
    in.lock_owner = 77;
    in.flags = O_WRONLY;
    auto x = decode_unaligned(Req(FUSE_WRITE).arg(in).data(std::string_view("abc\0ef", 6)).bytes());
    auto* r = ok<WriteRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->fh, 4u);
    EXPECT_EQ(r->offset, 10u);
    EXPECT_EQ(sv(r->data), std::string_view("abc\0ef", 6));
    EXPECT_TRUE(r->from_page_cache);
    EXPECT_TRUE(r->kill_suidgid);
    EXPECT_EQ(r->lock_owner, 77u);
    EXPECT_EQ(r->flags, static_cast<uint32_t>(O_WRONLY));
}

TEST(DecodeRoundTrip, WriteCompatBefore79) {
    DecodeParams p;
    p.minor = 8;
    fuse_write_in in{};
    in.fh = 4;
    in.size = 3;
    auto x = decode_unaligned(Req(FUSE_WRITE).arg(in, FUSE_COMPAT_WRITE_IN_SIZE).data("xyz").bytes(), p);
    auto* r = ok<WriteRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(sv(r->data), "xyz");
}

TEST(DecodeRoundTrip, WriteEmpty) {
    fuse_write_in in{};
    auto x = decode_unaligned(Req(FUSE_WRITE).arg(in).bytes());
    auto* r = ok<WriteRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->data.empty());
}

TEST(DecodeRoundTrip, Statfs) {
    auto x = decode_unaligned(Req(FUSE_STATFS).bytes());
    auto* r = ok<StatfsRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->node, kNode);
}

TEST(DecodeRoundTrip, ReleaseAndReleasedir) {
    fuse_release_in in{21, O_RDWR, FUSE_RELEASE_FLUSH | FUSE_RELEASE_FLOCK_UNLOCK, 99};
    auto x = decode_unaligned(Req(FUSE_RELEASE).arg(in).bytes());
    auto* r = ok<ReleaseRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->fh, 21u);
    EXPECT_EQ(r->flags, static_cast<uint32_t>(O_RDWR));
    EXPECT_TRUE(r->flush);
    EXPECT_TRUE(r->flock_unlock);
    EXPECT_EQ(r->lock_owner, 99u);
    auto y = decode_unaligned(Req(FUSE_RELEASEDIR).arg(in).bytes());
    auto* s = ok<ReleasedirRequest>(y);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->fh, 21u);
}

TEST(DecodeRoundTrip, FsyncAndFsyncdir) {
    fuse_fsync_in in{5, FUSE_FSYNC_FDATASYNC, 0};
    auto x = decode_unaligned(Req(FUSE_FSYNC).arg(in).bytes());
    auto* r = ok<FsyncRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->fh, 5u);
    EXPECT_TRUE(r->datasync);
    fuse_fsync_in full{6, 0, 0};
    auto y = decode_unaligned(Req(FUSE_FSYNCDIR).arg(full).bytes());
    auto* s = ok<FsyncdirRequest>(y);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->fh, 6u);
    EXPECT_FALSE(s->datasync);
}

TEST(DecodeRoundTrip, SetxattrCompat) {
    fuse_setxattr_in in{5, 1 /* XATTR_CREATE */, 0, 0};
    auto x = decode_unaligned(
        Req(FUSE_SETXATTR).arg(in, FUSE_COMPAT_SETXATTR_IN_SIZE).name("user.k").data(std::string_view("v\0lue", 5)).bytes());
    auto* r = ok<SetxattrRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "user.k");
    EXPECT_EQ(sv(r->value), std::string_view("v\0lue", 5));
    EXPECT_EQ(r->flags, 1u);
    EXPECT_EQ(r->setxattr_flags, 0u);
}

TEST(DecodeRoundTrip, SetxattrExtended) {
    DecodeParams p;
    p.setxattr_ext = true;
    fuse_setxattr_in in{3, 2, FUSE_SETXATTR_ACL_KILL_SGID, 0};
    auto x = decode_unaligned(Req(FUSE_SETXATTR).arg(in).name("system.posix_acl_access").data("abc").bytes(), p);
    auto* r = ok<SetxattrRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "system.posix_acl_access");
    EXPECT_EQ(sv(r->value), "abc");
    EXPECT_EQ(r->setxattr_flags, FUSE_SETXATTR_ACL_KILL_SGID);
}

TEST(DecodeRoundTrip, SetxattrEmptyValue) {
    fuse_setxattr_in in{0, 0, 0, 0};
    auto x = decode_unaligned(Req(FUSE_SETXATTR).arg(in, FUSE_COMPAT_SETXATTR_IN_SIZE).name("user.e").bytes());
    auto* r = ok<SetxattrRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->value.empty());
}

TEST(DecodeRoundTrip, GetxattrListxattrRemovexattr) {
    fuse_getxattr_in in{256, 0};
    auto x = decode_unaligned(Req(FUSE_GETXATTR).arg(in).name("user.a").bytes());
    auto* r = ok<GetxattrRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "user.a");
    EXPECT_EQ(r->size, 256u);
    auto y = decode_unaligned(Req(FUSE_LISTXATTR).arg(in).bytes());
    auto* s = ok<ListxattrRequest>(y);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->size, 256u);
    auto z = decode_unaligned(Req(FUSE_REMOVEXATTR).name("user.b").bytes());
    auto* t = ok<RemovexattrRequest>(z);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->node, kNode);
    EXPECT_EQ(t->name, "user.b");
}

TEST(DecodeRoundTrip, Flush) {
    fuse_flush_in in{12, 0, 0, 0x55};
    auto x = decode_unaligned(Req(FUSE_FLUSH).arg(in).bytes());
    auto* r = ok<FlushRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->fh, 12u);
    EXPECT_EQ(r->lock_owner, 0x55u);
}

TEST(DecodeRoundTrip, Locks) {
    fuse_lk_in in{};
    in.fh = 2;
    in.owner = 0x99;
    in.lk = {100, 199, F_WRLCK, 4242};
    auto x = decode_unaligned(Req(FUSE_GETLK).arg(in).bytes());
    auto* g = ok<GetlkRequest>(x);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->owner, 0x99u);
    EXPECT_EQ(g->lock.start, 100u);
    EXPECT_EQ(g->lock.end, 199u);
    EXPECT_EQ(g->lock.type, static_cast<uint32_t>(F_WRLCK));
    EXPECT_EQ(g->lock.pid, 4242u);

    auto y = decode_unaligned(Req(FUSE_SETLK).arg(in).bytes());
    auto* s = ok<SetlkRequest>(y);
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->sleep);
    EXPECT_FALSE(s->flock);

    in.lk_flags = FUSE_LK_FLOCK;
    auto z = decode_unaligned(Req(FUSE_SETLKW).arg(in).bytes());
    auto* w = ok<SetlkRequest>(z);
    ASSERT_TRUE(w);
    EXPECT_TRUE(w->sleep);
    EXPECT_TRUE(w->flock);
    EXPECT_EQ(w->fh, 2u);
}

TEST(DecodeRoundTrip, Access) {
    fuse_access_in in{R_OK | X_OK, 0};
    auto x = decode_unaligned(Req(FUSE_ACCESS).arg(in).bytes());
    auto* r = ok<AccessRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->mask, static_cast<uint32_t>(R_OK | X_OK));
}

TEST(DecodeRoundTrip, Create) {
    fuse_create_in in{O_CREAT | O_EXCL | O_WRONLY, 0100600, 022, 0};
    auto x = decode_unaligned(Req(FUSE_CREATE).arg(in).name("new").bytes());
    auto* r = ok<CreateRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->parent, kNode);
    EXPECT_EQ(r->name, "new");
    EXPECT_EQ(r->mode, 0100600u);
    EXPECT_EQ(r->umask, 022u);
    EXPECT_EQ(r->flags, static_cast<uint32_t>(O_CREAT | O_EXCL | O_WRONLY));
}

TEST(DecodeRoundTrip, Bmap) {
    fuse_bmap_in in{77, 4096, 0};
    auto x = decode_unaligned(Req(FUSE_BMAP).arg(in).bytes());
    auto* r = ok<BmapRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->block, 77u);
    EXPECT_EQ(r->blocksize, 4096u);
}

TEST(DecodeRoundTrip, Ioctl) {
    fuse_ioctl_in in{};
    in.fh = 1;
    in.cmd = 0x80045401;
    in.arg = 0xdeadbeef;
    in.in_size = 4;
    in.out_size = 8;
    in.flags = FUSE_IOCTL_UNRESTRICTED;
    auto x = decode_unaligned(Req(FUSE_IOCTL).arg(in).data("\x01\x02\x03\x04").bytes());
    auto* r = ok<IoctlRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->cmd, 0x80045401u);
    EXPECT_EQ(r->arg, 0xdeadbeefu);
    EXPECT_EQ(sv(r->in), "\x01\x02\x03\x04");
    EXPECT_EQ(r->out_size, 8u);
    EXPECT_EQ(r->flags, FUSE_IOCTL_UNRESTRICTED);
}

TEST(DecodeRoundTrip, Poll) {
    fuse_poll_in in{6, 0x1234, FUSE_POLL_SCHEDULE_NOTIFY, 0x5};
    auto x = decode_unaligned(Req(FUSE_POLL).arg(in).bytes());
    auto* r = ok<PollRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->fh, 6u);
    EXPECT_EQ(r->kh, 0x1234u);
    EXPECT_TRUE(r->schedule_notify);
    EXPECT_EQ(r->events, 5u);
}

TEST(DecodeRoundTrip, Fallocate) {
    fuse_fallocate_in in{7, 100, 200, 3, 0};
    auto x = decode_unaligned(Req(FUSE_FALLOCATE).arg(in).bytes());
    auto* r = ok<FallocateRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->fh, 7u);
    EXPECT_EQ(r->offset, 100u);
    EXPECT_EQ(r->length, 200u);
    EXPECT_EQ(r->mode, 3u);
}

TEST(DecodeRoundTrip, Lseek) {
    fuse_lseek_in in{8, 4096, SEEK_DATA, 0};
    auto x = decode_unaligned(Req(FUSE_LSEEK).arg(in).bytes());
    auto* r = ok<LseekRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->offset, 4096u);
    EXPECT_EQ(r->whence, static_cast<uint32_t>(SEEK_DATA));
}

TEST(DecodeRoundTrip, CopyFileRange) {
    fuse_copy_file_range_in in{1, 2, 3, 4, 5, 6, 7};
    auto x = decode_unaligned(Req(FUSE_COPY_FILE_RANGE).arg(in).bytes());
    auto* r = ok<CopyFileRangeRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->node_in, kNode);
    EXPECT_EQ(r->fh_in, 1u);
    EXPECT_EQ(r->off_in, 2u);
    EXPECT_EQ(r->node_out, 3u);
    EXPECT_EQ(r->fh_out, 4u);
    EXPECT_EQ(r->off_out, 5u);
    EXPECT_EQ(r->len, 6u);
    EXPECT_EQ(r->flags, 7u);
}

TEST(DecodeRoundTrip, Syncfs) {
    fuse_syncfs_in in{0};
    auto x = decode_unaligned(Req(FUSE_SYNCFS).arg(in).bytes());
    auto* r = ok<SyncfsRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->node, kNode);
}

TEST(DecodeRoundTrip, Tmpfile) {
    fuse_create_in in{O_RDWR, 0100600, 077, 0};
    auto x = decode_unaligned(Req(FUSE_TMPFILE).arg(in).bytes());
    auto* r = ok<TmpfileRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->parent, kNode);
    EXPECT_EQ(r->mode, 0100600u);
    EXPECT_EQ(r->umask, 077u);
    EXPECT_EQ(r->flags, static_cast<uint32_t>(O_RDWR));
}

TEST(DecodeRoundTrip, TmpfileWithTheKernelsPlaceholderName) {
    // vfs_tmpfile's dentry is named "/", and the kernel sends that name along.
    fuse_create_in in{O_RDWR, 0100600, 0, 0};
    auto x = decode_unaligned(Req(FUSE_TMPFILE).arg(in).name("/").bytes());
    auto* r = ok<TmpfileRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->mode, 0100600u);
}

TEST(DecodeRoundTrip, Statx) {
    fuse_statx_in in{FUSE_GETATTR_FH, 0, 31, 0x800, 0x7ff};
    auto x = decode_unaligned(Req(FUSE_STATX).arg(in).bytes());
    auto* r = ok<StatxRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->fh, 31u);
    EXPECT_EQ(r->sx_flags, 0x800u);
    EXPECT_EQ(r->sx_mask, 0x7ffu);
}

TEST(DecodeRoundTrip, ExtensionsAreCutOffBeforeArguments) {
    // A CREATE carrying a supplementary-groups extension (16 bytes).
    fuse_create_in in{O_RDWR, 0100644, 022, 0};
    struct {
        fuse_ext_header h;
        fuse_supp_groups g;
        uint32_t group;
    } ext{{16, FUSE_EXT_GROUPS}, {1}, 27};
    static_assert(sizeof(ext) == 16);
    auto x = decode_unaligned(Req(FUSE_CREATE).arg(in).name("f").raw(&ext, sizeof ext).extlen(2).bytes());
    auto* r = ok<CreateRequest>(x);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "f");
}

TEST(DecodeRoundTrip, FixedArgumentMayGrow) {
    // A future kernel's bigger struct must not break a fixed-size request.
    struct {
        fuse_open_in in;
        uint64_t future;
    } grown{{O_RDONLY, 0}, 0};
    auto x = decode_unaligned(Req(FUSE_OPEN).arg(grown).bytes());
    EXPECT_TRUE(ok<OpenRequest>(x));
}

TEST(DecodeRoundTrip, DaxAndUnknownOpcodesAreEnosys) {
    for (uint32_t op : {uint32_t{FUSE_SETUPMAPPING}, uint32_t{FUSE_REMOVEMAPPING}, uint32_t{CUSE_INIT}, 7u, 19u, 53u,
                        999u, 0xffffffffu}) {
        auto x = decode_unaligned(Req(op).bytes());
        EXPECT_EQ(x.d.error, ENOSYS) << op;
        EXPECT_TRUE(x.d.needs_reply) << op;
        EXPECT_TRUE(std::holds_alternative<std::monostate>(x.d.request));
        EXPECT_EQ(x.d.header.unique, kUnique);
    }
}

}  // namespace
}  // namespace fusex::test
