// Regular file content: open, read, write, space allocation, seeking and copying.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <mutex>

#include "memfs.hpp"

namespace memfs {

namespace {

// The most one copy_file_range call moves; callers loop on short counts.
constexpr uint64_t kMaxCopyChunk = 16ull << 20;

}  // namespace

void MemFs::truncate_for_open(Node& node, const fusex::Context& ctx) {
    if (!node.is_reg()) return;
    std::unique_lock lock(node.mu);
    node.data.resize(0);
    node.mtime = node.ctime = now();
    // The request does not say whether the caller has CAP_FSETID; root stands in for it.
    if (ctx.uid != 0) drop_privileges(node, ctx);
}

void MemFs::open(const fusex::OpenRequest& req, fusex::ReplyOpen reply) {
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    if (node->is_dir()) return std::move(reply).error(EISDIR);
    if (req.flags & O_TRUNC) truncate_for_open(*node, req.ctx);
    fusex::OpenResult opened;
    {
        // Every change passes through this kernel's page cache, so it may
        // stay, except when a read should update atime: reads served from
        // the cache never reach memfs. Under writeback caching the cache
        // holds the newest data and always stays.
        std::shared_lock lock(node->mu);
        opened.keep_cache = writeback_ || !atime_due(*node, now());
    }
    table_.add_open(*node);
    std::move(reply).opened(opened);
}

void MemFs::release(const fusex::ReleaseRequest& req, fusex::ReplyEmpty reply) {
    table_.release_open(req.node);
    std::move(reply).ok();
}

void MemFs::flush(const fusex::FlushRequest&, fusex::ReplyEmpty reply) { std::move(reply).ok(); }

void MemFs::fsync(const fusex::FsyncRequest&, fusex::ReplyEmpty reply) { std::move(reply).ok(); }

void MemFs::read(const fusex::ReadRequest& req, fusex::ReplyData reply) {
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    if (node->is_dir()) return std::move(reply).error(EISDIR);
    if (!node->is_reg()) return std::move(reply).error(EINVAL);
    auto buffer = std::make_unique_for_overwrite<std::byte[]>(req.size);
    size_t count = 0;
    bool touch_atime = false;
    const timespec t = now();
    {
        std::shared_lock lock(node->mu);
        count = node->data.read(req.offset, std::span<std::byte>(buffer.get(), req.size));
        touch_atime = atime_due(*node, t);
    }
    if (touch_atime) {
        std::unique_lock lock(node->mu);
        if (atime_due(*node, t)) node->atime = t;
    }
    std::move(reply).data(std::span<const std::byte>(buffer.get(), count));
}

void MemFs::write(const fusex::WriteRequest& req, fusex::ReplyWrite reply) {
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    if (node->is_dir()) return std::move(reply).error(EISDIR);
    if (!node->is_reg()) return std::move(reply).error(EINVAL);
    if (req.offset >= kMaxFileSize) return std::move(reply).error(EFBIG);
    // Like ext4, a write that crosses the size limit is cut short at it.
    const auto data = req.data.first(std::min<uint64_t>(req.data.size(), kMaxFileSize - req.offset));
    std::unique_lock lock(node->mu);
    if (int err = node->data.write(req.offset, data)) return std::move(reply).error(err);
    // With writeback caching the kernel keeps mtime/ctime and sends them in setattr.
    if (!writeback_) node->mtime = node->ctime = now();
    if (req.kill_suidgid) drop_privileges(*node, req.ctx);
    lock.unlock();
    std::move(reply).written(data.size());
}

void MemFs::fallocate(const fusex::FallocateRequest& req, fusex::ReplyEmpty reply) {
    constexpr uint32_t kSupported = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE;
    const bool keep_size = req.mode & FALLOC_FL_KEEP_SIZE;
    const bool punch = req.mode & FALLOC_FL_PUNCH_HOLE;
    const bool zero = req.mode & FALLOC_FL_ZERO_RANGE;
    // Collapse, insert and unshare ranges are not supported; the VFS's own
    // rules for punching are repeated for safety.
    if ((req.mode & ~kSupported) || (punch && (zero || !keep_size))) return std::move(reply).error(EOPNOTSUPP);
    if (req.length == 0) return std::move(reply).error(EINVAL);
    if (req.offset + req.length > kMaxFileSize) return std::move(reply).error(EFBIG);
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    if (node->is_dir()) return std::move(reply).error(EISDIR);
    if (!node->is_reg()) return std::move(reply).error(ENODEV);
    std::unique_lock lock(node->mu);
    const uint64_t old_size = node->data.size();
    int err = 0;
    if (punch) node->data.punch_hole(req.offset, req.length);
    else if (zero) err = node->data.zero_range(req.offset, req.length, keep_size);
    else err = node->data.allocate(req.offset, req.length, keep_size);
    if (err) return std::move(reply).error(err);
    if (punch || zero || node->data.size() != old_size) node->mtime = node->ctime = now();
    if (req.ctx.uid != 0) drop_privileges(*node, req.ctx);
    lock.unlock();
    std::move(reply).ok();
}

void MemFs::lseek(const fusex::LseekRequest& req, fusex::ReplyLseek reply) {
    // The kernel answers SEEK_SET/CUR/END itself.
    if (req.whence != SEEK_DATA && req.whence != SEEK_HOLE) return std::move(reply).error(EINVAL);
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    if (!node->is_reg()) return std::move(reply).error(EINVAL);
    std::shared_lock lock(node->mu);
    auto pos = req.whence == SEEK_DATA ? node->data.seek_data(req.offset) : node->data.seek_hole(req.offset);
    lock.unlock();
    if (!pos) return std::move(reply).error(ENXIO);
    std::move(reply).offset(*pos);
}

void MemFs::copy_file_range(const fusex::CopyFileRangeRequest& req, fusex::ReplyWrite reply) {
    if (req.flags != 0) return std::move(reply).error(EINVAL);
    auto in = table_.get(req.node_in);
    auto out = table_.get(req.node_out);
    if (!in || !out) return std::move(reply).error(ENOENT);
    if (in->is_dir() || out->is_dir()) return std::move(reply).error(EISDIR);
    if (!in->is_reg() || !out->is_reg()) return std::move(reply).error(EINVAL);

    if (req.off_out >= kMaxFileSize) return std::move(reply).error(EFBIG);
    const uint64_t length = std::min({req.len, kMaxCopyChunk, kMaxFileSize - req.off_out});
    auto buffer = std::make_unique_for_overwrite<std::byte[]>(length);
    // Two node locks at once: by ascending ino, one lock for one file.
    std::shared_lock in_lock(in->mu, std::defer_lock);
    std::unique_lock out_lock(out->mu, std::defer_lock);
    if (in == out) {
        out_lock.lock();
    } else if (in->ino < out->ino) {
        in_lock.lock();
        out_lock.lock();
    } else {
        out_lock.lock();
        in_lock.lock();
    }
    const size_t count = in->data.read(req.off_in, std::span<std::byte>(buffer.get(), length));
    if (count > 0) {
        if (int err = out->data.write(req.off_out, std::span<const std::byte>(buffer.get(), count)))
            return std::move(reply).error(err);
        out->mtime = out->ctime = now();
        if (req.ctx.uid != 0) drop_privileges(*out, req.ctx);
    }
    if (in_lock.owns_lock()) in_lock.unlock();
    out_lock.unlock();
    std::move(reply).written(count);
}

}  // namespace memfs
