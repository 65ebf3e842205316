// Names handed to syscalls: the kernel's names as NUL-terminated strings
// (checked to be one path component), and /proc/self/fd/N paths.
#pragma once

#include <climits>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace passthrough {

// A name from a request, copied so that it ends in NUL. A path component
// must be non-empty, without '/' and at most NAME_MAX bytes; an xattr name
// only has to fit XATTR_NAME_MAX (also 255).
class CName {
  public:
    enum Kind { kComponent, kXattr };
    explicit CName(std::string_view s, Kind kind = kComponent) noexcept {
        ok_ = !s.empty() && s.size() <= NAME_MAX && s.find('\0') == std::string_view::npos &&
              (kind == kXattr || s.find('/') == std::string_view::npos);
        size_t n = ok_ ? s.size() : 0;
        std::memcpy(buf_, s.data(), n);
        buf_[n] = '\0';
    }
    bool ok() const noexcept { return ok_; }
    const char* c_str() const noexcept { return buf_; }
    std::string_view view() const noexcept { return buf_; }
    bool is_dot() const noexcept { return buf_[0] == '.' && buf_[1] == '\0'; }
    bool is_dotdot() const noexcept { return buf_[0] == '.' && buf_[1] == '.' && buf_[2] == '\0'; }

  private:
    char buf_[NAME_MAX + 1];
    bool ok_ = false;
};

// "/proc/self/fd/N": opening it reaches descriptor N's inode itself, without
// resolving any name again (the way to reopen an O_PATH descriptor).
class ProcPath {
  public:
    explicit ProcPath(int fd) noexcept { std::snprintf(buf_, sizeof buf_, "/proc/self/fd/%d", fd); }
    const char* c_str() const noexcept { return buf_; }

  private:
    char buf_[32];
};

}  // namespace passthrough
