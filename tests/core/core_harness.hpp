// Drives SessionCore::handle() with hand-made request bytes and captures the
// replies on the other end of a socketpair: the session core without a kernel.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "protocol/abi.hpp"
#include "session/session_core.hpp"

namespace fusex::testing {

class CoreHarness {
  public:
    explicit CoreHarness(Filesystem& fs, SessionOptions options = {}) : core_(fs, options) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
            core_.attach(sv[0], "");
            peer_ = sv[1];
        }
    }
    ~CoreHarness() {
        if (peer_ >= 0) ::close(peer_);
    }

    // Builds header + args (+ tail) and hands it to the core.
    void send(uint32_t opcode, uint64_t unique, uint64_t node, const void* args, size_t args_size,
              std::string_view tail = {}) {
        std::vector<std::byte>& msg = scratch_;
        msg.resize(sizeof(abi::fuse_in_header) + args_size + tail.size());
        abi::fuse_in_header h{};
        h.len = static_cast<uint32_t>(msg.size());
        h.opcode = opcode;
        h.unique = unique;
        h.nodeid = node;
        memcpy(msg.data(), &h, sizeof h);
        if (args_size) memcpy(msg.data() + sizeof h, args, args_size);
        if (!tail.empty()) memcpy(msg.data() + sizeof h + args_size, tail.data(), tail.size());
        core_.handle(std::span<const std::byte>(msg.data(), msg.size()));
    }

    void init(uint64_t flags = 0) {
        abi::fuse_init_in in{};
        in.major = 7;
        in.minor = 45;
        in.max_readahead = 1 << 20;
        in.flags = static_cast<uint32_t>(flags) | static_cast<uint32_t>(abi::FUSE_INIT_EXT);
        in.flags2 = static_cast<uint32_t>(flags >> 32);
        send(abi::FUSE_INIT, 1, 0, &in, sizeof in);
        (void)reply();
    }

    struct Reply {
        abi::fuse_out_header header{};
        std::vector<std::byte> payload;
        bool ok = false;
    };
    // Next reply written by the core (reads one message; fails if none).
    Reply reply() {
        Reply r;
        ssize_t n = ::recv(peer_, buffer_, sizeof buffer_, MSG_DONTWAIT);
        if (n < static_cast<ssize_t>(sizeof r.header)) return r;
        memcpy(&r.header, buffer_, sizeof r.header);
        r.payload.assign(buffer_ + sizeof r.header, buffer_ + n);
        r.ok = true;
        return r;
    }
    // The same without allocating: header only.
    bool reply_header(abi::fuse_out_header* h) {
        ssize_t n = ::recv(peer_, buffer_, sizeof buffer_, MSG_DONTWAIT);
        if (n < static_cast<ssize_t>(sizeof *h)) return false;
        memcpy(h, buffer_, sizeof *h);
        return true;
    }

    detail::SessionCore& core() { return core_; }

  private:
    detail::SessionCore core_;
    int peer_ = -1;
    std::vector<std::byte> scratch_;
    std::byte buffer_[1 << 17];
};

}  // namespace fusex::testing
