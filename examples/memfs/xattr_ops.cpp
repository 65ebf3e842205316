// Extended attributes in the user., trusted. and security. namespaces, and
// the two POSIX ACL names of system.
//
// The kernel's VFS already enforces most xattr rules before FUSE sees a call
// (trusted.* needs CAP_SYS_ADMIN, user.* needs read/write permission and
// is refused on special files and sticky directories). What is left to the
// filesystem is what ext4 decides itself: which prefixes exist, empty names,
// CREATE/REPLACE flags, sizes, and hiding trusted.* from unprivileged lists.
#include <sys/stat.h>
#include <sys/xattr.h>

#include <cerrno>
#include <mutex>
#include <string>

#include "acl.hpp"
#include "memfs.hpp"

namespace memfs {

namespace {

enum class XattrSpace { User, Trusted, Security, Acl };

// FUSE_SETXATTR_ACL_KILL_SGID: the caller may not keep S_ISGID while setting an ACL.
constexpr uint32_t kSetxattrAclKillSgid = 1u << 0;

// The namespace of `name`, or a positive errno: EOPNOTSUPP for names ext4
// does not store (other system.* names), EINVAL for a bare prefix.
int classify(std::string_view name, XattrSpace* space) {
    if (name == kAclAccess || name == kAclDefault) {
        *space = XattrSpace::Acl;
        return 0;
    }
    struct Prefix { std::string_view text; XattrSpace space; };
    static constexpr Prefix kPrefixes[] = {
        {"user.", XattrSpace::User}, {"trusted.", XattrSpace::Trusted}, {"security.", XattrSpace::Security}};
    for (const Prefix& p : kPrefixes) {
        if (!name.starts_with(p.text)) continue;
        if (name.size() == p.text.size()) return EINVAL;
        *space = p.space;
        return 0;
    }
    return EOPNOTSUPP;
}

// user.* lives only on regular files and directories (the VFS rule, repeated).
bool user_xattrs_allowed(const Node& node) { return node.is_reg() || node.is_dir(); }

}  // namespace

void MemFs::setxattr(const fusex::SetxattrRequest& req, fusex::ReplyEmpty reply) {
    XattrSpace space{};
    if (int err = classify(req.name, &space)) return std::move(reply).error(err);
    if (req.name.size() > XATTR_NAME_MAX) return std::move(reply).error(ERANGE);
    if (req.value.size() > XATTR_SIZE_MAX) return std::move(reply).error(E2BIG);
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    std::unique_lock lock(node->mu);
    if (space == XattrSpace::User && !user_xattrs_allowed(*node)) return std::move(reply).error(EPERM);
    if (space == XattrSpace::Acl) {
        int err = set_acl_locked(*node, req.name, req.value, req.setxattr_flags);
        lock.unlock();
        return err ? std::move(reply).error(err) : std::move(reply).ok();
    }
    auto it = node->xattrs.find(req.name);
    if ((req.flags & XATTR_CREATE) && it != node->xattrs.end()) return std::move(reply).error(EEXIST);
    if ((req.flags & XATTR_REPLACE) && it == node->xattrs.end()) return std::move(reply).error(ENODATA);
    std::vector<std::byte> value(req.value.begin(), req.value.end());
    if (it != node->xattrs.end()) it->second = std::move(value);
    else node->xattrs.emplace(std::string(req.name), std::move(value));
    node->ctime = now();
    lock.unlock();
    std::move(reply).ok();
}

// setfacl: the mode's permission bits follow the access ACL, and an ACL that
// says no more than the mode is not kept (what posix_acl_update_mode does).
int MemFs::set_acl_locked(Node& node, std::string_view name, std::span<const std::byte> value,
                          uint32_t setxattr_flags) {
    auto acl = Acl::parse(value);
    if (!acl) return EINVAL;
    if (name == kAclDefault) {
        if (!node.is_dir()) return EACCES;
        node.xattrs.insert_or_assign(std::string(name), acl->encode());
    } else {
        node.mode = (node.mode & ~0777u) | acl->permission_bits();
        if (!acl->is_minimal()) node.xattrs.insert_or_assign(std::string(name), acl->encode());
        else if (auto it = node.xattrs.find(kAclAccess); it != node.xattrs.end()) node.xattrs.erase(it);
        if (setxattr_flags & kSetxattrAclKillSgid) node.mode &= ~S_ISGID;
    }
    node.ctime = now();
    return 0;
}

void MemFs::getxattr(const fusex::GetxattrRequest& req, fusex::ReplyXattr reply) {
    XattrSpace space{};
    if (int err = classify(req.name, &space)) return std::move(reply).error(err);
    if (req.name.size() > XATTR_NAME_MAX) return std::move(reply).error(ERANGE);
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    std::shared_lock lock(node->mu);
    if (space == XattrSpace::User && !user_xattrs_allowed(*node)) return std::move(reply).error(ENODATA);
    auto it = node->xattrs.find(req.name);
    if (it == node->xattrs.end()) return std::move(reply).error(ENODATA);
    const std::vector<std::byte>& value = it->second;
    if (req.size == 0) return std::move(reply).size(static_cast<uint32_t>(value.size()));
    if (req.size < value.size()) return std::move(reply).error(ERANGE);
    std::move(reply).value(value);  // sent before the lock drops: value may change afterwards
}

void MemFs::listxattr(const fusex::ListxattrRequest& req, fusex::ReplyXattr reply) {
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    std::string names;
    {
        std::shared_lock lock(node->mu);
        for (const auto& [name, value] : node->xattrs) {
            // ext4 lists trusted.* only to CAP_SYS_ADMIN; uid 0 stands in for it.
            if (req.ctx.uid != 0 && name.starts_with("trusted.")) continue;
            names += name;
            names += '\0';
        }
    }
    if (req.size == 0) return std::move(reply).size(static_cast<uint32_t>(names.size()));
    if (req.size < names.size()) return std::move(reply).error(ERANGE);
    std::move(reply).value(std::as_bytes(std::span<const char>(names.data(), names.size())));
}

void MemFs::removexattr(const fusex::RemovexattrRequest& req, fusex::ReplyEmpty reply) {
    XattrSpace space{};
    if (int err = classify(req.name, &space)) return std::move(reply).error(err);
    auto node = table_.get(req.node);
    if (!node) return std::move(reply).error(ENOENT);
    std::unique_lock lock(node->mu);
    if (space == XattrSpace::User && !user_xattrs_allowed(*node)) return std::move(reply).error(EPERM);
    auto it = node->xattrs.find(req.name);
    if (it == node->xattrs.end()) return std::move(reply).error(ENODATA);
    node->xattrs.erase(it);
    node->ctime = now();
    lock.unlock();
    std::move(reply).ok();
}

}  // namespace memfs
