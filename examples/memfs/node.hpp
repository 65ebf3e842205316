// memfs building blocks: directory entries with stable cookies, the node
// itself and the table of live nodes.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "file_data.hpp"
#include "fusex/types.hpp"

namespace memfs {

using fusex::NodeId;

inline constexpr size_t kNameMax = 255;
inline constexpr uint32_t kLinkMax = 65000;   // ext4's limit for hard links

timespec now();

struct DirEntry {
    std::string name;
    NodeId ino = 0;
    uint32_t type = 0;  // S_IFMT bits, for readdir without touching the child
};

// Directory entries. Each insertion gets a fresh cookie from a counter that
// only grows; readdir offsets are cookies, and continuing after cookie X means
// "the first live entry with a larger cookie". Removals and insertions during
// a listing therefore never repeat or skip entries that stay.
class Directory {
  public:
    // Offsets 1 and 2 are the positions after "." and "..".
    static constexpr uint64_t kDotDotCookie = 2;

    const DirEntry* find(std::string_view name) const;
    void insert(std::string_view name, NodeId ino, uint32_t type);
    void erase(std::string_view name);
    // RENAME_EXCHANGE: the name stays, the node behind it changes.
    void retarget(std::string_view name, NodeId ino, uint32_t type);
    size_t size() const { return by_cookie_.size(); }
    bool empty() const { return by_cookie_.empty(); }
    // Calls visit(cookie, entry) in cookie order for cookies > after, until it returns false.
    void for_each_after(uint64_t after, const std::function<bool(uint64_t, const DirEntry&)>& visit) const;

  private:
    struct NameHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::map<uint64_t, DirEntry> by_cookie_;
    std::unordered_map<std::string, uint64_t, NameHash, std::equal_to<>> by_name_;
    uint64_t next_cookie_ = kDotDotCookie + 1;
};

using XattrMap = std::map<std::string, std::vector<std::byte>, std::less<>>;

// One inode. Lock order (see MemFs): the tree lock, then at most one node's
// `mu` (two only in copy_file_range, by ascending ino), then the table lock.
struct Node {
    Node(NodeId id, uint32_t initial_mode, SpaceAccount& space)
        : ino(id), file_type(initial_mode & S_IFMT), mode(initial_mode), data(space) {}

    const NodeId ino;
    const uint32_t file_type;  // S_IFMT bits: readable without the lock

    // Guards the fields below up to `nlink`.
    mutable std::shared_mutex mu;
    uint32_t mode;
    uint32_t uid = 0, gid = 0, rdev = 0;
    timespec atime{}, mtime{}, ctime{}, btime{};
    uint64_t dir_size = 0;       // directories: st_size derived from the entry count
    FileData data;               // regular files
    std::string symlink_target;  // symlinks (never changes after creation)
    XattrMap xattrs;

    // Changed under `mu` (and the tree lock for namespace operations); read
    // without locks when deciding whether the node can go.
    std::atomic<uint32_t> nlink{1};

    // Guarded by the tree lock: directories only.
    Directory entries;
    NodeId parent = 0;  // ".." (directories have exactly one parent)

    // Guarded by the node table's lock.
    uint64_t lookups = 0;  // references the kernel holds (entry replies minus forgets)
    uint64_t opens = 0;    // open file and directory handles

    uint32_t type() const { return file_type; }
    bool is_dir() const { return S_ISDIR(file_type); }
    bool is_reg() const { return S_ISREG(file_type); }
};

// Live nodes by id. A node stays while it has a name (nlink > 0), the kernel
// holds lookups on it, or it is open; the last of these to end frees it.
class NodeTable {
  public:
    explicit NodeTable(SpaceAccount& space, uint64_t max_nodes);

    std::shared_ptr<Node> get(NodeId ino) const;
    // A new node with a fresh id (ids are never reused, so generation can stay
    // constant). nullptr when the inode limit is reached.
    std::shared_ptr<Node> create(uint32_t mode);

    void add_lookup(Node& node, uint64_t count = 1);
    void forget(NodeId ino, uint64_t count);
    void add_open(Node& node);
    void release_open(NodeId ino);
    // Frees the node if nothing keeps it any more.
    void release_if_unused(NodeId ino);

    size_t count() const;
    uint64_t max_nodes() const { return max_nodes_; }
    // Deleted, closed files whose FORGET has not come yet: as good as freed.
    std::vector<std::shared_ptr<Node>> awaiting_forget() const;

  private:
    // Requires mu_; moves the node out to `doomed` if unused, and keeps
    // track of deleted nodes that only wait for FORGET.
    void collect_if_unused(NodeId ino, std::shared_ptr<Node>& doomed);

    SpaceAccount& space_;
    const uint64_t max_nodes_;
    mutable std::mutex mu_;
    std::unordered_map<NodeId, std::shared_ptr<Node>> nodes_;
    std::unordered_set<NodeId> awaiting_forget_;
    NodeId next_ino_ = fusex::kRootNode;
};

}  // namespace memfs
