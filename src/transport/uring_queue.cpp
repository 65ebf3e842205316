// The io_uring queue. The serving thread owns the ring: it registers the
// entries, submits every commit and reaps every completion. A reply may be
// written from any thread: it goes straight into its entry's buffers (found
// by the request's unique), and a thread other than the owner then wakes the
// owner through an eventfd read pending in the ring to submit the commit.
//
// Requests are handed to the session without copying their payload: the
// in-header and the op's fixed argument are copied into the room reserved
// just before the payload buffer, which makes the request contiguous.
#include "transport/uring_queue.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "fusex/log.hpp"
#include "protocol/abi.hpp"
#include "transport/ring.hpp"

namespace fusex::transport {

namespace {

constexpr size_t kPage = 4096;
// Each entry's memory: the ring header at the start of the first page, the
// payload from the second page on; the end of the first page takes the
// request's headers when it is handed over.
constexpr size_t kHeadRoom = kPage;
constexpr uint64_t kWakeTag = ~uint64_t{0};
constexpr size_t kInHeader = sizeof(abi::fuse_in_header);
constexpr size_t kOutHeader = sizeof(abi::fuse_out_header);

bool takes_no_reply(uint32_t opcode) {
    return opcode == abi::FUSE_FORGET || opcode == abi::FUSE_BATCH_FORGET || opcode == abi::FUSE_NOTIFY_REPLY;
}

bool means_teardown(int res) { return res == -ENOTCONN || res == -ECANCELED || res == -ECONNABORTED; }

class UringQueue final : public Transport {
  public:
    UringQueue(int fd, unsigned qid, unsigned depth, size_t payload_size)
        : fd_(fd), qid_(qid), payload_size_(payload_size), entries_(depth) {}
    ~UringQueue() override;
    bool open(std::string* why);

    const char* name() const noexcept override { return "uring"; }
    ssize_t receive(std::span<std::byte> buf) override;
    int send(const iovec* iov, int count) override;
    int send_from_fd(const iovec* head, int head_count, int fd, uint64_t offset, size_t size) override;
    const std::byte* received_data(std::byte*) const noexcept override { return current_data_; }

  private:
    enum class State { Unregistered, Registering, InKernel, WithUs, Replied };
    struct Entry {
        abi::fuse_uring_req_header* header = nullptr;
        std::byte* payload = nullptr;
        iovec iov[2]{};
        State state = State::Unregistered;  // guarded by mu_ once serving
        uint64_t unique = 0;
        uint64_t commit_id = 0;
        uint32_t opcode = 0;
        uint32_t request_payload = 0;  // bytes of the request in `payload`
        bool in_handler = false;       // its handler may still read the request
        std::vector<std::byte> deferred;  // reply body held back (see claim)
        size_t reply_size = 0;
        bool use_deferred = false;
        int register_retries = 0;
    };

    bool start();  // first receive(): pin, arm the eventfd, register entries
    void prepare_cmd(size_t index, uint32_t cmd_op);
    void arm_wake();
    io_uring_sqe* sqe();
    void flush_commits();
    void finish_current();
    ssize_t present(size_t index);
    void on_completion(uint64_t user_data, int res);
    // The entry waiting for the reply to `unique`, now marked replied.
    Entry* claim(uint64_t unique);
    // Where a reply body of `size` bytes goes: the payload buffer, or while
    // the handler may still read its request from there, a side buffer.
    static std::byte* body_for(Entry& e, size_t size);
    void commit(Entry& e, size_t body_size, int error);

    int fd_;
    unsigned qid_;
    size_t payload_size_;
    std::vector<Entry> entries_;
    size_t memory_size_ = 0;
    // Declared before the ring so that it is unmapped after the ring is
    // closed, i.e. after the kernel let go of the entries.
    struct Mapping {
        void* p = nullptr;
        size_t n = 0;
        ~Mapping() { if (p) ::munmap(p, n); }
        void reset(void* m, size_t size) { p = m; n = size; }
        std::byte* bytes() const { return static_cast<std::byte*>(p); }
    } memory_;
    Ring ring_;
    int wake_fd_ = -1;
    uint64_t wake_value_ = 0;
    pthread_t owner_{};
    bool started_ = false;
    int fatal_ = 0;          // registration failed or the queue was torn down
    bool warned_ = false;

    std::mutex mu_;
    std::vector<size_t> commits_;  // replied entries whose commit is not submitted
    std::deque<size_t> ready_;     // owner only: requests not yet handed over
    long current_ = -1;            // owner only: the request being handled
    const std::byte* current_data_ = nullptr;
};

UringQueue::~UringQueue() {
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

bool UringQueue::open(std::string* why) {
    const size_t slot = kHeadRoom + payload_size_;
    memory_size_ = slot * entries_.size();
    void* m = ::mmap(nullptr, memory_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        if (why) *why = std::string("mmap of ring buffers: ") + strerror(errno);
        return false;
    }
    memory_.reset(m, memory_size_);
    for (size_t i = 0; i < entries_.size(); ++i) {
        Entry& e = entries_[i];
        std::byte* base = memory_.bytes() + i * slot;
        e.header = reinterpret_cast<abi::fuse_uring_req_header*>(base);
        e.payload = base + kHeadRoom;
        e.iov[0] = {e.header, sizeof(abi::fuse_uring_req_header)};
        e.iov[1] = {e.payload, payload_size_};
    }
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        if (why) *why = std::string("eventfd: ") + strerror(errno);
        return false;
    }
    // Room for a register or commit per entry plus the eventfd read.
    return ring_.open(static_cast<unsigned>(entries_.size() * 2 + 2), why);
}

io_uring_sqe* UringQueue::sqe() {
    io_uring_sqe* s = ring_.get_sqe();
    if (!s) {  // cannot happen with the sizing above; submit to make room
        ring_.submit_and_wait(0);
        s = ring_.get_sqe();
    }
    return s;
}

void UringQueue::prepare_cmd(size_t index, uint32_t cmd_op) {
    Entry& e = entries_[index];
    io_uring_sqe* s = sqe();
    s->opcode = IORING_OP_URING_CMD;
    s->fd = fd_;
    s->cmd_op = cmd_op;
    s->user_data = index;
    if (cmd_op == abi::FUSE_IO_URING_CMD_REGISTER) {
        s->addr = reinterpret_cast<uintptr_t>(e.iov);
        s->len = 2;
    }
    abi::fuse_uring_cmd_req req{};
    req.commit_id = cmd_op == abi::FUSE_IO_URING_CMD_COMMIT_AND_FETCH ? e.commit_id : 0;
    req.qid = static_cast<uint16_t>(qid_);
    std::memcpy(s->cmd, &req, sizeof req);
}

void UringQueue::arm_wake() {
    io_uring_sqe* s = sqe();
    s->opcode = IORING_OP_READ;
    s->fd = wake_fd_;
    s->addr = reinterpret_cast<uintptr_t>(&wake_value_);
    s->len = sizeof wake_value_;
    s->user_data = kWakeTag;
}

bool UringQueue::start() {
    started_ = true;
    owner_ = pthread_self();
    // Requests of tasks on CPU qid come to this queue: serve them there too.
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(qid_, &set);
    pthread_setaffinity_np(owner_, sizeof set, &set);  // best effort (CPU may be offline)
    arm_wake();
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < entries_.size(); ++i) {
        entries_[i].state = State::Registering;
        prepare_cmd(i, abi::FUSE_IO_URING_CMD_REGISTER);
    }
    return true;
}

void UringQueue::on_completion(uint64_t user_data, int res) {
    if (user_data == kWakeTag) {
        arm_wake();  // commits queued by other threads are picked up next
        return;
    }
    Entry& e = entries_[user_data];
    if (res == 0) {
        ready_.push_back(user_data);
        return;
    }
    std::lock_guard lock(mu_);
    if (means_teardown(res)) {
        e.state = State::Unregistered;
        fatal_ = -ENODEV;
        return;
    }
    if (e.state == State::Registering && res == -EAGAIN && ++e.register_retries < 100) {
        // The kernel has not finished INIT yet: try again shortly.
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        prepare_cmd(user_data, abi::FUSE_IO_URING_CMD_REGISTER);
        return;
    }
    if (e.state == State::Registering) {
        e.state = State::Unregistered;
        if (!fatal_) fatal_ = res;  // the kernel turned io_uring off for the connection
        return;
    }
    // A commit the kernel refused (its request was gone): the entry left the
    // kernel's queue, so register it afresh.
    if (!warned_) log(LogLevel::Warning, "io_uring queue %u: commit failed: %s", qid_, strerror(-res));
    warned_ = true;
    e.state = State::Registering;
    prepare_cmd(user_data, abi::FUSE_IO_URING_CMD_REGISTER);
}

ssize_t UringQueue::present(size_t index) {
    Entry& e = entries_[index];
    abi::fuse_in_header in;
    std::memcpy(&in, e.header->in_out, sizeof in);
    const abi::fuse_uring_ent_in_out io = e.header->ring_ent_in_out;
    // What /dev/fuse would deliver in one piece arrives in three: in-header,
    // the op's fixed argument (op_in) and the rest (payload). The fixed
    // argument's size is what the total length leaves.
    const size_t tail = io.payload_sz;
    const size_t fixed = in.len >= kInHeader + tail ? in.len - kInHeader - tail : SIZE_MAX;
    std::lock_guard lock(mu_);
    e.unique = in.unique;
    e.commit_id = io.commit_id;
    e.opcode = in.opcode;
    e.request_payload = static_cast<uint32_t>(tail);
    e.state = State::WithUs;
    if (fixed > sizeof e.header->op_in || tail > payload_size_) {
        log(LogLevel::Error, "io_uring queue %u: malformed request (len %u, payload %zu)", qid_, in.len, tail);
        abi::fuse_out_header out{kOutHeader, -EIO, in.unique};
        std::memcpy(e.header->in_out, &out, sizeof out);
        e.reply_size = 0;
        e.state = State::Replied;
        commits_.push_back(index);
        return 0;
    }
    std::byte* start = e.payload - fixed - kInHeader;
    std::memcpy(start, &in, kInHeader);
    std::memcpy(start + kInHeader, e.header->op_in, fixed);
    e.in_handler = true;
    current_ = static_cast<long>(index);
    current_data_ = start;
    return static_cast<ssize_t>(in.len);
}

void UringQueue::finish_current() {
    if (current_ < 0) return;
    Entry& e = entries_[static_cast<size_t>(current_)];
    current_ = -1;
    std::lock_guard lock(mu_);
    e.in_handler = false;
    if (e.state == State::WithUs && takes_no_reply(e.opcode)) {
        // The kernel still wants the entry back: commit an empty answer.
        abi::fuse_out_header out{kOutHeader, 0, e.unique};
        std::memcpy(e.header->in_out, &out, sizeof out);
        e.reply_size = 0;
        e.state = State::Replied;
        commits_.push_back(static_cast<size_t>(&e - entries_.data()));
    }
}

void UringQueue::flush_commits() {
    // commits_ keeps its capacity: no allocation per reply.
    std::lock_guard lock(mu_);
    for (size_t i : commits_) {
        Entry& e = entries_[i];
        if (e.use_deferred && e.reply_size) std::memcpy(e.payload, e.deferred.data(), e.reply_size);
        e.use_deferred = false;
        e.header->ring_ent_in_out.payload_sz = static_cast<uint32_t>(e.reply_size);
        e.state = State::InKernel;
        prepare_cmd(i, abi::FUSE_IO_URING_CMD_COMMIT_AND_FETCH);
    }
    commits_.clear();
}

ssize_t UringQueue::receive(std::span<std::byte>) {
    if (!started_) start();
    finish_current();
    for (;;) {
        flush_commits();
        while (!ready_.empty()) {
            size_t index = ready_.front();
            ready_.pop_front();
            ssize_t n = present(index);
            if (n > 0) return n;
        }
        if (fatal_) {
            flush_commits();
            ring_.submit_and_wait(0);
            return fatal_;
        }
        int r = ring_.submit_and_wait(1);
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) return r;
        ring_.reap([this](uint64_t user_data, int res) { on_completion(user_data, res); });
        if (r == -EINTR && ready_.empty()) return -EINTR;  // let the caller look at stop()
    }
}

UringQueue::Entry* UringQueue::claim(uint64_t unique) {
    for (Entry& e : entries_) {
        if (e.state != State::WithUs || e.unique != unique) continue;
        e.state = State::Replied;
        // The handler may still read its request (names, write data) from
        // the payload buffer: then the reply waits aside until it returns.
        e.use_deferred = e.in_handler && e.request_payload > 0;
        return &e;
    }
    return nullptr;
}

std::byte* UringQueue::body_for(Entry& e, size_t size) {
    if (!e.use_deferred) return e.payload;
    if (e.deferred.size() < size) e.deferred.resize((size + kPage - 1) / kPage * kPage);
    return e.deferred.data();
}

void UringQueue::commit(Entry& e, size_t body_size, int error) {
    bool wake;
    {
        std::lock_guard lock(mu_);
        abi::fuse_out_header out{static_cast<uint32_t>(kOutHeader + body_size), error, e.unique};
        std::memcpy(e.header->in_out, &out, sizeof out);
        e.reply_size = error ? 0 : body_size;
        commits_.push_back(static_cast<size_t>(&e - entries_.data()));
        wake = !pthread_equal(owner_, pthread_self());
    }
    if (wake) {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
    }
}

int UringQueue::send(const iovec* iov, int count) {
    abi::fuse_out_header out;
    std::memcpy(&out, iov[0].iov_base, sizeof out);
    if (out.unique == 0) return -EINVAL;  // notifications go through /dev/fuse
    Entry* e;
    {
        std::lock_guard lock(mu_);
        e = claim(out.unique);
    }
    if (!e) return -ENOENT;
    size_t size = iov_length(iov, count) - iov[0].iov_len;
    if (size > payload_size_) {
        commit(*e, 0, -EIO);
        return -E2BIG;
    }
    std::byte* p = body_for(*e, size);
    for (int i = 1; i < count; ++i) {
        std::memmove(p, iov[i].iov_base, iov[i].iov_len);  // may overlap the request
        p += iov[i].iov_len;
    }
    commit(*e, size, out.error);
    return 0;
}

int UringQueue::send_from_fd(const iovec* head, int head_count, int fd, uint64_t offset, size_t size) {
    abi::fuse_out_header out;
    std::memcpy(&out, head[0].iov_base, sizeof out);
    Entry* e;
    {
        std::lock_guard lock(mu_);
        e = claim(out.unique);
    }
    if (!e) return -ENOENT;
    // The file data is read straight into the payload buffer: one copy.
    size_t head_size = iov_length(head, head_count) - head[0].iov_len;
    if (head_size + size > payload_size_) size = payload_size_ - std::min(head_size, payload_size_);
    std::byte* p = body_for(*e, head_size + size);
    for (int i = 1; i < head_count; ++i) {
        std::memmove(p, head[i].iov_base, head[i].iov_len);
        p += head[i].iov_len;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = ::pread(fd, p + got, size - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int error = -errno;
            static_cast<abi::fuse_out_header*>(head[0].iov_base)->error = error;
            static_cast<abi::fuse_out_header*>(head[0].iov_base)->len = kOutHeader;
            commit(*e, 0, error);
            return 0;
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    static_cast<abi::fuse_out_header*>(head[0].iov_base)->len = static_cast<uint32_t>(kOutHeader + head_size + got);
    commit(*e, head_size + got, 0);
    return 0;
}

}  // namespace

std::unique_ptr<Transport> make_uring_queue(int device_fd, unsigned qid, unsigned depth, size_t payload_size,
                                            std::string* why) {
    auto q = std::make_unique<UringQueue>(device_fd, qid, depth, payload_size);
    if (!q->open(why)) return nullptr;
    return q;
}

}  // namespace fusex::transport
