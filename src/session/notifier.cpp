// Notifications: unique-0 messages from the daemon that change what the
// kernel has cached, or wake a poller.
#include "fusex/notifier.hpp"

#include <cerrno>
#include <exception>

#include "fusex/log.hpp"
#include "fusex/session.hpp"
#include "protocol/abi.hpp"
#include "session/session_core.hpp"

namespace fusex {

namespace {

template <class T>
int notify(Session& s, uint32_t code, const T& body, std::string_view name = {}, bool with_name = false) {
    static const char nul = '\0';
    iovec iov[3] = {{const_cast<T*>(&body), sizeof body},
                    {const_cast<char*>(name.data()), name.size()},
                    {const_cast<char*>(&nul), 1}};
    return s.core().send_notify(code, iov, with_name ? 3 : 1);
}

// Whether the negotiated protocol lacks a message (introduced in 7.<minor>)
// or a capability it needs; older kernels would reject it or, worse, read it
// differently. Before INIT nothing is known: send_notify answers ENOTCONN.
bool lacks(Session& s, uint32_t minor, uint64_t capability = 0) {
    auto init = s.state().init();
    if (!init) return false;
    return init->minor < minor || (init->flags & capability) != capability;
}

}  // namespace

int Notifier::inval_inode(NodeId node, int64_t offset, int64_t length) {
    if (lacks(session_, 12)) return -ENOSYS;
    abi::fuse_notify_inval_inode_out out{};
    out.ino = node;
    out.off = offset;
    out.len = length;
    return notify(session_, abi::FUSE_NOTIFY_INVAL_INODE, out);
}

int Notifier::inval_entry(NodeId parent, std::string_view name, bool expire_only) {
    if (name.empty() || name.size() > 1024) return -EINVAL;
    // Without FUSE_HAS_EXPIRE_ONLY a kernel would ignore the flag and drop
    // the entry outright.
    if (lacks(session_, 12, expire_only ? cap::kHasExpireOnly : 0)) return -ENOSYS;
    abi::fuse_notify_inval_entry_out out{};
    out.parent = parent;
    out.namelen = static_cast<uint32_t>(name.size());
    out.flags = expire_only ? abi::FUSE_EXPIRE_ONLY : 0;
    return notify(session_, abi::FUSE_NOTIFY_INVAL_ENTRY, out, name, true);
}

int Notifier::delete_entry(NodeId parent, NodeId child, std::string_view name) {
    if (name.empty() || name.size() > 1024) return -EINVAL;
    if (lacks(session_, 18)) return -ENOSYS;
    abi::fuse_notify_delete_out out{};
    out.parent = parent;
    out.child = child;
    out.namelen = static_cast<uint32_t>(name.size());
    return notify(session_, abi::FUSE_NOTIFY_DELETE, out, name, true);
}

int Notifier::store(NodeId node, uint64_t offset, std::span<const std::byte> data) {
    if (lacks(session_, 15)) return -ENOSYS;
    abi::fuse_notify_store_out out{};
    out.nodeid = node;
    out.offset = offset;
    out.size = static_cast<uint32_t>(data.size());
    iovec iov[2] = {{&out, sizeof out}, {const_cast<std::byte*>(data.data()), data.size()}};
    return session_.core().send_notify(abi::FUSE_NOTIFY_STORE, iov, 2);
}

int Notifier::retrieve(NodeId node, uint64_t offset, uint32_t size, RetrieveCallback done) {
    if (lacks(session_, 15)) return -ENOSYS;
    auto& core = session_.core();
    // Runs on the worker that reads the NOTIFY_REPLY: keep a throwing
    // callback from ending that thread.
    uint64_t id = core.register_retrieve([done = std::move(done)](uint64_t off, std::span<const std::byte> data) {
        if (!done) return;
        try {
            done(off, data);
        } catch (const std::exception& e) {
            log(LogLevel::Error, "retrieve callback threw: %s", e.what());
        } catch (...) {
            log(LogLevel::Error, "retrieve callback threw a non-exception");
        }
    });
    abi::fuse_notify_retrieve_out out{};
    out.notify_unique = id;
    out.nodeid = node;
    out.offset = offset;
    out.size = size;
    int rc = notify(session_, abi::FUSE_NOTIFY_RETRIEVE, out);
    if (rc < 0) core.cancel_retrieve(id);
    return rc;
}

int Notifier::poll_wakeup(uint64_t kh) {
    abi::fuse_notify_poll_wakeup_out out{};
    out.kh = kh;
    return notify(session_, abi::FUSE_NOTIFY_POLL, out);
}

int Notifier::resend() {
    if (lacks(session_, 40)) return -ENOSYS;
    return session_.core().send_notify(abi::FUSE_NOTIFY_RESEND, nullptr, 0);
}

}  // namespace fusex
