// A non-blocking pipe pair sized to hold one whole FUSE message, the vessel
// of every splice between the device, files and user memory.
#pragma once

#include <cstddef>
#include <string>

namespace fusex::transport {

class Pipe {
  public:
    Pipe() = default;
    ~Pipe();
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;

    // Creates the pipe and grows it to `capacity` bytes plus slack for
    // unaligned pages, or as far as /proc/sys/fs/pipe-max-size allows
    // without CAP_SYS_RESOURCE. False with *why if that fails.
    bool open(size_t capacity, std::string* why);
    bool is_open() const noexcept { return read_end_ >= 0; }
    // What it holds: pages (pipe buffers), each at most a page of a message.
    size_t slots() const noexcept { return slots_; }
    int read_end() const noexcept { return read_end_; }
    int write_end() const noexcept { return write_end_; }

    // Reads exactly n bytes that are known to be in the pipe.
    bool read_exact(void* out, size_t n);
    // Throws away whatever the pipe holds (to /dev/null by splice, no copy).
    void drain();

  private:
    int read_end_ = -1;
    int write_end_ = -1;
    size_t slots_ = 0;
};

// How many pages a pipe opened for `capacity` bytes will hold here (probed
// once): the splice transport caps max_write and max_pages so that every
// message fits, because the kernel fails a request that does not.
size_t splice_pipe_slots(size_t capacity);

// The calling thread's pipe for building replies, opened on first use with
// `capacity`; nullptr if that failed (the caller then copies instead).
Pipe* thread_reply_pipe(size_t capacity);

}  // namespace fusex::transport
