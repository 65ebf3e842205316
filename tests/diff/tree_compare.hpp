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

struct TreeStats {
    size_t files = 0, dirs = 0, symlinks = 0;
    unsigned long long bytes = 0;  // apparent sizes of regular files
};
// Counts what a tree holds (for the test's report and a sanity bound).
TreeStats tree_stats(const std::string& root);

}  // namespace fusex::test::diff
