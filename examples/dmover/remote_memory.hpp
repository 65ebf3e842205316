// Moving bytes between this daemon and a caller's address space.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <mutex>
#include <span>
#include <unordered_map>

namespace dmover {

// Whole transfers only: 0, EFAULT when anything was short (an address the
// caller cannot access), else process_vm_readv/writev's errno (ESRCH...).
int remote_read(pid_t pid, std::span<const iovec> local, std::span<const iovec> remote);
int remote_write(pid_t pid, std::span<const iovec> local, std::span<const iovec> remote);

// The process a thread belongs to (FUSE reports the calling thread's id, which
// stops working once that thread exits). Returns tid itself when unknown.
pid_t thread_group_of(pid_t tid);

// thread_group_of() reads /proc/TID/status (tens of microseconds); this
// remembers the answers and re-checks a hit with one stat() of
// /proc/TGID/task/TID, which fails if the thread id was reused elsewhere.
class ThreadGroupCache {
  public:
    pid_t resolve(pid_t tid);

  private:
    std::mutex mu_;
    std::unordered_map<pid_t, pid_t> groups_;
};

}  // namespace dmover
