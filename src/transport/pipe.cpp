#include "transport/pipe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace fusex::transport {

namespace {

size_t page_size() { return static_cast<size_t>(::sysconf(_SC_PAGESIZE)); }

// The largest pipe an unprivileged process may ask for.
size_t pipe_max_size() {
    size_t size = 1 << 20;
    if (FILE* f = ::fopen("/proc/sys/fs/pipe-max-size", "r")) {
        unsigned long v = 0;
        if (::fscanf(f, "%lu", &v) == 1 && v > 0) size = v;
        ::fclose(f);
    }
    return size;
}

int dev_null() {
    static const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    return fd;
}

}  // namespace

Pipe::~Pipe() {
    if (read_end_ >= 0) ::close(read_end_);
    if (write_end_ >= 0) ::close(write_end_);
}

bool Pipe::open(size_t capacity, std::string* why) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        if (why) *why = std::string("pipe2: ") + strerror(errno);
        return false;
    }
    read_end_ = fds[0];
    write_end_ = fds[1];
    // Every page of a message may sit in its own pipe buffer and file data
    // need not start on a page boundary: leave room for a few more.
    size_t want = capacity + 4 * page_size();
    int got = ::fcntl(write_end_, F_SETPIPE_SZ, static_cast<int>(want));
    if (got < 0 && errno == EPERM) got = ::fcntl(write_end_, F_SETPIPE_SZ, static_cast<int>(pipe_max_size()));
    if (got < 0) {
        if (why) *why = "F_SETPIPE_SZ " + std::to_string(want) + ": " + strerror(errno);
        ::close(read_end_);
        ::close(write_end_);
        read_end_ = write_end_ = -1;
        return false;
    }
    slots_ = static_cast<size_t>(got) / page_size();
    return true;
}

bool Pipe::read_exact(void* out, size_t n) {
    auto* p = static_cast<char*>(out);
    while (n > 0) {
        ssize_t got = ::read(read_end_, p, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        p += got;
        n -= static_cast<size_t>(got);
    }
    return true;
}

void Pipe::drain() {
    for (;;) {
        ssize_t n = ::splice(read_end_, nullptr, dev_null(), nullptr, 1 << 30, SPLICE_F_NONBLOCK);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN) {
            char scratch[4096];
            while (::read(read_end_, scratch, sizeof scratch) > 0) {
            }
        }
        return;
    }
}

size_t splice_pipe_slots(size_t capacity) {
    static const size_t slots = [capacity] {
        Pipe probe;
        return probe.open(capacity, nullptr) ? probe.slots() : size_t{0};
    }();
    return slots;
}

Pipe* thread_reply_pipe(size_t capacity) {
    // One per thread: replies may be sent from any thread, and a pipe holds
    // one message at a time. Grown when a larger message comes along.
    thread_local std::unique_ptr<Pipe> pipe;
    thread_local size_t pipe_capacity = 0;
    thread_local bool failed = false;
    if (pipe && pipe_capacity >= capacity) return pipe.get();
    if (failed) return nullptr;
    auto p = std::make_unique<Pipe>();
    if (!p->open(capacity, nullptr)) {
        failed = true;
        return nullptr;
    }
    pipe = std::move(p);
    pipe_capacity = capacity;
    return pipe.get();
}

}  // namespace fusex::transport
