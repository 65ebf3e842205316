// Walks an iovec array in pieces: the executor moves data chunk by chunk and
// needs, for each chunk, the caller's segments that cover it.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <vector>

namespace dmover {

class IovCursor {
  public:
    explicit IovCursor(std::span<const iovec> iov) : iov_(iov) {}

    // Appends to `out` the segments covering the next `n` bytes and moves
    // past them. Returns the bytes covered (less than n only at the end).
    size_t take(size_t n, std::vector<iovec>& out) {
        size_t covered = 0;
        while (covered < n && index_ < iov_.size()) {
            const iovec& v = iov_[index_];
            size_t left = v.iov_len - offset_;
            size_t step = left < n - covered ? left : n - covered;
            if (step > 0) out.push_back(iovec{static_cast<char*>(v.iov_base) + offset_, step});
            covered += step;
            offset_ += step;
            if (offset_ == v.iov_len) {
                ++index_;
                offset_ = 0;
            }
        }
        return covered;
    }

  private:
    std::span<const iovec> iov_;
    size_t index_ = 0;
    size_t offset_ = 0;
};

}  // namespace dmover
