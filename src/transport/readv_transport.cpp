// The baseline transport: one read() per request, one writev() per reply.
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "protocol/abi.hpp"
#include "transport/transport.hpp"

namespace fusex::transport {

size_t iov_length(const iovec* iov, int count) {
    size_t n = 0;
    for (int i = 0; i < count; ++i) n += iov[i].iov_len;
    return n;
}

void set_reply_length(const iovec* iov, int count) {
    auto* header = static_cast<abi::fuse_out_header*>(iov[0].iov_base);
    header->len = static_cast<uint32_t>(iov_length(iov, count));
}

int Transport::send_from_fd(const iovec* head, int head_count, int fd, uint64_t offset, size_t size) {
    // Copy fallback: read the file data into a per-thread buffer reused across
    // calls, then send header and data in one writev.
    thread_local std::vector<std::byte> scratch;
    if (scratch.size() < size) scratch.resize(size);
    size_t got = 0;
    while (got < size) {
        ssize_t n = ::pread(fd, scratch.data() + got, size - got, static_cast<off_t>(offset + got));
        if (n < 0) {
            if (errno == EINTR) continue;
            auto* header = static_cast<abi::fuse_out_header*>(head[0].iov_base);
            header->error = -errno;
            header->len = sizeof *header;
            return send(head, 1);
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    iovec iov[8];
    int n = 0;
    for (; n < head_count && n < 7; ++n) iov[n] = head[n];
    iov[n++] = {scratch.data(), got};
    set_reply_length(iov, n);  // a short read (end of file) shortens the reply
    return send(iov, n);
}

namespace {

class ReadvTransport final : public Transport {
  public:
    explicit ReadvTransport(int fd) : fd_(fd) {}
    const char* name() const noexcept override { return "readv"; }

    ssize_t receive(std::span<std::byte> buf) override {
        ssize_t n = ::read(fd_, buf.data(), buf.size());
        return n < 0 ? -errno : n;
    }

    int send(const iovec* iov, int count) override {
        ssize_t n = ::writev(fd_, iov, count);
        if (n < 0) return -errno;
        return static_cast<size_t>(n) == iov_length(iov, count) ? 0 : -EIO;
    }

  private:
    int fd_;
};

}  // namespace

std::unique_ptr<Transport> make_readv_transport(int device_fd) { return std::make_unique<ReadvTransport>(device_fd); }

}  // namespace fusex::transport
