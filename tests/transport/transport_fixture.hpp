// A DataFs mounted with one transport for a test, and bounded file helpers.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data_fs.hpp"
#include "fusex/options.hpp"
#include "transport_mount.hpp"

namespace fusex::test {

const char* transport_name(TransportKind k);

class TransportFixture {
  public:
    // Skips (returns a reason) when this transport cannot run here.
    std::string set_up(TransportKind kind, SessionOptions options = {});
    void tear_down();
    DataFs& fs() { return *fs_; }
    TransportMount& mount() { return *mount_; }
    std::string path(const std::string& name) const { return mount_->path(name); }

  private:
    std::string backing_dir_;
    std::unique_ptr<UringSetting> uring_;
    std::unique_ptr<DataFs> fs_;
    std::unique_ptr<TransportMount> mount_;
};

// Whole-range pread: up to size bytes at offset (fewer only at end of file).
std::optional<std::vector<std::byte>> read_range(const std::string& path, uint64_t offset, size_t size,
                                                 int flags = 0, size_t chunk = 0);
// The expected bytes of [offset, offset + size) of content, cut at its end.
std::vector<std::byte> slice(const std::vector<std::byte>& content, uint64_t offset, size_t size);

}  // namespace fusex::test
