#include "diff/ops.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <sstream>
#include <vector>

namespace fusex::test::diff {
namespace {

constexpr uint64_t kGiB = 1ull << 30;

const std::array<const char*, 3> kDirs = {"d0", "d1", "d2"};
const std::array<const char*, 8> kNames = {"d0", "d1", "d2", "f0", "f1", "f2", "f3", "l0"};
const std::array<const char*, 3> kXattrs = {"user.a", "user.b", "user.long.name"};

template <class T, size_t N>
const T& pick(std::mt19937_64& rng, const std::array<T, N>& a) {
    return a[rng() % N];
}

// A path of zero to two directory components then any name: collisions with
// existing entries of every type are frequent on purpose.
std::string random_path(std::mt19937_64& rng) {
    std::string p;
    unsigned depth = static_cast<unsigned>(rng() % 6);  // 0:3/6, 1:2/6, 2:1/6
    depth = depth < 3 ? 0 : depth < 5 ? 1 : 2;
    for (unsigned i = 0; i < depth; ++i) p += std::string(pick(rng, kDirs)) + "/";
    return p + pick(rng, kNames);
}

// Mostly small offsets, some beyond 4 GiB to exercise 64-bit paths.
uint64_t random_offset(std::mt19937_64& rng) {
    unsigned r = static_cast<unsigned>(rng() % 100);
    if (r < 70) return rng() % 65536;
    if (r < 92) return rng() % (2u << 20);
    return 4 * kGiB + rng() % (256u << 20);
}

std::string random_bytes(std::mt19937_64& rng, size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
}

const char* kind_name(OpKind k) {
    static const char* const names[] = {"create", "write", "read", "truncate", "rename", "link",
                                        "unlink", "mkdir", "rmdir", "chmod", "setxattr", "removexattr",
                                        "getxattr", "listxattr", "readdir", "symlink", "readlink", "stat"};
    return names[static_cast<int>(k)];
}

int close_keep_errno(int fd) {
    int e = errno;
    close(fd);
    errno = e;
    return 0;
}

std::string type_char(mode_t m) {
    if (S_ISREG(m)) return "f";
    if (S_ISDIR(m)) return "d";
    if (S_ISLNK(m)) return "l";
    return "?";
}

std::vector<std::string> user_xattr_names(const char* buf, ssize_t len) {
    std::vector<std::string> names;
    for (ssize_t i = 0; i < len;) {
        std::string n(buf + i);
        i += static_cast<ssize_t>(n.size()) + 1;
        if (n.rfind("user.", 0) == 0) names.push_back(n);
    }
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

Op random_op(std::mt19937_64& rng) {
    // Weights: writes and creates dominate so that trees grow content.
    static const std::array<std::pair<OpKind, unsigned>, 18> weights = {{
        {OpKind::Create, 12}, {OpKind::Write, 14}, {OpKind::Read, 6}, {OpKind::Truncate, 5},
        {OpKind::Rename, 9},  {OpKind::Link, 4},   {OpKind::Unlink, 5}, {OpKind::Mkdir, 8},
        {OpKind::Rmdir, 4},   {OpKind::Chmod, 4},  {OpKind::Setxattr, 5}, {OpKind::Removexattr, 3},
        {OpKind::Getxattr, 2}, {OpKind::Listxattr, 2}, {OpKind::Readdir, 5}, {OpKind::Symlink, 4},
        {OpKind::Readlink, 2}, {OpKind::Stat, 4},
    }};
    unsigned total = 0;
    for (const auto& w : weights) total += w.second;
    unsigned r = static_cast<unsigned>(rng() % total);
    Op op;
    for (const auto& w : weights) {
        if (r < w.second) {
            op.kind = w.first;
            break;
        }
        r -= w.second;
    }
    op.path = random_path(rng);
    switch (op.kind) {
        case OpKind::Create: {
            static const std::array<unsigned, 4> extra = {0, O_EXCL, O_TRUNC, O_EXCL | O_TRUNC};
            static const std::array<uint32_t, 4> modes = {0644, 0600, 0755, 0444};
            op.flags = O_CREAT | O_WRONLY | pick(rng, extra);
            op.mode = pick(rng, modes);
            break;
        }
        case OpKind::Write: {
            op.offset = random_offset(rng);
            size_t len = rng() % 10 == 0 ? 1 + rng() % 200000 : 1 + rng() % 8192;
            op.data = random_bytes(rng, len);
            break;
        }
        case OpKind::Read:
            op.offset = rng() % 4 == 0 ? random_offset(rng) : rng() % 70000;
            op.length = 1 + rng() % 100000;
            break;
        case OpKind::Truncate:
            op.offset = rng() % 8 == 0 ? random_offset(rng) : rng() % 100000;
            break;
        case OpKind::Rename: {
            static const std::array<unsigned, 5> flags = {0, 0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE};
            op.path2 = random_path(rng);
            op.flags = pick(rng, flags);
            break;
        }
        case OpKind::Link:
            op.path2 = random_path(rng);
            break;
        case OpKind::Mkdir: {
            static const std::array<uint32_t, 3> modes = {0755, 0700, 0777};
            op.mode = pick(rng, modes);
            break;
        }
        case OpKind::Chmod: {
            static const std::array<uint32_t, 7> modes = {0644, 0600, 0755, 0000, 04755, 02750, 01777};
            op.mode = pick(rng, modes);
            break;
        }
        case OpKind::Setxattr: {
            static const std::array<unsigned, 4> flags = {0, 0, XATTR_CREATE, XATTR_REPLACE};
            op.name = pick(rng, kXattrs);
            op.data = random_bytes(rng, rng() % 120);
            op.flags = pick(rng, flags);
            break;
        }
        case OpKind::Removexattr:
        case OpKind::Getxattr:
            op.name = pick(rng, kXattrs);
            break;
        case OpKind::Symlink: {
            // Relative targets inside the tree (or dangling); never absolute,
            // never "..", so both roots resolve them alike.
            static const std::array<const char*, 6> targets = {"f0", "f1", "d0", "d0/f2", "l0", "nowhere"};
            op.name = pick(rng, targets);
            break;
        }
        default:
            break;
    }
    return op;
}

std::string describe(const Op& op) {
    std::ostringstream os;
    os << kind_name(op.kind) << " " << op.path;
    switch (op.kind) {
        case OpKind::Create: os << " flags=0" << std::oct << op.flags << " mode=0" << op.mode << std::dec; break;
        case OpKind::Write: os << " off=" << op.offset << " len=" << op.data.size(); break;
        case OpKind::Read: os << " off=" << op.offset << " len=" << op.length; break;
        case OpKind::Truncate: os << " size=" << op.offset; break;
        case OpKind::Rename: os << " -> " << op.path2 << " flags=" << op.flags; break;
        case OpKind::Link: os << " -> " << op.path2; break;
        case OpKind::Mkdir:
        case OpKind::Chmod: os << " mode=0" << std::oct << op.mode << std::dec; break;
        case OpKind::Setxattr: os << " " << op.name << " len=" << op.data.size() << " flags=" << op.flags; break;
        case OpKind::Removexattr:
        case OpKind::Getxattr: os << " " << op.name; break;
        case OpKind::Symlink: os << " target=" << op.name; break;
        default: break;
    }
    return os.str();
}

Outcome execute(const Op& op, const std::string& root) {
    const std::string p = root + "/" + op.path;
    const std::string p2 = root + "/" + op.path2;
    Outcome o;
    switch (op.kind) {
        case OpKind::Create:
            o.result = SYS(([&] {
                int fd = open(p.c_str(), static_cast<int>(op.flags), op.mode);
                return fd < 0 ? fd : close_keep_errno(fd);
            }()));
            break;
        case OpKind::Write:
            o.result = SYS(([&]() -> long {
                int fd = open(p.c_str(), O_WRONLY);
                if (fd < 0) return fd;
                long n = pwrite(fd, op.data.data(), op.data.size(), static_cast<off_t>(op.offset));
                close_keep_errno(fd);
                return n;
            }()));
            break;
        case OpKind::Read: {
            std::string buf(op.length, '\0');
            o.result = SYS(([&]() -> long {
                int fd = open(p.c_str(), O_RDONLY);
                if (fd < 0) return fd;
                long n = pread(fd, buf.data(), buf.size(), static_cast<off_t>(op.offset));
                close_keep_errno(fd);
                return n;
            }()));
            if (o.result.ok()) o.detail = buf.substr(0, static_cast<size_t>(o.result.ret));
            break;
        }
        case OpKind::Truncate: o.result = SYS(truncate(p.c_str(), static_cast<off_t>(op.offset))); break;
        case OpKind::Rename: o.result = SYS(renameat2(AT_FDCWD, p.c_str(), AT_FDCWD, p2.c_str(), op.flags)); break;
        case OpKind::Link: o.result = SYS(link(p.c_str(), p2.c_str())); break;
        case OpKind::Unlink: o.result = SYS(unlink(p.c_str())); break;
        case OpKind::Mkdir: o.result = SYS(mkdir(p.c_str(), op.mode)); break;
        case OpKind::Rmdir: o.result = SYS(rmdir(p.c_str())); break;
        case OpKind::Chmod: o.result = SYS(chmod(p.c_str(), op.mode)); break;
        case OpKind::Setxattr:
            o.result = SYS(setxattr(p.c_str(), op.name.c_str(), op.data.data(), op.data.size(), static_cast<int>(op.flags)));
            break;
        case OpKind::Removexattr: o.result = SYS(removexattr(p.c_str(), op.name.c_str())); break;
        case OpKind::Getxattr: {
            char buf[256];
            o.result = SYS(getxattr(p.c_str(), op.name.c_str(), buf, sizeof buf));
            if (o.result.ok()) o.detail.assign(buf, static_cast<size_t>(o.result.ret));
            break;
        }
        case OpKind::Listxattr: {
            char buf[1024];
            auto r = SYS(listxattr(p.c_str(), buf, sizeof buf));
            // The byte count includes names outside user.* (security labels
            // on some native filesystems), so compare the user names only.
            o.result = r.status();
            if (r.ok())
                for (const auto& n : user_xattr_names(buf, r.ret)) o.detail += n + ",";
            break;
        }
        case OpKind::Readdir: {
            o.result = SYS(([&]() -> long {
                DIR* d = opendir(p.c_str());
                if (!d) return -1;
                std::vector<std::string> entries;
                while (dirent* e = readdir(d)) {
                    std::string n = e->d_name;
                    if (n == "." || n == "..") continue;
                    entries.push_back(n + ":" + std::to_string(e->d_type));
                }
                closedir(d);
                std::sort(entries.begin(), entries.end());
                for (const auto& e : entries) o.detail += e + ",";
                return static_cast<long>(entries.size());
            }()));
            break;
        }
        case OpKind::Symlink: o.result = SYS(symlink(op.name.c_str(), p.c_str())); break;
        case OpKind::Readlink: {
            char buf[256];
            o.result = SYS(readlink(p.c_str(), buf, sizeof buf));
            if (o.result.ok()) o.detail.assign(buf, static_cast<size_t>(o.result.ret));
            break;
        }
        case OpKind::Stat: {
            struct stat st {};
            o.result = SYS(lstat(p.c_str(), &st));
            if (o.result.ok()) {
                std::ostringstream os;
                os << type_char(st.st_mode) << " mode=0" << std::oct << (st.st_mode & 07777) << std::dec
                   << " nlink=" << st.st_nlink;
                // Directory sizes are filesystem-specific; file and link sizes are not.
                if (!S_ISDIR(st.st_mode)) os << " size=" << st.st_size;
                o.detail = os.str();
            }
            break;
        }
    }
    return o;
}

std::string describe(const Outcome& o) {
    std::ostringstream os;
    os << o.result;
    if (!o.detail.empty()) {
        bool printable = std::all_of(o.detail.begin(), o.detail.end(),
                                     [](char c) { return c >= 32 && c < 127; });
        if (printable && o.detail.size() <= 300)
            os << " [" << o.detail << "]";
        else
            os << " [" << o.detail.size() << " bytes of data]";
    }
    return os.str();
}

}  // namespace fusex::test::diff
