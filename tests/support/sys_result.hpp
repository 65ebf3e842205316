// A syscall's outcome as a value (return value and errno), so a call on the
// FUSE mount and the same call on a native filesystem compare with EXPECT_EQ
// and print readably ("-1 ENOENT") when they differ.
#pragma once

#include <cerrno>
#include <cstring>
#include <ostream>
#include <string>

namespace fusex::test {

struct SysResult {
    long ret = 0;
    int err = 0;  // errno when ret < 0, else 0

    bool ok() const { return ret >= 0; }
    // Success or which errno, without the value (fds, sizes differ by design).
    SysResult status() const { return SysResult{ret < 0 ? -1 : 0, err}; }
    bool operator==(const SysResult&) const = default;
};

inline std::string errno_name(int e) {
    if (e == 0) return "0";
    const char* n = strerrorname_np(e);
    return n ? n : std::to_string(e);
}

inline std::ostream& operator<<(std::ostream& os, const SysResult& r) {
    if (r.ret < 0) return os << r.ret << " " << errno_name(r.err);
    return os << r.ret;
}

template <class F>
SysResult capture_sys(F&& f) {
    errno = 0;
    long r = static_cast<long>(f());
    return SysResult{r, r < 0 ? errno : 0};
}

// SYS(open(p, O_RDONLY)) -> SysResult
#define SYS(expr) (::fusex::test::capture_sys([&] { return (expr); }))

// The errno of a call expected to fail; 0 if it succeeded.
#define SYS_ERRNO(expr) (SYS(expr).err)

inline SysResult fail(int e) { return SysResult{-1, e}; }

}  // namespace fusex::test
