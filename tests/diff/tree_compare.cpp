#include "diff/tree_compare.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <sstream>

namespace fusex::test::diff {
namespace {

std::vector<std::string> sorted_names(const std::string& dir) {
    std::vector<std::string> names;
    DIR* d = opendir(dir.c_str());
    if (!d) return names;
    while (dirent* e = readdir(d)) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

std::map<std::string, std::string> user_xattrs(const std::string& path) {
    std::map<std::string, std::string> out;
    std::string list(65536, '\0');
    ssize_t n = llistxattr(path.c_str(), list.data(), list.size());
    for (ssize_t i = 0; i < n;) {
        std::string name(list.data() + i);
        i += static_cast<ssize_t>(name.size()) + 1;
        if (name.rfind("user.", 0) != 0) continue;
        std::string value(65536, '\0');
        ssize_t v = lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
        out[name] = v < 0 ? std::string("<error ") + strerror(errno) + ">" : value.substr(0, static_cast<size_t>(v));
    }
    return out;
}

off_t next_data(int fd, off_t pos, off_t size) {
    off_t d = lseek(fd, pos, SEEK_DATA);
    return d < 0 ? size : d;  // ENXIO: only a hole up to EOF
}

// Compares contents, reading only where either file claims data: sparse
// files of several GiB compare in milliseconds, and a hole on one side
// against data on the other still reads (zeros) and compares.
std::string compare_contents(const std::string& pa, const std::string& pb, off_t size) {
    int fa = open(pa.c_str(), O_RDONLY | O_CLOEXEC);
    int fb = open(pb.c_str(), O_RDONLY | O_CLOEXEC);
    std::string result;
    if (fa < 0 || fb < 0) result = std::string("cannot open for comparison: ") + strerror(errno);
    constexpr size_t kChunk = 1 << 20;
    std::string ba(kChunk, '\0'), bb(kChunk, '\0');
    off_t pos = 0;
    while (result.empty() && pos < size) {
        off_t next = std::min(next_data(fa, pos, size), next_data(fb, pos, size));
        if (next >= size) break;
        size_t len = static_cast<size_t>(std::min<off_t>(static_cast<off_t>(kChunk), size - next));
        ssize_t ra = pread(fa, ba.data(), len, next);
        ssize_t rb = pread(fb, bb.data(), len, next);
        if (ra != static_cast<ssize_t>(len) || rb != static_cast<ssize_t>(len)) {
            std::ostringstream os;
            os << "short read at " << next << ": " << ra << " vs " << rb;
            result = os.str();
            break;
        }
        if (memcmp(ba.data(), bb.data(), len) != 0) {
            size_t i = 0;
            while (ba[i] == bb[i]) ++i;
            std::ostringstream os;
            os << "content differs at offset " << (next + static_cast<off_t>(i));
            result = os.str();
            break;
        }
        pos = next + static_cast<off_t>(len);
    }
    if (fa >= 0) close(fa);
    if (fb >= 0) close(fb);
    return result;
}

std::string link_target(const std::string& path) {
    char buf[4096];
    ssize_t n = readlink(path.c_str(), buf, sizeof buf);
    return n < 0 ? "<unreadable>" : std::string(buf, static_cast<size_t>(n));
}

class Comparer {
  public:
    Comparer(std::string a, std::string b, size_t max) : ra_(std::move(a)), rb_(std::move(b)), max_(max) {}

    std::vector<std::string> run() {
        compare_entry("");
        return diffs_;
    }

  private:
    void diff(const std::string& rel, const std::string& what) {
        if (diffs_.size() < max_) diffs_.push_back("/" + rel + ": " + what);
    }

    void compare_entry(const std::string& rel) {
        if (diffs_.size() >= max_) return;
        std::string pa = rel.empty() ? ra_ : ra_ + "/" + rel;
        std::string pb = rel.empty() ? rb_ : rb_ + "/" + rel;
        struct stat sa {}, sb {};
        if (lstat(pa.c_str(), &sa) != 0 || lstat(pb.c_str(), &sb) != 0) return diff(rel, "lstat failed");
        if ((sa.st_mode & S_IFMT) != (sb.st_mode & S_IFMT)) return diff(rel, "types differ");
        std::ostringstream os;
        // The roots' own modes come from the mount, not from the operations.
        if (!rel.empty() && sa.st_mode != sb.st_mode)
            diff(rel, (os << std::oct << "mode 0" << sa.st_mode << " vs 0" << sb.st_mode, os.str()));
        if (sa.st_nlink != sb.st_nlink)
            diff(rel, "nlink " + std::to_string(sa.st_nlink) + " vs " + std::to_string(sb.st_nlink));
        if (!S_ISDIR(sa.st_mode) && sa.st_size != sb.st_size)
            diff(rel, "size " + std::to_string(sa.st_size) + " vs " + std::to_string(sb.st_size));
        if (!rel.empty()) {
            // Hard links: each name's inode must first have been seen under
            // the same name on both sides.
            auto ia = first_a_.emplace(sa.st_ino, rel).first->second;
            auto ib = first_b_.emplace(sb.st_ino, rel).first->second;
            if (ia != ib) diff(rel, "is a link to /" + ia + " vs to /" + ib);
        }
        if (user_xattrs(pa) != user_xattrs(pb)) diff(rel, "user xattrs differ");
        if (S_ISLNK(sa.st_mode)) {
            std::string ta = link_target(pa), tb = link_target(pb);
            if (ta != tb) diff(rel, "link target '" + ta + "' vs '" + tb + "'");
        } else if (S_ISREG(sa.st_mode) && sa.st_size == sb.st_size) {
            if (auto d = compare_contents(pa, pb, sa.st_size); !d.empty()) diff(rel, d);
        } else if (S_ISDIR(sa.st_mode)) {
            auto na = sorted_names(pa), nb = sorted_names(pb);
            if (na != nb) {
                std::string la, lb;
                for (const auto& n : na) la += n + " ";
                for (const auto& n : nb) lb += n + " ";
                diff(rel, "entries [" + la + "] vs [" + lb + "]");
            }
            for (const auto& n : na)
                if (std::binary_search(nb.begin(), nb.end(), n)) compare_entry(rel.empty() ? n : rel + "/" + n);
        }
    }

    std::string ra_, rb_;
    size_t max_;
    std::vector<std::string> diffs_;
    std::map<ino_t, std::string> first_a_, first_b_;
};

}  // namespace

TreeStats tree_stats(const std::string& root) {
    TreeStats st;
    std::vector<std::string> todo{root};
    while (!todo.empty()) {
        std::string dir = todo.back();
        todo.pop_back();
        for (const auto& n : sorted_names(dir)) {
            std::string p = dir + "/" + n;
            struct stat s {};
            if (lstat(p.c_str(), &s) != 0) continue;
            if (S_ISDIR(s.st_mode)) {
                ++st.dirs;
                todo.push_back(p);
            } else if (S_ISLNK(s.st_mode)) {
                ++st.symlinks;
            } else {
                ++st.files;
                st.bytes += static_cast<unsigned long long>(s.st_size);
            }
        }
    }
    return st;
}

std::vector<std::string> compare_trees(const std::string& a, const std::string& b, size_t max_diffs) {
    return Comparer(a, b, max_diffs).run();
}

}  // namespace fusex::test::diff
