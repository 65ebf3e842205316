// Bounded execution: a syscall that hangs on a broken filesystem must fail
// the test, not freeze the run (ctest's TIMEOUT is only the last backstop).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>

namespace fusex::test {

// Runs fn in a forked child. fn returns "" on success or a failure message
// (gtest assertions do not cross fork, hence the string). The child is
// killed when it runs past timeout. Use it also for anything that changes
// process-wide state (setresuid, umask, POSIX locks held by "another process").
::testing::AssertionResult in_child(const std::function<std::string()>& fn,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Runs fn on a thread and waits at most timeout. A thread cannot be killed:
// on timeout it is left running detached (fn must own what it touches, e.g.
// through shared_ptr captures) and the failure names the hang; the mount
// guard's teardown then aborts the connection, which releases it.
::testing::AssertionResult in_thread(std::function<std::string()> fn,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace fusex::test
