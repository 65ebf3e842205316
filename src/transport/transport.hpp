// A transport moves whole FUSE messages between the kernel and one worker.
// It knows nothing of filesystems: requests are bytes in, replies iovecs out.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace fusex {
struct WriteRequest;
}

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

    // Where the request last returned by receive() starts: in `buf` for
    // transports that read into it, in the transport's own memory otherwise
    // (io_uring entries), which saves a copy.
    virtual const std::byte* received_data(std::byte* buf) const noexcept { return buf; }

    // Called with the decoded WRITE of the request just received, before its
    // handler runs. The splice transport hands over a payload it left in its
    // pipe (WriteRequest::spliced); others leave the request as it is.
    virtual void prepare_write(WriteRequest& request) noexcept { (void)request; }
};

// read(2)/writev(2) on a /dev/fuse descriptor (not owned).
std::unique_ptr<Transport> make_readv_transport(int device_fd);

// Replies from fds by vmsplice + splice into the device. With
// write_splice_min > 0, requests are spliced from the device into a
// per-transport pipe and WRITE payloads of at least that many bytes stay
// there for the handler; with 0 they are read() as with readv (splicing them
// in would only add a copy). nullptr with *why when the pipe cannot be set up.
std::unique_ptr<Transport> make_splice_transport(int device_fd, size_t buffer_size, size_t write_splice_min,
                                                 std::string* why);

// FUSE over io_uring. Why it cannot be used on this system, or "".
std::string uring_unavailable();

struct UringConfig {
    int device_fd = -1;
    // The shape comes from SessionOptions (uring_depth, uring_rings), where
    // its defaults and reasons live.
    unsigned queue_depth = 1;   // ring entries per ring
    size_t payload_size = 0;    // per entry; at least what the kernel demands
    unsigned rings_per_queue = 1;  // each ring with its own serving thread
};

// One transport per queue, i.e. per possible CPU (queue i serves requests of
// tasks running on CPU i). Rings and buffers exist on return; each queue
// registers its entries with the kernel in its first receive(), which must
// run on the thread that keeps calling receive() for it. Empty with *why
// on failure.
std::vector<std::unique_ptr<Transport>> make_uring_queues(const UringConfig& config, std::string* why);

// The payload buffer size the kernel requires for a connection.
size_t uring_payload_size(uint32_t max_write, uint32_t max_pages);

// Sum of iovec lengths.
size_t iov_length(const iovec* iov, int count);
// Sets the fuse_out_header at iov[0] to the total length of the iovecs.
void set_reply_length(const iovec* iov, int count);

}  // namespace fusex::transport
