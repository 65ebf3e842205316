// The operations of the differential test: a random generator over a small
// namespace (so names collide and every error path gets exercised) and an
// executor that runs one operation under a root directory and reports what
// happened in a form comparable across filesystems.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "support/sys_result.hpp"

namespace fusex::test::diff {

enum class OpKind {
    Create, Write, Read, Truncate, Rename, Link, Unlink, Mkdir, Rmdir, Chmod,
    Setxattr, Removexattr, Getxattr, Listxattr, Readdir, Symlink, Readlink, Stat,
};

struct Op {
    OpKind kind = OpKind::Stat;
    std::string path;
    std::string path2;       // rename/link destination
    uint64_t offset = 0;     // write/read offset, truncate size
    uint64_t length = 0;     // read length
    uint32_t mode = 0;       // create/mkdir/chmod mode
    unsigned flags = 0;      // open, rename or xattr flags
    std::string name;        // xattr name or symlink target
    std::string data;        // write payload or xattr value
};

// One random operation; the same rng state gives the same operation.
Op random_op(std::mt19937_64& rng);
// One line naming the operation and its arguments (payloads by size only).
std::string describe(const Op& op);

struct Outcome {
    SysResult result;    // return value (sizes kept, fds reduced to 0) and errno
    std::string detail;  // what a successful query returned (data, names, attrs)
    bool operator==(const Outcome&) const = default;
};

// Runs op with every path taken relative to root.
Outcome execute(const Op& op, const std::string& root);
// An outcome for a failure message (long details shortened).
std::string describe(const Outcome& o);

}  // namespace fusex::test::diff
