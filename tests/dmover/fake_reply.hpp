// Stand-ins for fusex's reply objects: record the one answer, let a test
// raise an interrupt, and let a thread wait for the answer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <vector>

#include "dmover_client.hpp"

namespace dmover_test {

struct FakeAnswer {
    enum Kind { None, Error, Written, Data, Ok } kind = None;
    int error = 0;
    uint64_t written = 0;
    std::vector<dmover_completion> completions;
};

struct FakeState {
    std::mutex mu;
    std::condition_variable cv;
    FakeAnswer answer;
    int answers = 0;
    bool interrupted = false;
    std::function<void()> on_interrupt;

    void set(FakeAnswer a) {
        std::lock_guard lk(mu);
        if (answers++ > 0) throw std::logic_error("answered twice");
        answer = std::move(a);
        cv.notify_all();
    }
    FakeAnswer wait() {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return answers > 0; });
        return answer;
    }
    bool answered() {
        std::lock_guard lk(mu);
        return answers > 0;
    }
    // The kernel's INTERRUPT: runs the callback as fusex does.
    void interrupt() {
        std::function<void()> cb;
        {
            std::lock_guard lk(mu);
            interrupted = true;
            cb = std::move(on_interrupt);
        }
        if (cb) cb();
    }
};

class FakeReply {
  public:
    explicit FakeReply(std::shared_ptr<FakeState> s) : s_(std::move(s)) {}
    FakeReply(FakeReply&&) = default;
    FakeReply& operator=(FakeReply&&) = default;

    void error(int e) && { s_->set({FakeAnswer::Error, e, 0, {}}); }
    void written(uint64_t n) && { s_->set({FakeAnswer::Written, 0, n, {}}); }
    void ok() && { s_->set({FakeAnswer::Ok, 0, 0, {}}); }
    void data(std::span<const std::byte> bytes) && {
        std::vector<dmover_completion> v(bytes.size() / sizeof(dmover_completion));
        std::memcpy(v.data(), bytes.data(), v.size() * sizeof(dmover_completion));
        s_->set({FakeAnswer::Data, 0, 0, std::move(v)});
    }
    void on_interrupt(std::function<void()> cb) {
        std::unique_lock lk(s_->mu);
        if (s_->interrupted) {
            lk.unlock();
            cb();
            return;
        }
        s_->on_interrupt = std::move(cb);
    }
    bool interrupted() const {
        std::lock_guard lk(s_->mu);
        return s_->interrupted;
    }

  private:
    std::shared_ptr<FakeState> s_;
};

}  // namespace dmover_test
