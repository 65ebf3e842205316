// The passthrough's inodes: one per (st_dev, st_ino) the kernel holds a
// reference to, each owning an O_PATH descriptor that every operation on it
// goes through (*at() calls), so names are never re-resolved from a path.
// Descriptors are bounded by RLIMIT_NOFILE: past a budget, new inodes keep a
// kernel file handle instead and are reopened by it for each operation.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fusex/types.hpp"

namespace passthrough {

// A kernel file handle (name_to_handle_at), by which an inode whose
// descriptor was given up is reopened.
struct FileId {
    int type = 0;
    std::vector<unsigned char> bytes;
};

struct Inode {
    // fd: O_PATH | O_NOFOLLOW descriptor (owned), or -1 with id set.
    Inode(int fd, FileId id, dev_t dev, ino_t ino, uint32_t mode, uint64_t generation) noexcept
        : own_fd(fd), id(std::move(id)), dev(dev), ino(ino), type(mode & S_IFMT), generation(generation) {}
    ~Inode();
    Inode(const Inode&) = delete;
    Inode& operator=(const Inode&) = delete;

    bool is_dir() const noexcept { return type == S_IFDIR; }
    bool is_symlink() const noexcept { return type == S_IFLNK; }
    bool is_regular() const noexcept { return type == S_IFREG; }

    // Use through PathFd: -1 when the inode is kept as a file handle only.
    const int own_fd;
    const FileId id;
    const dev_t dev;
    const ino_t ino;
    const uint32_t type;  // S_IFMT bits; an inode never changes type
    const uint64_t generation;
    uint64_t nlookup = 0;  // guarded by the table shard's mutex

    // Kernel passthrough: all opens of one inode must share one backing file
    // (the kernel refuses a second, different one), so it is counted here.
    std::mutex backing_mu;
    int backing_id = 0;
    unsigned backing_users = 0;
};

// A descriptor of an inode for one operation: the inode's own, or one
// reopened from its file handle (O_PATH) and closed at the end of the scope.
class PathFd {
  public:
    PathFd(const Inode& inode, int mount_fd) noexcept;
    ~PathFd();
    PathFd(const PathFd&) = delete;
    PathFd& operator=(const PathFd&) = delete;

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int error() const noexcept { return err_; }  // errno when reopening failed

  private:
    int fd_ = -1;
    int err_ = 0;
    bool owned_ = false;
};

class InodeTable {
  public:
    // Takes ownership of root_fd (an O_PATH descriptor of the source dir).
    // Beyond fd_budget inodes with a descriptor, new inodes on SOURCE's own
    // filesystem keep a file handle instead (where the kernel allows it).
    InodeTable(int root_fd, size_t fd_budget);
    ~InodeTable();
    InodeTable(const InodeTable&) = delete;
    InodeTable& operator=(const InodeTable&) = delete;

    Inode& root() noexcept { return *root_; }
    // The kernel only names nodes it was given, so a node id is the Inode's
    // address (the root is the protocol's fixed id 1).
    Inode& get(fusex::NodeId node) noexcept {
        return node == fusex::kRootNode ? *root_ : *reinterpret_cast<Inode*>(node);
    }
    fusex::NodeId id_of(const Inode& inode) const noexcept {
        return &inode == root_ ? fusex::kRootNode : reinterpret_cast<fusex::NodeId>(&inode);
    }

    // A descriptor of inode for one operation.
    PathFd path(const Inode& inode) const noexcept { return PathFd(inode, mount_fd_); }

    // The inode for (dev, ino) with one more lookup, or nullptr if unknown.
    Inode* ref_existing(dev_t dev, ino_t ino);
    // Like ref_existing, else adopts fd (O_PATH) as a new inode. When the
    // inode already existed fd is closed.
    Inode& ref_or_adopt(int fd, const struct stat& st);
    // Drop count lookups; the inode is freed (its fd closed) at zero.
    void forget(Inode& inode, uint64_t count);

    size_t size() const;
    size_t descriptors_held() const noexcept { return fds_held_.load(std::memory_order_relaxed); }

  private:
    struct Key {
        dev_t dev;
        ino_t ino;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const noexcept { return k.ino * 0x9E3779B97F4A7C15ull ^ k.dev; }
    };
    struct Shard {
        mutable std::mutex mu;
        std::unordered_map<Key, Inode*, KeyHash> map;
    };
    static constexpr size_t kShards = 16;
    Shard& shard_for(const Key& k) noexcept { return shards_[KeyHash{}(k) % kShards]; }

    // A file handle for fd if the budget is spent and handles work here.
    bool should_trade(const struct stat& st) const noexcept;
    static bool make_file_id(int fd, FileId& out) noexcept;

    std::array<Shard, kShards> shards_;
    size_t fd_budget_;
    std::atomic<size_t> fds_held_{0};
    int mount_fd_ = -1;  // SOURCE opened for reading: open_by_handle_at refuses O_PATH
    dev_t root_dev_ = 0;
    Inode* root_ = nullptr;
    std::atomic<uint64_t> next_generation_{1};
};

}  // namespace passthrough
