// FlatFs plus one slow file: its reads park their reply until the test, an
// interrupt or a resend decides what happens to them.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "flat_fs.hpp"
#include "scope_exit.hpp"

namespace fusex::test {

// One parked READ. The reply is answered at most once, by whoever comes first.
struct ParkedRead {
    uint64_t unique = 0;
    uint64_t offset = 0;
    std::atomic<bool> interrupt_seen{false};  // the handler learned of the interrupt

    bool answer_data(const std::string& data);
    bool answer_error(int err);
    bool interrupted() const;  // the reply's cancellation token
    bool answered() const;

  private:
    friend class SlowFs;
    mutable std::mutex mu;
    std::optional<ReplyData> reply;
};

class SlowFs : public FlatFs {
  public:
    enum class OnInterrupt {
        Callback,  // on_interrupt answers EINTR
        Poll,      // a thread polls interrupted() and then answers EINTR
        Ignore,    // only note it; the test answers
        Block,     // the handler itself waits (its worker blocked) for interrupted()
    };
    OnInterrupt mode = OnInterrupt::Callback;
    NodeId slow = 0;  // reads of this node park

    ~SlowFs() override;
    void read(const ReadRequest& req, ReplyData reply) override;

    size_t parked_count() const;
    std::shared_ptr<ParkedRead> parked(size_t i) const;
    // Answers every parked read with EIO and joins the pollers. Must run
    // while the session still exists (see ScopeExit in the tests).
    void drain();

  private:
    void block_until_interrupted(const std::shared_ptr<ParkedRead>& p, ReplyData reply);

    std::atomic<bool> draining_{false};
    std::vector<std::shared_ptr<ParkedRead>> parked_;
    std::vector<std::thread> pollers_;
};

}  // namespace fusex::test
