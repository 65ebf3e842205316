#include "transport_fixture.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace fusex::test {

const char* transport_name(TransportKind k) {
    switch (k) {
        case TransportKind::Auto: return "auto";
        case TransportKind::Readv: return "readv";
        case TransportKind::Splice: return "splice";
        case TransportKind::Uring: return "uring";
    }
    return "?";
}

std::string TransportFixture::set_up(TransportKind kind, SessionOptions options) {
    if (auto why = mount_unavailable(); !why.empty()) return why;
    if (kind == TransportKind::Uring || kind == TransportKind::Auto) {
        uring_ = std::make_unique<UringSetting>(true);
        if (kind == TransportKind::Uring && !uring_->unavailable().empty()) return uring_->unavailable();
    }
    char tmpl[] = "/tmp/fusex-backing-XXXXXX";
    if (!mkdtemp(tmpl)) return "mkdtemp failed";
    backing_dir_ = tmpl;
    fs_ = std::make_unique<DataFs>(backing_dir_);
    options.transport = kind;
    mount_ = std::make_unique<TransportMount>(*fs_, options);
    return "";
}

void TransportFixture::tear_down() {
    mount_.reset();
    fs_.reset();
    uring_.reset();
    if (!backing_dir_.empty()) std::filesystem::remove_all(backing_dir_);
}

std::optional<std::vector<std::byte>> read_range(const std::string& path, uint64_t offset, size_t size, int flags,
                                                 size_t chunk) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0) return std::nullopt;
    std::vector<std::byte> out(size);
    size_t got = 0;
    if (chunk == 0) chunk = size;
    while (got < size) {
        ssize_t n = ::pread(fd, out.data() + got, std::min(chunk, size - got), static_cast<off_t>(offset + got));
        if (n < 0) {
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
}

std::vector<std::byte> slice(const std::vector<std::byte>& content, uint64_t offset, size_t size) {
    if (offset >= content.size()) return {};
    size_t n = std::min<size_t>(size, content.size() - offset);
    return {content.begin() + static_cast<long>(offset), content.begin() + static_cast<long>(offset + n)};
}

}  // namespace fusex::test
