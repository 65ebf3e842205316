// Construction, INIT negotiation and the lookup machinery the operations share.
#include "passthrough_fs.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "fusex/log.hpp"
#include "fusex/session.hpp"
#include "names.hpp"
#include "readahead.hpp"

namespace passthrough {

using namespace fusex;

namespace {

// How many inodes may keep a descriptor: RLIMIT_NOFILE less a reserve for
// open files, directory streams and fusex's own descriptors.
size_t descriptor_budget() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return SIZE_MAX;
    auto limit = static_cast<size_t>(lim.rlim_cur);
    size_t reserve = std::max<size_t>(1024, limit / 4);
    return limit > 2 * reserve ? limit - reserve : limit / 2;
}

}  // namespace

PassthroughFs::PassthroughFs(const Options& options, int root_fd, std::string mountpoint)
    : options_(options),
      inodes_(root_fd, descriptor_budget()),
      mountpoint_(std::move(mountpoint)),
      chown_new_(geteuid() == 0) {}

void PassthroughFs::init(InitConfig& c) {
    // POSIX locks stay local to the kernel (a lock owner spans descriptors,
    // which per-open fds cannot express); flock() maps onto each open's fd.
    c.disable(cap::kPosixLocks);
    c.enable(cap::kFlockLocks);
    // The kernel applies the umask; killing suid/sgid on write is the
    // kernel's too (it sends SETATTR), so the daemon needs no credentials.
    c.disable(cap::kDontMask);
    c.disable(cap::kHandleKillpriv);
    c.disable(cap::kHandleKillprivV2);
    c.enable(cap::kReaddirplus);
    c.enable(cap::kReaddirplusAuto);
    c.enable(cap::kParallelDirops);
    c.enable(cap::kAtomicOTrunc);
    // No NFS export: open_by_handle_at() would make the kernel send LOOKUP
    // for node ids it has already forgotten, and node ids are addresses.
    c.disable(cap::kExportSupport);
    c.enable(cap::kDirectIoAllowMmap);
    c.enable(cap::kAsyncDio);
    if (options_.cache == CacheMode::Always) c.enable(cap::kCacheSymlinks);
    c.time_gran = 1;

    if (options_.passthrough) {
        passthrough_ = c.enable(cap::kPassthrough);
        if (passthrough_) c.max_stack_depth = 1;
        else log(LogLevel::Warning, "the kernel offers no FUSE_PASSTHROUGH; serving reads and writes itself");
    }
    if (options_.writeback) {
        // The kernel refuses passthrough opens on inodes in cached-write mode.
        if (passthrough_) log(LogLevel::Warning, "-o writeback is ignored with -o passthrough");
        else writeback_ = c.enable(cap::kWritebackCache);
    }
}

void PassthroughFs::tune_mount() {
    // Direct I/O and kernel passthrough never read ahead through FUSE.
    if (options_.cache == CacheMode::Never || passthrough_ || mountpoint_.empty()) return;
    constexpr uint32_t kReadaheadKib = 1024;  // one READ of max_pages (256 pages)
    if (int err = raise_readahead(mountpoint_, kReadaheadKib); err != 0)
        log(LogLevel::Debug, "readahead of %s left as the kernel set it: %s", mountpoint_.c_str(), strerror(err));
}

Entry PassthroughFs::make_entry(const Inode& inode, const struct stat& st) const {
    Entry e;
    e.node = inodes_.id_of(inode);
    e.generation = inode.generation;
    e.attr = Attr::from_stat(st);
    e.entry_timeout = options_.timeout;
    e.attr_timeout = options_.timeout;
    return e;
}

int PassthroughFs::lookup_entry(Inode& parent, std::string_view name_view, Entry& out) {
    CName name(name_view);
    if (!name.ok()) return -EINVAL;
    PathFd dir = path(parent);
    if (!dir) return -dir.error();
    struct stat st {};
    if (name.is_dot() || (name.is_dotdot() && &parent == &inodes_.root())) {
        // ".." of the root is the root itself: nothing above SOURCE is reachable.
        if (fstatat(dir.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) return -errno;
        Inode* self = inodes_.ref_existing(parent.dev, parent.ino);
        if (self == nullptr) return -ESTALE;
        out = make_entry(*self, st);
        return 0;
    }
    // Fast path: a name whose inode the kernel already knows needs no open.
    if (!name.is_dotdot()) {
        if (fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
        if (Inode* known = inodes_.ref_existing(st.st_dev, st.st_ino)) {
            out = make_entry(*known, st);
            return 0;
        }
    }
    int fd = openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if ((err == EMFILE || err == ENFILE) && !fd_limit_warned_.exchange(true))
            log(LogLevel::Warning, "out of file descriptors (one is held per inode the kernel knows): "
                                   "raise RLIMIT_NOFILE for more files in use at once");
        return -err;
    }
    // Stat the descriptor itself: the name may have changed meanwhile.
    if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    out = make_entry(inodes_.ref_or_adopt(fd, st), st);
    return 0;
}

int PassthroughFs::entry_for_fd(int fd, Entry& out) {
    struct stat st {};
    if (fstat(fd, &st) != 0) return -errno;
    if (Inode* known = inodes_.ref_existing(st.st_dev, st.st_ino)) {
        out = make_entry(*known, st);
        return 0;
    }
    int path_fd = ::open(ProcPath(fd).c_str(), O_PATH | O_CLOEXEC);
    if (path_fd < 0) return -errno;
    out = make_entry(inodes_.ref_or_adopt(path_fd, st), st);
    return 0;
}

void PassthroughFs::chown_to_caller(int dirfd, const char* name, int flags, const Context& ctx,
                                    int parent_fd) const {
    if (!chown_new_ || (ctx.uid == 0 && ctx.gid == 0)) return;
    // A set-group-ID directory hands its group down; keep what it gave.
    struct stat pst {};
    bool keep_group = fstatat(parent_fd, "", &pst, AT_EMPTY_PATH) == 0 && (pst.st_mode & S_ISGID);
    if (fchownat(dirfd, name, ctx.uid, keep_group ? static_cast<gid_t>(-1) : ctx.gid, flags) != 0)
        log(LogLevel::Warning, "cannot give a new file to uid %u: %m", ctx.uid);
}

void PassthroughFs::reply_new_entry(Inode& parent, std::string_view name, const Context& ctx,
                                    ReplyEntry reply) {
    CName cname(name);
    if (PathFd dir = path(parent); dir)
        chown_to_caller(dir.get(), cname.c_str(), AT_SYMLINK_NOFOLLOW, ctx, dir.get());
    Entry e;
    if (int r = lookup_entry(parent, name, e); r < 0) return std::move(reply).error(-r);
    std::move(reply).entry(e);
}

}  // namespace passthrough
