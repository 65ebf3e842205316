// Round trips of the file and handle requests (open, read, write, locks,
// xattrs, ioctl, ...), plus extension and unknown-opcode handling.
#include <fcntl.h>
#include <gtest/gtest.h>

#include "protocol/decode.hpp"
#include "request_builder.hpp"
#include "roundtrip_check.hpp"

namespace fusex::test {
namespace {

using namespace abi;
using protocol::DecodeParams;

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
    EXPECT_FALSE(r->kill_suidgid);
    fuse_open_in kill{O_WRONLY | O_TRUNC, FUSE_OPEN_KILL_SUIDGID};
    auto z = decode_unaligned(Req(FUSE_OPEN).arg(kill).bytes());
    auto* k = ok<OpenRequest>(z);
    ASSERT_TRUE(k);
    EXPECT_TRUE(k->kill_suidgid);
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
