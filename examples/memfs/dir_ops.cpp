// Namespace operations: lookup and forget, creating, linking, removing and
// renaming names, and directory listings.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>

#include <cerrno>
#include <mutex>

#include "acl.hpp"
#include "memfs.hpp"

namespace memfs {

namespace {

bool is_dot_or_dotdot(std::string_view name) { return name == "." || name == ".."; }

}  // namespace

std::shared_ptr<Node> MemFs::directory(NodeId ino, int* err) const {
    auto node = table_.get(ino);
    if (!node) {
        *err = ENOENT;
        return nullptr;
    }
    if (!node->is_dir()) {
        *err = ENOTDIR;
        return nullptr;
    }
    return node;
}

bool MemFs::is_ancestor(NodeId ancestor, NodeId dir) const {
    for (NodeId cur = dir;;) {
        if (cur == ancestor) return true;
        if (cur == fusex::kRootNode) return false;
        auto node = table_.get(cur);
        if (!node || node->parent == 0) return false;
        cur = node->parent;
    }
}

void MemFs::touch_directory(Node& dir, int subdir_delta) {
    std::unique_lock lock(dir.mu);
    dir.mtime = dir.ctime = now();
    dir.dir_size = (dir.entries.size() + 2) * 20;  // tmpfs' bogus dirent size
    if (subdir_delta != 0) dir.nlink += subdir_delta;
}

std::shared_ptr<Node> MemFs::new_node(const fusex::Context& ctx, const Node& parent, uint32_t mode,
                                      uint32_t umask, int* err) {
    uint32_t gid = ctx.gid;
    std::optional<std::vector<std::byte>> default_acl;
    {
        std::shared_lock lock(parent.mu);
        // BSD group semantics in setgid directories, subdirectories inheriting the bit.
        if (parent.mode & S_ISGID) {
            gid = parent.gid;
            if (S_ISDIR(mode)) mode |= S_ISGID;
        }
        if (auto it = parent.xattrs.find(kAclDefault); it != parent.xattrs.end() && !S_ISLNK(mode))
            default_acl = it->second;
    }
    // A default ACL replaces the umask (the kernel leaves both to us: DONT_MASK).
    std::optional<Acl> access_acl = default_acl ? Acl::parse(*default_acl) : std::nullopt;
    if (access_acl) access_acl->mask_for_create(&mode);
    else mode &= ~(umask & 0777);
    auto node = table_.create(mode);
    if (!node) {
        *err = ENOSPC;
        return nullptr;
    }
    std::unique_lock lock(node->mu);
    if (access_acl && !access_acl->is_minimal()) node->xattrs.emplace(kAclAccess, access_acl->encode());
    if (access_acl && S_ISDIR(mode)) node->xattrs.emplace(kAclDefault, *default_acl);
    node->uid = ctx.uid;
    node->gid = gid;
    node->atime = node->mtime = node->ctime = node->btime = now();
    if (node->is_dir()) node->dir_size = 2 * 20;
    return node;
}

std::shared_ptr<Node> MemFs::add_new_node(const fusex::Context& ctx, NodeId parent_ino, std::string_view name,
                                          uint32_t mode, uint32_t umask, uint32_t rdev,
                                          std::string_view symlink_target, int* err) {
    if (name.size() > kNameMax) {
        *err = ENAMETOOLONG;
        return nullptr;
    }
    auto parent = directory(parent_ino, err);
    if (!parent) return nullptr;
    if (parent->nlink == 0) {  // removed while someone sat in it
        *err = ENOENT;
        return nullptr;
    }
    if (parent->entries.find(name)) {
        *err = EEXIST;
        return nullptr;
    }
    auto node = new_node(ctx, *parent, mode, umask, err);
    if (!node) return nullptr;
    {
        std::unique_lock lock(node->mu);
        node->rdev = rdev;
        node->symlink_target = symlink_target;
        if (node->is_dir()) {
            node->nlink = 2;
            node->parent = parent->ino;
        }
    }
    parent->entries.insert(name, node->ino, node->type());
    touch_directory(*parent, node->is_dir() ? 1 : 0);
    table_.add_lookup(*node);
    return node;
}

void MemFs::lookup(const fusex::LookupRequest& req, fusex::ReplyEntry reply) {
    std::shared_lock tree(tree_mu_);
    std::shared_ptr<Node> node;
    if (is_dot_or_dotdot(req.name)) {
        // Only NFS export asks these, by node id from a file handle.
        auto self = table_.get(req.parent);
        if (!self) return std::move(reply).error(ESTALE);
        if (req.name == "..") {
            if (!self->is_dir()) return std::move(reply).error(ENOTDIR);
            node = table_.get(self->parent);
        } else {
            node = self;
        }
        // The kernel asks only after evicting its inode: a deleted node is gone for good then.
        if (!node || node->nlink == 0) return std::move(reply).error(ESTALE);
    } else {
        if (req.name.size() > kNameMax) return std::move(reply).error(ENAMETOOLONG);
        int err = 0;
        auto parent = directory(req.parent, &err);
        if (!parent) return std::move(reply).error(err);
        const DirEntry* e = parent->entries.find(req.name);
        if (!e) {
            // A negative entry: every change passes through this kernel, so it can cache absence.
            fusex::Entry negative;
            negative.entry_timeout = options_.timeout;
            return std::move(reply).entry(negative);
        }
        node = table_.get(e->ino);
        if (!node) return std::move(reply).error(EIO);
    }
    table_.add_lookup(*node);
    fusex::Entry entry = locked_entry_of(*node);
    tree.unlock();
    std::move(reply).entry(entry);
}

void MemFs::forget(const fusex::ForgetRequest& req) { table_.forget(req.forget.node, req.forget.nlookup); }

void MemFs::batch_forget(const fusex::BatchForgetRequest& req) {
    for (uint32_t i = 0; i < req.count; ++i) {
        const fusex::ForgetOne one = req.at(i);
        table_.forget(one.node, one.nlookup);
    }
}

void MemFs::mknod(const fusex::MknodRequest& req, fusex::ReplyEntry reply) {
    uint32_t mode = req.mode;
    if ((mode & S_IFMT) == 0) mode |= S_IFREG;
    switch (mode & S_IFMT) {
    case S_IFREG: case S_IFIFO: case S_IFSOCK: case S_IFCHR: case S_IFBLK: break;
    case S_IFDIR: return std::move(reply).error(EPERM);
    default: return std::move(reply).error(EINVAL);
    }
    const bool device = S_ISCHR(mode) || S_ISBLK(mode);
    mode &= S_IFMT | 07777;
    int err = 0;
    std::unique_lock tree(tree_mu_);
    auto node = add_new_node(req.ctx, req.parent, req.name, mode, req.umask, device ? req.rdev : 0, {}, &err);
    if (!node) return std::move(reply).error(err);
    fusex::Entry entry = locked_entry_of(*node);
    tree.unlock();
    std::move(reply).entry(entry);
}

void MemFs::mkdir(const fusex::MkdirRequest& req, fusex::ReplyEntry reply) {
    const uint32_t mode = S_IFDIR | (req.mode & 07777);
    int err = 0;
    std::unique_lock tree(tree_mu_);
    auto node = add_new_node(req.ctx, req.parent, req.name, mode, req.umask, 0, {}, &err);
    if (!node) return std::move(reply).error(err);
    fusex::Entry entry = locked_entry_of(*node);
    tree.unlock();
    std::move(reply).entry(entry);
}

void MemFs::symlink(const fusex::SymlinkRequest& req, fusex::ReplyEntry reply) {
    // ext4 stores a target up to one block including its NUL.
    if (req.target.size() >= 4096) return std::move(reply).error(ENAMETOOLONG);
    int err = 0;
    std::unique_lock tree(tree_mu_);
    auto node = add_new_node(req.ctx, req.parent, req.name, S_IFLNK | 0777, 0, 0, req.target, &err);
    if (!node) return std::move(reply).error(err);
    fusex::Entry entry = locked_entry_of(*node);
    tree.unlock();
    std::move(reply).entry(entry);
}

void MemFs::link(const fusex::LinkRequest& req, fusex::ReplyEntry reply) {
    if (req.new_name.size() > kNameMax) return std::move(reply).error(ENAMETOOLONG);
    std::unique_lock tree(tree_mu_);
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    if (node->is_dir()) return std::move(reply).error(EPERM);
    int err = 0;
    auto parent = directory(req.new_parent, &err);
    if (!parent) return std::move(reply).error(err);
    if (parent->nlink == 0) return std::move(reply).error(ENOENT);
    if (parent->entries.find(req.new_name)) return std::move(reply).error(EEXIST);
    if (node->nlink >= kLinkMax) return std::move(reply).error(EMLINK);
    {
        // nlink may be 0 here: linkat() of an O_TMPFILE file gives it its first name.
        std::unique_lock lock(node->mu);
        ++node->nlink;
        node->ctime = now();
    }
    parent->entries.insert(req.new_name, node->ino, node->type());
    touch_directory(*parent, 0);
    table_.add_lookup(*node);
    fusex::Entry entry = locked_entry_of(*node);
    tree.unlock();
    std::move(reply).entry(entry);
}

void MemFs::unlink(const fusex::UnlinkRequest& req, fusex::ReplyEmpty reply) {
    std::shared_ptr<Node> victim;
    {
        std::unique_lock tree(tree_mu_);
        int err = 0;
        auto parent = directory(req.parent, &err);
        if (!parent) return std::move(reply).error(err);
        const DirEntry* e = parent->entries.find(req.name);
        if (!e) return std::move(reply).error(req.name.size() > kNameMax ? ENAMETOOLONG : ENOENT);
        if (e->type == S_IFDIR) return std::move(reply).error(EISDIR);
        victim = table_.get(e->ino);
        parent->entries.erase(req.name);
        touch_directory(*parent, 0);
        if (victim) {
            std::unique_lock lock(victim->mu);
            --victim->nlink;
            victim->ctime = now();
        }
    }
    if (victim) table_.release_if_unused(victim->ino);
    std::move(reply).ok();
}

void MemFs::rmdir(const fusex::RmdirRequest& req, fusex::ReplyEmpty reply) {
    if (req.name == ".") return std::move(reply).error(EINVAL);
    if (req.name == "..") return std::move(reply).error(ENOTEMPTY);
    std::shared_ptr<Node> victim;
    {
        std::unique_lock tree(tree_mu_);
        int err = 0;
        auto parent = directory(req.parent, &err);
        if (!parent) return std::move(reply).error(err);
        const DirEntry* e = parent->entries.find(req.name);
        if (!e) return std::move(reply).error(req.name.size() > kNameMax ? ENAMETOOLONG : ENOENT);
        if (e->type != S_IFDIR) return std::move(reply).error(ENOTDIR);
        victim = table_.get(e->ino);
        if (!victim) return std::move(reply).error(EIO);
        if (!victim->entries.empty()) return std::move(reply).error(ENOTEMPTY);
        parent->entries.erase(req.name);
        touch_directory(*parent, -1);
        std::unique_lock lock(victim->mu);
        victim->nlink = 0;
        victim->ctime = now();
    }
    table_.release_if_unused(victim->ino);
    std::move(reply).ok();
}

void MemFs::rename(const fusex::RenameRequest& req, fusex::ReplyEmpty reply) {
    if (req.flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return std::move(reply).error(EINVAL);
    const bool exchange = req.flags & RENAME_EXCHANGE;
    const bool noreplace = req.flags & RENAME_NOREPLACE;
    const bool whiteout = req.flags & RENAME_WHITEOUT;
    if (exchange && (noreplace || whiteout)) return std::move(reply).error(EINVAL);
    if (req.name.size() > kNameMax || req.new_name.size() > kNameMax) return std::move(reply).error(ENAMETOOLONG);
    if (is_dot_or_dotdot(req.name) || is_dot_or_dotdot(req.new_name)) return std::move(reply).error(EINVAL);

    std::shared_ptr<Node> victim;
    {
        std::unique_lock tree(tree_mu_);
        int err = 0;
        auto old_dir = directory(req.parent, &err);
        if (!old_dir) return std::move(reply).error(err);
        auto new_dir = directory(req.new_parent, &err);
        if (!new_dir) return std::move(reply).error(err);
        const DirEntry* src_entry = old_dir->entries.find(req.name);
        if (!src_entry) return std::move(reply).error(ENOENT);
        auto src = table_.get(src_entry->ino);
        if (!src) return std::move(reply).error(EIO);
        const DirEntry* dst_entry = new_dir->entries.find(req.new_name);
        auto dst = dst_entry ? table_.get(dst_entry->ino) : nullptr;
        if (dst_entry && !dst) return std::move(reply).error(EIO);
        if (new_dir->nlink == 0) return std::move(reply).error(ENOENT);
        const bool moves_dir = old_dir != new_dir;
        const timespec t = now();

        if (exchange) {
            if (!dst) return std::move(reply).error(ENOENT);
            if (src == dst) return std::move(reply).ok();
            // Neither directory may end up inside itself.
            if (moves_dir && src->is_dir() && is_ancestor(src->ino, new_dir->ino)) return std::move(reply).error(EINVAL);
            if (moves_dir && dst->is_dir() && is_ancestor(dst->ino, old_dir->ino)) return std::move(reply).error(EINVAL);
            old_dir->entries.retarget(req.name, dst->ino, dst->type());
            new_dir->entries.retarget(req.new_name, src->ino, src->type());
            if (moves_dir) {
                const int src_dirs = src->is_dir() ? 1 : 0, dst_dirs = dst->is_dir() ? 1 : 0;
                if (src->is_dir()) src->parent = new_dir->ino;
                if (dst->is_dir()) dst->parent = old_dir->ino;
                touch_directory(*old_dir, dst_dirs - src_dirs);
                touch_directory(*new_dir, src_dirs - dst_dirs);
            } else {
                touch_directory(*old_dir, 0);
            }
            for (Node* n : {src.get(), dst.get()}) {
                std::unique_lock lock(n->mu);
                n->ctime = t;
            }
            return std::move(reply).ok();
        }

        if (dst) {
            if (noreplace) return std::move(reply).error(EEXIST);
            // Two names of one file: POSIX says do nothing, successfully.
            if (src == dst) return std::move(reply).ok();
            if (src->is_dir() && !dst->is_dir()) return std::move(reply).error(ENOTDIR);
            if (!src->is_dir() && dst->is_dir()) return std::move(reply).error(EISDIR);
        }
        if (src->is_dir() && moves_dir && is_ancestor(src->ino, new_dir->ino)) return std::move(reply).error(EINVAL);
        if (dst && dst->is_dir() && !dst->entries.empty()) return std::move(reply).error(ENOTEMPTY);
        // RENAME_WHITEOUT (overlayfs): the old name becomes a 0:0 character
        // device. Made first, so that running out of inodes changes nothing.
        std::shared_ptr<Node> whiteout_node;
        if (whiteout) {
            whiteout_node = new_node(req.ctx, *old_dir, S_IFCHR, 0, &err);
            if (!whiteout_node) return std::move(reply).error(err);
        }

        int new_dir_delta = 0;
        if (dst) {
            new_dir->entries.erase(req.new_name);
            std::unique_lock lock(dst->mu);
            if (dst->is_dir()) {
                dst->nlink = 0;
                --new_dir_delta;
            } else {
                --dst->nlink;
            }
            dst->ctime = t;
            victim = dst;
        }
        old_dir->entries.erase(req.name);
        new_dir->entries.insert(req.new_name, src->ino, src->type());
        if (src->is_dir() && moves_dir) {
            src->parent = new_dir->ino;
            touch_directory(*old_dir, -1);
            ++new_dir_delta;
        } else if (moves_dir) {
            touch_directory(*old_dir, 0);
        }
        touch_directory(*new_dir, new_dir_delta);
        if (whiteout_node) {
            old_dir->entries.insert(req.name, whiteout_node->ino, S_IFCHR);
            touch_directory(*old_dir, 0);
        }
        std::unique_lock lock(src->mu);
        src->ctime = t;
    }
    if (victim) table_.release_if_unused(victim->ino);
    std::move(reply).ok();
}

void MemFs::create(const fusex::CreateRequest& req, fusex::ReplyCreate reply) {
    const uint32_t mode = S_IFREG | (req.mode & 07777);
    int err = 0;
    std::unique_lock tree(tree_mu_);
    std::shared_ptr<Node> node;
    if (auto parent = directory(req.parent, &err); parent && req.name.size() <= kNameMax) {
        if (const DirEntry* existing = parent->entries.find(req.name)) {
            // The kernel looks up first, so this is a race with another creator.
            if (req.flags & O_EXCL) return std::move(reply).error(EEXIST);
            if (existing->type == S_IFDIR) return std::move(reply).error(EISDIR);
            node = table_.get(existing->ino);
            if (!node) return std::move(reply).error(EIO);
            if (req.flags & O_TRUNC) truncate_for_open(*node, req.ctx);
            table_.add_lookup(*node);
        }
    }
    if (!node) node = add_new_node(req.ctx, req.parent, req.name, mode, req.umask, 0, {}, &err);
    if (!node) return std::move(reply).error(err);
    table_.add_open(*node);
    fusex::Entry entry = locked_entry_of(*node);
    tree.unlock();
    fusex::OpenResult opened;
    opened.keep_cache = true;
    std::move(reply).created(entry, opened);
}

void MemFs::tmpfile(const fusex::TmpfileRequest& req, fusex::ReplyCreate reply) {
    uint32_t mode = req.mode;
    if ((mode & S_IFMT) == 0) mode |= S_IFREG;
    if (!S_ISREG(mode)) return std::move(reply).error(EINVAL);
    mode = S_IFREG | (mode & 07777);
    int err = 0;
    std::shared_lock tree(tree_mu_);
    auto parent = directory(req.parent, &err);
    if (!parent) return std::move(reply).error(err);
    if (parent->nlink == 0) return std::move(reply).error(ENOENT);
    auto node = new_node(req.ctx, *parent, mode, req.umask, &err);
    if (!node) return std::move(reply).error(err);
    node->nlink = 0;  // nameless until linkat() gives it one
    table_.add_lookup(*node);
    table_.add_open(*node);
    fusex::Entry entry = locked_entry_of(*node);
    tree.unlock();
    fusex::OpenResult opened;
    opened.keep_cache = true;
    std::move(reply).created(entry, opened);
}

void MemFs::opendir(const fusex::OpendirRequest& req, fusex::ReplyOpen reply) {
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    if (!node->is_dir()) return std::move(reply).error(ENOTDIR);
    table_.add_open(*node);
    std::move(reply).opened({});
}

void MemFs::releasedir(const fusex::ReleasedirRequest& req, fusex::ReplyEmpty reply) {
    table_.release_open(req.node);
    std::move(reply).ok();
}

void MemFs::fsyncdir(const fusex::FsyncdirRequest&, fusex::ReplyEmpty reply) { std::move(reply).ok(); }

void MemFs::readdir(const fusex::ReaddirRequest& req, fusex::ReplyDir reply) {
    std::shared_lock tree(tree_mu_);
    int err = 0;
    auto dir = directory(req.node, &err);
    if (!dir) return std::move(reply).error(err);
    const bool plus = reply.plus();
    // ".." of the root is the root itself.
    auto parent = dir->parent != 0 ? table_.get(dir->parent) : dir;
    if (!parent) parent = dir;

    auto add = [&](std::string_view name, Node& node, uint64_t cookie) {
        if (!plus) return reply.add(name, node.ino, node.type(), cookie);
        fusex::Entry entry = locked_entry_of(node);
        if (!reply.add_plus(name, entry, cookie)) return false;
        // The kernel counts a lookup for each readdirplus entry except . and ..
        if (!is_dot_or_dotdot(name)) table_.add_lookup(node);
        return true;
    };
    bool room = true;
    if (req.offset < 1) room = add(".", *dir, 1);
    if (room && req.offset < Directory::kDotDotCookie) room = add("..", *parent, Directory::kDotDotCookie);
    if (room) {
        dir->entries.for_each_after(std::max<uint64_t>(req.offset, Directory::kDotDotCookie),
                                    [&](uint64_t cookie, const DirEntry& e) {
                                        if (!plus) return reply.add(e.name, e.ino, e.type, cookie);
                                        auto child = table_.get(e.ino);
                                        return child ? add(e.name, *child, cookie) : true;
                                    });
    }
    {
        std::unique_lock lock(dir->mu);
        const timespec t = now();
        if (atime_due(*dir, t)) dir->atime = t;
    }
    tree.unlock();
    std::move(reply).send();
}

}  // namespace memfs
