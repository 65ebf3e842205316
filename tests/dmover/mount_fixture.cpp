#include "mount_fixture.hpp"

#include "support/mountinfo.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace dmover_test {
namespace {

bool wait_child(int pid, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        if (waitpid(pid, nullptr, WNOHANG) == pid) return true;
        usleep(10000);
    }
    return false;
}

}  // namespace

DmoverMount::DmoverMount(int watchdog_seconds, const std::string& options) {
    // DMOVER_TEST_OPTIONS=transport=splice (say) runs every mount test so.
    std::string extra_options = options;
    if (extra_options.empty() && getenv("DMOVER_TEST_OPTIONS")) extra_options = getenv("DMOVER_TEST_OPTIONS");
    if (access(DMOVER_DAEMON_PATH, X_OK) != 0) {
        skip_reason_ = std::string("no daemon at ") + DMOVER_DAEMON_PATH;
        return;
    }
    if (access("/dev/fuse", R_OK | W_OK) != 0 || geteuid() != 0) {
        skip_reason_ = "mounting needs root and /dev/fuse";
        return;
    }
    char tmpl[] = "/tmp/dmover-test-XXXXXX";
    if (!mkdtemp(tmpl)) {
        skip_reason_ = "mkdtemp failed";
        return;
    }
    dir_ = tmpl;
    pid_ = fork();
    if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the test
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0 && !getenv("DMOVER_TEST_DAEMON_LOG")) dup2(devnull, 2);
        if (extra_options.empty())
            execl(DMOVER_DAEMON_PATH, "fusex-dmover", "-f", dir_.c_str(), nullptr);
        else
            execl(DMOVER_DAEMON_PATH, "fusex-dmover", "-f", "-o", extra_options.c_str(), dir_.c_str(), nullptr);
        _exit(127);
    }
    for (int i = 0; i < 500 && connection_ == 0; ++i) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            skip_reason_ = "fusex-dmover exited before mounting";
            return;
        }
        connection_ = connection_of(dir_);
        if (connection_ == 0) usleep(10000);
    }
    if (connection_ == 0) {
        skip_reason_ = "fusex-dmover did not mount within 5 s";
        return;
    }
    if (pipe(stop_pipe_) == 0) {
        watchdog_ = std::thread([this, watchdog_seconds] {
            pollfd p{stop_pipe_[0], POLLIN, 0};
            if (poll(&p, 1, watchdog_seconds * 1000) == 0) {
                std::fprintf(stderr, "dmover test watchdog: aborting connection %u\n", connection_);
                abort_connection();
            }
        });
    }
}

void DmoverMount::abort_connection() const {
    if (connection_ == 0) return;
    std::string path = "/sys/fs/fuse/connections/" + std::to_string(connection_) + "/abort";
    int fd = open(path.c_str(), O_WRONLY);
    if (fd >= 0) {
        (void)!write(fd, "1", 1);
        close(fd);
    }
}

bool DmoverMount::daemon_alive() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

DmoverMount::~DmoverMount() {
    if (watchdog_.joinable()) {
        (void)!write(stop_pipe_[1], "x", 1);
        watchdog_.join();
    }
    for (int fd : stop_pipe_)
        if (fd >= 0) close(fd);
    if (!dir_.empty()) umount2(dir_.c_str(), MNT_DETACH);
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        if (!wait_child(pid_, 5000)) {
            abort_connection();
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    if (!dir_.empty()) rmdir(dir_.c_str());
}

unsigned connection_of(const std::string& dir) {
    for (const auto& m : fusex::test::mounts_at(dir))
        if (m.fstype == "fuse.dmover") return m.minor;
    return 0;
}

int run_command(const std::string& command, std::string* output) {
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    if (!p) return -1;
    char buf[4096];
    size_t n;
    output->clear();
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace dmover_test
