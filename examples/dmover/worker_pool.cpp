#include "worker_pool.hpp"

#include <cerrno>

#include "executor.hpp"

namespace dmover {

WorkerPool::WorkerPool(unsigned threads) : size_(threads == 0 ? 1 : threads) {}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();  // no submit() can run any more
}

void WorkerPool::submit(std::vector<Job>&& jobs) {
    if (jobs.empty()) return;
    {
        std::lock_guard lk(mu_);
        if (threads_.empty())
            for (unsigned i = 0; i < size_; ++i) threads_.emplace_back([this] { run(); });
        for (Job& j : jobs) queue_.push_back(std::move(j));
    }
    if (jobs.size() == 1) cv_.notify_one();
    else cv_.notify_all();
}

void WorkerPool::run() {
    Scratch scratch;
    for (;;) {
        Job job;
        {
            std::unique_lock lk(mu_);
            cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        dmover_completion c{};
        c.id = job.request.id;
        const std::atomic<bool>& cancel = job.sink->cancelled();
        Outcome o;
        if (cancel.load()) {
            o.error = ECANCELED;
        } else {
            try {
                o = execute(*job.fn, job.request, job.pid, scratch, &cancel);
            } catch (const std::bad_alloc&) {
                o.error = ENOMEM;
            }
        }
        c.error = o.error;
        c.result = o.result;
        job.sink->completed(c);
    }
}

}  // namespace dmover
