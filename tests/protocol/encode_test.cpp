// Reply encoding: INIT negotiation, directory records, attribute structs.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/stat.h>
#include <sys/sysmacros.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "protocol/encode.hpp"

namespace fusex::test {
namespace {

using namespace abi;
using namespace protocol;

InitConfig offered(uint32_t minor, uint64_t caps) {
    InitConfig c;
    c.kernel_major = 7;
    c.kernel_minor = minor;
    c.offered = caps;
    return c;
}

TEST(EncodeInit, NegotiatesTheSmallerMinor) {
    size_t size = 0;
    InitConfig c = offered(45, 0);
    fuse_init_out out = encode_init(c, 45, &size);
    EXPECT_EQ(out.major, 7u);
    EXPECT_EQ(out.minor, 44u);
    EXPECT_EQ(size, sizeof(fuse_init_out));
    out = encode_init(c, 38, &size);
    EXPECT_EQ(out.minor, 38u);
    EXPECT_EQ(size, 64u);
}

TEST(EncodeInit, OldMinorsGetTheShortStruct) {
    size_t size = 0;
    InitConfig c = offered(22, 0);
    EXPECT_EQ(encode_init(c, 23, &size).minor, 23u);
    EXPECT_EQ(size, 64u);
    EXPECT_EQ(encode_init(c, 22, &size).minor, 22u);
    EXPECT_EQ(size, FUSE_COMPAT_22_INIT_OUT_SIZE);
    encode_init(c, 5, &size);
    EXPECT_EQ(size, 24u);
    encode_init(c, 4, &size);
    EXPECT_EQ(size, FUSE_COMPAT_INIT_OUT_SIZE);
    EXPECT_EQ(encode_init(c, 4, nullptr).minor, 4u);  // reply_size is optional
}

TEST(EncodeInit, FlagsAreWantMaskedByOffered) {
    InitConfig c = offered(44, FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_WRITEBACK_CACHE);
    c.want = FUSE_ASYNC_READ | FUSE_WRITEBACK_CACHE | FUSE_POSIX_LOCKS | FUSE_FLOCK_LOCKS;
    fuse_init_out out = encode_init(c, 44, nullptr);
    EXPECT_EQ(out.flags, static_cast<uint32_t>(FUSE_ASYNC_READ | FUSE_WRITEBACK_CACHE));
    EXPECT_EQ(out.flags2, 0u);
    EXPECT_EQ(out.flags & FUSE_INIT_EXT, 0u);  // nothing in flags2: not needed
}

TEST(EncodeInit, Flags2SplitWithInitExt) {
    InitConfig c = offered(44, FUSE_INIT_EXT | FUSE_ASYNC_READ | FUSE_PASSTHROUGH | FUSE_HAS_RESEND | FUSE_ALLOW_IDMAP);
    c.want = FUSE_ASYNC_READ | FUSE_PASSTHROUGH | FUSE_ALLOW_IDMAP | FUSE_OVER_IO_URING;
    c.max_stack_depth = 2;
    fuse_init_out out = encode_init(c, 44, nullptr);
    EXPECT_EQ(out.flags, static_cast<uint32_t>(FUSE_ASYNC_READ | FUSE_INIT_EXT));
    EXPECT_EQ(out.flags2, static_cast<uint32_t>((FUSE_PASSTHROUGH | FUSE_ALLOW_IDMAP) >> 32));
    EXPECT_EQ(out.max_stack_depth, 2u);
}

TEST(EncodeInit, Flags2DroppedWhenKernelLacksInitExt) {
    // A kernel that does not offer INIT_EXT never reads flags2.
    InitConfig c = offered(35, FUSE_ASYNC_READ | FUSE_PASSTHROUGH);
    c.want = FUSE_ASYNC_READ | FUSE_PASSTHROUGH;
    c.max_stack_depth = 1;
    fuse_init_out out = encode_init(c, 35, nullptr);
    EXPECT_EQ(out.flags, static_cast<uint32_t>(FUSE_ASYNC_READ));
    EXPECT_EQ(out.flags2, 0u);
    EXPECT_EQ(out.max_stack_depth, 0u);  // passthrough was not agreed
}

TEST(EncodeInit, InitExtNotEchoedWithoutFlags2) {
    InitConfig c = offered(44, FUSE_INIT_EXT | FUSE_ASYNC_READ);
    c.want = FUSE_INIT_EXT | FUSE_ASYNC_READ;
    fuse_init_out out = encode_init(c, 44, nullptr);
    EXPECT_EQ(out.flags, static_cast<uint32_t>(FUSE_ASYNC_READ));
}

TEST(EncodeInit, MaxPagesFromMaxWrite) {
    InitConfig c = offered(44, FUSE_MAX_PAGES);
    c.max_write = 1 << 20;
    fuse_init_out out = encode_init(c, 44, nullptr);
    EXPECT_TRUE(out.flags & FUSE_MAX_PAGES);
    EXPECT_EQ(out.max_pages, 256u);
    EXPECT_EQ(out.max_write, 1u << 20);
    c.max_write = 4097;  // rounds up
    EXPECT_EQ(encode_init(c, 44, nullptr).max_pages, 2u);
    c.max_write = 0;
    EXPECT_EQ(encode_init(c, 44, nullptr).max_pages, 1u);
    c.max_write = 0xffffffff;
    EXPECT_EQ(encode_init(c, 44, nullptr).max_pages, 65535u);
    // Not offered: neither the flag nor the field.
    InitConfig old = offered(27, 0);
    old.want = FUSE_MAX_PAGES;
    fuse_init_out o = encode_init(old, 27, nullptr);
    EXPECT_EQ(o.flags & FUSE_MAX_PAGES, 0u);
    EXPECT_EQ(o.max_pages, 0u);
}

TEST(EncodeInit, LimitsCopied) {
    InitConfig c = offered(44, 0);
    c.max_readahead = 12345;
    c.max_background = 17;
    c.congestion_threshold = 13;
    c.time_gran = 1000;
    fuse_init_out out = encode_init(c, 44, nullptr);
    EXPECT_EQ(out.max_readahead, 12345u);
    EXPECT_EQ(out.max_background, 17u);
    EXPECT_EQ(out.congestion_threshold, 13u);
    EXPECT_EQ(out.time_gran, 1000u);
    EXPECT_EQ(out.request_timeout, 0u);
    EXPECT_EQ(out.map_alignment, 0u);
}

std::string_view record_name(const std::vector<std::byte>& b, size_t name_off, size_t len) {
    return {reinterpret_cast<const char*>(b.data()) + name_off, len};
}

TEST(EncodeDirent, SizesArePaddedTo8) {
    EXPECT_EQ(dirent_size(1), 32u);
    EXPECT_EQ(dirent_size(8), 32u);
    EXPECT_EQ(dirent_size(9), 40u);
    EXPECT_EQ(dirent_size(255), 280u);
    EXPECT_EQ(direntplus_size(1), 160u);
    EXPECT_EQ(direntplus_size(8), 160u);
    EXPECT_EQ(direntplus_size(9), 168u);
    for (size_t n = 0; n < 300; ++n) {
        EXPECT_EQ(dirent_size(n) % 8, 0u);
        EXPECT_GE(dirent_size(n), 24 + n);
        EXPECT_LT(dirent_size(n), 24 + n + 8);
    }
}

TEST(EncodeDirent, PutDirentLayout) {
    std::vector<std::byte> buf(64, std::byte{0xee});
    size_t n = put_dirent(buf, "hello", 1234, S_IFDIR | 0755, 7);
    ASSERT_EQ(n, 32u);
    fuse_dirent d;
    std::memcpy(&d, buf.data(), sizeof d);
    EXPECT_EQ(d.ino, 1234u);
    EXPECT_EQ(d.off, 7u);
    EXPECT_EQ(d.namelen, 5u);
    EXPECT_EQ(d.type, static_cast<uint32_t>(DT_DIR));
    EXPECT_EQ(record_name(buf, FUSE_NAME_OFFSET(), 5), "hello");
    for (size_t i = 24 + 5; i < 32; ++i) EXPECT_EQ(buf[i], std::byte{0}) << i;  // padding zeroed
    EXPECT_EQ(buf[32], std::byte{0xee});                                       // nothing beyond
}

TEST(EncodeDirent, TypesFromMode) {
    std::vector<std::byte> buf(32);
    const std::pair<uint32_t, uint32_t> cases[] = {{S_IFREG, DT_REG}, {S_IFDIR, DT_DIR}, {S_IFLNK, DT_LNK},
                                                   {S_IFCHR, DT_CHR}, {S_IFBLK, DT_BLK}, {S_IFIFO, DT_FIFO},
                                                   {S_IFSOCK, DT_SOCK}, {0, DT_UNKNOWN}};
    for (auto [mode, type] : cases) {
        ASSERT_EQ(put_dirent(buf, "x", 1, mode | 0777, 1), 32u);
        fuse_dirent d;
        std::memcpy(&d, buf.data(), sizeof d);
        EXPECT_EQ(d.type, type) << std::oct << mode;
    }
}

TEST(EncodeDirent, OverflowWritesNothing) {
    std::vector<std::byte> buf(40, std::byte{0xee});
    EXPECT_EQ(put_dirent(std::span(buf).first(31), "hello", 1, S_IFREG, 1), 0u);
    for (auto b : buf) EXPECT_EQ(b, std::byte{0xee});
    EXPECT_EQ(put_dirent(std::span(buf).first(32), "hello", 1, S_IFREG, 1), 32u);
    EXPECT_EQ(put_dirent(std::span<std::byte>(), "x", 1, S_IFREG, 1), 0u);
    Entry e;
    EXPECT_EQ(put_direntplus(std::span(buf), "x", e, 1), 0u);  // 160 > 40
}

TEST(EncodeDirent, SequentialRecordsStayAligned) {
    std::vector<std::byte> buf(4096);
    size_t used = 0, count = 0;
    for (int i = 0;; ++i) {
        std::string name = "entry-" + std::string(static_cast<size_t>(i % 13), 'x') + std::to_string(i);
        size_t n = put_dirent(std::span(buf).subspan(used), name, 100 + i, S_IFREG, i + 1);
        if (n == 0) break;
        EXPECT_EQ(n % 8, 0u);
        used += n;
        ++count;
    }
    EXPECT_GT(count, 50u);
    EXPECT_LE(used, buf.size());
    // Walk the records back as the kernel would.
    size_t off = 0, seen = 0;
    while (off < used) {
        fuse_dirent d;
        std::memcpy(&d, buf.data() + off, sizeof d);
        EXPECT_EQ(d.ino, 100 + seen);
        EXPECT_EQ(d.off, seen + 1);
        off += FUSE_DIRENT_SIZE(d.namelen);
        ++seen;
    }
    EXPECT_EQ(off, used);
    EXPECT_EQ(seen, count);
}

TEST(EncodeDirent, DirentplusLayout) {
    std::vector<std::byte> buf(200, std::byte{0xee});
    Entry e;
    e.node = 77;
    e.generation = 3;
    e.attr.ino = 1077;
    e.attr.mode = S_IFLNK | 0777;
    e.attr.size = 9;
    e.entry_timeout = 1.5;
    e.attr_timeout = 2.0;
    size_t n = put_direntplus(buf, "symlink1x", e, 42);
    ASSERT_EQ(n, 168u);
    fuse_direntplus d;
    std::memcpy(&d, buf.data(), sizeof d);
    EXPECT_EQ(d.entry_out.nodeid, 77u);
    EXPECT_EQ(d.entry_out.generation, 3u);
    EXPECT_EQ(d.entry_out.entry_valid, 1u);
    EXPECT_EQ(d.entry_out.entry_valid_nsec, 500000000u);
    EXPECT_EQ(d.entry_out.attr_valid, 2u);
    EXPECT_EQ(d.entry_out.attr.size, 9u);
    EXPECT_EQ(d.dirent.ino, 1077u);
    EXPECT_EQ(d.dirent.off, 42u);
    EXPECT_EQ(d.dirent.namelen, 9u);
    EXPECT_EQ(d.dirent.type, static_cast<uint32_t>(DT_LNK));
    EXPECT_EQ(record_name(buf, FUSE_NAME_OFFSET_DIRENTPLUS(), 9), "symlink1x");
    for (size_t i = 152 + 9; i < 168; ++i) EXPECT_EQ(buf[i], std::byte{0}) << i;
    EXPECT_EQ(buf[168], std::byte{0xee});
}

TEST(EncodeAttr, AllFieldsCopied) {
    Attr a;
    a.ino = 1;
    a.size = 2;
    a.blocks = 3;
    a.atime = {4, 5};
    a.mtime = {6, 7};
    a.ctime = {-8, 999999999};
    a.mode = S_IFREG | 0640;
    a.nlink = 2;
    a.uid = 10;
    a.gid = 11;
    a.rdev = 12;
    a.blksize = 512;
    fuse_attr f = encode_attr(a);
    EXPECT_EQ(f.ino, 1u);
    EXPECT_EQ(f.size, 2u);
    EXPECT_EQ(f.blocks, 3u);
    EXPECT_EQ(f.atime, 4u);
    EXPECT_EQ(f.atimensec, 5u);
    EXPECT_EQ(f.mtime, 6u);
    EXPECT_EQ(f.mtimensec, 7u);
    EXPECT_EQ(static_cast<int64_t>(f.ctime), -8);  // pre-epoch survives
    EXPECT_EQ(f.ctimensec, 999999999u);
    EXPECT_EQ(f.mode, static_cast<uint32_t>(S_IFREG | 0640));
    EXPECT_EQ(f.nlink, 2u);
    EXPECT_EQ(f.uid, 10u);
    EXPECT_EQ(f.gid, 11u);
    EXPECT_EQ(f.rdev, 12u);
    EXPECT_EQ(f.blksize, 512u);
    EXPECT_EQ(f.flags, 0u);
}

TEST(EncodeAttr, BadNanosecondsClamped) {
    Attr a;
    a.atime = {1, 2000000000};
    a.mtime = {1, -5};
    fuse_attr f = encode_attr(a);
    EXPECT_EQ(f.atimensec, 999999999u);
    EXPECT_EQ(f.mtimensec, 0u);
}

TEST(EncodeAttr, AttrOutAndEntryTimeouts) {
    Attr a;
    a.ino = 5;
    fuse_attr_out o = encode_attr_out(a, 0.25);
    EXPECT_EQ(o.attr_valid, 0u);
    EXPECT_EQ(o.attr_valid_nsec, 250000000u);
    EXPECT_EQ(o.attr.ino, 5u);
    Entry neg;  // negative entry: node 0 with an entry timeout
    neg.entry_timeout = 10;
    neg.attr_timeout = -1;
    fuse_entry_out e = encode_entry(neg);
    EXPECT_EQ(e.nodeid, 0u);
    EXPECT_EQ(e.entry_valid, 10u);
    EXPECT_EQ(e.attr_valid, 0u);
    EXPECT_EQ(e.attr_valid_nsec, 0u);
}

TEST(EncodeOpen, FlagsAndPassthrough) {
    OpenResult o;
    o.fh = 99;
    EXPECT_EQ(encode_open(o).open_flags, 0u);
    o.direct_io = o.keep_cache = o.nonseekable = o.stream = o.cache_dir = o.noflush = o.parallel_direct_writes = true;
    fuse_open_out out = encode_open(o);
    EXPECT_EQ(out.fh, 99u);
    EXPECT_EQ(out.open_flags, FOPEN_DIRECT_IO | FOPEN_KEEP_CACHE | FOPEN_NONSEEKABLE | FOPEN_STREAM | FOPEN_CACHE_DIR |
                                  FOPEN_NOFLUSH | FOPEN_PARALLEL_DIRECT_WRITES);
    EXPECT_EQ(out.backing_id, 0);
    OpenResult p;
    p.backing_id = 3;
    out = encode_open(p);
    EXPECT_EQ(out.open_flags, FOPEN_PASSTHROUGH);
    EXPECT_EQ(out.backing_id, 3);
    p.backing_id = -1;
    out = encode_open(p);
    EXPECT_EQ(out.open_flags, 0u);
    EXPECT_EQ(out.backing_id, 0);
}

TEST(EncodeMisc, StatfsAndLock) {
    StatFs s;
    s.blocks = 1;
    s.bfree = 2;
    s.bavail = 3;
    s.files = 4;
    s.ffree = 5;
    s.bsize = 6;
    s.namelen = 7;
    s.frsize = 8;
    fuse_kstatfs k = encode_statfs(s);
    EXPECT_EQ(k.blocks, 1u);
    EXPECT_EQ(k.bfree, 2u);
    EXPECT_EQ(k.bavail, 3u);
    EXPECT_EQ(k.files, 4u);
    EXPECT_EQ(k.ffree, 5u);
    EXPECT_EQ(k.bsize, 6u);
    EXPECT_EQ(k.namelen, 7u);
    EXPECT_EQ(k.frsize, 8u);
    fuse_file_lock l = encode_lock(FileLock{10, 20, F_RDLCK, 33});
    EXPECT_EQ(l.start, 10u);
    EXPECT_EQ(l.end, 20u);
    EXPECT_EQ(l.type, static_cast<uint32_t>(F_RDLCK));
    EXPECT_EQ(l.pid, 33u);
}

TEST(EncodeStatx, FieldsMaskAndBtime) {
    Attr a;
    a.ino = 9;
    a.size = 100;
    a.blocks = 8;
    a.mode = S_IFCHR | 0600;
    a.nlink = 1;
    a.uid = 3;
    a.gid = 4;
    a.rdev = static_cast<uint32_t>(makedev(4, 64));
    a.blksize = 4096;
    a.mtime = {1000, 1};
    fuse_statx_out o = encode_statx(a, timespec{}, 1.0);
    EXPECT_EQ(o.attr_valid, 1u);
    EXPECT_EQ(o.stat.mask, static_cast<uint32_t>(STATX_BASIC_STATS));
    EXPECT_EQ(o.stat.ino, 9u);
    EXPECT_EQ(o.stat.size, 100u);
    EXPECT_EQ(o.stat.blocks, 8u);
    EXPECT_EQ(o.stat.mode, static_cast<uint16_t>(S_IFCHR | 0600));
    EXPECT_EQ(o.stat.rdev_major, 4u);
    EXPECT_EQ(o.stat.rdev_minor, 64u);
    EXPECT_EQ(o.stat.mtime.tv_sec, 1000);
    EXPECT_EQ(o.stat.mtime.tv_nsec, 1u);
    EXPECT_EQ(o.stat.btime.tv_sec, 0);
    o = encode_statx(a, timespec{500, 6}, 1.0);
    EXPECT_EQ(o.stat.mask, static_cast<uint32_t>(STATX_BASIC_STATS | STATX_BTIME));
    EXPECT_EQ(o.stat.btime.tv_sec, 500);
    EXPECT_EQ(o.stat.btime.tv_nsec, 6u);
}

}  // namespace
}  // namespace fusex::test
