// The session's record of every request between dispatch and reply. It lets a
// FUSE_INTERRUPT find its target and lets a reply know where it belongs. Slots
// are recycled, so the steady-state request path allocates nothing.
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "fusex/types.hpp"

namespace fusex::detail {

struct InFlight {
    uint64_t unique = 0;
    uint32_t opcode = 0;
    NodeId node = 0;
    bool active = false;  // guarded by the table's mutex
    std::atomic<bool> interrupted{false};
    // The kernel resent this request under a new unique (NOTIFY_RESEND): it
    // no longer waits for this copy, so its reply is dropped.
    std::atomic<bool> superseded{false};
    std::mutex mu;  // guards on_interrupt
    std::function<void()> on_interrupt;
    uint32_t index = 0;
    // The transport the request arrived on: its reply must go back through
    // the same device fd (each cloned fd has its own processing queue).
    void* origin = nullptr;
};

class InFlightTable {
  public:
    // A request carrying the resend bit supersedes its earlier copy (same
    // unique without the bit, or with it after a second resend): that one is
    // marked interrupted and superseded and its callback runs.
    InFlight* acquire(uint64_t unique, uint32_t opcode, NodeId node, void* origin);
    void release(InFlight* slot);
    // Marks the request `unique` interrupted and runs its callback. Returns
    // false when no such request is in flight (not yet dispatched, or done);
    // the interrupt is then remembered for acquire() in the same critical
    // section, so a request being dispatched on another worker cannot slip
    // between the lookup and the remembering.
    bool interrupt(uint64_t unique);
    size_t active() const;

  private:
    static constexpr size_t kEarlyInterrupts = 64;
    uint64_t early_[kEarlyInterrupts] = {};
    size_t early_next_ = 0;
    size_t early_count_ = 0;  // non-zero entries of early_
    mutable std::mutex mu_;
    std::vector<std::unique_ptr<InFlight>> slots_;
    std::vector<uint32_t> free_;
    size_t active_ = 0;
};

// Where replies go; the session implements it.
class ReplyChannel {
  public:
    virtual ~ReplyChannel() = default;
    // Sends one reply: out header + payload. error is 0 or a positive errno.
    // Releases the slot. Returns 0 or a negative errno from the device.
    virtual int send_reply(InFlight* slot, int error, const iovec* payload, int count) noexcept = 0;
    // Success reply whose data after `head` comes from fd (splice or copy).
    virtual int send_reply_from_fd(InFlight* slot, const void* head, size_t head_size, int fd,
                                   uint64_t offset, size_t size) noexcept = 0;
    // The kernel now holds `count` more references to node.
    virtual void note_lookup(NodeId node, uint64_t count) noexcept = 0;
    // An open (or opendir) handed out fh.
    virtual void note_open(uint64_t fh, NodeId node, bool directory) noexcept = 0;
};

}  // namespace fusex::detail
