// Messages from the daemon to the kernel, usable from any thread while the
// session runs. Each returns 0 or a negative errno (-ENOENT when the kernel no
// longer knows the node, -ENOTCONN before INIT or after unmount, -ENOSYS when
// the negotiated protocol lacks the message).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "fusex/types.hpp"

namespace fusex {

class Session;

class Notifier {
  public:
    explicit Notifier(Session& session) : session_(session) {}

    // Drop cached attributes and the data in [offset, offset+length) (length
    // 0: to the end; offset < 0: attributes only).
    int inval_inode(NodeId node, int64_t offset, int64_t length);
    // Drop the cached name `name` in parent; expire_only keeps it usable
    // until revalidation.
    int inval_entry(NodeId parent, std::string_view name, bool expire_only = false);
    // The name was removed behind the kernel's back: drop it and its dentry.
    int delete_entry(NodeId parent, NodeId child, std::string_view name);
    // Push data into the kernel's page cache for node at offset.
    int store(NodeId node, uint64_t offset, std::span<const std::byte> data);
    // Ask the kernel for cached data; `done` runs with what it sent back
    // (on the session's worker that reads the NOTIFY_REPLY; the span is valid
    // only during the call). If the kernel never answers (abort, unmount),
    // `done` is never called and is destroyed with the session.
    using RetrieveCallback = std::function<void(uint64_t offset, std::span<const std::byte> data)>;
    int retrieve(NodeId node, uint64_t offset, uint32_t size, RetrieveCallback done);
    // Wake a poll() sleeping on the kernel poll handle kh (from PollRequest).
    int poll_wakeup(uint64_t kh);
    // Ask the kernel to resend every request still waiting for a reply. The
    // kernel resends only requests read from /dev/fuse, not those queued on
    // io_uring rings.
    //
    // Do not notify about an inode from inside a handler serving a request on
    // that same inode: the kernel may hold locks the notification needs.
    int resend();

  private:
    Session& session_;
};

}  // namespace fusex
