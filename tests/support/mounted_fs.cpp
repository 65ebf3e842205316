#include "support/mounted_fs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "support/mountinfo.hpp"

#ifndef FUSEX_BIN_DIR
#error "FUSEX_BIN_DIR must name the directory of the example programs"
#endif

namespace fusex::test {
namespace {

using namespace std::chrono_literals;

std::string make_temp_dir(std::string_view tag) {
    std::string tmpl = "/tmp/fusex-" + std::string(tag) + "-XXXXXX";
    if (!mkdtemp(tmpl.data())) return {};
    return tmpl;
}

// umount2(dir, 0) that gives up waiting after timeout (-ETIMEDOUT; the call
// goes on in the background and finishes once the connection is aborted).
// Returns 0 or -errno.
int bounded_umount(const std::string& dir, std::chrono::milliseconds timeout) {
    struct State {
        std::mutex mu;
        std::condition_variable cv;
        bool done = false;
        int rc = 0;
    };
    auto st = std::make_shared<State>();
    std::thread([st, dir] {
        int rc = umount2(dir.c_str(), 0) == 0 ? 0 : -errno;
        std::lock_guard lk(st->mu);
        st->rc = rc;
        st->done = true;
        st->cv.notify_all();
    }).detach();
    std::unique_lock lk(st->mu);
    if (!st->cv.wait_for(lk, timeout, [&] { return st->done; })) return -ETIMEDOUT;
    return st->rc;
}

}  // namespace

std::string fuse_unavailable() {
    if (geteuid() != 0) return "needs root to mount FUSE filesystems";
    int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0) return std::string("cannot open /dev/fuse: ") + strerror(errno);
    close(fd);
    return {};
}

std::string example_binary(std::string_view name) {
    return std::string(FUSEX_BIN_DIR) + "/" + std::string(name);
}

TempDir::TempDir(std::string_view tag) : path_(make_temp_dir(tag)) {}

TempDir::~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

MountedFs::MountedFs(std::string program, std::vector<std::string> args,
                     std::chrono::milliseconds mount_timeout)
    : dir_(make_temp_dir("mnt")) {
    if (dir_.empty()) {
        status_ = ::testing::AssertionFailure() << "mkdtemp: " << strerror(errno);
        return;
    }
    std::vector<std::string> argv{std::move(program), "-f"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(dir_);
    daemon_ = std::make_unique<Child>(argv);
    if (daemon_->pid() < 0) {
        status_ = ::testing::AssertionFailure() << "cannot start " << argv[0] << ": " << daemon_->error();
        return;
    }
    wait_for_mount(mount_timeout);
}

MountedFs::~MountedFs() { teardown(); }

void MountedFs::wait_for_mount(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        for (const auto& m : mounts_at(dir_)) {
            if (is_fuse(m)) {
                minor_ = m.minor;
                status_ = ::testing::AssertionSuccess();
                return;
            }
        }
        if (!daemon_->running()) {
            status_ = ::testing::AssertionFailure()
                      << "daemon exited with status " << daemon_->exit_code()
                      << " before mounting " << dir_ << "; its stderr:\n"
                      << daemon_->err();
            return;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            status_ = ::testing::AssertionFailure()
                      << "no mount on " << dir_ << " after " << timeout.count()
                      << " ms; daemon stderr:\n"
                      << daemon_->err();
            return;
        }
        std::this_thread::sleep_for(10ms);
    }
}

bool MountedFs::is_mounted() const {
    for (const auto& m : mounts_at(dir_))
        if (is_fuse(m)) return true;
    return false;
}

void MountedFs::teardown() {
    if (torn_down_ || dir_.empty()) return;
    torn_down_ = true;

    if (daemon_ && ::testing::Test::HasFailure()) {
        // The daemon's own words are often the key to a failure.
        std::string log = daemon_->err();
        if (log.size() > 8000) log = "...\n" + log.substr(log.size() - 8000);
        if (!log.empty()) std::fprintf(stderr, "--- daemon stderr (%s):\n%s\n---\n", dir_.c_str(), log.c_str());
    }

    // Abort only a connection whose mount is still attached (or whose
    // unmount is still under way), so that its device minor surely names
    // ours: once gone, the minor can be reused at once by a mount of a test
    // running in parallel, and aborting that number would kill theirs.
    // Mounts may be stacked (a second daemon on the same dir): peel them all.
    for (int i = 0; i < 16; ++i) {
        auto here = mounts_at(dir_);
        if (here.empty()) break;
        unsigned minor = here.back().minor;
        bool fuse = is_fuse(here.back());
        int rc = bounded_umount(dir_, 5s);
        if (rc == 0) continue;
        // Busy (a file still open) or stuck (writeback to a wedged daemon):
        // end the connection, which fails every waiting request, then detach.
        if (fuse) abort_fuse_connection(minor);
        if (rc == -EBUSY && umount2(dir_.c_str(), MNT_DETACH) != 0 && errno != EINTR) break;
        if (rc == -ETIMEDOUT) std::this_thread::sleep_for(100ms);
    }

    if (daemon_ && daemon_->pid() > 0) {
        // A clean daemon ends by itself once its connection goes away; give
        // it a moment, then ask, then insist (SIGKILL also ends a stopped or
        // wedged daemon, and its exit ends the connection).
        if (!daemon_->wait_for(3s)) daemon_->stop(3s);
    }
    if (rmdir(dir_.c_str()) != 0 && errno != ENOENT) {
        // Leave no stray directory behind either, even if something wrote to
        // the underlying dir.
        std::error_code ec;
        if (mounts_at(dir_).empty()) std::filesystem::remove_all(dir_, ec);
    }
}

}  // namespace fusex::test
