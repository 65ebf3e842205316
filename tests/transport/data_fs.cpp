#include "data_fs.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <stdexcept>

namespace fusex::test {

namespace {

std::vector<std::byte> pattern(size_t size, unsigned seed) {
    std::vector<std::byte> v(size);
    std::mt19937 rng(seed);
    for (auto& b : v) b = static_cast<std::byte>(rng());
    return v;
}

bool on_pinned_thread() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return false;
    return CPU_COUNT(&set) == 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

}  // namespace

DataFs::DataFs(const std::string& dir) {
    auto make = [&](const std::string& name, const std::vector<std::byte>& content, bool writable, bool direct,
                    bool memory) {
        std::string path = dir + "/" + name;
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) throw std::runtime_error("cannot create " + path);
        if (!content.empty() && ::pwrite(fd, content.data(), content.size(), 0) != static_cast<ssize_t>(content.size()))
            throw std::runtime_error("cannot fill " + path);
        files_.push_back(File{name, fd, writable, direct, memory});
    };
    auto big = pattern(kBigSize, 1);
    mem_ = pattern(kMemSize, 2);
    make("big", big, false, false, false);
    files_.push_back(File{"big_direct", ::dup(files_[0].fd), false, true, false});
    make("mem", mem_, false, false, true);
    make("w", {}, true, false, false);
    make("w_direct", {}, true, true, false);
}

DataFs::~DataFs() {
    for (auto& f : files_) ::close(f.fd);
}

const DataFs::File* DataFs::file(NodeId node) const {
    if (node < 2 || node - 2 >= files_.size()) return nullptr;
    return &files_[node - 2];
}

int DataFs::backing_fd(const std::string& name) const {
    for (auto& f : files_)
        if (f.name == name) return f.fd;
    return -1;
}

std::vector<std::byte> DataFs::backing(const std::string& name) const {
    int fd = backing_fd(name);
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0) return {};
    std::vector<std::byte> v(static_cast<size_t>(st.st_size));
    if (!v.empty() && pread(fd, v.data(), v.size(), 0) != static_cast<ssize_t>(v.size())) return {};
    return v;
}

Attr DataFs::attr_of(NodeId node) const {
    Attr a;
    a.ino = node;
    if (node == kRootNode) {
        a.mode = S_IFDIR | 0755;
        a.nlink = 2;
        return a;
    }
    const File* f = file(node);
    struct stat st {};
    fstat(f->fd, &st);
    a.mode = S_IFREG | (f->writable ? 0644 : 0444);
    a.size = static_cast<uint64_t>(st.st_size);
    a.blocks = (a.size + 511) / 512;
    return a;
}

void DataFs::lookup(const LookupRequest& req, ReplyEntry reply) {
    if (req.parent != kRootNode) return std::move(reply).error(ENOENT);
    for (size_t i = 0; i < files_.size(); ++i) {
        if (files_[i].name != req.name) continue;
        Entry e;
        e.node = i + 2;
        e.attr = attr_of(e.node);
        e.attr_timeout = 0;  // sizes change under writes
        return std::move(reply).entry(e);
    }
    std::move(reply).error(ENOENT);
}

void DataFs::getattr(const GetattrRequest& req, ReplyAttr reply) {
    if (req.node != kRootNode && !file(req.node)) return std::move(reply).error(ENOENT);
    std::move(reply).attr(attr_of(req.node), 0);
}

void DataFs::setattr(const SetattrRequest& req, ReplyAttr reply) {
    const File* f = file(req.node);
    if (!f) return std::move(reply).error(req.node == kRootNode ? EPERM : ENOENT);
    if (req.has(kSetSize)) {
        if (!f->writable) return std::move(reply).error(EACCES);
        if (ftruncate(f->fd, static_cast<off_t>(req.size)) != 0) return std::move(reply).error(errno);
    }
    std::move(reply).attr(attr_of(req.node), 0);
}

void DataFs::open(const OpenRequest& req, ReplyOpen reply) {
    const File* f = file(req.node);
    if (!f) return std::move(reply).error(ENOENT);
    if ((req.flags & O_ACCMODE) != O_RDONLY && !f->writable) return std::move(reply).error(EACCES);
    OpenResult r;
    r.direct_io = f->direct;
    std::move(reply).opened(r);
}

void DataFs::read(const ReadRequest& req, ReplyData reply) {
    const File* f = file(req.node);
    if (!f) return std::move(reply).error(ENOENT);
    reads.fetch_add(1);
    if (on_pinned_thread()) reads_on_pinned_threads.fetch_add(1);
    if (f->from_memory) {
        size_t off = std::min<size_t>(req.offset, mem_.size());
        size_t n = std::min<size_t>(req.size, mem_.size() - off);
        return std::move(reply).data(std::span<const std::byte>(mem_.data() + off, n));
    }
    std::move(reply).data_from_fd(f->fd, req.offset, req.size);  // may run past the end: short reply
}

void DataFs::write(const WriteRequest& req, ReplyWrite reply) {
    const File* f = file(req.node);
    if (!f || !f->writable) return std::move(reply).error(f ? EACCES : ENOENT);
    if (req.spliced) {
        int64_t n = req.spliced->splice_to(f->fd, req.offset);
        if (n < 0) return std::move(reply).error(static_cast<int>(-n));
        spliced_writes.fetch_add(1);
        return std::move(reply).written(static_cast<uint64_t>(n));
    }
    ssize_t n = pwrite(f->fd, req.data.data(), req.data.size(), static_cast<off_t>(req.offset));
    if (n < 0) return std::move(reply).error(errno);
    copied_writes.fetch_add(1);
    std::move(reply).written(static_cast<uint64_t>(n));
}

}  // namespace fusex::test
