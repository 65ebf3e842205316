// describe() and opcode_name(): readable, escaped, one line.
#include <gtest/gtest.h>

#include "protocol/decode.hpp"
#include "request_builder.hpp"
#include "samples.hpp"

namespace fusex::test {
namespace {

using namespace abi;
using protocol::decode;
using protocol::describe;
using protocol::opcode_name;

std::string describe_bytes(const std::vector<std::byte>& b, const protocol::DecodeParams& p = {}) {
    return describe(decode(std::span<const std::byte>(b.data(), b.size()), p));
}

TEST(OpcodeName, KnownAndUnknown) {
    EXPECT_STREQ(opcode_name(FUSE_LOOKUP), "LOOKUP");
    EXPECT_STREQ(opcode_name(FUSE_READDIRPLUS), "READDIRPLUS");
    EXPECT_STREQ(opcode_name(FUSE_STATX), "STATX");
    EXPECT_STREQ(opcode_name(FUSE_COPY_FILE_RANGE), "COPY_FILE_RANGE");
    EXPECT_STREQ(opcode_name(7), "UNKNOWN");
    EXPECT_STREQ(opcode_name(12345), "UNKNOWN");
}

TEST(Describe, LookupLine) {
    std::string s = describe_bytes(Req(FUSE_LOOKUP, 1).name("foo").bytes());
    EXPECT_EQ(s, "unique=" + std::to_string(kUnique) + " LOOKUP node=1 name=\"foo\" uid=1000 gid=100 pid=4321");
}

TEST(Describe, NamesAreEscaped) {
    std::string s = describe_bytes(Req(FUSE_LOOKUP).name("a\"b\\c\nd\x01\xff").bytes());
    EXPECT_NE(s.find(R"(name="a\"b\\c\x0ad\x01\xff")"), std::string::npos) << s;
    EXPECT_EQ(s.find('\n'), std::string::npos);
}

TEST(Describe, LongNamesAreCut) {
    std::string s = describe_bytes(Req(FUSE_LOOKUP).name(std::string(1000, 'n')).bytes());
    EXPECT_LT(s.size(), 400u);
    EXPECT_NE(s.find("\"..."), std::string::npos);
}

TEST(Describe, MainArguments) {
    fuse_write_in w{};
    w.fh = 3;
    w.offset = 4096;
    w.size = 2;
    std::string s = describe_bytes(Req(FUSE_WRITE).arg(w).data("hi").bytes());
    EXPECT_NE(s.find(" WRITE "), std::string::npos) << s;
    EXPECT_NE(s.find("fh=3 offset=4096 size=2"), std::string::npos) << s;
    std::string r = describe_bytes(Req(FUSE_RENAME).arg(fuse_rename_in{9}).name("a").name("b").bytes());
    EXPECT_NE(r.find("name=\"a\" new_parent=9 new_name=\"b\""), std::string::npos) << r;
}

TEST(Describe, Errors) {
    std::string s = describe_bytes(Req(FUSE_LOOKUP).data("x").bytes());
    EXPECT_NE(s.find("LOOKUP"), std::string::npos);
    EXPECT_NE(s.find("-> EINVAL ("), std::string::npos) << s;
    std::string u = describe_bytes(Req(777).bytes());
    EXPECT_NE(u.find("UNKNOWN(777)"), std::string::npos) << u;
    EXPECT_NE(u.find("ENOSYS"), std::string::npos) << u;
    std::vector<std::byte> tiny(5);
    std::string t = describe_bytes(tiny);
    EXPECT_NE(t.find("malformed"), std::string::npos) << t;
}

TEST(Describe, EverySampleNamesItsOpcode) {
    for (const Sample& s : valid_samples()) {
        std::string line = describe_bytes(s.bytes, s.params);
        std::string op = s.label.substr(0, s.label.find("_EXT"));
        EXPECT_NE(line.find(" " + op + " "), std::string::npos) << line;
        EXPECT_NE(line.find("pid=4321"), std::string::npos) << line;
        EXPECT_EQ(line.find('\n'), std::string::npos);
    }
}

}  // namespace
}  // namespace fusex::test
