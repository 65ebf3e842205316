#include "mount/mount.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fusex::mount {

namespace {

std::string errno_line(const std::string& what, int err) { return what + ": " + strerror(err); }

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mountinfo(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int v = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
            out.push_back(static_cast<char>(v));
            i += 3;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::string fusermount_options(const MountOptions& o) {
    std::string opts = "fsname=" + o.fsname;
    if (!o.subtype.empty()) opts += ",subtype=" + o.subtype;
    if (o.allow_other) opts += ",allow_other";
    if (o.default_permissions) opts += ",default_permissions";
    opts += o.read_only ? ",ro" : ",rw";
    if (o.flags & MS_NOSUID) opts += ",nosuid";
    if (o.flags & MS_NODEV) opts += ",nodev";
    if (o.flags & MS_NOEXEC) opts += ",noexec";
    if (o.flags & MS_NOATIME) opts += ",noatime";
    if (o.max_read) opts += ",max_read=" + std::to_string(o.max_read);
    return opts;
}

// Runs fusermount3 with a socket in _FUSE_COMMFD and receives the device fd
// it opened (the unprivileged mount path, as libfuse does it).
int mount_with_fusermount(const std::string& mountpoint, const MountOptions& o, int* fd, std::string* error) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        *error = errno_line("socketpair", errno);
        return -errno;
    }
    std::string opts = fusermount_options(o);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        *error = errno_line("fork", e);
        return -e;
    }
    if (pid == 0) {
        fcntl(sv[1], F_SETFD, 0);
        std::string env = std::to_string(sv[1]);
        setenv("_FUSE_COMMFD", env.c_str(), 1);
        execlp("fusermount3", "fusermount3", "-o", opts.c_str(), "--", mountpoint.c_str(), (char*)nullptr);
        _exit(127);
    }
    close(sv[1]);
    char byte;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(sv[0], &msg, 0);
    close(sv[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    cmsghdr* c = n > 0 ? CMSG_FIRSTHDR(&msg) : nullptr;
    if (!c || c->cmsg_type != SCM_RIGHTS) {
        *error = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "fusermount3 not found; mounting needs root"
                                                                  : "fusermount3 failed to mount " + mountpoint;
        return -EPERM;
    }
    memcpy(fd, CMSG_DATA(c), sizeof(int));
    fcntl(*fd, F_SETFD, FD_CLOEXEC);
    return 0;
}

}  // namespace

std::string canonical_path(const std::string& path) {
    char buf[PATH_MAX];
    return realpath(path.c_str(), buf) ? std::string(buf) : path;
}

bool is_mount_point(const std::string& path) {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mp;
        if (fields >> id >> parent >> devno >> root >> mp && unescape_mountinfo(mp) == path) return true;
    }
    return false;
}

std::string kernel_mount_data(int fd, unsigned root_mode, unsigned uid, unsigned gid, const MountOptions& o) {
    char head[128];
    snprintf(head, sizeof head, "fd=%d,rootmode=%o,user_id=%u,group_id=%u", fd, root_mode, uid, gid);
    std::string data = head;
    if (o.default_permissions) data += ",default_permissions";
    if (o.allow_other) data += ",allow_other";
    if (o.max_read) data += ",max_read=" + std::to_string(o.max_read);
    return data;
}

int mount_fuse(const std::string& mountpoint, const MountOptions& o, int* fd, std::string* error) {
    struct stat st;
    if (stat(mountpoint.c_str(), &st) < 0) {
        int e = errno;
        *error = errno_line("bad mount point '" + mountpoint + "'", e);
        return -e;
    }
    if (!S_ISDIR(st.st_mode)) {
        *error = "bad mount point '" + mountpoint + "': Not a directory";
        return -ENOTDIR;
    }
    std::string path = canonical_path(mountpoint);
    if (is_mount_point(path)) {
        *error = "mount point '" + mountpoint + "' is busy: something is already mounted there";
        return -EBUSY;
    }
    if (geteuid() != 0) return mount_with_fusermount(path, o, fd, error);

    int dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (dev < 0) {
        int e = errno;
        *error = errno_line("cannot open /dev/fuse", e);
        return -e;
    }
    std::string data = kernel_mount_data(dev, st.st_mode & S_IFMT, getuid(), getgid(), o);
    std::string type = o.subtype.empty() ? "fuse" : "fuse." + o.subtype;
    unsigned long flags = o.flags | (o.read_only ? MS_RDONLY : 0);
    if (::mount(o.fsname.c_str(), path.c_str(), type.c_str(), flags, data.c_str()) < 0) {
        int e = errno;
        close(dev);
        if (e == EPERM) return mount_with_fusermount(path, o, fd, error);
        *error = errno_line("mounting on '" + mountpoint + "' failed", e);
        return -e;
    }
    *fd = dev;
    return 0;
}

int unmount_fuse(const std::string& mountpoint) {
    if (geteuid() == 0) return umount2(mountpoint.c_str(), MNT_DETACH) < 0 ? -errno : 0;
    pid_t pid = fork();
    if (pid == 0) {
        execlp("fusermount3", "fusermount3", "-u", "-z", "--", mountpoint.c_str(), (char*)nullptr);
        _exit(127);
    }
    int status = 0;
    if (pid > 0) waitpid(pid, &status, 0);
    return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

}  // namespace fusex::mount
