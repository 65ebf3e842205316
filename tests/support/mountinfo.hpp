// Reading /proc/self/mountinfo: which mounts sit on a path, and the FUSE
// connection behind each (its number under /sys/fs/fuse/connections).
#pragma once

#include <string>
#include <vector>

namespace fusex::test {

struct MountEntry {
    int id = 0;
    unsigned major = 0;
    unsigned minor = 0;
    std::string mount_point;
    std::string fstype;  // "fuse", "fuse.memfs", "tmpfs", ...
    std::string source;
    std::string options;  // per-mount and super options, comma-joined
};

std::vector<MountEntry> read_mountinfo();
// Mounts whose mount point is exactly path, oldest first.
std::vector<MountEntry> mounts_at(const std::string& path);
bool is_fuse(const MountEntry& m);
// Every FUSE mount in this namespace (the end-of-run leak check).
std::vector<MountEntry> fuse_mounts();

// Abort the FUSE connection with this device minor (mounting fusectl first if
// needed). Returns whether the abort file was written. Only safe while the
// mount with that minor is still attached: minors are reused at once.
bool abort_fuse_connection(unsigned minor);

}  // namespace fusex::test
