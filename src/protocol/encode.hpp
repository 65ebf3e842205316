// Encoding: typed results -> the kernel's reply structures. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fusex/filesystem.hpp"
#include "fusex/types.hpp"
#include "protocol/abi.hpp"

namespace fusex::protocol {

abi::fuse_attr encode_attr(const Attr& a);
abi::fuse_entry_out encode_entry(const Entry& e);
abi::fuse_attr_out encode_attr_out(const Attr& a, double timeout);
abi::fuse_open_out encode_open(const OpenResult& o);
abi::fuse_kstatfs encode_statfs(const StatFs& s);
abi::fuse_file_lock encode_lock(const FileLock& l);
abi::fuse_statx_out encode_statx(const Attr& a, timespec btime, double timeout);

// Directory entries, 8-byte aligned records. Each returns the bytes written,
// or 0 when the record does not fit in dst (nothing is written then).
size_t dirent_size(size_t name_len);
size_t direntplus_size(size_t name_len);
size_t put_dirent(std::span<std::byte> dst, std::string_view name, uint64_t ino, uint32_t mode, uint64_t next_off);
size_t put_direntplus(std::span<std::byte> dst, std::string_view name, const Entry& e, uint64_t next_off);

// The INIT reply for a kernel that offered `config.offered` at `kernel_minor`:
// negotiated minor = min(kernel, ours); flags = want & offered, split into
// flags/flags2; sizes as the minor requires. *reply_size gets how many bytes
// of the struct to send (older minors take a shorter struct).
abi::fuse_init_out encode_init(const InitConfig& config, uint32_t kernel_minor, size_t* reply_size);

}  // namespace fusex::protocol
