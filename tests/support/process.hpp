// Child processes for tests: spawn with captured output, wait with a timeout,
// and never leave one running (the destructor kills and reaps).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace fusex::test {

class Child {
  public:
    // Starts argv[0] with stdin from /dev/null and stdout/stderr captured in
    // memory files (not pipes: a chatty daemon must never block on a full pipe).
    // On failure pid() is -1 and error() says why.
    explicit Child(const std::vector<std::string>& argv);
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const noexcept { return pid_; }
    const std::string& error() const noexcept { return error_; }
    bool running();
    // Waits until the process ends; false if it is still running at timeout.
    bool wait_for(std::chrono::milliseconds timeout);
    void signal(int sig);
    // SIGTERM, then SIGKILL if it did not end within grace; always reaps.
    void stop(std::chrono::milliseconds grace);

    bool exited() const noexcept { return done_; }
    // Exit code, or 128+signal when killed; -1 while running.
    int exit_code() const noexcept;
    bool signaled() const noexcept;
    std::string out() const;
    std::string err() const;

  private:
    pid_t pid_ = -1;
    bool done_ = false;
    int status_ = 0;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::string error_;
};

struct ProcessResult {
    int exit_code = -1;  // 128+signal if killed
    bool timed_out = false;
    std::string out;
    std::string err;
};

// Runs a program to completion (killed after timeout).
ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// Lines of text without the empty ones.
std::vector<std::string> nonempty_lines(const std::string& text);

}  // namespace fusex::test
