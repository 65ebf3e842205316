#include "transport_mount.hpp"

#include "support/mountinfo.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <fstream>

#include "fusex/session_state.hpp"

namespace fusex::test {

using namespace std::chrono_literals;

namespace {

const char* const kUringParam = "/sys/module/fuse/parameters/enable_uring";

// The mount's device number from /proc/self/mountinfo (its fusectl name),
// without a stat that would wait for the not yet served filesystem.
unsigned long mount_device(const std::string& dir) {
    auto mounts = test::mounts_at(dir);
    return mounts.empty() ? 0 : makedev(mounts.back().major, mounts.back().minor);
}

}  // namespace

std::string mount_unavailable() {
    if (geteuid() != 0) return "needs root to mount";
    if (access("/dev/fuse", R_OK | W_OK) != 0) return "no usable /dev/fuse";
    return "";
}

TransportMount::TransportMount(Filesystem& fs, SessionOptions options) {
    char tmpl[] = "/tmp/fusex-transport-XXXXXX";
    if (!mkdtemp(tmpl)) {
        status_ = ::testing::AssertionFailure() << "mkdtemp: " << strerror(errno);
        return;
    }
    dir_ = tmpl;
    session_ = std::make_unique<Session>(fs, options);
    MountOptions mo;
    mo.fsname = "fusex-transport-test";
    std::string err;
    if (session_->mount(dir_, mo, &err) < 0) {
        status_ = ::testing::AssertionFailure() << "mount: " << err;
        return;
    }
    dev_ = mount_device(dir_);
    runner_ = std::thread([this] {
        session_->run();
        std::lock_guard lock(mu_);
        finished_ = true;
        cv_.notify_all();
    });
    status_ = ::testing::AssertionSuccess();
}

TransportMount::~TransportMount() { teardown(); }

uint64_t TransportMount::negotiated() {
    struct stat st {};
    if (::stat(dir_.c_str(), &st) != 0) return 0;
    auto init = session_->state().init();
    return init ? init->flags : 0;
}

void TransportMount::abort_connection() {
    if (!dev_) return;
    std::string path = "/sys/fs/fuse/connections/" + std::to_string(dev_) + "/abort";
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    [[maybe_unused]] ssize_t n = ::write(fd, "1", 1);
    ::close(fd);
}

void TransportMount::teardown() {
    if (!session_) return;
    session_->unmount();  // lazy: never blocks
    if (runner_.joinable()) {
        session_->stop();
        std::unique_lock lock(mu_);
        if (!cv_.wait_for(lock, 10s, [&] { return finished_; })) {
            ADD_FAILURE() << "session did not stop within 10 s; aborting the connection";
            lock.unlock();
            abort_connection();
            lock.lock();
            if (!cv_.wait_for(lock, 10s, [&] { return finished_; })) {
                ADD_FAILURE() << "session still running after abort; leaking it";
                runner_.detach();
                (void)session_.release();
            }
        }
        if (lock.owns_lock()) lock.unlock();
        if (runner_.joinable()) runner_.join();
    }
    session_.reset();
    ::rmdir(dir_.c_str());
}

UringSetting::UringSetting(bool enabled) {
    if (geteuid() != 0) {
        why_ = "needs root to set enable_uring";
        return;
    }
    std::ifstream in(kUringParam);
    if (!(in >> previous_)) {
        why_ = "no enable_uring parameter (kernel without FUSE over io_uring)";
        return;
    }
    lock_fd_ = ::open("/tmp/fusex-enable-uring.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    // Everyone wanting "Y" may run together; "N" excludes all. Bounded, so
    // that a holder stuck elsewhere on the machine makes this test skip
    // instead of hang.
    if (lock_fd_ >= 0) {
        const int mode = (enabled ? LOCK_SH : LOCK_EX) | LOCK_NB;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (::flock(lock_fd_, mode) < 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::close(lock_fd_);
                lock_fd_ = -1;
                why_ = "another process holds /tmp/fusex-enable-uring.lock for over 60 s";
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    std::ofstream out(kUringParam);
    out << (enabled ? "Y" : "N");
    out.close();
    std::ifstream check(kUringParam);
    std::string now;
    check >> now;
    if (now != (enabled ? "Y" : "N")) why_ = "cannot write " + std::string(kUringParam);
}

UringSetting::~UringSetting() {
    if (lock_fd_ < 0) return;
    // Leave it on once a test turned it on (other processes may rely on
    // it); restore only what a test turned off.
    if (previous_ == "Y" || previous_ == "1") {
        std::ofstream out(kUringParam);
        out << "Y";
    }
    ::flock(lock_fd_, LOCK_UN);
    ::close(lock_fd_);
}

StderrCapture::StderrCapture() {
    char tmpl[] = "/tmp/fusex-stderr-XXXXXX";
    file_ = ::mkstemp(tmpl);
    if (file_ < 0) return;
    ::unlink(tmpl);
    ::fflush(stderr);
    saved_ = ::dup(2);
    ::dup2(file_, 2);
}

StderrCapture::~StderrCapture() {
    if (saved_ >= 0) {
        ::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
    }
    if (file_ >= 0) ::close(file_);
}

std::string StderrCapture::text() const {
    if (file_ < 0) return {};
    ::fflush(stderr);
    std::string s;
    char buf[4096];
    off_t off = 0;
    ssize_t n;
    while ((n = ::pread(file_, buf, sizeof buf, off)) > 0) {
        s.append(buf, static_cast<size_t>(n));
        off += n;
    }
    return s;
}

}  // namespace fusex::test
