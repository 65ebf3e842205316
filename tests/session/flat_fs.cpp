#include "flat_fs.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <span>

namespace fusex::test {

NodeId FlatFs::add(const std::string& name, std::string content) {
    std::lock_guard lock(mu_);
    NodeId node = next_++;
    files_[node] = File{name, std::move(content)};
    return node;
}

void FlatFs::set_content(NodeId node, std::string content) {
    std::lock_guard lock(mu_);
    files_.at(node).content = std::move(content);
}

void FlatFs::set_present(NodeId node, bool present) {
    std::lock_guard lock(mu_);
    files_.at(node).present = present;
}

int FlatFs::reads(NodeId node) const {
    std::lock_guard lock(mu_);
    return files_.at(node).reads;
}

int FlatFs::lookups(const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = lookups_.find(name);
    return it == lookups_.end() ? 0 : it->second;
}

Attr FlatFs::attr_of(NodeId node) const {
    Attr a;
    a.ino = node;
    // A constant mtime: the kernel's auto_inval_data must not drop pages on
    // its own, only the notifications under test may.
    a.mtime = a.ctime = a.atime = timespec{1700000000, 0};
    if (node == kRootNode) {
        a.mode = S_IFDIR | 0755;
        a.nlink = 2;
        return a;
    }
    a.mode = S_IFREG | 0644;
    a.size = files_.at(node).content.size();
    a.blocks = (a.size + 511) / 512;
    return a;
}

void FlatFs::lookup(const LookupRequest& req, ReplyEntry reply) {
    std::unique_lock lock(mu_);
    ++lookups_[std::string(req.name)];
    Entry e;
    e.entry_timeout = entry_timeout;
    e.attr_timeout = attr_timeout;
    if (req.parent == kRootNode) {
        for (auto& [node, f] : files_) {
            if (f.present && f.name == req.name) {
                e.node = node;
                e.attr = attr_of(node);
                break;
            }
        }
    }
    lock.unlock();
    std::move(reply).entry(e);  // node 0: a negative entry, cached as well
}

void FlatFs::getattr(const GetattrRequest& req, ReplyAttr reply) {
    std::unique_lock lock(mu_);
    if (req.node != kRootNode && !files_.count(req.node)) {
        lock.unlock();
        std::move(reply).error(ENOENT);
        return;
    }
    Attr a = attr_of(req.node);
    lock.unlock();
    std::move(reply).attr(a, attr_timeout);
}

void FlatFs::open(const OpenRequest&, ReplyOpen reply) {
    OpenResult r;
    r.keep_cache = true;
    r.direct_io = direct_io;
    std::move(reply).opened(r);
}

std::string FlatFs::take_read(const ReadRequest& req) {
    std::lock_guard lock(mu_);
    File& f = files_.at(req.node);
    ++f.reads;
    if (req.offset >= f.content.size()) return {};
    return f.content.substr(req.offset, req.size);
}

void FlatFs::read(const ReadRequest& req, ReplyData reply) {
    std::string data = take_read(req);
    std::move(reply).data(std::as_bytes(std::span(data.data(), data.size())));
}

void FlatFs::readdir(const ReaddirRequest& req, ReplyDir reply) {
    std::unique_lock lock(mu_);
    uint64_t off = 0;
    for (auto& [node, f] : files_) {
        ++off;
        if (off <= req.offset || !f.present) continue;
        if (!reply.add(f.name, node, S_IFREG, off)) break;
    }
    lock.unlock();
    std::move(reply).send();
}

}  // namespace fusex::test
