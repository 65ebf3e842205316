#include "support/mountinfo.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace fusex::test {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int v = 0;
            bool ok = true;
            for (size_t k = 1; k <= 3; ++k) {
                char c = s[i + k];
                if (c < '0' || c > '7') ok = false;
                v = v * 8 + (c - '0');
            }
            if (ok) {
                out.push_back(static_cast<char>(v));
                i += 3;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

}  // namespace

std::vector<MountEntry> read_mountinfo() {
    std::vector<MountEntry> all;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        MountEntry m;
        std::string parent, devno, root, mnt_opts, field;
        ls >> m.id >> parent >> devno >> root >> m.mount_point >> mnt_opts;
        // Optional fields end with a lone "-".
        while (ls >> field && field != "-") {
        }
        std::string super_opts;
        ls >> m.fstype >> m.source >> super_opts;
        auto colon = devno.find(':');
        if (colon == std::string::npos) continue;
        m.major = static_cast<unsigned>(std::stoul(devno.substr(0, colon)));
        m.minor = static_cast<unsigned>(std::stoul(devno.substr(colon + 1)));
        m.mount_point = unescape(m.mount_point);
        m.source = unescape(m.source);
        m.options = mnt_opts + "," + super_opts;
        all.push_back(std::move(m));
    }
    return all;
}

std::vector<MountEntry> mounts_at(const std::string& path) {
    std::vector<MountEntry> found;
    for (auto& m : read_mountinfo())
        if (m.mount_point == path) found.push_back(std::move(m));
    return found;
}

bool is_fuse(const MountEntry& m) {
    return m.fstype == "fuse" || m.fstype == "fuseblk" || m.fstype.rfind("fuse.", 0) == 0 ||
           m.fstype.rfind("fuseblk.", 0) == 0;
}

std::vector<MountEntry> fuse_mounts() {
    std::vector<MountEntry> found;
    for (auto& m : read_mountinfo())
        if (is_fuse(m)) found.push_back(std::move(m));
    return found;
}

bool abort_fuse_connection(unsigned minor) {
    const std::string dir = "/sys/fs/fuse/connections";
    std::string file = dir + "/" + std::to_string(minor) + "/abort";
    if (access(file.c_str(), F_OK) != 0) {
        // fusectl is often not mounted; mounting it is harmless when root.
        mount("fusectl", dir.c_str(), "fusectl", 0, nullptr);
    }
    int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = write(fd, "1", 1) == 1;
    close(fd);
    return ok;
}

}  // namespace fusex::test
