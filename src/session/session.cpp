// The public Session: a thin front over SessionCore plus mounting.
#include "fusex/session.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

#include "mount/mount.hpp"
#include "protocol/abi.hpp"
#include "session/session_core.hpp"

namespace fusex {

Session::Session(Filesystem& fs, SessionOptions options)
    : core_(std::make_unique<detail::SessionCore>(fs, options)), notifier_(*this) {
    fs.session_ = this;
}

Session::~Session() { unmount(); }

int Session::mount(const std::string& mountpoint, const MountOptions& options, std::string* error) {
    std::string err;
    int fd = -1;
    int rc = mount::mount_fuse(mountpoint, options, &fd, &err);
    if (rc < 0) {
        if (error) *error = err;
        return rc;
    }
    core_->attach(fd, mount::canonical_path(mountpoint));
    core_->set_mounted(true);
    return 0;
}

void Session::attach(int fd, std::string mountpoint) { core_->attach(fd, std::move(mountpoint)); }

int Session::run() { return core_->run(); }
void Session::stop() noexcept { core_->stop(); }
bool Session::stopping() const noexcept { return core_->stopping(); }

void Session::unmount() {
    if (!core_->mounted()) return;
    mount::unmount_fuse(core_->mountpoint());
    core_->set_mounted(false);
}

int Session::fd() const noexcept { return core_->device_fd(); }
int Session::process_available() { return core_->process_available(); }

int Session::open_backing(int fd) {
    abi::fuse_backing_map map{};
    map.fd = fd;
    int id = ::ioctl(core_->device_fd(), abi::FUSE_DEV_IOC_BACKING_OPEN, &map);
    return id < 0 ? -errno : id;
}

int Session::close_backing(int backing_id) {
    uint32_t id = static_cast<uint32_t>(backing_id);
    return ::ioctl(core_->device_fd(), abi::FUSE_DEV_IOC_BACKING_CLOSE, &id) < 0 ? -errno : 0;
}

const SessionState& Session::state() const noexcept { return core_->state(); }
const std::string& Session::mountpoint() const noexcept { return core_->mountpoint(); }
const SessionOptions& Session::options() const noexcept { return core_->options(); }

}  // namespace fusex
