// The handler interface. Derive from Filesystem and override what you serve;
// everything else answers ENOSYS (or the kernel's documented default).
#pragma once

#include <cerrno>
#include <cstdint>

#include "fusex/reply.hpp"
#include "fusex/requests.hpp"

namespace fusex {

// INIT capability bits (the kernel's flags | flags2 << 32).
namespace cap {
inline constexpr uint64_t kAsyncRead = 1ull << 0;
inline constexpr uint64_t kPosixLocks = 1ull << 1;
inline constexpr uint64_t kAtomicOTrunc = 1ull << 3;
inline constexpr uint64_t kExportSupport = 1ull << 4;
inline constexpr uint64_t kBigWrites = 1ull << 5;
inline constexpr uint64_t kDontMask = 1ull << 6;
inline constexpr uint64_t kSpliceWrite = 1ull << 7;
inline constexpr uint64_t kSpliceMove = 1ull << 8;
inline constexpr uint64_t kSpliceRead = 1ull << 9;
inline constexpr uint64_t kFlockLocks = 1ull << 10;
inline constexpr uint64_t kIoctlDir = 1ull << 11;
inline constexpr uint64_t kAutoInvalData = 1ull << 12;
inline constexpr uint64_t kReaddirplus = 1ull << 13;
inline constexpr uint64_t kReaddirplusAuto = 1ull << 14;
inline constexpr uint64_t kAsyncDio = 1ull << 15;
inline constexpr uint64_t kWritebackCache = 1ull << 16;
inline constexpr uint64_t kNoOpenSupport = 1ull << 17;
inline constexpr uint64_t kParallelDirops = 1ull << 18;
inline constexpr uint64_t kHandleKillpriv = 1ull << 19;
inline constexpr uint64_t kPosixAcl = 1ull << 20;
inline constexpr uint64_t kAbortError = 1ull << 21;
inline constexpr uint64_t kMaxPages = 1ull << 22;
inline constexpr uint64_t kCacheSymlinks = 1ull << 23;
inline constexpr uint64_t kNoOpendirSupport = 1ull << 24;
inline constexpr uint64_t kExplicitInvalData = 1ull << 25;
inline constexpr uint64_t kHandleKillprivV2 = 1ull << 28;
inline constexpr uint64_t kSetxattrExt = 1ull << 29;
inline constexpr uint64_t kInitExt = 1ull << 30;
inline constexpr uint64_t kSecurityCtx = 1ull << 32;
inline constexpr uint64_t kCreateSuppGroup = 1ull << 34;
inline constexpr uint64_t kHasExpireOnly = 1ull << 35;
inline constexpr uint64_t kDirectIoAllowMmap = 1ull << 36;
inline constexpr uint64_t kPassthrough = 1ull << 37;
inline constexpr uint64_t kNoExportSupport = 1ull << 38;
inline constexpr uint64_t kHasResend = 1ull << 39;
inline constexpr uint64_t kAllowIdmap = 1ull << 40;
inline constexpr uint64_t kOverIoUring = 1ull << 41;
}  // namespace cap

// What the kernel offered in INIT and what this filesystem asks for. fusex
// fills `want` with sensible defaults (those of the offered capabilities that
// need no filesystem support); init() may add or remove bits and limits.
struct InitConfig {
    uint32_t kernel_major = 0;
    uint32_t kernel_minor = 0;
    uint64_t offered = 0;  // cap:: bits the kernel supports
    uint64_t want = 0;     // cap:: bits requested; masked with `offered` on reply

    uint32_t max_write = 1u << 20;
    uint32_t max_readahead = 1u << 20;
    uint16_t max_background = 64;
    uint16_t congestion_threshold = 48;
    uint32_t time_gran = 1;  // ns granularity of timestamps
    uint32_t max_stack_depth = 1;  // for passthrough over stacked filesystems

    bool offers(uint64_t c) const { return (offered & c) == c; }
    // Ask for c if offered; returns whether it will be enabled.
    bool enable(uint64_t c) {
        if (!offers(c)) return false;
        want |= c;
        return true;
    }
    void disable(uint64_t c) { want &= ~c; }
};

class Session;

class Filesystem {
  public:
    virtual ~Filesystem() = default;

    // Called once with the kernel's INIT, before any other request.
    virtual void init(InitConfig& config) { (void)config; }
    // The filesystem is done: DESTROY arrived (fuseblk) or run() is ending
    // (unmount, stop). Called once, and only after init().
    virtual void destroy() {}

    virtual void lookup(const LookupRequest&, ReplyEntry reply) { std::move(reply).error(ENOSYS); }
    // No reply: drop nlookup references to the node.
    virtual void forget(const ForgetRequest&) {}
    // Default: forget() for each element.
    virtual void batch_forget(const BatchForgetRequest& req);
    virtual void getattr(const GetattrRequest&, ReplyAttr reply) { std::move(reply).error(ENOSYS); }
    virtual void setattr(const SetattrRequest&, ReplyAttr reply) { std::move(reply).error(ENOSYS); }
    virtual void readlink(const ReadlinkRequest&, ReplyReadlink reply) { std::move(reply).error(ENOSYS); }
    virtual void symlink(const SymlinkRequest&, ReplyEntry reply) { std::move(reply).error(ENOSYS); }
    virtual void mknod(const MknodRequest&, ReplyEntry reply) { std::move(reply).error(ENOSYS); }
    virtual void mkdir(const MkdirRequest&, ReplyEntry reply) { std::move(reply).error(ENOSYS); }
    virtual void unlink(const UnlinkRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void rmdir(const RmdirRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void rename(const RenameRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void link(const LinkRequest&, ReplyEntry reply) { std::move(reply).error(ENOSYS); }
    // Default: success with fh 0 (stateless files).
    virtual void open(const OpenRequest&, ReplyOpen reply) { std::move(reply).opened({}); }
    virtual void read(const ReadRequest&, ReplyData reply) { std::move(reply).error(ENOSYS); }
    virtual void write(const WriteRequest&, ReplyWrite reply) { std::move(reply).error(ENOSYS); }
    // Default: an empty statfs (as libfuse does), so df works.
    virtual void statfs(const StatfsRequest&, ReplyStatfs reply);
    virtual void release(const ReleaseRequest&, ReplyEmpty reply) { std::move(reply).ok(); }
    virtual void fsync(const FsyncRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void setxattr(const SetxattrRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void getxattr(const GetxattrRequest&, ReplyXattr reply) { std::move(reply).error(ENOSYS); }
    virtual void listxattr(const ListxattrRequest&, ReplyXattr reply) { std::move(reply).error(ENOSYS); }
    virtual void removexattr(const RemovexattrRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void flush(const FlushRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void opendir(const OpendirRequest&, ReplyOpen reply) { std::move(reply).opened({}); }
    virtual void readdir(const ReaddirRequest&, ReplyDir reply) { std::move(reply).error(ENOSYS); }
    virtual void releasedir(const ReleasedirRequest&, ReplyEmpty reply) { std::move(reply).ok(); }
    virtual void fsyncdir(const FsyncdirRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void getlk(const GetlkRequest&, ReplyLock reply) { std::move(reply).error(ENOSYS); }
    virtual void setlk(const SetlkRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void access(const AccessRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void create(const CreateRequest&, ReplyCreate reply) { std::move(reply).error(ENOSYS); }
    virtual void bmap(const BmapRequest&, ReplyBmap reply) { std::move(reply).error(ENOSYS); }
    virtual void ioctl(const IoctlRequest&, ReplyIoctl reply) { std::move(reply).error(ENOSYS); }
    virtual void poll(const PollRequest&, ReplyPoll reply) { std::move(reply).error(ENOSYS); }
    virtual void fallocate(const FallocateRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void lseek(const LseekRequest&, ReplyLseek reply) { std::move(reply).error(ENOSYS); }
    virtual void copy_file_range(const CopyFileRangeRequest&, ReplyWrite reply) { std::move(reply).error(ENOSYS); }
    virtual void syncfs(const SyncfsRequest&, ReplyEmpty reply) { std::move(reply).error(ENOSYS); }
    virtual void tmpfile(const TmpfileRequest&, ReplyCreate reply) { std::move(reply).error(ENOSYS); }
    virtual void statx(const StatxRequest&, ReplyStatx reply) { std::move(reply).error(ENOSYS); }

    // The session serving this filesystem (set before init(); for notifications).
    Session* session() const noexcept { return session_; }

  private:
    friend class Session;
    Session* session_ = nullptr;
};

}  // namespace fusex
