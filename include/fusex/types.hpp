// Plain value types shared by requests, replies and filesystems.
#pragma once

#include <cstdint>
#include <ctime>
#include <sys/stat.h>

namespace fusex {

// The kernel's handle for an inode. 1 is always the root.
using NodeId = uint64_t;
inline constexpr NodeId kRootNode = 1;

// File attributes as the kernel caches them (a subset of struct stat).
struct Attr {
    uint64_t ino = 0;
    uint64_t size = 0;
    uint64_t blocks = 0;  // 512-byte units
    timespec atime{};
    timespec mtime{};
    timespec ctime{};
    uint32_t mode = 0;    // type and permission bits
    uint32_t nlink = 1;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t rdev = 0;
    uint32_t blksize = 4096;

    static Attr from_stat(const struct stat& st);
};

// The answer to a name lookup. node == 0 is a negative entry: the kernel
// caches "this name does not exist" for entry_timeout seconds.
struct Entry {
    NodeId node = 0;
    uint64_t generation = 0;
    Attr attr;
    double entry_timeout = 1.0;
    double attr_timeout = 1.0;
};

// What an OPEN, OPENDIR or CREATE hands back to the kernel.
struct OpenResult {
    uint64_t fh = 0;
    bool direct_io = false;       // bypass the page cache for this open file
    bool keep_cache = false;      // keep cached pages from earlier opens
    bool nonseekable = false;
    bool stream = false;          // no file position at all (pipes, devices); also
                                  // frees read/write of the f_pos lock, so that a
                                  // blocked write cannot block a read on the same fd
    bool cache_dir = false;       // opendir: the kernel may cache entries
    bool noflush = false;         // no FLUSH on close
    bool parallel_direct_writes = false;
    int32_t backing_id = 0;       // > 0: kernel passthrough to this backing file
};

struct StatFs {
    uint64_t blocks = 0, bfree = 0, bavail = 0;
    uint64_t files = 0, ffree = 0;
    uint32_t bsize = 4096;
    uint32_t namelen = 255;
    uint32_t frsize = 4096;
};

// A POSIX or flock lock, as struct flock describes it (end is inclusive).
struct FileLock {
    uint64_t start = 0;
    uint64_t end = 0;
    uint32_t type = 0;  // F_RDLCK, F_WRLCK, F_UNLCK
    uint32_t pid = 0;
};

// Who asked: the calling process as the kernel saw it.
struct Context {
    uint64_t unique = 0;  // the request's id on the wire
    NodeId node = 0;      // the header's nodeid (the inode the call is about)
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t pid = 0;
};

// A whole-second-plus-nanoseconds time from a double, for cache timeouts.
struct Timeout {
    uint64_t sec = 0;
    uint32_t nsec = 0;
    static Timeout from_seconds(double s);
};

}  // namespace fusex
