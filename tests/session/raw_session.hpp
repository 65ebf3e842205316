// A session core attached to a socketpair instead of /dev/fuse: the test
// plays the kernel, writes hand-made request bytes (or hands them straight to
// SessionCore::handle()) and reads back every reply and notification. This
// makes orderings a real kernel rarely produces (an INTERRUPT before its
// request, a resent unique) deterministic.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "fusex/session.hpp"
#include "protocol/abi.hpp"

namespace fusex::test {

using Bytes = std::vector<std::byte>;

// One message the session wrote: header plus payload.
struct OutMessage {
    abi::fuse_out_header header{};
    Bytes payload;
};

// Request bytes: header (len filled in), fixed argument, optional tail.
Bytes make_request(uint32_t opcode, uint64_t unique, uint64_t node, const void* arg, size_t arg_size,
                   std::string_view tail = {});
Bytes read_request(uint64_t unique, NodeId node, uint64_t offset, uint32_t size);
// The kernel numbers an INTERRUPT like its target with the low bit set.
Bytes interrupt_request(uint64_t target);
Bytes notify_reply_request(uint64_t notify_unique, NodeId node, uint64_t offset, std::string_view data);

class RawSession {
  public:
    // The socket only does read/writev: so.transport is forced to Readv.
    explicit RawSession(Filesystem& fs, SessionOptions so = {});
    ~RawSession();
    RawSession(const RawSession&) = delete;
    RawSession& operator=(const RawSession&) = delete;

    Session& session() { return *session_; }
    // Straight into the core, on the calling thread.
    void handle(const Bytes& request);
    // Into the "device", for process_available().
    void queue(const Bytes& request);
    // The next message the session wrote, or nullopt after timeout.
    std::optional<OutMessage> next(std::chrono::milliseconds timeout = std::chrono::seconds(2));
    // INIT at 7.<minor> with the given flags; checks the reply.
    ::testing::AssertionResult init(uint64_t flags = 0, uint32_t minor = 45);

  private:
    int kernel_end_ = -1;
    std::unique_ptr<Session> session_;
};

}  // namespace fusex::test
