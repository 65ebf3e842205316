// Setup, attributes, permissions and filesystem-wide answers.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>

#include "acl.hpp"
#include "memfs.hpp"

namespace memfs {

namespace {

bool time_le(const timespec& a, const timespec& b) {
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec <= b.tv_nsec);
}

}  // namespace

MemFs::MemFs(const Options& options)
    : options_(options),
      space_(options.capacity_bytes / kChunkSize),
      // One inode per chunk of capacity, as a bound on metadata memory.
      table_(space_, std::max<uint64_t>(options.capacity_bytes / kChunkSize, 1024)) {
    auto root = table_.create(S_IFDIR | 0755);
    root->nlink = 2;
    root->parent = root->ino;
    root->uid = getuid();
    root->gid = getgid();
    root->atime = root->mtime = root->ctime = root->btime = now();
    root->dir_size = 2 * 20;
}

void MemFs::init(fusex::InitConfig& config) {
    using namespace fusex::cap;
    // Locks stay kernel-local. The umask is always applied here from the
    // request (DONT_MASK), since a parent's default ACL replaces it. Every
    // change passes through this kernel, so its caches never go stale behind
    // its back: no auto_inval_data (it would drop the page cache whenever a
    // write moved mtime).
    for (uint64_t c : {kPosixLocks, kFlockLocks, kHandleKillpriv, kWritebackCache, kNoOpenSupport,
                       kNoOpendirSupport, kAutoInvalData, kExplicitInvalData})
        config.disable(c);
    for (uint64_t c : {kAsyncRead, kAtomicOTrunc, kExportSupport, kBigWrites, kReaddirplus, kReaddirplusAuto,
                       kParallelDirops, kHandleKillprivV2, kCacheSymlinks, kMaxPages, kAsyncDio, kDontMask,
                       kPosixAcl, kSetxattrExt})
        config.enable(c);
    if (options_.writeback) writeback_ = config.enable(kWritebackCache);
    config.max_write = 1u << 20;
    config.time_gran = 1;
}

bool MemFs::atime_due(const Node& node, const timespec& t) const {
    switch (options_.atime) {
    case AtimeMode::Never: return false;
    case AtimeMode::Strict: return true;
    case AtimeMode::Relatime: break;
    }
    return time_le(node.atime, node.mtime) || time_le(node.atime, node.ctime) ||
           t.tv_sec - node.atime.tv_sec >= 24 * 3600;
}

void MemFs::drop_privileges(Node& node, const fusex::Context& ctx) {
    node.mode &= ~S_ISUID;
    const bool outside_group = ctx.uid != 0 && ctx.gid != node.gid;
    if ((node.mode & S_IXGRP) || outside_group) node.mode &= ~S_ISGID;
    node.xattrs.erase("security.capability");
}

fusex::Attr MemFs::attr_of(const Node& node) const {
    fusex::Attr a;
    a.ino = node.ino;
    a.mode = node.mode;
    a.nlink = node.nlink;
    a.uid = node.uid;
    a.gid = node.gid;
    a.rdev = node.rdev;
    a.atime = node.atime;
    a.mtime = node.mtime;
    a.ctime = node.ctime;
    a.blksize = kChunkSize;
    switch (node.type()) {
    case S_IFREG:
        a.size = node.data.size();
        a.blocks = node.data.allocated_chunks() * (kChunkSize / 512);
        break;
    case S_IFDIR: a.size = node.dir_size; break;
    case S_IFLNK: a.size = node.symlink_target.size(); break;
    default: break;
    }
    return a;
}

fusex::Entry MemFs::entry_of(const Node& node) const {
    fusex::Entry e;
    e.node = node.ino;
    e.generation = 1;  // ids are never reused
    e.attr = attr_of(node);
    e.entry_timeout = options_.timeout;
    e.attr_timeout = options_.timeout;
    return e;
}

fusex::Entry MemFs::locked_entry_of(const Node& node) const {
    std::shared_lock lock(node.mu);
    return entry_of(node);
}

void MemFs::getattr(const fusex::GetattrRequest& req, fusex::ReplyAttr reply) {
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    std::shared_lock lock(node->mu);
    const fusex::Attr a = attr_of(*node);
    lock.unlock();
    std::move(reply).attr(a, options_.timeout);
}

void MemFs::statx(const fusex::StatxRequest& req, fusex::ReplyStatx reply) {
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    std::shared_lock lock(node->mu);
    const fusex::Attr a = attr_of(*node);
    const timespec btime = node->btime;
    lock.unlock();
    std::move(reply).statx(a, btime, options_.timeout);
}

void MemFs::setattr(const fusex::SetattrRequest& req, fusex::ReplyAttr reply) {
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    std::unique_lock lock(node->mu);
    const timespec t = now();
    if (req.has(fusex::kSetSize)) {
        if (node->is_dir()) return std::move(reply).error(EISDIR);
        if (!node->is_reg()) return std::move(reply).error(EINVAL);
        if (req.size > kMaxFileSize) return std::move(reply).error(EFBIG);
        node->data.resize(req.size);
        node->mtime = t;  // even when the size stays, as ext4 does
    }
    if (req.has(fusex::kSetMode)) {
        node->mode = (node->mode & S_IFMT) | (req.mode & 07777);
        // The access ACL's owner, mask and other entries follow chmod.
        if (auto it = node->xattrs.find(kAclAccess); it != node->xattrs.end()) {
            if (auto acl = Acl::parse(it->second)) {
                acl->apply_mode(node->mode);
                it->second = acl->encode();
            }
        }
    }
    // Sent with chown and with truncate by an unprivileged caller
    // (handle_killpriv_v2); judged against the group before the change.
    if (req.has(fusex::kSetKillSuidgid)) drop_privileges(*node, req.ctx);
    if (req.has(fusex::kSetUid)) node->uid = req.uid;
    if (req.has(fusex::kSetGid)) node->gid = req.gid;
    if (req.has(fusex::kSetAtimeNow)) node->atime = t;
    else if (req.has(fusex::kSetAtime)) node->atime = req.atime;
    if (req.has(fusex::kSetMtimeNow)) node->mtime = t;
    else if (req.has(fusex::kSetMtime)) node->mtime = req.mtime;
    // Any attribute change is a change of the inode; with writeback caching
    // the kernel keeps ctime itself and sends it.
    node->ctime = req.has(fusex::kSetCtime) ? req.ctime : t;
    const fusex::Attr a = attr_of(*node);
    lock.unlock();
    std::move(reply).attr(a, options_.timeout);
}

void MemFs::readlink(const fusex::ReadlinkRequest& req, fusex::ReplyReadlink reply) {
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    if (!S_ISLNK(node->type())) return std::move(reply).error(EINVAL);
    // Following or reading a link is an access, as on ext4.
    std::unique_lock lock(node->mu);
    const timespec t = now();
    if (atime_due(*node, t)) node->atime = t;
    const std::string target = node->symlink_target;
    lock.unlock();
    std::move(reply).target(target);
}

// With default_permissions the kernel checks access itself and never asks;
// this answers honestly for mounts without it. FUSE does not send the
// caller's supplementary groups, so only the primary group counts.
void MemFs::access(const fusex::AccessRequest& req, fusex::ReplyEmpty reply) {
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    std::shared_lock lock(node->mu);
    const uint32_t mode = node->mode;
    const uint32_t want = req.mask & (R_OK | W_OK | X_OK);
    if (want == 0) return std::move(reply).ok();
    if (req.ctx.uid == 0) {
        // Root may read and write anything, and execute what anyone may execute.
        const bool exec_ok = S_ISDIR(mode) || (mode & (S_IXUSR | S_IXGRP | S_IXOTH));
        return (want & X_OK) && !exec_ok ? std::move(reply).error(EACCES) : std::move(reply).ok();
    }
    uint32_t granted;
    if (req.ctx.uid == node->uid) granted = (mode >> 6) & 7;
    else if (req.ctx.gid == node->gid) granted = (mode >> 3) & 7;
    else granted = mode & 7;
    if ((granted & want) != want) return std::move(reply).error(EACCES);
    std::move(reply).ok();
}

void MemFs::statfs(const fusex::StatfsRequest&, fusex::ReplyStatfs reply) {
    // Deleted files whose FORGET is still on its way count as freed already:
    // an allocation would wait for them (see SpaceAccount::reserve).
    uint64_t used = space_.used();
    const auto leaving = table_.awaiting_forget();
    for (const auto& node : leaving) {
        std::shared_lock lock(node->mu);
        used -= std::min(used, node->data.allocated_chunks());
    }
    const uint64_t nodes = table_.count() - std::min(table_.count(), leaving.size());
    fusex::StatFs s;
    s.bsize = s.frsize = kChunkSize;
    s.blocks = space_.capacity();
    s.bfree = s.bavail = space_.capacity() - std::min(used, space_.capacity());
    s.files = table_.max_nodes();
    s.ffree = s.files - std::min<uint64_t>(nodes, s.files);
    s.namelen = kNameMax;
    std::move(reply).statfs(s);
}

void MemFs::syncfs(const fusex::SyncfsRequest&, fusex::ReplyEmpty reply) { std::move(reply).ok(); }

}  // namespace memfs
