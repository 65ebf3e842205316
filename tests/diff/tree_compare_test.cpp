// The tree comparison is the differential test's final judge, so it is
// checked on its own: each kind of difference between two native trees must
// be reported, and identical trees must compare equal.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "diff/tree_compare.hpp"
#include "support/file_util.hpp"
#include "support/mounted_fs.hpp"

namespace fusex::test::diff {
namespace {

void build(const std::string& root) {
    ASSERT_EQ(mkdir((root + "/d").c_str(), 0750), 0);
    ASSERT_TRUE(write_file(root + "/d/f", "contents"));
    ASSERT_EQ(link((root + "/d/f").c_str(), (root + "/hard").c_str()), 0);
    ASSERT_EQ(symlink("d/f", (root + "/sym").c_str()), 0);
    ASSERT_TRUE(write_file(root + "/other", "x"));
    int fd = open((root + "/sparse").c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, "end", 3, (5ll << 30)), 3);
    close(fd);
}

// Builds two equal trees, changes the second with `change`, and returns
// what compare_trees reports.
std::vector<std::string> diffs_after(const std::function<void(const std::string&)>& change) {
    TempDir a("cmp-a"), b("cmp-b");
    build(a.path());
    build(b.path());
    change(b.path());
    return compare_trees(a.path(), b.path());
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += x + "\n";
    return s;
}

TEST(TreeCompare, EqualTreesCompareEqual) {
    auto d = diffs_after([](const std::string&) {});
    EXPECT_TRUE(d.empty()) << joined(d);
}

TEST(TreeCompare, ReportsEachKindOfDifference) {
    struct Case {
        const char* what;
        const char* expect;  // a piece of the report
        std::function<void(const std::string&)> change;
    };
    const Case cases[] = {
        {"content", "content differs at offset 3",
         [](const std::string& r) { ASSERT_TRUE(write_file(r + "/other", "x")); ASSERT_TRUE(write_file(r + "/d/f", "conXents")); }},
        {"sparse tail", "content differs at offset 5368709122",
         [](const std::string& r) {
             int fd = open((r + "/sparse").c_str(), O_WRONLY);
             ASSERT_EQ(pwrite(fd, "!", 1, (5ll << 30) + 2), 1);
             close(fd);
         }},
        {"mode", "mode", [](const std::string& r) { ASSERT_EQ(chmod((r + "/other").c_str(), 0600), 0); }},
        {"size", "size", [](const std::string& r) { ASSERT_EQ(truncate((r + "/other").c_str(), 2), 0); }},
        {"missing entry", "entries", [](const std::string& r) { ASSERT_EQ(unlink((r + "/other").c_str()), 0); }},
        {"type", "types differ",
         [](const std::string& r) {
             ASSERT_EQ(unlink((r + "/other").c_str()), 0);
             ASSERT_EQ(mkdir((r + "/other").c_str(), 0755), 0);
         }},
        {"link target", "link target",
         [](const std::string& r) {
             ASSERT_EQ(unlink((r + "/sym").c_str()), 0);
             ASSERT_EQ(symlink("d/g", (r + "/sym").c_str()), 0);
         }},
        {"xattr", "xattrs", [](const std::string& r) { ASSERT_EQ(setxattr((r + "/other").c_str(), "user.k", "v", 1, 0), 0); }},
        {"hard link structure", "is a link to",
         [](const std::string& r) {
             // Same names and contents, but "hard" is now a copy, not a link.
             ASSERT_EQ(unlink((r + "/hard").c_str()), 0);
             ASSERT_TRUE(write_file(r + "/hard", "contents"));
             ASSERT_EQ(link((r + "/other").c_str(), (r + "/other2").c_str()), 0);
             ASSERT_EQ(unlink((r + "/other2").c_str()), 0);
         }},
    };
    for (const auto& c : cases) {
        auto d = diffs_after(c.change);
        EXPECT_NE(joined(d).find(c.expect), std::string::npos) << c.what << " not reported; got:\n" << joined(d);
    }
}

}  // namespace
}  // namespace fusex::test::diff
