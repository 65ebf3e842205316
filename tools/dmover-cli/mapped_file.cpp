#include "mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace dmover_cli {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw std::system_error(errno, std::generic_category(), what + " " + path);
}

struct Fd {
    int fd;
    ~Fd() { ::close(fd); }
};

}  // namespace

MappedFile::MappedFile(std::string path, unsigned char* data, size_t size, unsigned long dev, unsigned long ino)
    : path_(std::move(path)), data_(data), size_(size), dev_(dev), ino_(ino) {}

MappedFile::MappedFile(MappedFile&& o) noexcept
    : path_(std::move(o.path_)), data_(o.data_), size_(o.size_), dev_(o.dev_), ino_(o.ino_) {
    o.data_ = nullptr;
    o.size_ = 0;
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(data_, size_);
}

MappedFile MappedFile::open_read(const std::string& path) {
    Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) fail("cannot open", path);
    struct stat st;
    if (::fstat(f.fd, &st) < 0) fail("cannot stat", path);
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        fail("not a regular file:", path);
    }
    void* p = nullptr;
    if (st.st_size > 0) {
        p = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_SHARED, f.fd, 0);
        if (p == MAP_FAILED) fail("cannot map", path);
    }
    return MappedFile(path, static_cast<unsigned char*>(p), size_t(st.st_size), st.st_dev, st.st_ino);
}

MappedFile MappedFile::create(const std::string& path, size_t size) {
    Fd f{::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (f.fd < 0) fail("cannot create", path);
    if (::ftruncate(f.fd, off_t(size)) < 0) fail("cannot resize", path);
    struct stat st;
    if (::fstat(f.fd, &st) < 0) fail("cannot stat", path);
    void* p = nullptr;
    if (size > 0) {
        p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0);
        if (p == MAP_FAILED) fail("cannot map", path);
    }
    return MappedFile(path, static_cast<unsigned char*>(p), size, st.st_dev, st.st_ino);
}

bool MappedFile::same_file(const std::string& other) const {
    struct stat st;
    return ::stat(other.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_;
}

}  // namespace dmover_cli
