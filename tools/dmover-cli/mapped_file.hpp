// Files mapped into memory, so the daemon moves their bytes directly.
#pragma once

#include <cstddef>
#include <string>

namespace dmover_cli {

class MappedFile {
  public:
    // Maps an existing file read-only. Throws std::system_error.
    static MappedFile open_read(const std::string& path);
    // Creates or truncates `path` to `size` bytes and maps it writable.
    static MappedFile create(const std::string& path, size_t size);

    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&&) = delete;
    ~MappedFile();

    unsigned char* data() const { return data_; }
    size_t size() const { return size_; }
    const std::string& path() const { return path_; }
    // The same file as `other` (refuse writing a file that is also read).
    bool same_file(const std::string& other) const;

  private:
    MappedFile(std::string path, unsigned char* data, size_t size, unsigned long dev, unsigned long ino);
    std::string path_;
    unsigned char* data_ = nullptr;
    size_t size_ = 0;
    unsigned long dev_ = 0, ino_ = 0;
};

}  // namespace dmover_cli
