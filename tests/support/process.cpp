#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <thread>

namespace fusex::test {
namespace {

std::string read_all(int fd) {
    std::string s;
    if (fd < 0) return s;
    char buf[65536];
    off_t off = 0;
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        s.append(buf, static_cast<size_t>(n));
        off += n;
    }
    return s;
}

}  // namespace

Child::Child(const std::vector<std::string>& argv) {
    out_fd_ = memfd_create("child-stdout", MFD_CLOEXEC);
    err_fd_ = memfd_create("child-stderr", MFD_CLOEXEC);
    if (out_fd_ < 0 || err_fd_ < 0 || argv.empty()) {
        error_ = std::string("memfd_create: ") + strerror(errno);
        return;
    }
    // Build argv before fork: the child of a threaded process should only
    // make async-signal-safe calls.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) {
        error_ = std::string("fork: ") + strerror(errno);
        return;
    }
    if (pid_ == 0) {
        // If the test process dies (e.g. ctest's timeout kills it), the
        // daemon gets SIGTERM and unmounts instead of lingering.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(127);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(out_fd_, 1);
        dup2(err_fd_, 2);
        setpgid(0, 0);
        execv(args[0], args.data());
        dprintf(2, "exec %s: %s\n", args[0], strerror(errno));
        _exit(127);
    }
}

Child::~Child() {
    if (pid_ > 0 && !done_) stop(std::chrono::milliseconds(2000));
    if (out_fd_ >= 0) close(out_fd_);
    if (err_fd_ >= 0) close(err_fd_);
}

bool Child::running() {
    if (pid_ <= 0 || done_) return false;
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        done_ = true;
        status_ = st;
        return false;
    }
    return true;
}

bool Child::wait_for(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

void Child::signal(int sig) {
    if (pid_ <= 0 || done_) return;
    // The child leads its own process group: signal helpers it started too
    // (a shell's children), falling back to the pid if setpgid had not run.
    if (::kill(-pid_, sig) != 0) ::kill(pid_, sig);
}

void Child::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0 || done_) return;
    signal(SIGTERM);
    if (wait_for(grace)) return;
    signal(SIGKILL);
    // SIGKILL ends even a process blocked on a FUSE request; wait boundedly
    // so a wedged kernel cannot hang the test run.
    wait_for(std::chrono::milliseconds(5000));
}

int Child::exit_code() const noexcept {
    if (!done_) return -1;
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
    return -1;
}

bool Child::signaled() const noexcept { return done_ && WIFSIGNALED(status_); }

std::string Child::out() const { return read_all(out_fd_); }
std::string Child::err() const { return read_all(err_fd_); }

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    ProcessResult r;
    Child c(argv);
    if (c.pid() < 0) {
        r.err = c.error();
        return r;
    }
    if (!c.wait_for(timeout)) {
        r.timed_out = true;
        c.stop(std::chrono::milliseconds(1000));
    }
    r.exit_code = c.exit_code();
    r.out = c.out();
    r.err = c.err();
    return r;
}

std::vector<std::string> nonempty_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
    return lines;
}

}  // namespace fusex::test
