// Session and mount settings, filled by code or by the command line parser.
#pragma once

#include <cstdint>
#include <string>

namespace fusex {

enum class TransportKind { Auto, Readv, Splice, Uring };

// Bounds of SessionOptions::uring_rings and uring_depth.
inline constexpr unsigned kMaxUringRings = 16;
inline constexpr unsigned kMaxUringDepth = 64;

struct SessionOptions {
    bool debug = false;             // log each request and reply in one line
    bool single_thread = false;     // serve from the calling thread only
    unsigned max_threads = 8;       // upper bound of the worker pool
    bool clone_fd = true;           // one cloned /dev/fuse fd per worker
    TransportKind transport = TransportKind::Auto;
    uint32_t max_write = 1u << 20;  // largest WRITE payload accepted
    // FUSE over io_uring: rings per CPU queue, each with its own thread, and
    // requests each ring holds. Handlers run on the ring's thread, so a
    // ring's requests wait behind the one being handled: several shallow
    // rings keep a CPU's queue moving while one handler waits for the disk.
    // A filesystem that keeps requests unanswered (parks them) needs
    // rings * depth above the number it parks per CPU, or the kernel holds
    // the rest back until one is answered.
    unsigned uring_rings = 3;
    unsigned uring_depth = 2;
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
