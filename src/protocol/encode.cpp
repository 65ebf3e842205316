// Typed results -> the kernel's reply structures. Pure: no I/O.
#include "protocol/encode.hpp"

#include <linux/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstring>

namespace fusex::protocol {

using namespace abi;

namespace {

// The kernel rejects nanoseconds >= 1e9; a handler's stray value must not
// turn into an EIO for the whole reply.
uint32_t nsec_of(const timespec& ts) {
    if (ts.tv_nsec < 0) return 0;
    return static_cast<uint32_t>(std::min<long>(ts.tv_nsec, 999'999'999));
}

fuse_sx_time sx_time(const timespec& ts) {
    fuse_sx_time t{};
    t.tv_sec = ts.tv_sec;
    t.tv_nsec = nsec_of(ts);
    return t;
}

// DT_* from the S_IFMT bits: the kernel's readdir records carry the type as
// mode >> 12 (DT_REG == S_IFREG >> 12, ...).
uint32_t dirent_type(uint32_t mode) { return (mode & S_IFMT) >> 12; }

// Writes header + name + zero padding at dst. The caller checked the size.
void put_record(std::byte* dst, const void* head, size_t head_size, std::string_view name, size_t total) {
    std::memcpy(dst, head, head_size);
    std::memcpy(dst + head_size, name.data(), name.size());
    std::memset(dst + head_size + name.size(), 0, total - head_size - name.size());
}

}  // namespace

fuse_attr encode_attr(const Attr& a) {
    fuse_attr out{};
    out.ino = a.ino;
    out.size = a.size;
    out.blocks = a.blocks;
    // Seconds travel as u64 but the kernel reads them back as signed, so
    // pre-1970 times survive the cast.
    out.atime = static_cast<uint64_t>(a.atime.tv_sec);
    out.mtime = static_cast<uint64_t>(a.mtime.tv_sec);
    out.ctime = static_cast<uint64_t>(a.ctime.tv_sec);
    out.atimensec = nsec_of(a.atime);
    out.mtimensec = nsec_of(a.mtime);
    out.ctimensec = nsec_of(a.ctime);
    out.mode = a.mode;
    out.nlink = a.nlink;
    out.uid = a.uid;
    out.gid = a.gid;
    out.rdev = a.rdev;
    out.blksize = a.blksize;
    return out;
}

fuse_entry_out encode_entry(const Entry& e) {
    fuse_entry_out out{};
    out.nodeid = e.node;
    out.generation = e.generation;
    const Timeout et = Timeout::from_seconds(e.entry_timeout);
    const Timeout at = Timeout::from_seconds(e.attr_timeout);
    out.entry_valid = et.sec;
    out.entry_valid_nsec = et.nsec;
    out.attr_valid = at.sec;
    out.attr_valid_nsec = at.nsec;
    out.attr = encode_attr(e.attr);
    return out;
}

fuse_attr_out encode_attr_out(const Attr& a, double timeout) {
    fuse_attr_out out{};
    const Timeout t = Timeout::from_seconds(timeout);
    out.attr_valid = t.sec;
    out.attr_valid_nsec = t.nsec;
    out.attr = encode_attr(a);
    return out;
}

fuse_open_out encode_open(const OpenResult& o) {
    fuse_open_out out{};
    out.fh = o.fh;
    uint32_t f = 0;
    if (o.direct_io) f |= FOPEN_DIRECT_IO;
    if (o.keep_cache) f |= FOPEN_KEEP_CACHE;
    if (o.nonseekable) f |= FOPEN_NONSEEKABLE;
    if (o.cache_dir) f |= FOPEN_CACHE_DIR;
    if (o.stream) f |= FOPEN_STREAM;
    if (o.noflush) f |= FOPEN_NOFLUSH;
    if (o.parallel_direct_writes) f |= FOPEN_PARALLEL_DIRECT_WRITES;
    // A backing id only means something with FOPEN_PASSTHROUGH; ids are
    // positive, so anything else leaves the field zero (it was padding
    // before 7.40).
    if (o.backing_id > 0) {
        f |= FOPEN_PASSTHROUGH;
        out.backing_id = o.backing_id;
    }
    out.open_flags = f;
    return out;
}

fuse_kstatfs encode_statfs(const StatFs& s) {
    fuse_kstatfs out{};
    out.blocks = s.blocks;
    out.bfree = s.bfree;
    out.bavail = s.bavail;
    out.files = s.files;
    out.ffree = s.ffree;
    out.bsize = s.bsize;
    out.namelen = s.namelen;
    out.frsize = s.frsize;
    return out;
}

fuse_file_lock encode_lock(const FileLock& l) {
    fuse_file_lock out{};
    out.start = l.start;
    out.end = l.end;
    out.type = l.type;
    out.pid = l.pid;
    return out;
}

fuse_statx_out encode_statx(const Attr& a, timespec btime, double timeout) {
    fuse_statx_out out{};
    const Timeout t = Timeout::from_seconds(timeout);
    out.attr_valid = t.sec;
    out.attr_valid_nsec = t.nsec;
    fuse_statx& sx = out.stat;
    sx.mask = STATX_BASIC_STATS;
    // A zero btime means "unknown": leave it out of the mask rather than
    // claim the file was born in 1970.
    if (btime.tv_sec != 0 || btime.tv_nsec != 0) {
        sx.mask |= STATX_BTIME;
        sx.btime = sx_time(btime);
    }
    sx.blksize = a.blksize;
    sx.nlink = a.nlink;
    sx.uid = a.uid;
    sx.gid = a.gid;
    sx.mode = static_cast<uint16_t>(a.mode);
    sx.ino = a.ino;
    sx.size = a.size;
    sx.blocks = a.blocks;
    sx.atime = sx_time(a.atime);
    sx.ctime = sx_time(a.ctime);
    sx.mtime = sx_time(a.mtime);
    const dev_t rdev = a.rdev;
    sx.rdev_major = major(rdev);
    sx.rdev_minor = minor(rdev);
    return out;
}

size_t dirent_size(size_t name_len) { return FUSE_DIRENT_SIZE(name_len); }
size_t direntplus_size(size_t name_len) { return FUSE_DIRENTPLUS_SIZE(name_len); }

size_t put_dirent(std::span<std::byte> dst, std::string_view name, uint64_t ino, uint32_t mode, uint64_t next_off) {
    const size_t total = dirent_size(name.size());
    if (total > dst.size()) return 0;
    fuse_dirent d{};
    d.ino = ino;
    d.off = next_off;
    d.namelen = static_cast<uint32_t>(name.size());
    d.type = dirent_type(mode);
    put_record(dst.data(), &d, sizeof d, name, total);
    return total;
}

size_t put_direntplus(std::span<std::byte> dst, std::string_view name, const Entry& e, uint64_t next_off) {
    const size_t total = direntplus_size(name.size());
    if (total > dst.size()) return 0;
    fuse_direntplus d{};
    d.entry_out = encode_entry(e);
    d.dirent.ino = e.attr.ino;
    d.dirent.off = next_off;
    d.dirent.namelen = static_cast<uint32_t>(name.size());
    d.dirent.type = dirent_type(e.attr.mode);
    put_record(dst.data(), &d, sizeof d, name, total);
    return total;
}

fuse_init_out encode_init(const InitConfig& config, uint32_t kernel_minor, size_t* reply_size) {
    fuse_init_out out{};
    out.major = FUSE_KERNEL_VERSION;
    out.minor = std::min(kernel_minor, FUSE_KERNEL_MINOR_VERSION);

    // Never claim a capability the kernel did not offer. Without INIT_EXT
    // the kernel does not read flags2, so upper bits cannot be negotiated.
    uint64_t caps = config.want & config.offered;
    const bool ext = (config.offered & FUSE_INIT_EXT) != 0;
    if (!ext) caps &= 0xffff'ffffull;
    caps &= ~FUSE_INIT_EXT;
    if (caps >> 32) caps |= FUSE_INIT_EXT;

    // max_pages tells the kernel how large READ/WRITE may get; without it
    // the kernel caps requests at 32 pages whatever max_write says.
    if (config.offered & FUSE_MAX_PAGES) {
        caps |= FUSE_MAX_PAGES;
        const uint64_t pages = (uint64_t{config.max_write} + 4095) / 4096;
        out.max_pages = static_cast<uint16_t>(std::clamp<uint64_t>(pages, 1, UINT16_MAX));
    }
    out.flags = static_cast<uint32_t>(caps);
    out.flags2 = static_cast<uint32_t>(caps >> 32);

    out.max_readahead = config.max_readahead;
    out.max_write = config.max_write;
    out.max_background = config.max_background;
    out.congestion_threshold = config.congestion_threshold;
    out.time_gran = config.time_gran;
    // Only meaningful (and only checked) when passthrough was agreed.
    if (caps & FUSE_PASSTHROUGH) out.max_stack_depth = config.max_stack_depth;

    // Older kernels read a shorter struct and reject a longer reply.
    if (reply_size != nullptr) {
        if (out.minor >= 23) {
            *reply_size = sizeof(fuse_init_out);
        } else if (out.minor >= 5) {
            *reply_size = FUSE_COMPAT_22_INIT_OUT_SIZE;
        } else {
            *reply_size = FUSE_COMPAT_INIT_OUT_SIZE;
        }
    }
    return out;
}

}  // namespace fusex::protocol

// The public cap:: bits are the kernel's INIT bits under friendlier names;
// the two lists must never drift apart.
namespace fusex::protocol {
static_assert(cap::kAsyncRead == abi::FUSE_ASYNC_READ && cap::kPosixLocks == abi::FUSE_POSIX_LOCKS &&
              cap::kAtomicOTrunc == abi::FUSE_ATOMIC_O_TRUNC && cap::kExportSupport == abi::FUSE_EXPORT_SUPPORT &&
              cap::kBigWrites == abi::FUSE_BIG_WRITES && cap::kDontMask == abi::FUSE_DONT_MASK &&
              cap::kSpliceWrite == abi::FUSE_SPLICE_WRITE && cap::kSpliceMove == abi::FUSE_SPLICE_MOVE &&
              cap::kSpliceRead == abi::FUSE_SPLICE_READ && cap::kFlockLocks == abi::FUSE_FLOCK_LOCKS &&
              cap::kIoctlDir == abi::FUSE_HAS_IOCTL_DIR && cap::kAutoInvalData == abi::FUSE_AUTO_INVAL_DATA &&
              cap::kReaddirplus == abi::FUSE_DO_READDIRPLUS && cap::kReaddirplusAuto == abi::FUSE_READDIRPLUS_AUTO &&
              cap::kAsyncDio == abi::FUSE_ASYNC_DIO && cap::kWritebackCache == abi::FUSE_WRITEBACK_CACHE &&
              cap::kNoOpenSupport == abi::FUSE_NO_OPEN_SUPPORT && cap::kParallelDirops == abi::FUSE_PARALLEL_DIROPS &&
              cap::kHandleKillpriv == abi::FUSE_HANDLE_KILLPRIV && cap::kPosixAcl == abi::FUSE_POSIX_ACL &&
              cap::kAbortError == abi::FUSE_ABORT_ERROR && cap::kMaxPages == abi::FUSE_MAX_PAGES &&
              cap::kCacheSymlinks == abi::FUSE_CACHE_SYMLINKS && cap::kNoOpendirSupport == abi::FUSE_NO_OPENDIR_SUPPORT &&
              cap::kExplicitInvalData == abi::FUSE_EXPLICIT_INVAL_DATA &&
              cap::kHandleKillprivV2 == abi::FUSE_HANDLE_KILLPRIV_V2 && cap::kSetxattrExt == abi::FUSE_SETXATTR_EXT &&
              cap::kInitExt == abi::FUSE_INIT_EXT && cap::kSecurityCtx == abi::FUSE_SECURITY_CTX &&
              cap::kCreateSuppGroup == abi::FUSE_CREATE_SUPP_GROUP && cap::kHasExpireOnly == abi::FUSE_HAS_EXPIRE_ONLY &&
              cap::kDirectIoAllowMmap == abi::FUSE_DIRECT_IO_ALLOW_MMAP && cap::kPassthrough == abi::FUSE_PASSTHROUGH &&
              cap::kNoExportSupport == abi::FUSE_NO_EXPORT_SUPPORT && cap::kHasResend == abi::FUSE_HAS_RESEND &&
              cap::kAllowIdmap == abi::FUSE_ALLOW_IDMAP && cap::kOverIoUring == abi::FUSE_OVER_IO_URING,
              "fusex::cap and the kernel's INIT bits disagree");
}  // namespace fusex::protocol
