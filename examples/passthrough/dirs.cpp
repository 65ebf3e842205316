// Directory handles and (plus-)readdir.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "handles.hpp"
#include "passthrough_fs.hpp"

namespace passthrough {

using namespace fusex;

void PassthroughFs::opendir(const OpendirRequest& req, ReplyOpen reply) {
    first_request();
    PathFd self = path(inodes_.get(req.node));
    if (!self) return std::move(reply).error(self.error());
    int fd = openat(self.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return std::move(reply).error(errno);
    DIR* dir = fdopendir(fd);
    if (dir == nullptr) {
        int err = errno;
        close(fd);
        return std::move(reply).error(err);
    }
    auto* h = new DirHandle(dir);
    OpenResult r;
    r.fh = h->fh();
    if (options_.cache == CacheMode::Always) {
        r.cache_dir = true;
        r.keep_cache = true;
    }
    std::move(reply).opened(r);
}

void PassthroughFs::readdir(const ReaddirRequest& req, ReplyDir reply) {
    DirHandle& h = DirHandle::from(req.fh);
    Inode& dir_inode = inodes_.get(req.node);
    std::lock_guard lock(h.mu);
    // Offsets are the stream's own cookies (d_off), stable across calls.
    if (req.offset != h.position) {
        seekdir(h.dir, static_cast<long>(req.offset));
        h.position = req.offset;
    }
    for (;;) {
        errno = 0;
        dirent* d = ::readdir(h.dir);
        if (d == nullptr) {
            if (errno != 0 && reply.entries() == 0) return std::move(reply).error(errno);
            break;
        }
        // The stream is past this entry now, whether or not it fits.
        h.position = static_cast<uint64_t>(d->d_off);
        auto next = static_cast<uint64_t>(d->d_off);
        bool dots = std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0;
        if (!reply.plus()) {
            if (!reply.add(d->d_name, d->d_ino, DTTOIF(d->d_type), next)) break;
            continue;
        }
        Entry e;
        if (dots) {
            // No node: the kernel takes no reference for "." and "..".
            e.attr.ino = d->d_ino;
            e.attr.mode = DTTOIF(d->d_type);
        } else if (lookup_entry(dir_inode, d->d_name, e) < 0) {
            continue;  // removed since it was listed
        }
        if (!reply.add_plus(d->d_name, e, next)) {
            if (e.node != 0) inodes_.forget(inodes_.get(e.node), 1);
            break;
        }
    }
    std::move(reply).send();
}

void PassthroughFs::releasedir(const ReleasedirRequest& req, ReplyEmpty reply) {
    delete &DirHandle::from(req.fh);
    std::move(reply).ok();
}

void PassthroughFs::fsyncdir(const FsyncdirRequest& req, ReplyEmpty reply) {
    int fd = dirfd(DirHandle::from(req.fh).dir);
    if ((req.datasync ? fdatasync(fd) : ::fsync(fd)) != 0) return std::move(reply).error(errno);
    std::move(reply).ok();
}

}  // namespace passthrough
