#include "readahead.hpp"

#include <cerrno>
#include <fstream>
#include <sstream>

namespace passthrough {

namespace {

// mountinfo writes space, tab, newline and backslash as octal escapes.
std::string mountinfo_escaped(const std::string& path) {
    std::string out;
    for (char c : path) {
        switch (c) {
            case ' ': out += "\\040"; break;
            case '\t': out += "\\011"; break;
            case '\n': out += "\\012"; break;
            case '\\': out += "\\134"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace

int raise_readahead(const std::string& mountpoint, uint32_t kib) {
    std::ifstream mountinfo("/proc/self/mountinfo");
    if (!mountinfo) return ENOENT;
    const std::string wanted = mountinfo_escaped(mountpoint);
    std::string line, device;
    while (std::getline(mountinfo, line)) {
        // id parent major:minor root mountpoint options ... - fstype source ...
        std::istringstream fields(line);
        std::string id, parent, dev, root, point;
        fields >> id >> parent >> dev >> root >> point;
        if (point != wanted) continue;
        auto dash = line.find(" - ");
        if (dash == std::string::npos || line.compare(dash + 3, 4, "fuse") != 0) continue;
        device = dev;  // the last (topmost) one wins
    }
    if (device.empty()) return ENOENT;
    std::ofstream knob("/sys/class/bdi/" + device + "/read_ahead_kb");
    if (!knob) return errno != 0 ? errno : EACCES;
    knob << kib << '\n';
    knob.flush();
    return knob ? 0 : EIO;
}

}  // namespace passthrough
