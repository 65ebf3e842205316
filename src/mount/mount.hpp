// Mounting and unmounting a FUSE filesystem: mount(2) directly as root,
// fusermount3 otherwise.
#pragma once

#include <string>

#include "fusex/options.hpp"

namespace fusex::mount {

// Opens /dev/fuse and mounts it at mountpoint. Returns 0 with *fd set, or a
// negative errno with *error set to one line for the user.
int mount_fuse(const std::string& mountpoint, const MountOptions& options, int* fd, std::string* error);

// Lazy unmount (MNT_DETACH / fusermount3 -u -z). Returns 0 or -errno.
int unmount_fuse(const std::string& mountpoint);

// realpath(), or the path itself if that fails.
std::string canonical_path(const std::string& path);

// Whether something is mounted exactly at path (from /proc/self/mountinfo).
bool is_mount_point(const std::string& path);

// The kernel mount data string ("fd=3,rootmode=40000,user_id=0,...").
std::string kernel_mount_data(int fd, unsigned root_mode, unsigned uid, unsigned gid, const MountOptions& options);

}  // namespace fusex::mount
