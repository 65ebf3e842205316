#include "dmover_fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>
#include <string_view>

#include <fusex/session.hpp>

#include "remote_memory.hpp"

namespace dmover {
namespace {

constexpr double kTimeout = 3600.0;  // nothing here ever changes

fusex::Attr attr_of(fusex::NodeId node) {
    fusex::Attr a;
    a.ino = node;
    if (node == fusex::kRootNode) {
        a.mode = S_IFDIR | 0755;
        a.nlink = 2;
    } else {
        a.mode = S_IFREG | 0666;
        // Huge, so that no write is "past EOF": the kernel takes the inode
        // lock exclusively for those, and one blocked write would then stall
        // every other session's writes.
        a.size = uint64_t(1) << 62;
    }
    return a;
}

bool nonblocking(uint32_t open_flags) { return (open_flags & O_NONBLOCK) != 0; }

}  // namespace

DmoverFs::DmoverFs(unsigned workers) : pool_(workers) {}

DmoverFs::~DmoverFs() { live_.store(false); }

void DmoverFs::destroy() { live_.store(false); }

std::shared_ptr<DmoverFs::Session> DmoverFs::find(uint64_t fh) {
    std::lock_guard lk(mu_);
    auto it = sessions_.find(fh);
    return it == sessions_.end() ? nullptr : it->second;
}

void DmoverFs::lookup(const fusex::LookupRequest& req, fusex::ReplyEntry reply) {
    if (req.parent != fusex::kRootNode || req.name != kDeviceName) return std::move(reply).error(ENOENT);
    fusex::Entry e;
    e.node = kDeviceNode;
    e.attr = attr_of(kDeviceNode);
    e.entry_timeout = e.attr_timeout = kTimeout;
    std::move(reply).entry(e);
}

void DmoverFs::getattr(const fusex::GetattrRequest& req, fusex::ReplyAttr reply) {
    if (req.node != fusex::kRootNode && req.node != kDeviceNode) return std::move(reply).error(ENOENT);
    std::move(reply).attr(attr_of(req.node), kTimeout);
}

void DmoverFs::readdir(const fusex::ReaddirRequest& req, fusex::ReplyDir reply) {
    if (req.node != fusex::kRootNode) return std::move(reply).error(ENOTDIR);
    struct Item { const char* name; fusex::NodeId node; uint32_t mode; };
    const Item items[] = {{".", fusex::kRootNode, S_IFDIR}, {"..", fusex::kRootNode, S_IFDIR},
                          {kDeviceName, kDeviceNode, S_IFREG}};
    for (uint64_t i = req.offset; i < std::size(items); ++i) {
        bool added;
        if (req.plus) {
            fusex::Entry e;
            e.node = items[i].node;
            e.attr = attr_of(items[i].node);
            e.entry_timeout = e.attr_timeout = kTimeout;
            added = reply.add_plus(items[i].name, e, i + 1);
        } else {
            added = reply.add(items[i].name, items[i].node, items[i].mode, i + 1);
        }
        if (!added) break;
    }
    std::move(reply).send();
}

void DmoverFs::open(const fusex::OpenRequest& req, fusex::ReplyOpen reply) {
    if (req.node != kDeviceNode) return std::move(reply).error(EISDIR);
    auto device = std::make_shared<Session>(
        [this](std::vector<Job>&& jobs) { pool_.submit(std::move(jobs)); },
        [this](uint64_t kh) {
            if (live_.load() && this->session()) this->session()->notifier().poll_wakeup(kh);
        });
    fusex::OpenResult r;
    {
        std::lock_guard lk(mu_);
        r.fh = next_fh_++;
        sessions_.emplace(r.fh, std::move(device));
    }
    // Direct I/O: every read()/write() reaches us unbuffered, in the caller's
    // context (ctx.pid is the caller). Stream: no file position, so the
    // kernel takes no f_pos lock, which a parked write would hold against a
    // read on the same fd from another thread (the read that frees its slot).
    // Parallel writes: nor may it hold the inode lock against other sessions.
    r.direct_io = true;
    r.nonseekable = true;
    r.stream = true;
    r.parallel_direct_writes = true;
    std::move(reply).opened(r);
}

void DmoverFs::read(const fusex::ReadRequest& req, fusex::ReplyData reply) {
    auto s = find(req.fh);
    if (!s) return std::move(reply).error(EBADF);
    s->read(req.size, nonblocking(req.flags), std::move(reply));
}

void DmoverFs::write(const fusex::WriteRequest& req, fusex::ReplyWrite reply) {
    auto s = find(req.fh);
    if (!s) return std::move(reply).error(EBADF);
    // FUSE names the calling thread; the process outlives it.
    pid_t pid = thread_groups_.resolve(static_cast<pid_t>(req.ctx.pid));
    s->write(req.data, pid, nonblocking(req.flags), std::move(reply));
}

void DmoverFs::ioctl(const fusex::IoctlRequest& req, fusex::ReplyIoctl reply) {
    if (req.cmd != static_cast<uint32_t>(DMIO_SETFUNC)) return std::move(reply).error(ENOTTY);
    auto s = find(req.fh);
    if (!s) return std::move(reply).error(EBADF);
    dmover_setfunc sf;
    if (req.in.size() != sizeof sf) return std::move(reply).error(EINVAL);
    std::memcpy(&sf, req.in.data(), sizeof sf);
    size_t len = strnlen(sf.name, sizeof sf.name);
    bool reserved_clear = true;
    for (uint32_t v : sf.reserved) reserved_clear = reserved_clear && v == 0;
    if (len == sizeof sf.name || !reserved_clear) return std::move(reply).error(EINVAL);
    if (int e = s->set_function(std::string_view(sf.name, len))) return std::move(reply).error(e);
    std::move(reply).result(0);
}

void DmoverFs::poll(const fusex::PollRequest& req, fusex::ReplyPoll reply) {
    auto s = find(req.fh);
    if (!s) return std::move(reply).error(EBADF);
    std::move(reply).events(s->poll(req.schedule_notify, req.kh));
}

void DmoverFs::flush(const fusex::FlushRequest& req, fusex::ReplyEmpty reply) {
    auto s = find(req.fh);
    if (!s) return std::move(reply).ok();
    s->flush(std::move(reply));
}

void DmoverFs::release(const fusex::ReleaseRequest& req, fusex::ReplyEmpty reply) {
    std::shared_ptr<Session> s;
    {
        std::lock_guard lk(mu_);
        auto it = sessions_.find(req.fh);
        if (it != sessions_.end()) {
            s = std::move(it->second);
            sessions_.erase(it);
        }
    }
    if (s) s->release();
    std::move(reply).ok();
}

}  // namespace dmover
