// memfs: a POSIX filesystem in memory, served by fusex.
//
// Locking. `tree_mu_` guards the namespace: every directory's entries, the
// parent links and link counts. Lookups and listings take it shared, every
// operation that adds, removes or moves a name takes it exclusively (these
// are short map updates). Each node's `mu` guards its attributes, data and
// xattrs, so reads and writes of different files run in parallel. Order:
// tree_mu_, then one node's mu, then the node table's internal lock.
#pragma once

#include <atomic>
#include <memory>
#include <shared_mutex>
#include <string>

#include "fusex/fusex.hpp"
#include "node.hpp"

namespace memfs {

enum class AtimeMode { Relatime, Strict, Never };

struct Options {
    uint64_t capacity_bytes = 4ull << 30;
    double timeout = 1.0;  // entry and attribute cache timeouts, seconds
    bool writeback = false;
    AtimeMode atime = AtimeMode::Relatime;
};

class MemFs final : public fusex::Filesystem {
  public:
    explicit MemFs(const Options& options);

    void init(fusex::InitConfig& config) override;

    // Namespace (dir_ops.cpp).
    void lookup(const fusex::LookupRequest& req, fusex::ReplyEntry reply) override;
    void forget(const fusex::ForgetRequest& req) override;
    void batch_forget(const fusex::BatchForgetRequest& req) override;
    void mknod(const fusex::MknodRequest& req, fusex::ReplyEntry reply) override;
    void mkdir(const fusex::MkdirRequest& req, fusex::ReplyEntry reply) override;
    void symlink(const fusex::SymlinkRequest& req, fusex::ReplyEntry reply) override;
    void link(const fusex::LinkRequest& req, fusex::ReplyEntry reply) override;
    void unlink(const fusex::UnlinkRequest& req, fusex::ReplyEmpty reply) override;
    void rmdir(const fusex::RmdirRequest& req, fusex::ReplyEmpty reply) override;
    void rename(const fusex::RenameRequest& req, fusex::ReplyEmpty reply) override;
    void create(const fusex::CreateRequest& req, fusex::ReplyCreate reply) override;
    void tmpfile(const fusex::TmpfileRequest& req, fusex::ReplyCreate reply) override;
    void opendir(const fusex::OpendirRequest& req, fusex::ReplyOpen reply) override;
    void readdir(const fusex::ReaddirRequest& req, fusex::ReplyDir reply) override;
    void releasedir(const fusex::ReleasedirRequest& req, fusex::ReplyEmpty reply) override;
    void fsyncdir(const fusex::FsyncdirRequest& req, fusex::ReplyEmpty reply) override;

    // Attributes (attr_ops.cpp).
    void getattr(const fusex::GetattrRequest& req, fusex::ReplyAttr reply) override;
    void setattr(const fusex::SetattrRequest& req, fusex::ReplyAttr reply) override;
    void statx(const fusex::StatxRequest& req, fusex::ReplyStatx reply) override;
    void readlink(const fusex::ReadlinkRequest& req, fusex::ReplyReadlink reply) override;
    void access(const fusex::AccessRequest& req, fusex::ReplyEmpty reply) override;
    void statfs(const fusex::StatfsRequest& req, fusex::ReplyStatfs reply) override;
    void syncfs(const fusex::SyncfsRequest& req, fusex::ReplyEmpty reply) override;

    // File content (file_ops.cpp).
    void open(const fusex::OpenRequest& req, fusex::ReplyOpen reply) override;
    void read(const fusex::ReadRequest& req, fusex::ReplyData reply) override;
    void write(const fusex::WriteRequest& req, fusex::ReplyWrite reply) override;
    void release(const fusex::ReleaseRequest& req, fusex::ReplyEmpty reply) override;
    void flush(const fusex::FlushRequest& req, fusex::ReplyEmpty reply) override;
    void fsync(const fusex::FsyncRequest& req, fusex::ReplyEmpty reply) override;
    void fallocate(const fusex::FallocateRequest& req, fusex::ReplyEmpty reply) override;
    void lseek(const fusex::LseekRequest& req, fusex::ReplyLseek reply) override;
    void copy_file_range(const fusex::CopyFileRangeRequest& req, fusex::ReplyWrite reply) override;

    // Extended attributes (xattr_ops.cpp).
    void setxattr(const fusex::SetxattrRequest& req, fusex::ReplyEmpty reply) override;
    void getxattr(const fusex::GetxattrRequest& req, fusex::ReplyXattr reply) override;
    void listxattr(const fusex::ListxattrRequest& req, fusex::ReplyXattr reply) override;
    void removexattr(const fusex::RemovexattrRequest& req, fusex::ReplyEmpty reply) override;

  private:
    // Attribute helpers; the caller holds node.mu (shared is enough).
    fusex::Attr attr_of(const Node& node) const;
    fusex::Entry entry_of(const Node& node) const;
    // entry_of under the node's lock.
    fusex::Entry locked_entry_of(const Node& node) const;

    // Requires tree_mu_ exclusively: a new node named `name` in `parent_ino`,
    // owned by the caller, its lookup count already taken for the reply.
    // On failure returns nullptr with *err set.
    std::shared_ptr<Node> add_new_node(const fusex::Context& ctx, NodeId parent_ino, std::string_view name,
                                       uint32_t mode, uint32_t umask, uint32_t rdev,
                                       std::string_view symlink_target, int* err);
    // A node that belongs to no directory yet (or never: O_TMPFILE). Its mode
    // is `mode` with the parent's default ACL applied, or else the umask; it
    // inherits the group of a setgid parent.
    std::shared_ptr<Node> new_node(const fusex::Context& ctx, const Node& parent, uint32_t mode, uint32_t umask,
                                   int* err);
    // Requires tree_mu_: the directory `ino`, or nullptr with *err (ENOENT, ENOTDIR).
    std::shared_ptr<Node> directory(NodeId ino, int* err) const;
    // Requires tree_mu_: whether `ancestor` is `dir` or lies on its path to the root.
    bool is_ancestor(NodeId ancestor, NodeId dir) const;
    // Requires tree_mu_ exclusively: parent's mtime/ctime and size after a change of entries.
    void touch_directory(Node& dir, int subdir_delta);
    // Requires the node's unique lock: what a write by an unprivileged caller
    // (or a chown) strips, as the Linux VFS does: S_ISUID, file capabilities,
    // and S_ISGID if group executable or if the caller is outside the file's
    // group (judged by the primary group: FUSE does not send the others).
    static void drop_privileges(Node& node, const fusex::Context& ctx);
    // O_TRUNC of open or create (atomic_o_trunc: no separate setattr comes).
    static void truncate_for_open(Node& node, const fusex::Context& ctx);
    // setxattr of a system.posix_acl_* name; requires node.mu exclusively. 0 or an errno.
    static int set_acl_locked(Node& node, std::string_view name, std::span<const std::byte> value,
                              uint32_t setxattr_flags);
    // Whether reading now should update atime (relatime rules unless mounted otherwise).
    bool atime_due(const Node& node, const timespec& t) const;

    Options options_;
    SpaceAccount space_;
    NodeTable table_;
    mutable std::shared_mutex tree_mu_;
    std::atomic<bool> writeback_{false};
};

}  // namespace memfs
