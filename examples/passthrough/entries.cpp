// Operations on names and attributes.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>

#include "handles.hpp"
#include "names.hpp"
#include "passthrough_fs.hpp"

namespace passthrough {

using namespace fusex;

namespace {

int stat_fd(const PathFd& fd, struct stat& st) {
    if (!fd) return -fd.error();
    return fstatat(fd.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

}  // namespace

void PassthroughFs::lookup(const LookupRequest& req, ReplyEntry reply) {
    first_request();
    Entry e;
    int r = lookup_entry(inodes_.get(req.parent), req.name, e);
    if (r == -ENOENT && options_.timeout > 0) {
        // A negative entry: the kernel remembers the name is absent.
        Entry none;
        none.entry_timeout = options_.timeout;
        return std::move(reply).entry(none);
    }
    if (r < 0) return std::move(reply).error(-r);
    std::move(reply).entry(e);
}

void PassthroughFs::forget(const ForgetRequest& req) {
    inodes_.forget(inodes_.get(req.forget.node), req.forget.nlookup);
}

void PassthroughFs::batch_forget(const BatchForgetRequest& req) {
    for (uint32_t i = 0; i < req.count; ++i) {
        ForgetOne one = req.at(i);
        inodes_.forget(inodes_.get(one.node), one.nlookup);
    }
}

void PassthroughFs::getattr(const GetattrRequest& req, ReplyAttr reply) {
    first_request();
    Inode& inode = inodes_.get(req.node);
    struct stat st {};
    // fstat() of an open file: its own descriptor works even once unlinked.
    if (req.fh && inode.is_regular()) {
        if (fstat(FileHandle::from(*req.fh).fd, &st) != 0) return std::move(reply).error(errno);
    } else if (int r = stat_fd(path(inode), st); r < 0) {
        return std::move(reply).error(-r);
    }
    std::move(reply).attr(Attr::from_stat(st), options_.timeout);
}

void PassthroughFs::setattr(const SetattrRequest& req, ReplyAttr reply) {
    Inode& inode = inodes_.get(req.node);
    // An open file's descriptor is used where one was given (ftruncate on a
    // file opened for writing whose mode no longer allows it must work).
    int fd = req.fh && inode.is_regular() ? FileHandle::from(*req.fh).fd : -1;
    PathFd self = path(inode);
    if (!self) return std::move(reply).error(self.error());
    ProcPath proc(self.get());
    auto fail = [&] { std::move(reply).error(errno); };

    if (req.has(kSetMode)) {
        mode_t mode = req.mode & 07777;
        int r = fd >= 0 ? fchmod(fd, mode)
                : inode.is_symlink() ? (errno = EOPNOTSUPP, -1)
                : fchmodat(AT_FDCWD, proc.c_str(), mode, 0);
        if (r != 0) return fail();
    }
    if (req.has(kSetUid) || req.has(kSetGid)) {
        uid_t uid = req.has(kSetUid) ? req.uid : static_cast<uid_t>(-1);
        gid_t gid = req.has(kSetGid) ? req.gid : static_cast<gid_t>(-1);
        if (fchownat(self.get(), "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) return fail();
    }
    if (req.has(kSetSize)) {
        int r = fd >= 0 ? ftruncate(fd, static_cast<off_t>(req.size))
                        : truncate(proc.c_str(), static_cast<off_t>(req.size));
        if (r != 0) return fail();
    }
    if (req.has(kSetAtime) || req.has(kSetMtime) || req.has(kSetAtimeNow) || req.has(kSetMtimeNow)) {
        timespec times[2];
        times[0] = req.has(kSetAtimeNow) ? timespec{0, UTIME_NOW}
                   : req.has(kSetAtime)  ? req.atime
                                         : timespec{0, UTIME_OMIT};
        times[1] = req.has(kSetMtimeNow) ? timespec{0, UTIME_NOW}
                   : req.has(kSetMtime)  ? req.mtime
                                         : timespec{0, UTIME_OMIT};
        int r = fd >= 0 ? futimens(fd, times)
                : inode.is_symlink() ? utimensat(self.get(), "", times, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)
                : utimensat(AT_FDCWD, proc.c_str(), times, 0);
        if (r != 0) return fail();
    }
    // ctime cannot be set; the changes above already moved it.
    struct stat st {};
    if (int r = stat_fd(self, st); r < 0) return std::move(reply).error(-r);
    std::move(reply).attr(Attr::from_stat(st), options_.timeout);
}

void PassthroughFs::statx(const StatxRequest& req, ReplyStatx reply) {
    struct statx sx {};
    unsigned mask = req.sx_mask | STATX_BASIC_STATS | STATX_BTIME;
    int sync = req.sx_flags & AT_STATX_SYNC_TYPE;
    PathFd self = path(inodes_.get(req.node));
    if (!self) return std::move(reply).error(self.error());
    if (::statx(self.get(), "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | sync, mask, &sx) != 0)
        return std::move(reply).error(errno);
    struct stat st {};
    st.st_ino = sx.stx_ino;
    st.st_mode = sx.stx_mode;
    st.st_nlink = sx.stx_nlink;
    st.st_uid = sx.stx_uid;
    st.st_gid = sx.stx_gid;
    st.st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
    st.st_size = static_cast<off_t>(sx.stx_size);
    st.st_blksize = sx.stx_blksize;
    st.st_blocks = static_cast<blkcnt_t>(sx.stx_blocks);
    st.st_atim = {sx.stx_atime.tv_sec, sx.stx_atime.tv_nsec};
    st.st_mtim = {sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec};
    st.st_ctim = {sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec};
    timespec btime{};
    if (sx.stx_mask & STATX_BTIME) btime = {sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec};
    std::move(reply).statx(Attr::from_stat(st), btime, options_.timeout);
}

void PassthroughFs::readlink(const ReadlinkRequest& req, ReplyReadlink reply) {
    char target[PATH_MAX + 1];
    PathFd self = path(inodes_.get(req.node));
    if (!self) return std::move(reply).error(self.error());
    ssize_t n = readlinkat(self.get(), "", target, sizeof target);
    if (n < 0) return std::move(reply).error(errno);
    if (static_cast<size_t>(n) >= sizeof target) return std::move(reply).error(ENAMETOOLONG);
    std::move(reply).target(std::string_view(target, static_cast<size_t>(n)));
}

void PassthroughFs::mknod(const MknodRequest& req, ReplyEntry reply) {
    Inode& parent = inodes_.get(req.parent);
    CName name(req.name);
    if (!name.ok()) return std::move(reply).error(EINVAL);
    PathFd dir = path(parent);
    if (!dir) return std::move(reply).error(dir.error());
    if (mknodat(dir.get(), name.c_str(), req.mode & ~req.umask, req.rdev) != 0)
        return std::move(reply).error(errno);
    reply_new_entry(parent, req.name, req.ctx, std::move(reply));
}

void PassthroughFs::mkdir(const MkdirRequest& req, ReplyEntry reply) {
    Inode& parent = inodes_.get(req.parent);
    CName name(req.name);
    if (!name.ok()) return std::move(reply).error(EINVAL);
    PathFd dir = path(parent);
    if (!dir) return std::move(reply).error(dir.error());
    if (mkdirat(dir.get(), name.c_str(), req.mode & ~req.umask & 07777) != 0)
        return std::move(reply).error(errno);
    reply_new_entry(parent, req.name, req.ctx, std::move(reply));
}

void PassthroughFs::symlink(const SymlinkRequest& req, ReplyEntry reply) {
    Inode& parent = inodes_.get(req.parent);
    CName name(req.name);
    // The target is stored as given; only the client's kernel ever resolves it.
    std::string target(req.target);
    if (!name.ok() || target.empty() || target.find('\0') != std::string::npos)
        return std::move(reply).error(EINVAL);
    PathFd dir = path(parent);
    if (!dir) return std::move(reply).error(dir.error());
    if (symlinkat(target.c_str(), dir.get(), name.c_str()) != 0) return std::move(reply).error(errno);
    reply_new_entry(parent, req.name, req.ctx, std::move(reply));
}

void PassthroughFs::link(const LinkRequest& req, ReplyEntry reply) {
    Inode& inode = inodes_.get(req.node);
    Inode& new_parent = inodes_.get(req.new_parent);
    CName name(req.new_name);
    if (!name.ok()) return std::move(reply).error(EINVAL);
    PathFd self = path(inode), dir = path(new_parent);
    if (!self || !dir) return std::move(reply).error(!self ? self.error() : dir.error());
    // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd works without it.
    if (linkat(self.get(), "", dir.get(), name.c_str(), AT_EMPTY_PATH) != 0) {
        if (errno != ENOENT && errno != EPERM) return std::move(reply).error(errno);
        if (linkat(AT_FDCWD, ProcPath(self.get()).c_str(), dir.get(), name.c_str(), AT_SYMLINK_FOLLOW) != 0)
            return std::move(reply).error(errno);
    }
    struct stat st {};
    if (int r = stat_fd(self, st); r < 0) return std::move(reply).error(-r);
    Inode* same = inodes_.ref_existing(inode.dev, inode.ino);
    if (same == nullptr) return std::move(reply).error(ESTALE);
    std::move(reply).entry(make_entry(*same, st));
}

void PassthroughFs::unlink(const UnlinkRequest& req, ReplyEmpty reply) {
    CName name(req.name);
    if (!name.ok()) return std::move(reply).error(EINVAL);
    PathFd dir = path(inodes_.get(req.parent));
    if (!dir) return std::move(reply).error(dir.error());
    if (unlinkat(dir.get(), name.c_str(), 0) != 0) return std::move(reply).error(errno);
    std::move(reply).ok();
}

void PassthroughFs::rmdir(const RmdirRequest& req, ReplyEmpty reply) {
    CName name(req.name);
    if (!name.ok()) return std::move(reply).error(EINVAL);
    PathFd dir = path(inodes_.get(req.parent));
    if (!dir) return std::move(reply).error(dir.error());
    if (unlinkat(dir.get(), name.c_str(), AT_REMOVEDIR) != 0)
        return std::move(reply).error(errno);
    std::move(reply).ok();
}

void PassthroughFs::rename(const RenameRequest& req, ReplyEmpty reply) {
    CName from(req.name), to(req.new_name);
    if (!from.ok() || !to.ok()) return std::move(reply).error(EINVAL);
    PathFd from_dir = path(inodes_.get(req.parent)), to_dir = path(inodes_.get(req.new_parent));
    if (!from_dir || !to_dir) return std::move(reply).error(!from_dir ? from_dir.error() : to_dir.error());
    if (renameat2(from_dir.get(), from.c_str(), to_dir.get(), to.c_str(), req.flags) != 0)
        return std::move(reply).error(errno);
    std::move(reply).ok();
}

void PassthroughFs::statfs(const StatfsRequest& req, ReplyStatfs reply) {
    first_request();
    struct statvfs sv {};
    PathFd self = path(inodes_.get(req.node));
    if (!self) return std::move(reply).error(self.error());
    if (fstatvfs(self.get(), &sv) != 0) return std::move(reply).error(errno);
    StatFs s;
    s.blocks = sv.f_blocks;
    s.bfree = sv.f_bfree;
    s.bavail = sv.f_bavail;
    s.files = sv.f_files;
    s.ffree = sv.f_ffree;
    s.bsize = static_cast<uint32_t>(sv.f_bsize);
    s.frsize = static_cast<uint32_t>(sv.f_frsize);
    s.namelen = static_cast<uint32_t>(sv.f_namemax);
    std::move(reply).statfs(s);
}

}  // namespace passthrough
