// A logical buffer cut into iovecs at odd lengths and misaligned addresses,
// with guard bytes between the pieces to catch writes out of bounds.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <random>
#include <vector>

namespace dmover_test {

class ScatteredBuffer {
  public:
    static constexpr unsigned char kGuard = 0xA5;

    ScatteredBuffer(size_t length, unsigned pieces, uint32_t seed) {
        std::mt19937 rng(seed);
        std::vector<size_t> lengths(pieces, 0);
        if (pieces > 0) {
            size_t left = length;
            for (unsigned i = 0; i + 1 < pieces; ++i) {
                lengths[i] = left ? rng() % (left + 1) / 2 : 0;
                left -= lengths[i];
            }
            lengths[pieces - 1] = left;
        }
        size_t total = 0;
        for (size_t l : lengths) total += l + 24;
        storage_.assign(total + 64, kGuard);
        size_t pos = 1 + rng() % 7;  // misaligned start
        for (size_t l : lengths) {
            iov_.push_back(iovec{storage_.data() + pos, l});
            pos += l + 8 + rng() % 9;
        }
    }

    void fill(const std::vector<unsigned char>& bytes) {
        size_t k = 0;
        for (const iovec& v : iov_)
            for (size_t i = 0; i < v.iov_len; ++i) static_cast<unsigned char*>(v.iov_base)[i] = bytes[k++];
    }
    std::vector<unsigned char> gather() const {
        std::vector<unsigned char> out;
        for (const iovec& v : iov_)
            out.insert(out.end(), static_cast<unsigned char*>(v.iov_base),
                       static_cast<unsigned char*>(v.iov_base) + v.iov_len);
        return out;
    }
    // Every byte outside the pieces still holds the guard value.
    bool guards_intact() const {
        std::vector<bool> inside(storage_.size(), false);
        for (const iovec& v : iov_) {
            size_t start = static_cast<const unsigned char*>(v.iov_base) - storage_.data();
            for (size_t i = 0; i < v.iov_len; ++i) inside[start + i] = true;
        }
        for (size_t i = 0; i < storage_.size(); ++i)
            if (!inside[i] && storage_[i] != kGuard) return false;
        return true;
    }
    std::vector<iovec>& iov() { return iov_; }

  private:
    std::vector<unsigned char> storage_;
    std::vector<iovec> iov_;
};

inline dmover_buffer buffer_of(std::vector<iovec>& iov) {
    return dmover_buffer{reinterpret_cast<uint64_t>(iov.data()), static_cast<uint32_t>(iov.size()), 0};
}

}  // namespace dmover_test
