// One open() of the dmover device: the function, the requests in flight, the
// completions waiting to be read, and the callers parked until one of those
// changes. Nothing here blocks: a write that finds no free slot, a read that
// finds no completion and a flush that finds work running park their reply
// and are answered later, from whichever thread changes the state.
//
// The reply types are template parameters so the state machine is tested
// with stand-ins; the daemon uses fusex::ReplyWrite, ReplyData, ReplyEmpty.
// Each needs error(int) &&, on_interrupt(cb), interrupted(), and
// written(uint64_t) && / data(std::span<const std::byte>) && / ok() &&.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "dmover_client.hpp"
#include "functions.hpp"
#include "worker_pool.hpp"

namespace dmover {

template <class WriteReply, class ReadReply, class FlushReply>
class DeviceSession final : public CompletionSink,
                            public std::enable_shared_from_this<DeviceSession<WriteReply, ReadReply, FlushReply>> {
  public:
    using Submit = std::function<void(std::vector<Job>&&)>;
    using Wake = std::function<void(uint64_t kh)>;

    DeviceSession(Submit submit, Wake wake, unsigned depth = DMOVER_MAX_INFLIGHT)
        : submit_(std::move(submit)), wake_(std::move(wake)), depth_(depth) {}

    // 0, EBUSY (already chosen) or ENOENT (unknown name).
    int set_function(std::string_view name) {
        std::lock_guard lk(mu_);
        if (fn_) return EBUSY;
        const Function* f = find_function(name);
        if (!f) return ENOENT;
        fn_ = f;
        return 0;
    }

    void write(std::span<const std::byte> data, pid_t pid, bool nonblock, WriteReply reply) {
        // Copied now: the request's bytes are gone once the handler returns.
        std::vector<dmover_request> records(data.size() / sizeof(dmover_request));
        if (!records.empty()) std::memcpy(records.data(), data.data(), records.size() * sizeof(dmover_request));
        std::unique_lock lk(mu_);
        if (int e = check_io_locked(data.size(), sizeof(dmover_request))) {
            lk.unlock();
            return std::move(reply).error(e);
        }
        if (records.empty()) {
            lk.unlock();
            return std::move(reply).written(0);
        }
        Outbox out;
        uint32_t before = mask_locked();
        if (used_ >= depth_) {
            if (nonblock) {
                lk.unlock();
                return std::move(reply).error(EAGAIN);
            }
            if (!prepare_to_park(lk, reply)) return;
            before = mask_locked();
            if (used_ >= depth_) {
                parked_writes_.push_back(ParkedWrite{park_token_, std::move(reply), std::move(records), pid});
                return;
            }
        }
        size_t accepted = accept_locked(records, pid, out);
        answer_write(out, std::move(reply), accepted);
        finish(lk, out, before);
    }

    void read(uint32_t size, bool nonblock, ReadReply reply) {
        std::unique_lock lk(mu_);
        if (int e = check_io_locked(size, sizeof(dmover_completion))) {
            lk.unlock();
            return std::move(reply).error(e);
        }
        const size_t max = size / sizeof(dmover_completion);
        if (max == 0) {
            lk.unlock();
            return std::move(reply).data(std::span<const std::byte>());
        }
        Outbox out;
        uint32_t before = mask_locked();
        if (ready_.empty()) {
            if (nonblock) {
                lk.unlock();
                return std::move(reply).error(EAGAIN);
            }
            if (!prepare_to_park(lk, reply)) return;
            before = mask_locked();
            if (ready_.empty()) {
                parked_reads_.push_back(ParkedRead{park_token_, std::move(reply), max});
                return;
            }
        }
        answer_read(out, std::move(reply), take_locked(max));
        serve_parked_writes_locked(out);
        finish(lk, out, before);
    }

    // Current readiness; with schedule_notify, wake kh when it grows.
    uint32_t poll(bool schedule_notify, uint64_t kh) {
        std::lock_guard lk(mu_);
        if (schedule_notify) {
            kh_ = kh;
            armed_ = true;
        }
        return mask_locked();
    }

    // close(): answered once no request is running (the caller's memory is
    // no longer touched), or EINTR on interrupt.
    void flush(FlushReply reply) {
        std::unique_lock lk(mu_);
        if (running_ > 0) {
            if (!prepare_to_park(lk, reply)) return;
            if (running_ > 0) {
                parked_flushes_.push_back(ParkedFlush{park_token_, std::move(reply)});
                return;
            }
        }
        lk.unlock();
        std::move(reply).ok();
    }

    // The last close: queued requests are skipped, unread completions
    // dropped. Running ones finish; their jobs hold the last references.
    void release() {
        Outbox out;
        std::unique_lock lk(mu_);
        released_.store(true);
        ready_.clear();
        for (auto& w : parked_writes_) answer_error(out, std::move(w.reply), EBADF);
        for (auto& r : parked_reads_) answer_error(out, std::move(r.reply), EBADF);
        for (auto& f : parked_flushes_) answer_error(out, std::move(f.reply), EBADF);
        parked_writes_.clear();
        parked_reads_.clear();
        parked_flushes_.clear();
        lk.unlock();
        for (auto& a : out.answers) a();
    }

    void completed(const dmover_completion& c) override {
        Outbox out;
        std::unique_lock lk(mu_);
        const uint32_t before = mask_locked();
        --running_;
        if (!released_.load()) {
            ready_.push_back(c);
            while (!ready_.empty() && !parked_reads_.empty()) {
                ParkedRead r = std::move(parked_reads_.front());
                parked_reads_.pop_front();
                answer_read(out, std::move(r.reply), take_locked(r.max));
            }
            serve_parked_writes_locked(out);
        }
        if (running_ == 0) {
            for (auto& f : parked_flushes_) answer_ok(out, std::move(f.reply));
            parked_flushes_.clear();
        }
        finish(lk, out, before);
    }

    const std::atomic<bool>& cancelled() const override { return released_; }

    // Observers, for tests and debugging.
    unsigned in_flight() const { std::lock_guard lk(mu_); return used_; }
    unsigned running() const { std::lock_guard lk(mu_); return running_; }
    size_t ready() const { std::lock_guard lk(mu_); return ready_.size(); }
    size_t parked() const {
        std::lock_guard lk(mu_);
        return parked_writes_.size() + parked_reads_.size() + parked_flushes_.size();
    }

  private:
    struct ParkedWrite {
        uint64_t token;
        WriteReply reply;
        std::vector<dmover_request> records;
        pid_t pid;
    };
    struct ParkedRead {
        uint64_t token;
        ReadReply reply;
        size_t max;
    };
    struct ParkedFlush {
        uint64_t token;
        FlushReply reply;
    };
    // What to do once the lock is dropped: replies are never sent under it.
    struct Outbox {
        std::vector<Job> jobs;
        std::vector<std::function<void()>> answers;
    };

    template <class R, class F>
    static void later(Outbox& out, R&& reply, F answer) {
        auto held = std::make_shared<R>(std::move(reply));
        out.answers.push_back([held, answer = std::move(answer)]() mutable { answer(std::move(*held)); });
    }
    template <class R>
    static void answer_error(Outbox& out, R&& reply, int err) {
        later(out, std::move(reply), [err](R&& r) { std::move(r).error(err); });
    }
    static void answer_ok(Outbox& out, FlushReply&& reply) {
        later(out, std::move(reply), [](FlushReply&& r) { std::move(r).ok(); });
    }
    static void answer_write(Outbox& out, WriteReply&& reply, size_t records) {
        later(out, std::move(reply), [records](WriteReply&& r) { std::move(r).written(records * sizeof(dmover_request)); });
    }
    static void answer_read(Outbox& out, ReadReply&& reply, std::vector<dmover_completion> done) {
        later(out, std::move(reply), [done = std::move(done)](ReadReply&& r) {
            std::move(r).data(std::as_bytes(std::span<const dmover_completion>(done)));
        });
    }

    // A partial record is an error only where it could be reached: the
    // kernel cuts large transfers at max_write/max_pages, anywhere in a
    // record, and no call ever takes more than depth_ records.
    int check_io_locked(size_t bytes, size_t record) const {
        if (!fn_) return ENXIO;
        if (bytes % record != 0 && bytes / record < depth_) return EINVAL;
        return 0;
    }

    uint32_t mask_locked() const {
        if (!fn_) return POLLERR;
        uint32_t m = 0;
        if (!ready_.empty()) m |= POLLIN | POLLRDNORM;
        if (used_ < depth_) m |= POLLOUT | POLLWRNORM;
        return m;
    }

    // Registers the interrupt callback without the lock (it may run at once),
    // then relocks. False if the request was interrupted meanwhile (answered
    // EINTR); else park_token_ names the entry to park.
    template <class R>
    bool prepare_to_park(std::unique_lock<std::mutex>& lk, R& reply) {
        const uint64_t token = ++next_token_;
        lk.unlock();
        std::weak_ptr<DeviceSession> weak = this->weak_from_this();
        reply.on_interrupt([weak, token] {
            if (auto s = weak.lock()) s->cancel_parked(token);
        });
        if (reply.interrupted()) {
            std::move(reply).error(EINTR);
            return false;
        }
        lk.lock();
        park_token_ = token;
        return true;
    }

    void cancel_parked(uint64_t token) {
        Outbox out;
        {
            std::lock_guard lk(mu_);
            cancel_in(parked_writes_, token, out);
            cancel_in(parked_reads_, token, out);
            cancel_in(parked_flushes_, token, out);
        }
        for (auto& a : out.answers) a();
    }
    template <class Queue>
    static void cancel_in(Queue& q, uint64_t token, Outbox& out) {
        for (auto it = q.begin(); it != q.end(); ++it) {
            if (it->token == token) {
                answer_error(out, std::move(it->reply), EINTR);
                q.erase(it);
                return;
            }
        }
    }

    size_t accept_locked(std::span<const dmover_request> records, pid_t pid, Outbox& out) {
        const size_t n = std::min<size_t>(records.size(), depth_ - used_);
        auto self = this->shared_from_this();
        for (size_t i = 0; i < n; ++i) out.jobs.push_back(Job{self, fn_, records[i], pid});
        used_ += static_cast<unsigned>(n);
        running_ += static_cast<unsigned>(n);
        return n;
    }

    std::vector<dmover_completion> take_locked(size_t max) {
        const size_t n = std::min(max, ready_.size());
        std::vector<dmover_completion> v(ready_.begin(), ready_.begin() + static_cast<std::ptrdiff_t>(n));
        ready_.erase(ready_.begin(), ready_.begin() + static_cast<std::ptrdiff_t>(n));
        used_ -= static_cast<unsigned>(n);
        return v;
    }

    void serve_parked_writes_locked(Outbox& out) {
        while (used_ < depth_ && !parked_writes_.empty()) {
            ParkedWrite w = std::move(parked_writes_.front());
            parked_writes_.pop_front();
            answer_write(out, std::move(w.reply), accept_locked(w.records, w.pid, out));
        }
    }

    // Drops the lock, then submits, answers and wakes a sleeping poll if the
    // readiness grew.
    void finish(std::unique_lock<std::mutex>& lk, Outbox& out, uint32_t before) {
        const uint32_t after = mask_locked();
        bool wake = armed_ && (after & ~before) != 0;
        const uint64_t kh = kh_;
        if (wake) armed_ = false;
        lk.unlock();
        if (!out.jobs.empty()) submit_(std::move(out.jobs));
        for (auto& a : out.answers) a();
        if (wake && wake_) wake_(kh);
    }

    const Submit submit_;
    const Wake wake_;
    const unsigned depth_;

    mutable std::mutex mu_;
    const Function* fn_ = nullptr;
    unsigned used_ = 0;     // accepted and not yet read back
    unsigned running_ = 0;  // accepted and not yet completed
    std::deque<dmover_completion> ready_;
    std::deque<ParkedWrite> parked_writes_;
    std::deque<ParkedRead> parked_reads_;
    std::deque<ParkedFlush> parked_flushes_;
    uint64_t next_token_ = 0;
    uint64_t park_token_ = 0;
    uint64_t kh_ = 0;
    bool armed_ = false;
    std::atomic<bool> released_{false};
};

}  // namespace dmover
