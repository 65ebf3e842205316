// The splice transport. For filesystems that take spliced writes, requests
// move from /dev/fuse into a per-transport pipe with one splice(), and a
// large WRITE payload may stay there and go on to the filesystem's backing
// fd without passing through user memory. For the others requests are
// read(): splicing them in would only add a copy out of the pipe. Replies
// with file data are assembled in a pipe (header by vmsplice, data spliced
// from the file) and spliced into the device as one message, which saves the
// copy into and out of a user buffer that the readv transport makes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fusex/requests.hpp"
#include "protocol/abi.hpp"
#include "transport/pipe.hpp"
#include "transport/transport.hpp"

namespace fusex::transport {

namespace {

// Below this, pread + writev (2 syscalls) beats vmsplice + 2 splices + fstat.
constexpr size_t kMinSplicedReply = 16 * 1024;

// The WRITE payload left in the receive pipe for the handler.
class PipePayload final : public SplicedPayload {
  public:
    explicit PipePayload(Pipe& pipe) : pipe_(pipe) {}
    void arm(size_t bytes) noexcept { remaining_ = bytes; }
    void discard() noexcept {
        if (remaining_) pipe_.drain();
        remaining_ = 0;
    }

    size_t size() const noexcept override { return remaining_; }

    int64_t splice_to(int fd, uint64_t offset) override {
        loff_t off = static_cast<loff_t>(offset);
        int64_t moved = 0;
        while (remaining_ > 0) {
            ssize_t n = ::splice(pipe_.read_end(), nullptr, fd, &off, remaining_, SPLICE_F_MOVE);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return moved ? moved : -errno;
            if (n == 0) break;
            remaining_ -= static_cast<size_t>(n);
            moved += n;
        }
        return moved;
    }

    int64_t read_into(std::span<std::byte> out) override {
        size_t n = std::min(out.size(), remaining_);
        if (!pipe_.read_exact(out.data(), n)) return -EIO;
        remaining_ -= n;
        return static_cast<int64_t>(n);
    }

  private:
    Pipe& pipe_;
    size_t remaining_ = 0;
};

class SpliceTransport final : public Transport {
  public:
    SpliceTransport(int fd, size_t buffer_size, size_t write_splice_min)
        : fd_(fd), buffer_size_(buffer_size), write_splice_min_(write_splice_min), payload_(pipe_) {}

    bool open(std::string* why) { return !write_splice_min_ || pipe_.open(buffer_size_, why); }
    const char* name() const noexcept override { return "splice"; }

    ssize_t receive(std::span<std::byte> buf) override;
    int send(const iovec* iov, int count) override;
    int send_from_fd(const iovec* head, int head_count, int fd, uint64_t offset, size_t size) override;

    void prepare_write(WriteRequest& request) noexcept override {
        if (payload_.size() == 0) return;
        request.data = {};
        request.spliced = &payload_;
    }

  private:
    int fd_;
    size_t buffer_size_;
    size_t write_splice_min_;
    Pipe pipe_;
    PipePayload payload_;
};

ssize_t SpliceTransport::receive(std::span<std::byte> buf) {
    if (!write_splice_min_) {
        ssize_t r = ::read(fd_, buf.data(), buf.size());
        return r < 0 ? -errno : r;
    }
    payload_.discard();  // what the last WRITE's handler did not take
    ssize_t n = ::splice(fd_, nullptr, pipe_.write_end(), nullptr, buf.size(), SPLICE_F_MOVE);
    if (n < 0) return -errno;
    if (n == 0) return 0;
    const size_t len = static_cast<size_t>(n);
    constexpr size_t kHeader = sizeof(abi::fuse_in_header);
    constexpr size_t kWriteHead = kHeader + sizeof(abi::fuse_write_in);
    if (len < kHeader || len > buf.size()) {
        pipe_.drain();
        return -EIO;
    }
    // Only a message this large may be a WRITE whose payload stays in the
    // pipe: read its headers first. Everything else is read in one go.
    const bool maybe_spliced = len >= kWriteHead + write_splice_min_;
    const size_t first = maybe_spliced ? kWriteHead : len;
    if (!pipe_.read_exact(buf.data(), first)) {
        pipe_.drain();
        return -EIO;
    }
    if (maybe_spliced) {
        abi::fuse_in_header h;
        abi::fuse_write_in in;
        std::memcpy(&h, buf.data(), sizeof h);
        std::memcpy(&in, buf.data() + kHeader, sizeof in);
        if (h.opcode == abi::FUSE_WRITE && in.size == len - kWriteHead) {
            // The payload stays in the pipe; the decoder sees the right
            // lengths and prepare_write() hides the stale buffer behind them.
            payload_.arm(in.size);
            return n;
        }
        if (!pipe_.read_exact(buf.data() + first, len - first)) {
            pipe_.drain();
            return -EIO;
        }
    }
    return n;
}

int SpliceTransport::send(const iovec* iov, int count) {
    ssize_t n = ::writev(fd_, iov, count);
    if (n < 0) return -errno;
    return static_cast<size_t>(n) == iov_length(iov, count) ? 0 : -EIO;
}

int SpliceTransport::send_from_fd(const iovec* head, int head_count, int fd, uint64_t offset, size_t size) {
    struct stat st;
    if (size < kMinSplicedReply || ::fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return Transport::send_from_fd(head, head_count, fd, offset, size);
    // The header goes first and carries the length, so learn the length first:
    // a regular file has what its size says (a concurrent truncate is caught
    // below and answered by copying).
    const uint64_t file_size = static_cast<uint64_t>(st.st_size);
    const size_t data = offset >= file_size ? 0 : static_cast<size_t>(std::min<uint64_t>(size, file_size - offset));
    const size_t head_len = iov_length(head, head_count);
    Pipe* pipe = data ? thread_reply_pipe(buffer_size_) : nullptr;
    // One pipe buffer for the header, one per page of file data touched.
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t slots = 1 + (offset % page + data + page - 1) / page;
    if (!pipe || slots > pipe->slots()) return Transport::send_from_fd(head, head_count, fd, offset, size);

    static_cast<abi::fuse_out_header*>(head[0].iov_base)->len = static_cast<uint32_t>(head_len + data);
    ssize_t n = ::vmsplice(pipe->write_end(), head, static_cast<unsigned long>(head_count), 0);
    if (n != static_cast<ssize_t>(head_len)) {
        pipe->drain();
        return Transport::send_from_fd(head, head_count, fd, offset, size);
    }
    loff_t off = static_cast<loff_t>(offset);
    size_t got = 0;
    while (got < data) {
        n = ::splice(fd, &off, pipe->write_end(), nullptr, data - got, SPLICE_F_MOVE);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    if (got != data) {  // the file shrank or cannot be spliced from: copy instead
        pipe->drain();
        return Transport::send_from_fd(head, head_count, fd, offset, size);
    }
    for (;;) {
        n = ::splice(pipe->read_end(), nullptr, fd_, nullptr, head_len + data, SPLICE_F_MOVE);
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    if (n == static_cast<ssize_t>(head_len + data)) return 0;
    int error = n < 0 ? -errno : -EIO;
    pipe->drain();
    return error;
}

}  // namespace

std::unique_ptr<Transport> make_splice_transport(int device_fd, size_t buffer_size, size_t write_splice_min,
                                                 std::string* why) {
    auto t = std::make_unique<SpliceTransport>(device_fd, buffer_size, write_splice_min);
    if (!t->open(why)) return nullptr;
    return t;
}

}  // namespace fusex::transport
