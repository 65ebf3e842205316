// What an open file or directory handle (the kernel's fh) points to.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cstdint>
#include <mutex>

namespace passthrough {

struct FileHandle {
    explicit FileHandle(int fd) noexcept : fd(fd) {}
    ~FileHandle() { close(fd); }
    FileHandle(const FileHandle&) = delete;
    FileHandle& operator=(const FileHandle&) = delete;

    static FileHandle& from(uint64_t fh) noexcept { return *reinterpret_cast<FileHandle*>(fh); }
    uint64_t fh() const noexcept { return reinterpret_cast<uint64_t>(this); }

    const int fd;
    bool uses_backing = false;  // holds one of the inode's backing users
};

struct DirHandle {
    explicit DirHandle(DIR* dir) noexcept : dir(dir) {}
    ~DirHandle() { closedir(dir); }
    DirHandle(const DirHandle&) = delete;
    DirHandle& operator=(const DirHandle&) = delete;

    static DirHandle& from(uint64_t fh) noexcept { return *reinterpret_cast<DirHandle*>(fh); }
    uint64_t fh() const noexcept { return reinterpret_cast<uint64_t>(this); }

    std::mutex mu;
    DIR* const dir;
    uint64_t position = 0;  // the offset the DIR stream is at (telldir cookie)
};

}  // namespace passthrough
