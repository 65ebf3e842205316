#include "inode_table.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "names.hpp"

namespace passthrough {

Inode::~Inode() {
    if (own_fd >= 0) close(own_fd);
}

PathFd::PathFd(const Inode& inode, int mount_fd) noexcept {
    if (inode.own_fd >= 0) {
        fd_ = inode.own_fd;
        return;
    }
    struct {
        file_handle head;
        unsigned char bytes[MAX_HANDLE_SZ];
    } h{};
    h.head.handle_bytes = static_cast<unsigned>(inode.id.bytes.size());
    h.head.handle_type = inode.id.type;
    std::memcpy(h.head.f_handle, inode.id.bytes.data(), inode.id.bytes.size());
    fd_ = open_by_handle_at(mount_fd, &h.head, O_PATH | O_CLOEXEC);
    if (fd_ < 0) err_ = errno;
    owned_ = fd_ >= 0;
}

PathFd::~PathFd() {
    if (owned_) close(fd_);
}

bool InodeTable::make_file_id(int fd, FileId& out) noexcept {
    struct {
        file_handle head;
        unsigned char bytes[MAX_HANDLE_SZ];
    } h{};
    h.head.handle_bytes = MAX_HANDLE_SZ;
    int mount_id = 0;
    if (name_to_handle_at(fd, "", &h.head, &mount_id, AT_EMPTY_PATH) != 0) return false;
    out.type = h.head.handle_type;
    out.bytes.assign(h.head.f_handle, h.head.f_handle + h.head.handle_bytes);
    return true;
}

InodeTable::InodeTable(int root_fd, size_t fd_budget) : fd_budget_(fd_budget) {
    struct stat st {};
    if (fstatat(root_fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
        close(root_fd);
        throw std::runtime_error("cannot stat the source directory");
    }
    root_ = new Inode(root_fd, {}, st.st_dev, st.st_ino, st.st_mode, 0);
    // The kernel never forgets the root; pin it so FORGETs cannot free it.
    root_->nlookup = UINT64_MAX / 2;
    fds_held_ = 1;
    root_dev_ = st.st_dev;
    Key key{st.st_dev, st.st_ino};
    shard_for(key).map.emplace(key, root_);

    // File handles only if reopening by one works here (CAP_DAC_READ_SEARCH,
    // a filesystem that has handles); else every inode keeps its descriptor.
    mount_fd_ = ::open(ProcPath(root_fd).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    FileId probe;
    if (mount_fd_ >= 0 && make_file_id(root_fd, probe)) {
        Inode test(-1, probe, st.st_dev, st.st_ino, st.st_mode, 0);
        if (PathFd(test, mount_fd_)) return;
    }
    fd_budget_ = SIZE_MAX;
}

InodeTable::~InodeTable() {
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mu);
        for (auto& [key, inode] : shard.map) delete inode;
        shard.map.clear();
    }
    if (mount_fd_ >= 0) close(mount_fd_);
}

bool InodeTable::should_trade(const struct stat& st) const noexcept {
    // Only on SOURCE's own filesystem: mount_fd_ must be on the same one.
    return fds_held_.load(std::memory_order_relaxed) >= fd_budget_ && st.st_dev == root_dev_;
}

Inode* InodeTable::ref_existing(dev_t dev, ino_t ino) {
    Key key{dev, ino};
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) return nullptr;
    ++it->second->nlookup;
    return it->second;
}

Inode& InodeTable::ref_or_adopt(int fd, const struct stat& st) {
    Key key{st.st_dev, st.st_ino};
    FileId id;
    bool traded = should_trade(st) && make_file_id(fd, id);
    Shard& shard = shard_for(key);
    std::unique_lock lock(shard.mu);
    auto [it, inserted] = shard.map.try_emplace(key, nullptr);
    if (inserted) {
        it->second = new Inode(traded ? -1 : fd, std::move(id), st.st_dev, st.st_ino, st.st_mode,
                               next_generation_.fetch_add(1, std::memory_order_relaxed));
        if (!traded) fds_held_.fetch_add(1, std::memory_order_relaxed);
    }
    Inode* inode = it->second;
    ++inode->nlookup;
    lock.unlock();
    if (!inserted || traded) close(fd);
    return *inode;
}

void InodeTable::forget(Inode& inode, uint64_t count) {
    Key key{inode.dev, inode.ino};
    Shard& shard = shard_for(key);
    std::unique_lock lock(shard.mu);
    if (count >= inode.nlookup) {
        inode.nlookup = 0;
        shard.map.erase(key);
        lock.unlock();
        if (inode.own_fd >= 0) fds_held_.fetch_sub(1, std::memory_order_relaxed);
        delete &inode;
        return;
    }
    inode.nlookup -= count;
}

size_t InodeTable::size() const {
    size_t n = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mu);
        n += shard.map.size();
    }
    return n;
}

}  // namespace passthrough
