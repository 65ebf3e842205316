#include "remote_memory.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dmover {
namespace {

size_t sum(std::span<const iovec> v) {
    size_t s = 0;
    for (const iovec& x : v) s += x.iov_len;
    return s;
}

template <class Call>
int whole_transfer(Call call, std::span<const iovec> local) {
    size_t want = sum(local);
    if (want == 0) return 0;
    ssize_t got;
    do {
        got = call();
    } while (got < 0 && errno == EINTR);
    if (got < 0) return errno;
    return size_t(got) == want ? 0 : EFAULT;
}

}  // namespace

int remote_read(pid_t pid, std::span<const iovec> local, std::span<const iovec> remote) {
    return whole_transfer([&] { return process_vm_readv(pid, local.data(), local.size(), remote.data(), remote.size(), 0); },
                          local);
}

int remote_write(pid_t pid, std::span<const iovec> local, std::span<const iovec> remote) {
    return whole_transfer([&] { return process_vm_writev(pid, local.data(), local.size(), remote.data(), remote.size(), 0); },
                          local);
}

pid_t thread_group_of(pid_t tid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(tid));
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return tid;
    char buf[1024];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return tid;
    buf[n] = '\0';
    const char* line = std::strstr(buf, "\nTgid:");
    if (!line) return tid;
    long tgid = std::strtol(line + 6, nullptr, 10);
    return tgid > 0 ? static_cast<pid_t>(tgid) : tid;
}

pid_t ThreadGroupCache::resolve(pid_t tid) {
    pid_t cached = 0;
    {
        std::lock_guard lk(mu_);
        auto it = groups_.find(tid);
        if (it != groups_.end()) cached = it->second;
    }
    if (cached != 0) {
        char path[64];
        std::snprintf(path, sizeof path, "/proc/%d/task/%d", static_cast<int>(cached), static_cast<int>(tid));
        struct stat st;
        if (::stat(path, &st) == 0) return cached;
    }
    const pid_t tgid = thread_group_of(tid);
    std::lock_guard lk(mu_);
    if (groups_.size() >= 4096) groups_.clear();  // bounded; refills on demand
    groups_[tid] = tgid;
    return tgid;
}

}  // namespace dmover
