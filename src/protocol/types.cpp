// Out-of-line members of the plain value types in fusex/types.hpp and
// fusex/requests.hpp that touch the wire format or need care.
#include <cmath>
#include <cstring>

#include "fusex/requests.hpp"
#include "fusex/types.hpp"
#include "protocol/abi.hpp"

namespace fusex {

Attr Attr::from_stat(const struct stat& st) {
    Attr a;
    a.ino = st.st_ino;
    a.size = static_cast<uint64_t>(st.st_size);
    a.blocks = static_cast<uint64_t>(st.st_blocks);
    a.atime = st.st_atim;
    a.mtime = st.st_mtim;
    a.ctime = st.st_ctim;
    a.mode = st.st_mode;
    a.nlink = static_cast<uint32_t>(st.st_nlink);
    a.uid = st.st_uid;
    a.gid = st.st_gid;
    // The kernel decodes fuse_attr.rdev with new_decode_dev(); glibc's
    // dev_t keeps that same encoding in its low 32 bits for every device
    // number the kernel can represent (major < 4096, minor < 2^20).
    a.rdev = static_cast<uint32_t>(st.st_rdev);
    a.blksize = static_cast<uint32_t>(st.st_blksize);
    return a;
}

Timeout Timeout::from_seconds(double s) {
    // Negative, zero and NaN all mean "do not cache".
    if (!(s > 0)) return {};
    // Past 2^62 s (1.4e11 years) every timeout is "forever"; the cap keeps
    // the value positive should the kernel read it as a signed time64_t
    // and keeps the double -> integer conversion defined (inf included).
    constexpr double kMax = 4611686018427387904.0;  // 2^62
    if (s >= kMax) return {uint64_t{1} << 62, 0};
    const double whole = std::floor(s);
    Timeout t;
    t.sec = static_cast<uint64_t>(whole);
    double ns = std::round((s - whole) * 1e9);
    // Rounding can land on a full second (0.9999999999 -> 1e9 ns).
    if (ns >= 1e9) {
        t.sec += 1;
        ns = 0;
    }
    t.nsec = static_cast<uint32_t>(ns);
    return t;
}

ForgetOne BatchForgetRequest::at(uint32_t i) const {
    // The array follows a 40+8 byte prefix in an arbitrary buffer: copy the
    // element out rather than casting (alignment). Out of range reads as a
    // no-op forget rather than touching memory outside the request.
    if (raw == nullptr || i >= count) return {};
    abi::fuse_forget_one one;
    std::memcpy(&one, raw + size_t{i} * sizeof(one), sizeof(one));
    return {one.nodeid, one.nlookup};
}

}  // namespace fusex
