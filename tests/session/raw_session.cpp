#include "raw_session.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "session/session_core.hpp"

namespace fusex::test {

Bytes make_request(uint32_t opcode, uint64_t unique, uint64_t node, const void* arg, size_t arg_size,
                   std::string_view tail) {
    abi::fuse_in_header h{};
    h.opcode = opcode;
    h.unique = unique;
    h.nodeid = node;
    h.pid = static_cast<uint32_t>(getpid());
    h.len = static_cast<uint32_t>(sizeof h + arg_size + tail.size());
    Bytes out(h.len);
    std::memcpy(out.data(), &h, sizeof h);
    if (arg_size) std::memcpy(out.data() + sizeof h, arg, arg_size);
    if (!tail.empty()) std::memcpy(out.data() + sizeof h + arg_size, tail.data(), tail.size());
    return out;
}

Bytes read_request(uint64_t unique, NodeId node, uint64_t offset, uint32_t size) {
    abi::fuse_read_in in{};
    in.offset = offset;
    in.size = size;
    return make_request(abi::FUSE_READ, unique, node, &in, sizeof in);
}

Bytes interrupt_request(uint64_t target) {
    abi::fuse_interrupt_in in{};
    in.unique = target;
    return make_request(abi::FUSE_INTERRUPT, target | 1, 0, &in, sizeof in);
}

Bytes notify_reply_request(uint64_t notify_unique, NodeId node, uint64_t offset, std::string_view data) {
    abi::fuse_notify_retrieve_in in{};
    in.offset = offset;
    in.size = static_cast<uint32_t>(data.size());
    return make_request(abi::FUSE_NOTIFY_REPLY, notify_unique, node, &in, sizeof in, data);
}

RawSession::RawSession(Filesystem& fs, SessionOptions so) {
    int sv[2];
    // SEQPACKET keeps each writev one message, like the device does.
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) throw std::runtime_error("socketpair");
    kernel_end_ = sv[0];
    so.transport = TransportKind::Readv;
    session_ = std::make_unique<Session>(fs, so);
    session_->attach(sv[1]);
}

RawSession::~RawSession() {
    session_.reset();
    ::close(kernel_end_);
}

void RawSession::handle(const Bytes& request) { session_->core().handle(request); }

void RawSession::queue(const Bytes& request) {
    ssize_t n = ::send(kernel_end_, request.data(), request.size(), 0);
    if (n != static_cast<ssize_t>(request.size())) ADD_FAILURE() << "queueing a request failed";
}

std::optional<OutMessage> RawSession::next(std::chrono::milliseconds timeout) {
    pollfd p{kernel_end_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    Bytes buf(1 << 17);
    ssize_t n = ::recv(kernel_end_, buf.data(), buf.size(), 0);
    if (n < static_cast<ssize_t>(sizeof(abi::fuse_out_header))) return std::nullopt;
    OutMessage m;
    std::memcpy(&m.header, buf.data(), sizeof m.header);
    m.payload.assign(buf.begin() + sizeof m.header, buf.begin() + n);
    if (m.header.len != static_cast<uint32_t>(n)) ADD_FAILURE() << "message length " << m.header.len << " != " << n;
    return m;
}

::testing::AssertionResult RawSession::init(uint64_t flags, uint32_t minor) {
    abi::fuse_init_in in{};
    in.major = 7;
    in.minor = minor;
    in.max_readahead = 128 * 1024;
    in.flags = static_cast<uint32_t>(flags) | static_cast<uint32_t>(abi::FUSE_INIT_EXT);
    in.flags2 = static_cast<uint32_t>(flags >> 32);
    handle(make_request(abi::FUSE_INIT, 2, 0, &in, sizeof in));
    auto m = next();
    if (!m) return ::testing::AssertionFailure() << "no INIT reply";
    if (m->header.unique != 2 || m->header.error != 0)
        return ::testing::AssertionFailure() << "INIT reply unique " << m->header.unique << " error " << m->header.error;
    return ::testing::AssertionSuccess();
}

}  // namespace fusex::test
