// Typed replies. Each handler gets exactly one reply object and must answer it
// exactly once, now or later and from any thread:
//   - answering methods are &&-qualified: std::move(reply).entry(e);
//   - answering an already answered reply throws ReplyError (a programming error);
//   - a reply destroyed unanswered sends EIO to the kernel and logs one line.
// Every reply can instead be answered with std::move(reply).error(errno).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "fusex/types.hpp"

namespace fusex {

namespace detail {
struct InFlight;      // the session's record of one request in flight
class ReplyChannel;   // where a reply goes: implemented by the session
}  // namespace detail

class ReplyError : public std::logic_error {
  public:
    using std::logic_error::logic_error;
};

class Reply {
  public:
    Reply(detail::ReplyChannel* channel, detail::InFlight* slot) noexcept;
    Reply(Reply&& other) noexcept;
    Reply& operator=(Reply&& other) noexcept;
    Reply(const Reply&) = delete;
    Reply& operator=(const Reply&) = delete;
    ~Reply();

    // Fail the request with a positive errno value (ENOENT, EACCES, ...).
    void error(int errnum) &&;

    // True once the kernel sent FUSE_INTERRUPT for this request (the caller
    // got a signal). A handler doing slow work polls this or registers a
    // callback, then answers EINTR.
    bool interrupted() const noexcept;
    // Runs cb once, on the thread that reads the interrupt (or right away if
    // it already came). Set it before blocking; it must not block.
    void on_interrupt(std::function<void()> cb);

    uint64_t unique() const noexcept;
    bool answered() const noexcept { return slot_ == nullptr; }

  protected:
    // Send a success reply whose payload is `payload` (may be empty).
    // Returns 0 once the kernel took it, else a negative errno.
    int send(std::span<const iovec> payload);
    int send(const void* data, size_t size);
    // Send out-struct then `size` bytes taken from fd at offset (splice when
    // the transport can, else copied).
    void send_from_fd(const void* head, size_t head_size, int fd, uint64_t offset, size_t size);
    detail::ReplyChannel* channel() const noexcept { return channel_; }
    detail::InFlight* take_slot();

  private:
    detail::ReplyChannel* channel_;
    detail::InFlight* slot_;
};

// FORGET-free operations that only succeed or fail: unlink, rmdir, rename,
// link-less ops, release, flush, fsync, setxattr, removexattr, access, setlk...
class ReplyEmpty : public Reply {
  public:
    using Reply::Reply;
    void ok() &&;
};

// lookup, mknod, mkdir, symlink, link.
class ReplyEntry : public Reply {
  public:
    using Reply::Reply;
    void entry(const Entry& e) &&;
};

// create and tmpfile: an entry plus an open file.
class ReplyCreate : public Reply {
  public:
    using Reply::Reply;
    void created(const Entry& e, const OpenResult& open) &&;
};

class ReplyAttr : public Reply {
  public:
    using Reply::Reply;
    void attr(const Attr& a, double timeout) &&;
};

class ReplyStatx : public Reply {
  public:
    using Reply::Reply;
    // btime may be zero (unknown); the reply then omits it from the mask.
    void statx(const Attr& a, timespec btime, double timeout) &&;
};

// open and opendir.
class ReplyOpen : public Reply {
  public:
    using Reply::Reply;
    void opened(const OpenResult& open) &&;
};

// read: bytes from memory, or bytes of a file descriptor (zero-copy where the
// transport supports it). A short answer means end of file.
class ReplyData : public Reply {
  public:
    using Reply::Reply;
    void data(std::span<const std::byte> bytes) &&;
    void data(std::span<const iovec> pieces) &&;
    void data_from_fd(int fd, uint64_t offset, size_t size) &&;
};

// write and copy_file_range: how many bytes were taken.
class ReplyWrite : public Reply {
  public:
    using Reply::Reply;
    void written(uint64_t count) &&;
};

class ReplyStatfs : public Reply {
  public:
    using Reply::Reply;
    void statfs(const StatFs& s) &&;
};

// getxattr and listxattr: with size 0 in the request answer size(), else
// value() (ERANGE when it does not fit is the handler's answer).
class ReplyXattr : public Reply {
  public:
    using Reply::Reply;
    void size(uint32_t needed) &&;
    void value(std::span<const std::byte> bytes) &&;
};

class ReplyReadlink : public Reply {
  public:
    using Reply::Reply;
    void target(std::string_view path) &&;
};

class ReplyLock : public Reply {
  public:
    using Reply::Reply;
    void lock(const FileLock& lk) &&;
};

class ReplyBmap : public Reply {
  public:
    using Reply::Reply;
    void block(uint64_t idx) &&;
};

class ReplyLseek : public Reply {
  public:
    using Reply::Reply;
    void offset(uint64_t off) &&;
};

class ReplyPoll : public Reply {
  public:
    using Reply::Reply;
    void events(uint32_t revents) &&;
};

class ReplyIoctl : public Reply {
  public:
    using Reply::Reply;
    // result is what ioctl(2) returns to the caller; out is copied back to
    // the caller's argument (at most the request's out_size bytes).
    void result(int32_t result, std::span<const std::byte> out = {}) &&;
};

// readdir and readdirplus. Fill with add()/add_plus() until one returns false
// (buffer full: that entry was not added), then send(). `next_offset` is the
// offset the kernel passes back to continue after this entry; it must be
// stable for the directory's lifetime so that readdir survives concurrent
// change.
class ReplyDir : public Reply {
  public:
    ReplyDir(detail::ReplyChannel* channel, detail::InFlight* slot, size_t max_size, bool plus) noexcept;
    ReplyDir(ReplyDir&&) noexcept = default;
    ReplyDir& operator=(ReplyDir&&) noexcept = default;

    // For READDIR. mode: only the S_IFMT bits are used.
    bool add(std::string_view name, uint64_t ino, uint32_t mode, uint64_t next_offset);
    // For READDIRPLUS. Entries other than "." and ".." with a non-zero node
    // count as one lookup each (the kernel will FORGET them).
    bool add_plus(std::string_view name, const Entry& e, uint64_t next_offset);
    bool plus() const noexcept { return plus_; }
    size_t entries() const noexcept { return count_; }
    void send() &&;

  private:
    std::vector<std::byte> buf_;
    std::vector<NodeId> counted_;  // readdirplus nodes whose lookup the kernel will count
    size_t max_size_ = 0;
    size_t count_ = 0;
    bool plus_ = false;
};

}  // namespace fusex
