// Timeout conversion, Attr::from_stat and BatchForgetRequest::at.
#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "fusex/requests.hpp"
#include "fusex/types.hpp"
#include "protocol/abi.hpp"

namespace fusex::test {
namespace {

TEST(Timeout, WholeAndFraction) {
    Timeout t = Timeout::from_seconds(1.5);
    EXPECT_EQ(t.sec, 1u);
    EXPECT_EQ(t.nsec, 500000000u);
    t = Timeout::from_seconds(0.000000001);
    EXPECT_EQ(t.sec, 0u);
    EXPECT_EQ(t.nsec, 1u);
    t = Timeout::from_seconds(86400);
    EXPECT_EQ(t.sec, 86400u);
    EXPECT_EQ(t.nsec, 0u);
}

TEST(Timeout, RoundingNeverYieldsAFullSecondOfNanos) {
    Timeout t = Timeout::from_seconds(2.9999999999);
    EXPECT_EQ(t.sec, 3u);
    EXPECT_EQ(t.nsec, 0u);
    for (double s = 0; s < 5; s += 0.0123456789) EXPECT_LT(Timeout::from_seconds(s).nsec, 1000000000u) << s;
}

TEST(Timeout, NegativeNanAndZeroMeanNoCaching) {
    for (double s : {0.0, -0.0, -1.0, -1e300, std::nan(""), -std::numeric_limits<double>::infinity()}) {
        Timeout t = Timeout::from_seconds(s);
        EXPECT_EQ(t.sec, 0u) << s;
        EXPECT_EQ(t.nsec, 0u) << s;
    }
}

TEST(Timeout, HugeIsClamped) {
    for (double s : {1e19, 1e300, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::max()}) {
        Timeout t = Timeout::from_seconds(s);
        EXPECT_EQ(t.sec, uint64_t{1} << 62) << s;
        EXPECT_EQ(t.nsec, 0u);
        EXPECT_GT(static_cast<int64_t>(t.sec), 0);  // positive even read as signed
    }
    EXPECT_EQ(Timeout::from_seconds(1e12).sec, 1000000000000u);  // large but sane: exact
}

TEST(AttrFromStat, CopiesEveryField) {
    struct stat st {};
    st.st_ino = 77;
    st.st_size = 1 << 30;
    st.st_blocks = 2048;
    st.st_atim = {1, 2};
    st.st_mtim = {3, 4};
    st.st_ctim = {5, 6};
    st.st_mode = S_IFBLK | 0660;
    st.st_nlink = 3;
    st.st_uid = 1000;
    st.st_gid = 1001;
    st.st_rdev = makedev(8, 17);
    st.st_blksize = 65536;
    Attr a = Attr::from_stat(st);
    EXPECT_EQ(a.ino, 77u);
    EXPECT_EQ(a.size, 1u << 30);
    EXPECT_EQ(a.blocks, 2048u);
    EXPECT_EQ(a.atime.tv_sec, 1);
    EXPECT_EQ(a.atime.tv_nsec, 2);
    EXPECT_EQ(a.mtime.tv_sec, 3);
    EXPECT_EQ(a.mtime.tv_nsec, 4);
    EXPECT_EQ(a.ctime.tv_sec, 5);
    EXPECT_EQ(a.ctime.tv_nsec, 6);
    EXPECT_EQ(a.mode, static_cast<uint32_t>(S_IFBLK | 0660));
    EXPECT_EQ(a.nlink, 3u);
    EXPECT_EQ(a.uid, 1000u);
    EXPECT_EQ(a.gid, 1001u);
    EXPECT_EQ(a.blksize, 65536u);
    // The kernel's new_encode_dev(): minor low byte, major, minor high bits.
    EXPECT_EQ(a.rdev, (17u & 0xff) | (8u << 8) | ((17u & ~0xffu) << 12));
    EXPECT_EQ(major(a.rdev), 8u);
    EXPECT_EQ(minor(a.rdev), 17u);
}

TEST(AttrFromStat, LargeMinorKeepsKernelEncoding) {
    struct stat st {};
    st.st_rdev = makedev(259, 0x12345);
    Attr a = Attr::from_stat(st);
    const uint32_t kernel = (0x12345u & 0xff) | (259u << 8) | ((0x12345u & ~0xffu) << 12);
    EXPECT_EQ(a.rdev, kernel);
}

TEST(BatchForgetAt, ReadsUnalignedElements) {
    abi::fuse_forget_one items[3] = {{1, 10}, {2, 20}, {0xffffffffffffffffull, 30}};
    std::vector<std::byte> buf(sizeof items + 3);
    std::memcpy(buf.data() + 3, items, sizeof items);  // odd offset on purpose
    BatchForgetRequest r;
    r.raw = buf.data() + 3;
    r.count = 3;
    for (uint32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(r.at(i).node, items[i].nodeid);
        EXPECT_EQ(r.at(i).nlookup, items[i].nlookup);
    }
    EXPECT_EQ(r.at(3).node, 0u);
    EXPECT_EQ(r.at(3).nlookup, 0u);
    BatchForgetRequest empty;
    EXPECT_EQ(empty.at(0).node, 0u);
}

}  // namespace
}  // namespace fusex::test
