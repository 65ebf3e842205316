// Byte-for-byte comparison of two directory trees: entry names and types,
// modes, sizes, file contents, link targets, link counts, which names share
// an inode, and user.* extended attributes.
#pragma once

#include <string>
#include <vector>

namespace fusex::test::diff {

// Every difference found, one line each (empty when the trees are equal).
// Stops collecting after max_diffs lines.
std::vector<std::string> compare_trees(const std::string& a, const std::string& b, size_t max_diffs = 20);

}  // namespace fusex::test::diff
