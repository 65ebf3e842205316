// The libfuse-style command line: which -o options fusex takes itself, which
// it passes on to the filesystem, and the one-line errors for bad values.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fusex/cmdline.hpp"

namespace fusex {
namespace {

std::optional<std::string> parse(std::vector<std::string> args, CommandLine& out) {
    args.insert(args.begin(), "prog");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    return parse_command_line(static_cast<int>(args.size()), argv.data(), out);
}

TEST(CommandLine, TransportAndRingShapeAreSessionOptions) {
    CommandLine cl;
    ASSERT_EQ(parse({"-f", "-o", "transport=uring,uring_rings=4,uring_depth=1,max_threads=3", "/mnt"}, cl),
              std::nullopt);
    EXPECT_TRUE(cl.foreground);
    EXPECT_EQ(cl.session.transport, TransportKind::Uring);
    EXPECT_EQ(cl.session.uring_rings, 4u);
    EXPECT_EQ(cl.session.uring_depth, 1u);
    EXPECT_EQ(cl.session.max_threads, 3u);
    EXPECT_EQ(cl.positional, std::vector<std::string>{"/mnt"});
    EXPECT_TRUE(cl.fs_options.empty());
}

TEST(CommandLine, DefaultsShapeTheRingsShallowAndSeveral) {
    CommandLine cl;
    ASSERT_EQ(parse({"/mnt"}, cl), std::nullopt);
    EXPECT_EQ(cl.session.uring_rings, 3u);
    EXPECT_EQ(cl.session.uring_depth, 2u);
}

TEST(CommandLine, RingShapeOutOfRangeIsOneClearError) {
    for (const char* bad : {"uring_rings=0", "uring_rings=17", "uring_depth=0", "uring_depth=65", "uring_depth=x",
                            "uring_rings"}) {
        CommandLine cl;
        auto error = parse({"-o", bad, "/mnt"}, cl);
        ASSERT_TRUE(error.has_value()) << bad;
        std::string key(bad);
        key = key.substr(0, key.find('='));
        EXPECT_NE(error->find(key), std::string::npos) << *error;
        EXPECT_NE(error->find("from 1 to"), std::string::npos) << *error;
    }
}

TEST(CommandLine, UnknownOptionsGoToTheFilesystemInOrder) {
    CommandLine cl;
    ASSERT_EQ(parse({"-o", "cache=never,writeback", "-o", "timeout=2", "/mnt"}, cl), std::nullopt);
    std::vector<std::pair<std::string, std::string>> want{{"cache", "never"}, {"writeback", ""}, {"timeout", "2"}};
    EXPECT_EQ(cl.fs_options, want);
}

}  // namespace
}  // namespace fusex
