// fusex-memfs [options] MOUNTPOINT: a POSIX filesystem kept in memory.
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "fusex/fusex.hpp"
#include "memfs.hpp"

namespace {

constexpr const char* kProg = "fusex-memfs";

void print_usage(FILE* out) {
    std::fprintf(out,
                 "usage: %s [options] MOUNTPOINT\n"
                 "\n"
                 "A POSIX filesystem in memory: files, directories, links, xattrs, sparse files.\n"
                 "It is mounted with default_permissions (the kernel checks access).\n"
                 "\n"
                 "memfs options:\n"
                 "    -o size=BYTES          capacity, with an optional k, m, g or t suffix\n"
                 "                           (default: 4 GiB or half the memory, whichever is less)\n"
                 "    -o timeout=SECONDS     entry and attribute cache timeout (default 1)\n"
                 "    -o writeback           let the kernel cache writes (writeback cache)\n"
                 "    -o noatime|relatime|strictatime\n"
                 "                           when reads update atime (default relatime)\n"
                 "\n",
                 kProg);
}

uint64_t default_capacity() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGESIZE);
    const uint64_t four_gib = 4ull << 30;
    if (pages <= 0 || page_size <= 0) return four_gib;
    return std::min(four_gib, static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size) / 2);
}

// "123", "64k", "2G": bytes, or nullopt when malformed.
std::optional<uint64_t> parse_size(const std::string& text) {
    if (text.empty() || text[0] == '-') return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const unsigned long long number = std::strtoull(text.c_str(), &end, 10);
    if (errno != 0 || end == text.c_str()) return std::nullopt;
    const std::string suffix(end);
    unsigned shift = 0;
    if (suffix == "k" || suffix == "K") shift = 10;
    else if (suffix == "m" || suffix == "M") shift = 20;
    else if (suffix == "g" || suffix == "G") shift = 30;
    else if (suffix == "t" || suffix == "T") shift = 40;
    else if (!suffix.empty()) return std::nullopt;
    if (number > (~0ull >> shift)) return std::nullopt;
    return static_cast<uint64_t>(number) << shift;
}

std::optional<double> parse_seconds(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (*end != '\0' || !std::isfinite(value) || value < 0) return std::nullopt;
    return value;
}

// Applies memfs's own -o options; prints one line and returns false on a bad one.
bool apply_fs_options(const fusex::CommandLine& cl, memfs::Options& options) {
    for (const auto& [key, value] : cl.fs_options) {
        if (key == "size") {
            auto bytes = parse_size(value);
            if (!bytes || *bytes < memfs::kChunkSize) {
                std::fprintf(stderr, "%s: bad size '%s': expected bytes with an optional k/m/g/t suffix\n", kProg,
                             value.c_str());
                return false;
            }
            options.capacity_bytes = *bytes;
        } else if (key == "timeout") {
            auto seconds = parse_seconds(value);
            if (!seconds) {
                std::fprintf(stderr, "%s: bad timeout '%s': expected seconds >= 0\n", kProg, value.c_str());
                return false;
            }
            options.timeout = *seconds;
        } else if (key == "writeback" && value.empty()) {
            options.writeback = true;
        } else if (key == "noatime" && value.empty()) {
            options.atime = memfs::AtimeMode::Never;
        } else if (key == "relatime" && value.empty()) {
            options.atime = memfs::AtimeMode::Relatime;
        } else if (key == "strictatime" && value.empty()) {
            options.atime = memfs::AtimeMode::Strict;
        } else {
            std::fprintf(stderr, "%s: unknown option '-o %s%s%s' (see --help)\n", kProg, key.c_str(),
                         value.empty() ? "" : "=", value.c_str());
            return false;
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    fusex::CommandLine cl;
    if (auto error = fusex::parse_command_line(argc, argv, cl)) {
        std::fprintf(stderr, "%s: %s\n", kProg, error->c_str());
        return 1;
    }
    if (cl.help) {
        print_usage(stdout);
        fusex::print_common_options(stdout);
        return 0;
    }
    if (cl.version) {
        std::printf("%s version %s\n", kProg, fusex::kVersion);
        return 0;
    }
    memfs::Options options;
    options.capacity_bytes = default_capacity();
    // Mount flags for atime only shape what memfs itself does: FUSE leaves atime to the filesystem.
    if (cl.mount.flags & MS_NOATIME) options.atime = memfs::AtimeMode::Never;
    else if (cl.mount.flags & MS_STRICTATIME) options.atime = memfs::AtimeMode::Strict;
    if (!apply_fs_options(cl, options)) return 1;
    if (cl.positional.size() != 1) {
        std::fprintf(stderr, "%s: expected exactly one MOUNTPOINT, got %zu (see --help)\n", kProg,
                     cl.positional.size());
        return 1;
    }
    cl.mount.default_permissions = true;
    if (cl.mount.fsname == fusex::MountOptions{}.fsname) cl.mount.fsname = "memfs";
    if (cl.mount.subtype.empty()) cl.mount.subtype = "memfs";

    memfs::MemFs fs(options);
    return fusex::serve(fs, cl, cl.positional[0], kProg);
}
