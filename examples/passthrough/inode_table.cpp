#include "inode_table.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

namespace passthrough {

Inode::~Inode() {
    if (fd >= 0) close(fd);
}

InodeTable::InodeTable(int root_fd) {
    struct stat st {};
    if (fstatat(root_fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
        close(root_fd);
        throw std::runtime_error("cannot stat the source directory");
    }
    root_ = new Inode(root_fd, st.st_dev, st.st_ino, st.st_mode, 0);
    // The kernel never forgets the root; pin it so FORGETs cannot free it.
    root_->nlookup = UINT64_MAX / 2;
    Key key{st.st_dev, st.st_ino};
    shard_for(key).map.emplace(key, root_);
}

InodeTable::~InodeTable() {
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mu);
        for (auto& [key, inode] : shard.map) delete inode;
        shard.map.clear();
    }
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
    Shard& shard = shard_for(key);
    std::unique_lock lock(shard.mu);
    auto [it, inserted] = shard.map.try_emplace(key, nullptr);
    if (inserted) {
        it->second = new Inode(fd, st.st_dev, st.st_ino, st.st_mode,
                               next_generation_.fetch_add(1, std::memory_order_relaxed));
    }
    Inode* inode = it->second;
    ++inode->nlookup;
    lock.unlock();
    if (!inserted) close(fd);
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
