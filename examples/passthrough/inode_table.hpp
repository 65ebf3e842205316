// The passthrough's inodes: one per (st_dev, st_ino) the kernel holds a
// reference to, each owning an O_PATH descriptor that every operation on it
// goes through (*at() calls), so names are never re-resolved from a path.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "fusex/types.hpp"

namespace passthrough {

struct Inode {
    Inode(int fd, dev_t dev, ino_t ino, uint32_t mode, uint64_t generation) noexcept
        : fd(fd), dev(dev), ino(ino), type(mode & S_IFMT), generation(generation) {}
    ~Inode();
    Inode(const Inode&) = delete;
    Inode& operator=(const Inode&) = delete;

    bool is_dir() const noexcept { return type == S_IFDIR; }
    bool is_symlink() const noexcept { return type == S_IFLNK; }
    bool is_regular() const noexcept { return type == S_IFREG; }

    const int fd;  // O_PATH | O_NOFOLLOW, owned
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

class InodeTable {
  public:
    // Takes ownership of root_fd (an O_PATH descriptor of the source dir).
    explicit InodeTable(int root_fd);
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

    // The inode for (dev, ino) with one more lookup, or nullptr if unknown.
    Inode* ref_existing(dev_t dev, ino_t ino);
    // Like ref_existing, else adopts fd (O_PATH) as a new inode. When the
    // inode already existed fd is closed.
    Inode& ref_or_adopt(int fd, const struct stat& st);
    // Drop count lookups; the inode is freed (its fd closed) at zero.
    void forget(Inode& inode, uint64_t count);

    size_t size() const;

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

    std::array<Shard, kShards> shards_;
    Inode* root_ = nullptr;
    std::atomic<uint64_t> next_generation_{1};
};

}  // namespace passthrough
