// The kernel offers FUSE no more readahead than a block device's default
// (128 KiB), so buffered sequential reads reach the daemon as 128 KiB
// requests. A FUSE mount's readahead is a sysfs knob of its own backing
// device info; raising it to the largest request lets each READ carry 1 MiB.
#pragma once

#include <cstdint>
#include <string>

namespace passthrough {

// Sets read_ahead_kb of the FUSE mount on mountpoint (an absolute path, as
// in /proc/self/mountinfo) to kib. Returns 0 or a positive errno. Must not be
// called before the kernel has taken the INIT reply, which would lower it.
int raise_readahead(const std::string& mountpoint, uint32_t kib);

}  // namespace passthrough
