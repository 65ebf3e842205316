// A transport moves whole FUSE messages between the kernel and one worker.
// It knows nothing of filesystems: requests are bytes in, replies iovecs out.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace fusex::transport {

class Transport {
  public:
    virtual ~Transport() = default;
    virtual const char* name() const noexcept = 0;

    // Blocks until one request is in `buf`; returns its length, or a negative
    // errno: -ENODEV (unmounted), -ECONNABORTED (aborted), -EINTR/-EAGAIN
    // (try again), -ENOENT (the request vanished while being read).
    virtual ssize_t receive(std::span<std::byte> buf) = 0;

    // Writes one complete reply or notification. 0 or a negative errno
    // (-ENOENT: the kernel no longer waits for that request).
    virtual int send(const iovec* iov, int count) = 0;

    // Writes head, then up to `size` bytes of fd at offset, as one message.
    // head[0] must be the fuse_out_header: its len is set here from what was
    // actually read (end of file shortens it). If reading fd fails, the
    // header becomes an error reply (error = -errno, no payload) and that is
    // sent instead. The default copies through memory.
    virtual int send_from_fd(const iovec* head, int head_count, int fd, uint64_t offset, size_t size);
};

// read(2)/writev(2) on a /dev/fuse descriptor (not owned).
std::unique_ptr<Transport> make_readv_transport(int device_fd);

// Sum of iovec lengths.
size_t iov_length(const iovec* iov, int count);
// Sets the fuse_out_header at iov[0] to the total length of the iovecs.
void set_reply_length(const iovec* iov, int count);

}  // namespace fusex::transport
