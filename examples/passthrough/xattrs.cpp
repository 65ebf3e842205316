// Extended attributes, through /proc/self/fd/N: the f*xattr() calls refuse
// O_PATH descriptors, and the path names the inode itself.
#include <sys/xattr.h>

#include <cstddef>
#include <vector>

#include "names.hpp"
#include "passthrough_fs.hpp"

namespace passthrough {

using namespace fusex;

namespace {

// A symlink's /proc/self/fd path would be followed to its target, and the
// l*xattr() calls would act on the /proc link: there is no race-free way.
bool unsupported(const Inode& inode) { return inode.is_symlink(); }

template <typename Call>
void answer_xattr(uint32_t size, ReplyXattr reply, Call call) {
    if (size == 0) {
        ssize_t n = call(nullptr, 0);
        if (n < 0) return std::move(reply).error(errno);
        return std::move(reply).size(static_cast<uint32_t>(n));
    }
    thread_local std::vector<std::byte> buf;
    buf.resize(size);
    ssize_t n = call(buf.data(), size);
    if (n < 0) return std::move(reply).error(errno);
    std::move(reply).value(std::span(buf.data(), static_cast<size_t>(n)));
}

}  // namespace

void PassthroughFs::getxattr(const GetxattrRequest& req, ReplyXattr reply) {
    Inode& inode = inodes_.get(req.node);
    CName name(req.name, CName::kXattr);
    if (!name.ok()) return std::move(reply).error(EINVAL);
    if (unsupported(inode)) return std::move(reply).error(ENOTSUP);
    PathFd self = path(inode);
    if (!self) return std::move(reply).error(self.error());
    ProcPath proc(self.get());
    answer_xattr(req.size, std::move(reply),
                 [&](void* buf, size_t size) { return ::getxattr(proc.c_str(), name.c_str(), buf, size); });
}

void PassthroughFs::listxattr(const ListxattrRequest& req, ReplyXattr reply) {
    Inode& inode = inodes_.get(req.node);
    if (unsupported(inode)) return std::move(reply).error(ENOTSUP);
    PathFd self = path(inode);
    if (!self) return std::move(reply).error(self.error());
    ProcPath proc(self.get());
    answer_xattr(req.size, std::move(reply), [&](void* buf, size_t size) {
        return ::listxattr(proc.c_str(), static_cast<char*>(buf), size);
    });
}

void PassthroughFs::setxattr(const SetxattrRequest& req, ReplyEmpty reply) {
    Inode& inode = inodes_.get(req.node);
    CName name(req.name, CName::kXattr);
    if (!name.ok()) return std::move(reply).error(EINVAL);
    if (unsupported(inode)) return std::move(reply).error(ENOTSUP);
    PathFd self = path(inode);
    if (!self) return std::move(reply).error(self.error());
    if (::setxattr(ProcPath(self.get()).c_str(), name.c_str(), req.value.data(), req.value.size(),
                   static_cast<int>(req.flags)) != 0)
        return std::move(reply).error(errno);
    std::move(reply).ok();
}

void PassthroughFs::removexattr(const RemovexattrRequest& req, ReplyEmpty reply) {
    Inode& inode = inodes_.get(req.node);
    CName name(req.name, CName::kXattr);
    if (!name.ok()) return std::move(reply).error(EINVAL);
    if (unsupported(inode)) return std::move(reply).error(ENOTSUP);
    PathFd self = path(inode);
    if (!self) return std::move(reply).error(self.error());
    if (::removexattr(ProcPath(self.get()).c_str(), name.c_str()) != 0) return std::move(reply).error(errno);
    std::move(reply).ok();
}

}  // namespace passthrough
