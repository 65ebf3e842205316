// Typed requests, one struct per operation. The protocol layer decodes and
// validates the kernel's bytes into these before any handler sees them.
//
// Lifetime: string_views and spans point into the worker's request buffer
// and are valid only until the handler returns. A handler that answers later
// from another thread must copy what it needs first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "fusex/types.hpp"

namespace fusex {

struct RequestBase {
    Context ctx;
};

struct LookupRequest : RequestBase { NodeId parent = 0; std::string_view name; };

struct ForgetOne { NodeId node = 0; uint64_t nlookup = 0; };
struct ForgetRequest : RequestBase { ForgetOne forget; };
// The ABI's array of (nodeid, nlookup) pairs, possibly unaligned in the buffer:
// read through at(), which copies each element out.
struct BatchForgetRequest : RequestBase {
    const std::byte* raw = nullptr;
    uint32_t count = 0;
    ForgetOne at(uint32_t i) const;
};

struct GetattrRequest : RequestBase { NodeId node = 0; std::optional<uint64_t> fh; };

// Which fields of a SETATTR are set.
enum SetattrField : uint32_t {
    kSetMode = 1u << 0,
    kSetUid = 1u << 1,
    kSetGid = 1u << 2,
    kSetSize = 1u << 3,
    kSetAtime = 1u << 4,
    kSetMtime = 1u << 5,
    kSetAtimeNow = 1u << 7,
    kSetMtimeNow = 1u << 8,
    kSetCtime = 1u << 10,
    kSetKillSuidgid = 1u << 11,
};
struct SetattrRequest : RequestBase {
    NodeId node = 0;
    uint32_t valid = 0;  // SetattrField bits
    std::optional<uint64_t> fh;
    uint32_t mode = 0, uid = 0, gid = 0;
    uint64_t size = 0;
    timespec atime{}, mtime{}, ctime{};
    bool has(SetattrField f) const { return (valid & f) != 0; }
};

struct ReadlinkRequest : RequestBase { NodeId node = 0; };
struct SymlinkRequest : RequestBase { NodeId parent = 0; std::string_view name; std::string_view target; };
struct MknodRequest : RequestBase { NodeId parent = 0; std::string_view name; uint32_t mode = 0; uint32_t rdev = 0; uint32_t umask = 0; };
struct MkdirRequest : RequestBase { NodeId parent = 0; std::string_view name; uint32_t mode = 0; uint32_t umask = 0; };
struct UnlinkRequest : RequestBase { NodeId parent = 0; std::string_view name; };
struct RmdirRequest : RequestBase { NodeId parent = 0; std::string_view name; };
// flags: 0, RENAME_NOREPLACE, RENAME_EXCHANGE or RENAME_WHITEOUT.
struct RenameRequest : RequestBase {
    NodeId parent = 0; std::string_view name;
    NodeId new_parent = 0; std::string_view new_name;
    uint32_t flags = 0;
};
struct LinkRequest : RequestBase { NodeId node = 0; NodeId new_parent = 0; std::string_view new_name; };

// A WRITE payload still in a kernel pipe (splice transport; see SplicedWrites).
// Take it before the handler returns: afterwards the rest is discarded.
class SplicedPayload {
  public:
    // Bytes not yet taken.
    virtual size_t size() const noexcept = 0;
    // Moves the payload into fd at offset (like pwrite: fd's file position is
    // not used) by splice, without a copy through user memory. Returns the
    // bytes moved or -errno (EINVAL: fd cannot take splices, e.g. O_APPEND;
    // the payload is then still there for read_into()).
    virtual int64_t splice_to(int fd, uint64_t offset) = 0;
    // Copies up to out.size() bytes of the payload into memory instead.
    virtual int64_t read_into(std::span<std::byte> out) = 0;

  protected:
    ~SplicedPayload() = default;
};

// Mix into a Filesystem (class MyFs : public Filesystem, public SplicedWrites)
// to receive large WRITEs with `spliced` set under -o transport=splice.
// Without it, `data` always holds the payload, whatever the transport.
class SplicedWrites {
  public:
    virtual ~SplicedWrites() = default;
    // WRITEs carrying at least this many bytes arrive spliced; smaller ones
    // are cheaper to copy.
    virtual size_t splice_write_min() const { return 64 * 1024; }
};

// kill_suidgid: the caller lacks CAP_FSETID and opens with O_TRUNC, so the
// filesystem should clear S_ISUID/S_ISGID (with handle_killpriv_v2).
struct OpenRequest : RequestBase { NodeId node = 0; uint32_t flags = 0; bool kill_suidgid = false; };
struct ReadRequest : RequestBase {
    NodeId node = 0; uint64_t fh = 0; uint64_t offset = 0; uint32_t size = 0;
    uint32_t flags = 0; std::optional<uint64_t> lock_owner;
};
struct WriteRequest : RequestBase {
    NodeId node = 0; uint64_t fh = 0; uint64_t offset = 0;
    std::span<const std::byte> data;
    uint32_t flags = 0;          // open flags
    bool from_page_cache = false;  // writeback of cached pages (fh is a guess)
    bool kill_suidgid = false;
    std::optional<uint64_t> lock_owner;
    // Only for SplicedWrites filesystems: when set, `data` is empty and the
    // payload (spliced->size() bytes) is taken from here.
    SplicedPayload* spliced = nullptr;
};
struct StatfsRequest : RequestBase { NodeId node = 0; };
struct ReleaseRequest : RequestBase {
    NodeId node = 0; uint64_t fh = 0; uint32_t flags = 0;
    bool flush = false; bool flock_unlock = false; uint64_t lock_owner = 0;
};
struct FsyncRequest : RequestBase { NodeId node = 0; uint64_t fh = 0; bool datasync = false; };
struct SetxattrRequest : RequestBase {
    NodeId node = 0; std::string_view name; std::span<const std::byte> value;
    uint32_t flags = 0;  // XATTR_CREATE, XATTR_REPLACE
    uint32_t setxattr_flags = 0;  // FUSE_SETXATTR_ACL_KILL_SGID when extended
};
// size == 0 asks for the value's size only.
struct GetxattrRequest : RequestBase { NodeId node = 0; std::string_view name; uint32_t size = 0; };
struct ListxattrRequest : RequestBase { NodeId node = 0; uint32_t size = 0; };
struct RemovexattrRequest : RequestBase { NodeId node = 0; std::string_view name; };
struct FlushRequest : RequestBase { NodeId node = 0; uint64_t fh = 0; uint64_t lock_owner = 0; };
struct OpendirRequest : RequestBase { NodeId node = 0; uint32_t flags = 0; };
struct ReaddirRequest : RequestBase {
    NodeId node = 0; uint64_t fh = 0; uint64_t offset = 0; uint32_t size = 0;
    bool plus = false;  // READDIRPLUS: answer with add_plus()
};
struct ReleasedirRequest : RequestBase { NodeId node = 0; uint64_t fh = 0; uint32_t flags = 0; };
struct FsyncdirRequest : RequestBase { NodeId node = 0; uint64_t fh = 0; bool datasync = false; };
struct GetlkRequest : RequestBase { NodeId node = 0; uint64_t fh = 0; uint64_t owner = 0; FileLock lock; };
struct SetlkRequest : RequestBase {
    NodeId node = 0; uint64_t fh = 0; uint64_t owner = 0; FileLock lock;
    bool sleep = false;  // SETLKW
    bool flock = false;  // BSD flock() rather than POSIX fcntl()
};
struct AccessRequest : RequestBase { NodeId node = 0; uint32_t mask = 0; };
struct CreateRequest : RequestBase {
    NodeId parent = 0; std::string_view name; uint32_t mode = 0; uint32_t flags = 0; uint32_t umask = 0;
    bool kill_suidgid = false;
};
struct BmapRequest : RequestBase { NodeId node = 0; uint64_t block = 0; uint32_t blocksize = 0; };
struct IoctlRequest : RequestBase {
    NodeId node = 0; uint64_t fh = 0; uint32_t flags = 0; uint32_t cmd = 0; uint64_t arg = 0;
    std::span<const std::byte> in;  // in_size bytes the kernel copied from the caller
    uint32_t out_size = 0;           // room for the result
};
struct PollRequest : RequestBase {
    NodeId node = 0; uint64_t fh = 0;
    uint64_t kh = 0;  // the kernel's poll handle, for Notifier::poll_wakeup
    bool schedule_notify = false;  // the caller will sleep: remember kh and wake it
    uint32_t events = 0;
};
struct FallocateRequest : RequestBase { NodeId node = 0; uint64_t fh = 0; uint64_t offset = 0; uint64_t length = 0; uint32_t mode = 0; };
struct LseekRequest : RequestBase { NodeId node = 0; uint64_t fh = 0; uint64_t offset = 0; uint32_t whence = 0; };
struct CopyFileRangeRequest : RequestBase {
    NodeId node_in = 0; uint64_t fh_in = 0; uint64_t off_in = 0;
    NodeId node_out = 0; uint64_t fh_out = 0; uint64_t off_out = 0;
    uint64_t len = 0; uint64_t flags = 0;
};
struct SyncfsRequest : RequestBase { NodeId node = 0; };
struct TmpfileRequest : RequestBase { NodeId parent = 0; uint32_t mode = 0; uint32_t flags = 0; uint32_t umask = 0; };
struct StatxRequest : RequestBase {
    NodeId node = 0; std::optional<uint64_t> fh; uint32_t sx_flags = 0; uint32_t sx_mask = 0;
};

}  // namespace fusex
