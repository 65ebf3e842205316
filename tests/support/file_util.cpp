#include "support/file_util.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace fusex::test {

bool write_file(const std::string& path, const std::string& content, mode_t mode) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return false;
    size_t off = 0;
    bool ok = true;
    while (off < content.size()) {
        ssize_t n = write(fd, content.data() + off, content.size() - off);
        if (n <= 0) {
            ok = false;
            break;
        }
        off += static_cast<size_t>(n);
    }
    return close(fd) == 0 && ok;
}

std::optional<std::string> read_file(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string s;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            close(fd);
            return std::nullopt;
        }
        if (n == 0) break;
        s.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return s;
}

std::optional<std::vector<std::string>> list_dir(const std::string& path) {
    DIR* d = opendir(path.c_str());
    if (!d) return std::nullopt;
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        names.emplace_back(e->d_name);
    }
    closedir(d);
    return names;
}

std::optional<struct stat> lstat_of(const std::string& path) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) return std::nullopt;
    return st;
}

std::string pattern(size_t size, unsigned seed, uint64_t offset) {
    std::string s(size, '\0');
    for (size_t i = 0; i < size; ++i) {
        uint64_t x = (offset + i) * 0x9E3779B97F4A7C15ull + seed * 0xBF58476D1CE4E5B9ull;
        x ^= x >> 29;
        s[i] = static_cast<char>(x & 0xff);
    }
    return s;
}

}  // namespace fusex::test
