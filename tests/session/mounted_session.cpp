#include "mounted_session.hpp"

#include "support/mountinfo.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fusex::test {

std::string fuse_unavailable() {
    if (geteuid() != 0) return "needs root to mount";
    if (access("/dev/fuse", R_OK | W_OK) != 0) return "no usable /dev/fuse";
    return "";
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= end) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

namespace {

// The mount's dev_t from /proc/self/mountinfo ("major:minor" in field 3),
// read without touching the filesystem itself (which may not be served yet).
unsigned long mount_dev(const std::string& dir) {
    auto mounts = test::mounts_at(dir);
    if (mounts.empty()) return 0;
    return (static_cast<unsigned long>(mounts.back().major) << 20) | mounts.back().minor;
}

}  // namespace

MountedSession::MountedSession(Filesystem& fs, SessionOptions so, bool background, MountOptions mo) {
    char tmpl[] = "/tmp/fusex-session-XXXXXX";
    if (!mkdtemp(tmpl)) {
        status_ = ::testing::AssertionFailure() << "mkdtemp: " << strerror(errno);
        return;
    }
    dir_ = tmpl;
    session_ = std::make_unique<Session>(fs, so);
    std::string err;
    if (mo.fsname == "fusex") mo.fsname = "fusex-session-test";
    if (int rc = session_->mount(dir_, mo, &err); rc < 0) {
        status_ = ::testing::AssertionFailure() << "mount: " << err;
        return;
    }
    connection_ = mount_dev(dir_);
    if (background) {
        runner_ = std::thread([this] {
            session_->run();
            std::lock_guard lock(mu_);
            served_ = true;
            cv_.notify_all();
        });
    }
    status_ = ::testing::AssertionSuccess();
}

MountedSession::~MountedSession() { teardown(); }

void MountedSession::abort_connection() {
    if (connection_ == 0) return;
    std::string path = "/sys/fs/fuse/connections/" + std::to_string(connection_) + "/abort";
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;  // already gone
    ssize_t n = ::write(fd, "1", 1);
    (void)n;
    ::close(fd);
}

bool MountedSession::wait_served(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return served_; });
}

void MountedSession::teardown() {
    if (torn_down_) return;
    torn_down_ = true;
    if (session_) {
        session_->unmount();  // MNT_DETACH: never blocks on a busy mount
        if (runner_.joinable()) {
            session_->stop();
            if (!wait_served(5s)) {
                ADD_FAILURE() << "session did not stop within 5 s; aborting the connection";
                abort_connection();
                if (!wait_served(5s)) {
                    // Cannot free what a running thread uses: leak it rather than hang.
                    ADD_FAILURE() << "session still running after abort; leaking it";
                    runner_.detach();
                    (void)session_.release();
                }
            }
            if (runner_.joinable()) runner_.join();
        }
        session_.reset();  // closes the device: whatever still waits gets ENOTCONN
    }
    if (!dir_.empty()) ::rmdir(dir_.c_str());
}

std::string read_file(const std::string& path, size_t max, int* err) {
    if (err) *err = 0;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (err) *err = errno;
        return {};
    }
    std::string out(max, '\0');
    size_t got = 0;
    while (got < max) {
        ssize_t n = ::read(fd, out.data() + got, max - got);
        if (n < 0) {
            if (err) *err = errno;
            break;
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
}

std::string read_once(const std::string& path, size_t max, int* err) {
    if (err) *err = 0;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (err) *err = errno;
        return {};
    }
    std::string out(max, '\0');
    ssize_t n = ::read(fd, out.data(), max);
    if (n < 0 && err) *err = errno;
    ::close(fd);
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return out;
}

}  // namespace fusex::test
