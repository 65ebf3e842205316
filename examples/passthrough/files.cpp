// Open files: open/create, the data path and per-file operations.
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "fusex/log.hpp"
#include "fusex/session.hpp"
#include "handles.hpp"
#include "names.hpp"
#include "passthrough_fs.hpp"

namespace passthrough {

using namespace fusex;

namespace {
// Writes at least this large count as streaming (cp and fio use 128 KiB+).
constexpr size_t kEarlyFlushMin = 128u << 10;

// Whether close() of a descriptor on fd's filesystem never has anything to
// report: true for local disk and memory filesystems. Network and FUSE
// filesystems write back or check for errors on close, so their FLUSH is
// passed on (close of a dup); for the others it would be a wasted round trip.
bool close_reports_nothing(int fd) {
    struct statfs fs {};
    if (fstatfs(fd, &fs) != 0) return false;
    switch (fs.f_type) {
        case EXT4_SUPER_MAGIC:  // also ext2 and ext3
        case XFS_SUPER_MAGIC:
        case BTRFS_SUPER_MAGIC:
        case F2FS_SUPER_MAGIC:
        case TMPFS_MAGIC:
            return true;
        default:
            return false;
    }
}
}  // namespace

int PassthroughFs::reopen_flags(uint32_t client_flags) const {
    int flags = static_cast<int>(client_flags) & ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW);
    if (writeback_) {
        // The kernel reads pages around partial writes through any handle,
        // and it applies O_APPEND itself from its own idea of the size.
        if ((flags & O_ACCMODE) == O_WRONLY) flags = (flags & ~O_ACCMODE) | O_RDWR;
        flags &= ~O_APPEND;
    }
    return flags | O_CLOEXEC;
}

OpenResult PassthroughFs::open_result(uint64_t fh, int fd) const {
    OpenResult r;
    r.fh = fh;
    r.noflush = close_reports_nothing(fd);
    if (options_.cache == CacheMode::Never) {
        r.direct_io = true;
        r.parallel_direct_writes = true;
    } else if (options_.cache == CacheMode::Always) {
        r.keep_cache = true;
    }
    return r;
}

int PassthroughFs::acquire_backing(Inode& inode, int fd) {
    std::lock_guard lock(inode.backing_mu);
    if (inode.backing_users == 0) {
        int id = session()->open_backing(fd);
        if (id <= 0) {
            if (!backing_warned_.exchange(true))
                log(LogLevel::Warning, "FUSE passthrough backing file refused (%d); serving data itself", id);
            return 0;
        }
        inode.backing_id = id;
    }
    ++inode.backing_users;
    return inode.backing_id;
}

void PassthroughFs::release_backing(Inode& inode) {
    std::lock_guard lock(inode.backing_mu);
    if (inode.backing_users == 0 || --inode.backing_users > 0) return;
    session()->close_backing(inode.backing_id);
    inode.backing_id = 0;
}

namespace {

// Hands fd over to a new handle and fills its open result; with kernel
// passthrough the kernel then does the file's I/O on fd's file directly.
void attach_backing(int id, FileHandle& h, OpenResult& r) {
    if (id <= 0) return;
    h.uses_backing = true;
    r.backing_id = id;
    r.keep_cache = false;  // not allowed together with passthrough
}

}  // namespace

void PassthroughFs::open(const OpenRequest& req, ReplyOpen reply) {
    first_request();
    Inode& inode = inodes_.get(req.node);
    PathFd self = path(inode);
    if (!self) return std::move(reply).error(self.error());
    int fd = ::open(ProcPath(self.get()).c_str(), reopen_flags(req.flags));
    if (fd < 0) return std::move(reply).error(errno);
    auto* h = new FileHandle(fd);
    OpenResult r = open_result(h->fh(), h->fd);
    if (passthrough_ && inode.is_regular()) attach_backing(acquire_backing(inode, fd), *h, r);
    std::move(reply).opened(r);
}

void PassthroughFs::create(const CreateRequest& req, ReplyCreate reply) {
    Inode& parent = inodes_.get(req.parent);
    CName name(req.name);
    if (!name.ok()) return std::move(reply).error(EINVAL);
    // O_NOFOLLOW: a symlink planted at the name must not redirect the create.
    int flags = reopen_flags(req.flags) | O_CREAT | O_NOFOLLOW | static_cast<int>(req.flags & O_EXCL);
    PathFd dir = path(parent);
    if (!dir) return std::move(reply).error(dir.error());
    int fd = openat(dir.get(), name.c_str(), flags, req.mode & ~req.umask & 07777);
    if (fd < 0) return std::move(reply).error(errno);
    answer_created(fd, dir.get(), req.ctx, std::move(reply));
}

void PassthroughFs::tmpfile(const TmpfileRequest& req, ReplyCreate reply) {
    Inode& parent = inodes_.get(req.parent);
    int flags = reopen_flags(req.flags) | O_TMPFILE;
    if ((flags & O_ACCMODE) == O_RDONLY) flags |= O_RDWR;  // O_TMPFILE needs write access
    PathFd dir = path(parent);
    if (!dir) return std::move(reply).error(dir.error());
    int fd = openat(dir.get(), ".", flags, req.mode & ~req.umask & 07777);
    if (fd < 0) return std::move(reply).error(errno);
    answer_created(fd, dir.get(), req.ctx, std::move(reply));
}

// The common end of create and tmpfile: a new file open as fd in dirfd.
void PassthroughFs::answer_created(int fd, int dirfd, const Context& ctx, ReplyCreate reply) {
    chown_to_caller(fd, "", AT_EMPTY_PATH, ctx, dirfd);
    Entry e;
    if (int r = entry_for_fd(fd, e); r < 0) {
        close(fd);
        return std::move(reply).error(-r);
    }
    auto* h = new FileHandle(fd);
    OpenResult r = open_result(h->fh(), h->fd);
    if (passthrough_) attach_backing(acquire_backing(inodes_.get(e.node), fd), *h, r);
    std::move(reply).created(e, r);
}

void PassthroughFs::read(const ReadRequest& req, ReplyData reply) {
    std::move(reply).data_from_fd(FileHandle::from(req.fh).fd, req.offset, req.size);
}

void PassthroughFs::write(const WriteRequest& req, ReplyWrite reply) {
    int fd = FileHandle::from(req.fh).fd;
    size_t done = 0;
    while (done < req.data.size()) {
        ssize_t n = pwrite(fd, req.data.data() + done, req.data.size() - done,
                           static_cast<off_t>(req.offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (done > 0) break;  // report the part that was written
            return std::move(reply).error(n < 0 ? errno : EIO);
        }
        done += static_cast<size_t>(n);
    }
    std::move(reply).written(done);
    // A large write is most likely part of a stream: start its way to the
    // disk now (without waiting), so the disk works while the next requests
    // are copied instead of all of it waiting for fsync or the flusher.
    // After the reply, so that the writer never waits for it.
    if (options_.early_flush && done >= kEarlyFlushMin)
        sync_file_range(fd, static_cast<off_t>(req.offset), static_cast<off_t>(done), SYNC_FILE_RANGE_WRITE);
}

void PassthroughFs::flush(const FlushRequest& req, ReplyEmpty reply) {
    // What close() would report for the underlying file, without closing it.
    int dup_fd = dup(FileHandle::from(req.fh).fd);
    if (dup_fd < 0 || close(dup_fd) != 0) return std::move(reply).error(errno);
    std::move(reply).ok();
}

void PassthroughFs::release(const ReleaseRequest& req, ReplyEmpty reply) {
    auto* h = &FileHandle::from(req.fh);
    if (h->uses_backing) release_backing(inodes_.get(req.node));
    delete h;  // closing drops its flock locks too
    std::move(reply).ok();
}

void PassthroughFs::fsync(const FsyncRequest& req, ReplyEmpty reply) {
    int fd = FileHandle::from(req.fh).fd;
    if ((req.datasync ? fdatasync(fd) : ::fsync(fd)) != 0) return std::move(reply).error(errno);
    std::move(reply).ok();
}

void PassthroughFs::fallocate(const FallocateRequest& req, ReplyEmpty reply) {
    if (::fallocate(FileHandle::from(req.fh).fd, static_cast<int>(req.mode), static_cast<off_t>(req.offset),
                    static_cast<off_t>(req.length)) != 0)
        return std::move(reply).error(errno);
    std::move(reply).ok();
}

void PassthroughFs::lseek(const LseekRequest& req, ReplyLseek reply) {
    // Only SEEK_DATA and SEEK_HOLE come here; the handle's own position is
    // unused (all I/O is positional), so moving it is harmless.
    off_t r = ::lseek(FileHandle::from(req.fh).fd, static_cast<off_t>(req.offset), static_cast<int>(req.whence));
    if (r < 0) return std::move(reply).error(errno);
    std::move(reply).offset(static_cast<uint64_t>(r));
}

void PassthroughFs::copy_file_range(const CopyFileRangeRequest& req, ReplyWrite reply) {
    auto off_in = static_cast<off64_t>(req.off_in);
    auto off_out = static_cast<off64_t>(req.off_out);
    ssize_t n = ::copy_file_range(FileHandle::from(req.fh_in).fd, &off_in, FileHandle::from(req.fh_out).fd,
                                  &off_out, req.len, static_cast<unsigned>(req.flags));
    if (n < 0) return std::move(reply).error(errno);
    std::move(reply).written(static_cast<uint64_t>(n));
}

void PassthroughFs::setlk(const SetlkRequest& req, ReplyEmpty reply) {
    // Only flock() comes here: POSIX locks are left to the kernel (see init).
    if (!req.flock) return std::move(reply).error(ENOSYS);
    int op = req.lock.type == F_RDLCK ? LOCK_SH : req.lock.type == F_WRLCK ? LOCK_EX : LOCK_UN;
    int fd = FileHandle::from(req.fh).fd;
    // A waiting lock polls instead of blocking so that a signal to the
    // caller (FUSE_INTERRUPT) can end the wait and free the worker.
    auto delay = std::chrono::microseconds(200);
    while (::flock(fd, op | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK || !req.sleep) return std::move(reply).error(errno);
        if (reply.interrupted()) return std::move(reply).error(EINTR);
        std::this_thread::sleep_for(delay);
        delay = std::min(delay * 2, std::chrono::microseconds(20000));
    }
    std::move(reply).ok();
}

}  // namespace passthrough
