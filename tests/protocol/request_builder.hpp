// Builds kernel request bytes for the protocol tests, the way the kernel
// lays them out: header, fixed argument, names with their NUL, payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/abi.hpp"
#include "protocol/decode.hpp"

namespace fusex::test {

inline constexpr uint64_t kUnique = 0x1122334455667788ull;
inline constexpr uint64_t kNode = 42;
inline constexpr uint32_t kUid = 1000, kGid = 100, kPid = 4321;

class Req {
  public:
    explicit Req(uint32_t opcode, uint64_t node = kNode) {
        abi::fuse_in_header h{};
        h.opcode = opcode;
        h.unique = kUnique;
        h.nodeid = node;
        h.uid = kUid;
        h.gid = kGid;
        h.pid = kPid;
        raw(&h, sizeof h);
    }
    // The first `size` bytes of t (a compat size, or all of it).
    template <class T>
    Req& arg(const T& t, size_t size = sizeof(T)) { return raw(&t, size); }
    // A name as the kernel sends it: the bytes plus a NUL.
    Req& name(std::string_view s) {
        raw(s.data(), s.size());
        return raw("", 1);
    }
    Req& raw(const void* p, size_t n) {
        const auto* b = static_cast<const std::byte*>(p);
        buf_.insert(buf_.end(), b, b + n);
        return *this;
    }
    Req& data(std::string_view s) { return raw(s.data(), s.size()); }
    Req& extlen(uint16_t units) {
        ext_ = units;
        return *this;
    }
    // Finished bytes with header.len = their size.
    std::vector<std::byte> bytes() const {
        std::vector<std::byte> out = buf_;
        auto len = static_cast<uint32_t>(out.size());
        std::memcpy(out.data() + offsetof(abi::fuse_in_header, len), &len, sizeof len);
        std::memcpy(out.data() + offsetof(abi::fuse_in_header, total_extlen), &ext_, sizeof ext_);
        return out;
    }

  private:
    std::vector<std::byte> buf_;
    uint16_t ext_ = 0;
};

// Sets header.len of a byte image (for truncation and mismatch tests).
inline void set_len(std::vector<std::byte>& b, uint32_t len) {
    if (b.size() >= sizeof(uint32_t)) std::memcpy(b.data(), &len, sizeof len);
}

// Decodes from a deliberately misaligned copy, so a decoder that casts
// instead of copying trips UBSan's alignment check.
struct Decoding {
    std::vector<std::byte> storage;
    protocol::Decoded d;
};
inline Decoding decode_unaligned(std::span<const std::byte> bytes, const protocol::DecodeParams& p = {}) {
    Decoding out;
    out.storage.resize(bytes.size() + 1);
    if (!bytes.empty()) std::memcpy(out.storage.data() + 1, bytes.data(), bytes.size());
    out.d = protocol::decode(std::span<const std::byte>(out.storage.data() + 1, bytes.size()), p);
    return out;
}

inline std::string_view sv(std::span<const std::byte> s) {
    return {reinterpret_cast<const char*>(s.data()), s.size()};
}

}  // namespace fusex::test
