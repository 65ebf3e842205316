// Directory entries and the node table.
#include "node.hpp"

#include <algorithm>

namespace memfs {

timespec now() {
    timespec t{};
    clock_gettime(CLOCK_REALTIME, &t);
    return t;
}

const DirEntry* Directory::find(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &by_cookie_.at(it->second);
}

void Directory::insert(std::string_view name, NodeId ino, uint32_t type) {
    const uint64_t cookie = next_cookie_++;
    by_cookie_.emplace(cookie, DirEntry{std::string(name), ino, type});
    by_name_.emplace(std::string(name), cookie);
}

void Directory::erase(std::string_view name) {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return;
    by_cookie_.erase(it->second);
    by_name_.erase(it);
}

void Directory::retarget(std::string_view name, NodeId ino, uint32_t type) {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return;
    DirEntry& e = by_cookie_.at(it->second);
    e.ino = ino;
    e.type = type;
}

void Directory::for_each_after(uint64_t after, const std::function<bool(uint64_t, const DirEntry&)>& visit) const {
    for (auto it = by_cookie_.upper_bound(after); it != by_cookie_.end(); ++it)
        if (!visit(it->first, it->second)) return;
}

// ---- NodeTable ----

NodeTable::NodeTable(SpaceAccount& space, uint64_t max_nodes) : space_(space), max_nodes_(max_nodes) {}

std::shared_ptr<Node> NodeTable::get(NodeId ino) const {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(ino);
    return it == nodes_.end() ? nullptr : it->second;
}

std::shared_ptr<Node> NodeTable::create(uint32_t mode) {
    std::lock_guard lock(mu_);
    if (nodes_.size() >= max_nodes_) return nullptr;
    const NodeId ino = next_ino_++;
    auto node = std::make_shared<Node>(ino, mode, space_);
    nodes_.emplace(ino, node);
    return node;
}

void NodeTable::add_lookup(Node& node, uint64_t count) {
    std::lock_guard lock(mu_);
    node.lookups += count;
}

void NodeTable::collect_if_unused(NodeId ino, std::shared_ptr<Node>& doomed) {
    auto it = nodes_.find(ino);
    if (it != nodes_.end()) {
        const Node& n = *it->second;
        const bool deleted_and_closed = n.opens == 0 && n.nlink.load() == 0;
        if (deleted_and_closed && n.lookups == 0) {
            doomed = std::move(it->second);
            nodes_.erase(it);
            awaiting_forget_.erase(ino);
        } else if (deleted_and_closed && n.is_reg()) {
            awaiting_forget_.insert(ino);
        } else {
            awaiting_forget_.erase(ino);
        }
    } else {
        awaiting_forget_.erase(ino);
    }
    space_.set_pending_frees(awaiting_forget_.size());
}

// The doomed node is destroyed after the lock is dropped: freeing a large
// file's chunks should not stall every other table user.
void NodeTable::forget(NodeId ino, uint64_t count) {
    std::shared_ptr<Node> doomed;
    std::lock_guard lock(mu_);
    auto it = nodes_.find(ino);
    if (it == nodes_.end()) return;
    Node& n = *it->second;
    n.lookups -= std::min(count, n.lookups);
    collect_if_unused(ino, doomed);
}

void NodeTable::add_open(Node& node) {
    std::lock_guard lock(mu_);
    ++node.opens;
}

void NodeTable::release_open(NodeId ino) {
    std::shared_ptr<Node> doomed;
    std::lock_guard lock(mu_);
    auto it = nodes_.find(ino);
    if (it == nodes_.end()) return;
    Node& n = *it->second;
    if (n.opens > 0) --n.opens;
    collect_if_unused(ino, doomed);
}

void NodeTable::release_if_unused(NodeId ino) {
    std::shared_ptr<Node> doomed;
    std::lock_guard lock(mu_);
    collect_if_unused(ino, doomed);
}

std::vector<std::shared_ptr<Node>> NodeTable::awaiting_forget() const {
    std::vector<std::shared_ptr<Node>> nodes;
    std::lock_guard lock(mu_);
    for (NodeId ino : awaiting_forget_)
        if (auto it = nodes_.find(ino); it != nodes_.end()) nodes.push_back(it->second);
    return nodes;
}

size_t NodeTable::count() const {
    std::lock_guard lock(mu_);
    return nodes_.size();
}

}  // namespace memfs
