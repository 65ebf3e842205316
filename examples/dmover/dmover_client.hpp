// dmover: the ABI of the fusex-dmover device file and a small C++ client.
//
// This header is the one place the record formats are defined; the daemon,
// fusex-dmover-cli, the tests and the benchmark all include it. It needs no
// library: copy it next to your program and include it.
//
// Protocol, per open() of MOUNTPOINT/dmover (each open is its own session):
//   1. ioctl(fd, DMIO_SETFUNC, &struct dmover_setfunc{name}) picks the
//      function: "zero", "fill8", "copy", "xor2" ... "xor16", "crc32c".
//      A second SETFUNC fails with EBUSY, an unknown name with ENOENT.
//   2. write() an array of struct dmover_request; it returns how many bytes
//      (whole records) were accepted. At most DMOVER_MAX_INFLIGHT requests are
//      in flight per session, counted from the write that accepts them until
//      the read that returns their completion: a write that finds no free
//      slot blocks (EAGAIN with O_NONBLOCK); one that finds fewer free slots
//      than records accepts only those (a short write).
//   3. read() returns struct dmover_completion records, as many as are ready
//      and fit; with none ready it blocks (EAGAIN with O_NONBLOCK).
//   Lengths that are not a whole number of records fail with EINVAL (unless
//   they hold at least 64 whole records, of which no call takes more anyway:
//   the kernel cuts large transfers at arbitrary byte counts); read or
//   write before SETFUNC fails with ENXIO. poll() reports POLLIN when a
//   completion is ready and POLLOUT when a slot is free.
//   close() returns once the daemon has stopped touching the caller's memory.
//
// The daemon reads the iovec arrays and the data from the calling process's
// memory while the request is in flight: keep them valid and unchanged until
// its completion is read.
#pragma once

#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

// ---- ABI (plain C layout, natural alignment, 64-bit fields for addresses) --

#define DMOVER_MAX_INFLIGHT 64u  // requests in flight per session
#define DMOVER_MAX_INPUTS 16u    // xor16 has the most inputs
#define DMOVER_MAX_IOV 64u       // iovecs per buffer
#define DMOVER_NAME_MAX 32u

// One buffer in the caller's memory: `iov` is the address of an array of
// `iovcnt` struct iovec (the caller's own layout), which the daemon reads.
struct dmover_buffer {
    uint64_t iov;
    uint32_t iovcnt;
    uint32_t reserved;  // must be 0
};

// One request. Unused buffers (the output of crc32c, inputs beyond the
// function's count) must be all zero. Every input must be exactly as long as
// the output. `immediate`:
//   fill8   the fill byte (0..255)
//   crc32c  the CRC to continue from (0..0xffffffff), see crc32c below
//   others  must be 0
struct dmover_request {
    uint64_t id;  // opaque, echoed in the completion
    uint64_t immediate;
    struct dmover_buffer out;
    struct dmover_buffer in[DMOVER_MAX_INPUTS];
};

// One completion. error is 0 or a positive errno: EINVAL for a malformed
// request (bad counts, lengths that overflow or differ), EFAULT when an
// address cannot be accessed, ESRCH when the caller is gone. result is the
// CRC for crc32c and the number of bytes processed otherwise.
struct dmover_completion {
    uint64_t id;
    int32_t error;
    uint32_t reserved;
    uint64_t result;
};

// The SETFUNC argument: a NUL-terminated function name.
struct dmover_setfunc {
    char name[DMOVER_NAME_MAX];
    uint32_t reserved[8];  // must be 0
};

// FUSE ioctls are "restricted": the kernel copies exactly _IOC_SIZE bytes in,
// so the argument is a fixed-size struct.
#define DMIO_SETFUNC _IOW('D', 0x01, struct dmover_setfunc)

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) with the usual
// pre/post inversion: result = crc32c(seed = immediate, data), where
// crc32c(0, "123456789") = 0xE3069283 and crc32c(crc32c(0, A), B) equals
// crc32c(0, A || B). Independent pieces combine with dmover::crc32c_combine.

#ifdef __cplusplus

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <algorithm>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

static_assert(sizeof(dmover_buffer) == 16);
static_assert(sizeof(dmover_request) == 16 + 16 * (1 + DMOVER_MAX_INPUTS));
static_assert(sizeof(dmover_completion) == 24);
static_assert(sizeof(dmover_setfunc) == 64);
static_assert(sizeof(iovec) == 16, "the ABI assumes a 64-bit struct iovec");

namespace dmover {

inline constexpr uint32_t kCrc32cPoly = 0x82F63B78u;  // reflected Castagnoli

// Multiplication of two polynomials modulo the CRC polynomial, in the
// reflected bit order (bit 31 is x^0).
inline uint32_t crc32c_multiply(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (uint32_t bit = 1u << 31; bit != 0; bit >>= 1) {
        if (a & bit) product ^= b;
        b = (b & 1) ? (b >> 1) ^ kCrc32cPoly : b >> 1;
    }
    return product;
}

// x^(8*bytes) modulo the polynomial: what appending `bytes` zeros does to
// the CRC register.
inline uint32_t crc32c_zeros_operator(uint64_t bytes) {
    uint32_t result = 1u << 31;   // x^0
    uint32_t power = 1u << 30;    // x^1, squared each step: x^(2^k)
    for (uint64_t bits = bytes * 8; bits != 0; bits >>= 1) {
        if (bits & 1) result = crc32c_multiply(power, result);
        power = crc32c_multiply(power, power);
    }
    return result;
}

// crc32c(0, A || B) from crc_a = crc32c(0, A), crc_b = crc32c(0, B) and |B|.
inline uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
    return crc32c_multiply(crc32c_zeros_operator(len_b), crc_a) ^ crc_b;
}

inline std::system_error os_error(int err, const std::string& what) {
    return std::system_error(err, std::generic_category(), what);
}

// A request over contiguous buffers. The iovecs live in `storage`, which
// must stay in place (reserve it) until the completion is read.
inline dmover_request make_request(uint64_t id, uint64_t immediate, std::vector<iovec>& storage,
                                   void* out, const std::vector<const void*>& inputs, size_t length) {
    dmover_request r{};
    r.id = id;
    r.immediate = immediate;
    auto add = [&](const void* p) {
        storage.push_back(iovec{const_cast<void*>(p), length});
        return dmover_buffer{reinterpret_cast<uint64_t>(&storage.back()), 1, 0};
    };
    if (out) r.out = add(out);
    for (size_t i = 0; i < inputs.size() && i < DMOVER_MAX_INPUTS; ++i) r.in[i] = add(inputs[i]);
    return r;
}

// One session on the device. Errors throw std::system_error.
class Device {
  public:
    Device(const std::string& path, const std::string& function, bool nonblock = false) {
        fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
        if (fd_ < 0) throw os_error(errno, "open " + path);
        dmover_setfunc sf{};
        if (function.size() >= sizeof sf.name) {
            ::close(fd_);
            throw os_error(ENAMETOOLONG, "function name " + function);
        }
        std::memcpy(sf.name, function.data(), function.size());
        if (::ioctl(fd_, DMIO_SETFUNC, &sf) < 0) {
            int err = errno;
            ::close(fd_);
            throw os_error(err, "DMIO_SETFUNC " + function);
        }
    }
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;
    ~Device() {
        if (fd_ >= 0) ::close(fd_);
    }
    int fd() const { return fd_; }

    // Submits records; returns how many were accepted (0: none, O_NONBLOCK).
    size_t submit(std::span<const dmover_request> records) {
        for (;;) {
            ssize_t n = ::write(fd_, records.data(), records.size_bytes());
            if (n >= 0) return size_t(n) / sizeof(dmover_request);
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return 0;
            throw os_error(errno, "dmover write");
        }
    }
    // Reads up to out.size() completions; returns how many (0: none, O_NONBLOCK).
    size_t reap(std::span<dmover_completion> out) {
        for (;;) {
            ssize_t n = ::read(fd_, out.data(), out.size_bytes());
            if (n >= 0) return size_t(n) / sizeof(dmover_completion);
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return 0;
            throw os_error(errno, "dmover read");
        }
    }

    // Runs all requests, keeping up to `depth` in flight, and calls done()
    // for each completion (in completion order). Blocking sessions only.
    void run(std::span<const dmover_request> requests,
             const std::function<void(const dmover_completion&)>& done,
             size_t depth = DMOVER_MAX_INFLIGHT) {
        depth = std::clamp<size_t>(depth, 1, DMOVER_MAX_INFLIGHT);
        size_t next = 0, in_flight = 0;
        dmover_completion batch[DMOVER_MAX_INFLIGHT];
        while (next < requests.size() || in_flight > 0) {
            if (next < requests.size() && in_flight < depth) {
                size_t accepted = submit(requests.subspan(next, std::min(depth - in_flight, requests.size() - next)));
                next += accepted;
                in_flight += accepted;
            }
            // Blocks until at least one completes, then takes all that are ready.
            size_t got = reap(std::span<dmover_completion>(batch, std::min<size_t>(in_flight, DMOVER_MAX_INFLIGHT)));
            for (size_t i = 0; i < got; ++i) done(batch[i]);
            in_flight -= got;
        }
    }

  private:
    int fd_ = -1;
};

}  // namespace dmover

#endif  // __cplusplus
