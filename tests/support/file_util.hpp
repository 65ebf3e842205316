// Small file helpers for tests; each returns a plain value and leaves error
// reporting to the caller's assertions.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fusex::test {

// Writes (creating or truncating) the whole file; false on any error.
bool write_file(const std::string& path, const std::string& content, mode_t mode = 0644);
// The whole file, or nullopt if it cannot be read.
std::optional<std::string> read_file(const std::string& path);
// Names in a directory without "." and "..", as readdir(3) returns them
// (duplicates kept, so tests can detect repeats).
std::optional<std::vector<std::string>> list_dir(const std::string& path);
std::optional<struct stat> lstat_of(const std::string& path);
// Deterministic bytes for data checks: f(seed, offset) for each position.
std::string pattern(size_t size, unsigned seed, uint64_t offset = 0);

}  // namespace fusex::test
