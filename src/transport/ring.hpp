// A minimal io_uring with 128-byte SQEs, on raw syscalls (no liburing
// dependency): only what the FUSE queues need — get an SQE, submit and wait,
// walk the completions. Not thread-safe: one thread submits and reaps.
#pragma once

#include <linux/io_uring.h>

#include <cstdint>
#include <string>

namespace fusex::transport {

class Ring {
  public:
    Ring() = default;
    ~Ring();
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;

    // entries: SQ size (the CQ gets twice as many). False with *why.
    bool open(unsigned entries, std::string* why);
    bool is_open() const noexcept { return fd_ >= 0; }

    // A zeroed SQE (all 128 bytes), or nullptr when the SQ is full (submit
    // first).
    io_uring_sqe* get_sqe() noexcept;
    // Submits what was prepared and waits for at least `wait` completions.
    // Returns the number submitted or -errno (-EINTR on a signal).
    int submit_and_wait(unsigned wait) noexcept;
    // Calls fn(user_data, res) for each completion ready, then frees them.
    template <class Fn>
    unsigned reap(Fn&& fn) {
        unsigned head = *cq_head_;
        unsigned tail = __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE);
        unsigned n = 0;
        for (; head != tail; ++head, ++n) {
            const io_uring_cqe& c = cqes_[head & cq_mask_];
            fn(c.user_data, c.res);
        }
        __atomic_store_n(cq_head_, head, __ATOMIC_RELEASE);
        return n;
    }

  private:
    int fd_ = -1;
    void* sq_map_ = nullptr;
    size_t sq_map_size_ = 0;
    void* cq_map_ = nullptr;
    size_t cq_map_size_ = 0;
    io_uring_sqe* sqes_ = nullptr;  // 128-byte slots: index << 1 in 64-byte units
    size_t sqes_size_ = 0;
    unsigned* sq_head_ = nullptr;
    unsigned* sq_tail_ = nullptr;
    unsigned* sq_array_ = nullptr;
    unsigned sq_mask_ = 0;
    unsigned sq_entries_ = 0;
    unsigned sq_local_tail_ = 0;  // prepared, published on submit
    unsigned* cq_head_ = nullptr;
    unsigned* cq_tail_ = nullptr;
    unsigned cq_mask_ = 0;
    io_uring_cqe* cqes_ = nullptr;
};

}  // namespace fusex::transport
