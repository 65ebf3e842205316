// Session and mount settings, filled by code or by the command line parser.
#pragma once

#include <cstdint>
#include <string>

namespace fusex {

enum class TransportKind { Auto, Readv, Splice, Uring };

struct SessionOptions {
    bool debug = false;             // log each request and reply in one line
    bool single_thread = false;     // serve from the calling thread only
    unsigned max_threads = 8;       // upper bound of the worker pool
    bool clone_fd = true;           // one cloned /dev/fuse fd per worker
    TransportKind transport = TransportKind::Auto;
    uint32_t max_write = 1u << 20;  // largest WRITE payload accepted
};

struct MountOptions {
    std::string fsname = "fusex";
    std::string subtype;            // shows as fuse.<subtype> in /proc/mounts
    bool allow_other = false;
    bool default_permissions = false;
    bool read_only = false;
    unsigned long flags = 0;        // extra MS_* flags (nosuid, nodev, noexec, noatime...)
    uint32_t max_read = 0;          // 0: kernel default
    uint32_t blksize = 0;           // only for fuseblk
};

}  // namespace fusex
