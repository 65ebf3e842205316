#include "cli_args.hpp"

#include <gtest/gtest.h>

namespace dmover_cli {
namespace {

std::optional<std::string> parse(std::vector<const char*> args, CliCommand& cmd) {
    args.insert(args.begin(), "fusex-dmover-cli");
    return parse_cli(int(args.size()), args.data(), cmd);
}

TEST(CliArgs, Copy) {
    CliCommand c;
    ASSERT_EQ(parse({"--device", "/m/dmover", "copy", "a", "b"}, c), std::nullopt);
    EXPECT_EQ(c.device, "/m/dmover");
    EXPECT_EQ(c.function, "copy");
    EXPECT_EQ(c.sources, std::vector<std::string>{"a"});
    EXPECT_EQ(c.destination, "b");
}

TEST(CliArgs, ZeroFillAndSizes) {
    CliCommand c;
    ASSERT_EQ(parse({"--device=/d", "zero", "out", "64K"}, c), std::nullopt);
    EXPECT_EQ(c.size, 65536u);
    CliCommand f;
    ASSERT_EQ(parse({"--device", "/d", "fill8", "out", "3M", "0xab"}, f), std::nullopt);
    EXPECT_EQ(f.size, 3u << 20);
    EXPECT_EQ(f.fill, 0xab);
    EXPECT_NE(parse({"--device", "/d", "fill8", "out", "3", "256"}, f), std::nullopt);
    EXPECT_NE(parse({"--device", "/d", "zero", "out", "-1"}, f), std::nullopt);
    EXPECT_NE(parse({"--device", "/d", "zero", "out", "12Q"}, f), std::nullopt);
    EXPECT_EQ(parse_size("010"), 10u);
    EXPECT_EQ(parse_size("2G"), 2ull << 30);
    EXPECT_EQ(parse_size("1KiB"), 1024u);
    EXPECT_EQ(parse_size(""), std::nullopt);
    EXPECT_EQ(parse_size("99999999999999999999"), std::nullopt);
}

TEST(CliArgs, XorNeedsExactlyNSources) {
    CliCommand c;
    ASSERT_EQ(parse({"--device", "/d", "xor3", "dst", "s1", "s2", "s3"}, c), std::nullopt);
    EXPECT_EQ(c.destination, "dst");
    EXPECT_EQ(c.sources.size(), 3u);
    CliCommand d;
    EXPECT_NE(parse({"--device", "/d", "xor3", "dst", "s1", "s2"}, d), std::nullopt);
    EXPECT_NE(parse({"--device", "/d", "xor1", "dst", "s1"}, d), std::nullopt);
    EXPECT_NE(parse({"--device", "/d", "xor17", "dst"}, d), std::nullopt);
    EXPECT_NE(parse({"--device", "/d", "xor02", "dst", "a", "b"}, d), std::nullopt);
    std::vector<const char*> sixteen = {"--device", "/d", "xor16", "dst"};
    for (int i = 0; i < 16; ++i) sixteen.push_back("s");
    CliCommand e;
    EXPECT_EQ(parse(sixteen, e), std::nullopt);
}

TEST(CliArgs, Crc32cAndOptions) {
    CliCommand c;
    ASSERT_EQ(parse({"crc32c", "file", "--device", "/d", "--request-size", "4K", "--depth", "8"}, c), std::nullopt);
    EXPECT_EQ(c.sources, std::vector<std::string>{"file"});
    EXPECT_EQ(c.request_size, 4096u);
    EXPECT_EQ(c.depth, 8u);
}

TEST(CliArgs, Errors) {
    CliCommand c;
    EXPECT_NE(parse({"copy", "a", "b"}, c), std::nullopt);             // no device
    EXPECT_NE(parse({"--device", "/d"}, c), std::nullopt);             // no function
    EXPECT_NE(parse({"--device", "/d", "move", "a", "b"}, c), std::nullopt);
    EXPECT_NE(parse({"--device", "/d", "copy", "a"}, c), std::nullopt);
    EXPECT_NE(parse({"--device", "/d", "--depth", "65", "crc32c", "a"}, c), std::nullopt);
    EXPECT_NE(parse({"--device", "/d", "--bogus", "crc32c", "a"}, c), std::nullopt);
    EXPECT_NE(parse({"--device"}, c), std::nullopt);
    CliCommand h;
    EXPECT_EQ(parse({"--help"}, h), std::nullopt);
    EXPECT_TRUE(h.help);
}

}  // namespace
}  // namespace dmover_cli
