// A passthrough of a source directory in the manner of libfuse's
// passthrough_hp, written against fusex.
//
// Containment: every operation works relative to an inode's O_PATH
// descriptor with a single name component from the kernel (which never
// contains '/'), symlinks are never followed by the daemon (O_NOFOLLOW,
// AT_SYMLINK_NOFOLLOW; reopening goes through /proc/self/fd/N, which
// names the inode itself), and ".." looked up in the root is the root. What
// this cannot contain: a process outside the mount that moves a directory
// from inside the source tree to outside it while the kernel still holds
// that directory's inode; the daemon then keeps serving it where it now is.
// FUSE itself cannot express such a rename (both names would be in the mount).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "fusex/filesystem.hpp"
#include "inode_table.hpp"
#include "pt_options.hpp"

namespace passthrough {

class PassthroughFs : public fusex::Filesystem {
  public:
    // root_fd: O_PATH descriptor of the source directory (ownership taken);
    // mountpoint: absolute, for tuning the mount once it is up.
    PassthroughFs(const Options& options, int root_fd, std::string mountpoint);

    void init(fusex::InitConfig& config) override;

    // Names and attributes (entries.cpp).
    void lookup(const fusex::LookupRequest&, fusex::ReplyEntry) override;
    void forget(const fusex::ForgetRequest&) override;
    void batch_forget(const fusex::BatchForgetRequest&) override;
    void getattr(const fusex::GetattrRequest&, fusex::ReplyAttr) override;
    void setattr(const fusex::SetattrRequest&, fusex::ReplyAttr) override;
    void statx(const fusex::StatxRequest&, fusex::ReplyStatx) override;
    void readlink(const fusex::ReadlinkRequest&, fusex::ReplyReadlink) override;
    void mknod(const fusex::MknodRequest&, fusex::ReplyEntry) override;
    void mkdir(const fusex::MkdirRequest&, fusex::ReplyEntry) override;
    void symlink(const fusex::SymlinkRequest&, fusex::ReplyEntry) override;
    void link(const fusex::LinkRequest&, fusex::ReplyEntry) override;
    void unlink(const fusex::UnlinkRequest&, fusex::ReplyEmpty) override;
    void rmdir(const fusex::RmdirRequest&, fusex::ReplyEmpty) override;
    void rename(const fusex::RenameRequest&, fusex::ReplyEmpty) override;
    void statfs(const fusex::StatfsRequest&, fusex::ReplyStatfs) override;

    // Open files (files.cpp).
    void open(const fusex::OpenRequest&, fusex::ReplyOpen) override;
    void create(const fusex::CreateRequest&, fusex::ReplyCreate) override;
    void tmpfile(const fusex::TmpfileRequest&, fusex::ReplyCreate) override;
    void read(const fusex::ReadRequest&, fusex::ReplyData) override;
    void write(const fusex::WriteRequest&, fusex::ReplyWrite) override;
    void flush(const fusex::FlushRequest&, fusex::ReplyEmpty) override;
    void release(const fusex::ReleaseRequest&, fusex::ReplyEmpty) override;
    void fsync(const fusex::FsyncRequest&, fusex::ReplyEmpty) override;
    void fallocate(const fusex::FallocateRequest&, fusex::ReplyEmpty) override;
    void lseek(const fusex::LseekRequest&, fusex::ReplyLseek) override;
    void copy_file_range(const fusex::CopyFileRangeRequest&, fusex::ReplyWrite) override;
    void setlk(const fusex::SetlkRequest&, fusex::ReplyEmpty) override;

    // Directories (dirs.cpp).
    void opendir(const fusex::OpendirRequest&, fusex::ReplyOpen) override;
    void readdir(const fusex::ReaddirRequest&, fusex::ReplyDir) override;
    void releasedir(const fusex::ReleasedirRequest&, fusex::ReplyEmpty) override;
    void fsyncdir(const fusex::FsyncdirRequest&, fusex::ReplyEmpty) override;

    // Extended attributes (xattrs.cpp).
    void setxattr(const fusex::SetxattrRequest&, fusex::ReplyEmpty) override;
    void getxattr(const fusex::GetxattrRequest&, fusex::ReplyXattr) override;
    void listxattr(const fusex::ListxattrRequest&, fusex::ReplyXattr) override;
    void removexattr(const fusex::RemovexattrRequest&, fusex::ReplyEmpty) override;

    size_t inode_count() const { return inodes_.size(); }

  private:
    // An entry for name in parent with one more lookup, or -errno.
    int lookup_entry(Inode& parent, std::string_view name, fusex::Entry& out);
    // An entry for the object open as fd (just created), with one lookup.
    int entry_for_fd(int fd, fusex::Entry& out);
    void answer_created(int fd, int dirfd, const fusex::Context& ctx, fusex::ReplyCreate reply);
    fusex::Entry make_entry(const Inode& inode, const struct stat& st) const;
    PathFd path(const Inode& inode) const noexcept { return inodes_.path(inode); }
    // Give a newly created object to the caller (when the daemon is root).
    void chown_to_caller(int dirfd, const char* name, int flags, const fusex::Context& ctx,
                         int parent_fd) const;
    void reply_new_entry(Inode& parent, std::string_view name, const fusex::Context& ctx,
                         fusex::ReplyEntry reply);

    // Called by the handlers a first request can reach: the kernel has taken
    // the INIT reply by then, so the mount can be tuned.
    void first_request() {
        std::call_once(first_request_done_, [this] { tune_mount(); });
    }
    void tune_mount();

    // Kernel passthrough: share one backing id per inode across its opens.
    int acquire_backing(Inode& inode, int fd);
    void release_backing(Inode& inode);
    // Open flags for an open file, and its cache policy.
    fusex::OpenResult open_result(uint64_t fh, int fd) const;
    int reopen_flags(uint32_t client_flags) const;

    Options options_;
    InodeTable inodes_;
    std::string mountpoint_;
    std::once_flag first_request_done_;
    bool writeback_ = false;       // in force after INIT
    bool passthrough_ = false;     // in force after INIT
    bool chown_new_ = false;       // daemon is root: created objects go to the caller
    std::atomic<bool> backing_warned_{false};
    std::atomic<bool> fd_limit_warned_{false};
};

}  // namespace passthrough
