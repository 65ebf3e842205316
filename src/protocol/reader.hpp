// Bounds-checked sequential reads over an untrusted byte range, for the
// request decoder. Every read checks the remaining length first and copies
// with memcpy: request buffers come from the kernel at arbitrary alignment.
#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

namespace fusex::protocol::decoding {

// Sequential, bounds-checked reads from the argument area.
class Reader {
  public:
    Reader(const std::byte* p, size_t n) : p_(p), left_(n) {}

    // Copies `size` bytes (the compat size, <= sizeof(T)) into a zeroed T,
    // so fields an older minor does not send read as 0.
    template <class T>
    bool fixed(T& out, size_t size = sizeof(T)) {
        static_assert(std::is_trivially_copyable_v<T>);
        if (size > sizeof(T) || left_ < size) return false;
        std::memset(&out, 0, sizeof(T));
        std::memcpy(&out, p_, size);
        skip(size);
        return true;
    }

    // A NUL-terminated, non-empty string.
    bool name(std::string_view& out) {
        const void* nul = left_ ? std::memchr(p_, 0, left_) : nullptr;
        if (nul == nullptr) return false;
        size_t len = static_cast<size_t>(static_cast<const std::byte*>(nul) - p_);
        if (len == 0) return false;
        out = std::string_view(reinterpret_cast<const char*>(p_), len);
        skip(len + 1);
        return true;
    }

    // Exactly the remaining `size` bytes.
    bool tail(size_t size, std::span<const std::byte>& out) {
        if (left_ != size) return false;
        out = std::span<const std::byte>(p_, size);
        skip(size);
        return true;
    }

    const std::byte* pos() const { return p_; }
    size_t left() const { return left_; }
    bool done() const { return left_ == 0; }

  private:
    void skip(size_t n) {
        p_ += n;
        left_ -= n;
    }
    const std::byte* p_;
    size_t left_;
};

}  // namespace fusex::protocol::decoding
