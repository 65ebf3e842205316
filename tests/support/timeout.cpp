#include "support/timeout.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace fusex::test {

::testing::AssertionResult in_child(const std::function<std::string()>& fn,
                                    std::chrono::milliseconds timeout) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return ::testing::AssertionFailure() << "pipe: " << strerror(errno);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return ::testing::AssertionFailure() << "fork: " << strerror(errno);
    }
    if (pid == 0) {
        close(fds[0]);
        std::string msg;
        try {
            msg = fn();
        } catch (const std::exception& e) {
            msg = std::string("exception: ") + e.what();
        } catch (...) {
            msg = "unknown exception";
        }
        size_t off = 0;
        while (off < msg.size()) {
            ssize_t n = write(fds[1], msg.data() + off, msg.size() - off);
            if (n <= 0) break;
            off += static_cast<size_t>(n);
        }
        _exit(msg.empty() ? 0 : 1);
    }
    close(fds[1]);

    std::string msg;
    bool eof = false;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fds[0], POLLIN, 0};
        int r = poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        char buf[4096];
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n > 0)
            msg.append(buf, static_cast<size_t>(n));
        else if (n == 0 || errno != EINTR)
            eof = true;
    }
    close(fds[0]);

    int status = 0;
    if (!eof) {
        kill(pid, SIGKILL);
        // A child stuck in an uninterruptible wait may take a while; don't
        // block forever on it.
        for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) == 0; ++i) usleep(10000);
        return ::testing::AssertionFailure() << "child timed out after " << timeout.count()
                                             << " ms (hung syscall?)" << (msg.empty() ? "" : ": ") << msg;
    }
    if (waitpid(pid, &status, 0) < 0) return ::testing::AssertionFailure() << "waitpid: " << strerror(errno);
    if (WIFSIGNALED(status))
        return ::testing::AssertionFailure() << "child killed by signal " << WTERMSIG(status) << ": " << msg;
    if (!msg.empty() || WEXITSTATUS(status) != 0)
        return ::testing::AssertionFailure() << "child failed (status " << WEXITSTATUS(status) << "): " << msg;
    return ::testing::AssertionSuccess();
}

namespace {

struct ThreadResult {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::string msg;
};

}  // namespace

::testing::AssertionResult in_thread(std::function<std::string()> fn, std::chrono::milliseconds timeout) {
    auto result = std::make_shared<ThreadResult>();
    std::thread t([result, fn = std::move(fn)] {
        std::string msg;
        try {
            msg = fn();
        } catch (const std::exception& e) {
            msg = std::string("exception: ") + e.what();
        } catch (...) {
            msg = "unknown exception";
        }
        std::lock_guard lk(result->mu);
        result->msg = std::move(msg);
        result->done = true;
        result->cv.notify_all();
    });
    std::unique_lock lk(result->mu);
    if (!result->cv.wait_for(lk, timeout, [&] { return result->done; })) {
        lk.unlock();
        t.detach();
        return ::testing::AssertionFailure() << "thread timed out after " << timeout.count() << " ms (hung syscall?)";
    }
    lk.unlock();
    t.join();
    if (!result->msg.empty()) return ::testing::AssertionFailure() << result->msg;
    return ::testing::AssertionSuccess();
}

}  // namespace fusex::test
