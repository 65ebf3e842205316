#include "slow_fs.hpp"

#include <cerrno>
#include <chrono>
#include <span>

namespace fusex::test {

bool ParkedRead::answer_data(const std::string& data) {
    std::unique_lock lock(mu);
    if (!reply) return false;
    ReplyData r = std::move(*reply);
    reply.reset();
    lock.unlock();
    std::move(r).data(std::as_bytes(std::span(data.data(), data.size())));
    return true;
}

bool ParkedRead::answer_error(int err) {
    std::unique_lock lock(mu);
    if (!reply) return false;
    ReplyData r = std::move(*reply);
    reply.reset();
    lock.unlock();
    std::move(r).error(err);
    return true;
}

bool ParkedRead::interrupted() const {
    std::lock_guard lock(mu);
    return reply && reply->interrupted();
}

bool ParkedRead::answered() const {
    std::lock_guard lock(mu);
    return !reply;
}

SlowFs::~SlowFs() { drain(); }

void SlowFs::read(const ReadRequest& req, ReplyData reply) {
    if (req.node != slow) {
        FlatFs::read(req, std::move(reply));
        return;
    }
    (void)take_read(req);
    auto p = std::make_shared<ParkedRead>();
    p->unique = req.ctx.unique;
    p->offset = req.offset;
    if (mode == OnInterrupt::Block) {
        block_until_interrupted(p, std::move(reply));
        return;
    }
    // Registered before parking: if the interrupt came first it runs right
    // here, finds no reply yet, and the check after parking answers.
    bool answer = mode == OnInterrupt::Callback;
    reply.on_interrupt([p, answer] {
        p->interrupt_seen = true;
        if (answer) p->answer_error(EINTR);
    });
    {
        std::lock_guard lock(p->mu);
        p->reply.emplace(std::move(reply));
    }
    if (answer && p->interrupt_seen) p->answer_error(EINTR);
    std::lock_guard lock(mu_);
    parked_.push_back(p);
    if (mode == OnInterrupt::Poll) {
        pollers_.emplace_back([p] {
            auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (!p->answered() && std::chrono::steady_clock::now() < end) {
                if (p->interrupted()) {
                    p->interrupt_seen = true;
                    p->answer_error(EINTR);
                    return;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        });
    }
}

void SlowFs::block_until_interrupted(const std::shared_ptr<ParkedRead>& p, ReplyData reply) {
    {
        std::lock_guard lock(mu_);
        parked_.push_back(p);  // counted, but the reply stays here
    }
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!reply.interrupted() && !draining_ && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    p->interrupt_seen = reply.interrupted();
    std::move(reply).error(p->interrupt_seen ? EINTR : EIO);
}

size_t SlowFs::parked_count() const {
    std::lock_guard lock(mu_);
    return parked_.size();
}

std::shared_ptr<ParkedRead> SlowFs::parked(size_t i) const {
    std::lock_guard lock(mu_);
    return i < parked_.size() ? parked_[i] : nullptr;
}

void SlowFs::drain() {
    draining_ = true;
    std::vector<std::shared_ptr<ParkedRead>> parked;
    std::vector<std::thread> pollers;
    {
        std::lock_guard lock(mu_);
        parked = parked_;
        pollers.swap(pollers_);
    }
    for (auto& p : parked) p->answer_error(EIO);
    for (auto& t : pollers) t.join();
}

}  // namespace fusex::test
