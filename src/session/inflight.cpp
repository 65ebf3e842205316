#include "session/inflight.hpp"

#include <exception>

#include "fusex/log.hpp"
#include "protocol/abi.hpp"

namespace fusex::detail {

namespace {

// User code run on a worker: an escaping exception would end the serving
// thread (std::terminate), so it is logged like a throwing handler.
void run_interrupt_callback(const std::function<void()>& cb, uint64_t unique) noexcept {
    try {
        cb();
    } catch (const std::exception& e) {
        log(LogLevel::Error, "on_interrupt callback of request %llu threw: %s",
            static_cast<unsigned long long>(unique), e.what());
    } catch (...) {
        log(LogLevel::Error, "on_interrupt callback of request %llu threw a non-exception",
            static_cast<unsigned long long>(unique));
    }
}

}  // namespace

InFlight* InFlightTable::acquire(uint64_t unique, uint32_t opcode, NodeId node, void* origin) {
    std::function<void()> superseded_callback;  // run outside the locks
    InFlight* slot;
    {
        std::lock_guard lock(mu_);
        if (unique & abi::FUSE_UNIQUE_RESEND) {
            const uint64_t first = unique & ~abi::FUSE_UNIQUE_RESEND;
            for (auto& s : slots_) {
                if (!s->active || s->superseded.load(std::memory_order_relaxed)) continue;
                if (s->unique != first && s->unique != unique) continue;
                s->superseded.store(true, std::memory_order_release);
                s->interrupted.store(true, std::memory_order_release);
                std::lock_guard slot_lock(s->mu);
                superseded_callback.swap(s->on_interrupt);
                break;  // at most one live copy: earlier ones were superseded before
            }
        }
        if (free_.empty()) {
            slots_.push_back(std::make_unique<InFlight>());
            slot = slots_.back().get();
            slot->index = static_cast<uint32_t>(slots_.size() - 1);
        } else {
            slot = slots_[free_.back()].get();
            free_.pop_back();
        }
        slot->unique = unique;
        slot->opcode = opcode;
        slot->node = node;
        slot->origin = origin;
        slot->active = true;
        // Interrupts that came before their request: rare, so the common
        // case costs one comparison.
        bool early = false;
        if (early_count_ > 0) {
            for (uint64_t& u : early_) {
                if (u == unique) {
                    early = true;
                    u = 0;
                    --early_count_;
                }
            }
        }
        slot->interrupted.store(early, std::memory_order_relaxed);
        slot->superseded.store(false, std::memory_order_relaxed);
        ++active_;
    }
    if (superseded_callback) run_interrupt_callback(superseded_callback, unique & ~abi::FUSE_UNIQUE_RESEND);
    return slot;
}

void InFlightTable::release(InFlight* slot) {
    std::function<void()> drop;  // destroyed outside the locks
    {
        std::lock_guard slot_lock(slot->mu);
        drop.swap(slot->on_interrupt);
    }
    std::lock_guard lock(mu_);
    slot->active = false;
    slot->unique = 0;
    free_.push_back(slot->index);
    --active_;
}

bool InFlightTable::interrupt(uint64_t unique) {
    std::function<void()> callback;
    {
        std::lock_guard lock(mu_);
        InFlight* found = nullptr;
        for (auto& s : slots_) {
            if (s->active && s->unique == unique && !s->superseded.load(std::memory_order_relaxed)) {
                found = s.get();
                break;
            }
        }
        if (!found) {
            // The kernel re-queues an INTERRUPT answered EAGAIN at once, so
            // the same unique comes back in a tight loop until its request
            // is dispatched: remember it once, or it would evict the others.
            for (uint64_t u : early_)
                if (u == unique) return false;
            if (early_[early_next_] == 0) ++early_count_;
            early_[early_next_] = unique;
            early_next_ = (early_next_ + 1) % kEarlyInterrupts;
            return false;
        }
        found->interrupted.store(true, std::memory_order_release);
        std::lock_guard slot_lock(found->mu);
        callback.swap(found->on_interrupt);
    }
    if (callback) run_interrupt_callback(callback, unique);
    return true;
}

size_t InFlightTable::active() const {
    std::lock_guard lock(mu_);
    return active_;
}

}  // namespace fusex::detail
