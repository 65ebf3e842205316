#include "transport/ring.hpp"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fusex::transport {

namespace {

int sys_setup(unsigned entries, io_uring_params* p) {
    return static_cast<int>(::syscall(__NR_io_uring_setup, entries, p));
}

int sys_enter(int fd, unsigned submit, unsigned wait, unsigned flags) {
    return static_cast<int>(::syscall(__NR_io_uring_enter, fd, submit, wait, flags, nullptr, 0));
}

}  // namespace

Ring::~Ring() {
    if (sqes_) ::munmap(sqes_, sqes_size_);
    if (cq_map_ && cq_map_ != sq_map_) ::munmap(cq_map_, cq_map_size_);
    if (sq_map_) ::munmap(sq_map_, sq_map_size_);
    if (fd_ >= 0) ::close(fd_);
}

bool Ring::open(unsigned entries, std::string* why) {
    io_uring_params p{};
    // COOP_TASKRUN: the kernel runs our task work (handing us requests) when
    // we next enter it instead of interrupting the thread; we always do soon.
    p.flags = IORING_SETUP_SQE128 | IORING_SETUP_COOP_TASKRUN;
    fd_ = sys_setup(entries, &p);
    if (fd_ < 0 && errno == EINVAL) {
        p = {};
        p.flags = IORING_SETUP_SQE128;
        fd_ = sys_setup(entries, &p);
    }
    if (fd_ < 0) {
        if (why) *why = std::string("io_uring_setup: ") + strerror(errno);
        return false;
    }
    auto fail = [&](const char* what) {
        if (why) *why = std::string(what) + ": " + strerror(errno);
        return false;
    };
    sq_map_size_ = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    cq_map_size_ = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
    const bool single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single && cq_map_size_ > sq_map_size_) sq_map_size_ = cq_map_size_;
    sq_map_ = ::mmap(nullptr, sq_map_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQ_RING);
    if (sq_map_ == MAP_FAILED) {
        sq_map_ = nullptr;
        return fail("mmap SQ ring");
    }
    if (single) {
        cq_map_ = sq_map_;
    } else {
        cq_map_ = ::mmap(nullptr, cq_map_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
                         IORING_OFF_CQ_RING);
        if (cq_map_ == MAP_FAILED) {
            cq_map_ = nullptr;
            return fail("mmap CQ ring");
        }
    }
    sqes_size_ = p.sq_entries * 2 * sizeof(io_uring_sqe);
    void* sqes = ::mmap(nullptr, sqes_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQES);
    if (sqes == MAP_FAILED) return fail("mmap SQEs");
    sqes_ = static_cast<io_uring_sqe*>(sqes);

    auto* sq = static_cast<char*>(sq_map_);
    sq_head_ = reinterpret_cast<unsigned*>(sq + p.sq_off.head);
    sq_tail_ = reinterpret_cast<unsigned*>(sq + p.sq_off.tail);
    sq_mask_ = *reinterpret_cast<unsigned*>(sq + p.sq_off.ring_mask);
    sq_entries_ = *reinterpret_cast<unsigned*>(sq + p.sq_off.ring_entries);
    sq_array_ = reinterpret_cast<unsigned*>(sq + p.sq_off.array);
    sq_local_tail_ = *sq_tail_;
    auto* cq = static_cast<char*>(cq_map_);
    cq_head_ = reinterpret_cast<unsigned*>(cq + p.cq_off.head);
    cq_tail_ = reinterpret_cast<unsigned*>(cq + p.cq_off.tail);
    cq_mask_ = *reinterpret_cast<unsigned*>(cq + p.cq_off.ring_mask);
    cqes_ = reinterpret_cast<io_uring_cqe*>(cq + p.cq_off.cqes);
    return true;
}

io_uring_sqe* Ring::get_sqe() noexcept {
    unsigned head = __atomic_load_n(sq_head_, __ATOMIC_ACQUIRE);
    if (sq_local_tail_ - head >= sq_entries_) return nullptr;
    unsigned index = sq_local_tail_ & sq_mask_;
    io_uring_sqe* sqe = sqes_ + 2 * index;  // SQE128: two 64-byte units each
    std::memset(sqe, 0, 2 * sizeof(io_uring_sqe));
    sq_array_[index] = index;
    ++sq_local_tail_;
    return sqe;
}

int Ring::submit_and_wait(unsigned wait) noexcept {
    // Publish the prepared SQEs (the array entries and SQE bodies before the
    // tail), then enter once for both submitting and waiting.
    // The kernel's head tells what it has not consumed yet, including SQEs
    // left over from a call cut short by a signal.
    __atomic_store_n(sq_tail_, sq_local_tail_, __ATOMIC_RELEASE);
    unsigned to_submit = sq_local_tail_ - __atomic_load_n(sq_head_, __ATOMIC_ACQUIRE);
    int r = sys_enter(fd_, to_submit, wait, wait ? IORING_ENTER_GETEVENTS : 0);
    return r < 0 ? -errno : r;
}

}  // namespace fusex::transport
