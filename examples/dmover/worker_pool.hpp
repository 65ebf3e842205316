// A bounded pool of threads that run requests, shared by all sessions.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "dmover_client.hpp"
#include "functions.hpp"

namespace dmover {

// Where a finished request goes: the session that submitted it.
class CompletionSink {
  public:
    virtual ~CompletionSink() = default;
    virtual void completed(const dmover_completion& c) = 0;
    // Set once the session is released: queued requests are skipped.
    virtual const std::atomic<bool>& cancelled() const = 0;
};

struct Job {
    std::shared_ptr<CompletionSink> sink;  // keeps the session alive until done
    const Function* fn = nullptr;
    dmover_request request{};
    pid_t pid = 0;
};

class WorkerPool {
  public:
    // Threads start with the first submit(): the daemon forks into the
    // background after constructing its filesystem, and threads do not
    // survive a fork.
    explicit WorkerPool(unsigned threads);
    ~WorkerPool();  // finishes queued jobs, then joins
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void submit(std::vector<Job>&& jobs);
    unsigned size() const { return size_; }

  private:
    void run();

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    const unsigned size_;
    std::vector<std::thread> threads_;  // empty until the first submit()
};

}  // namespace dmover
