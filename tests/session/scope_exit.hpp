// Runs a function when the scope ends, also after a failed ASSERT: how the
// tests answer parked replies (or close fds) before their session goes away.
#pragma once

#include <functional>
#include <utility>

namespace fusex::test {

class ScopeExit {
  public:
    explicit ScopeExit(std::function<void()> fn) : fn_(std::move(fn)) {}
    ~ScopeExit() { fn_(); }
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;

  private:
    std::function<void()> fn_;
};

}  // namespace fusex::test
