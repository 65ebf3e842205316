// fusex-dmover-cli end to end: files in, files (or a CRC) out, against the
// reference computations; and a clear failure for each kind of mistake.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "mount_fixture.hpp"
#include "reference.hpp"

namespace dmover_test {
namespace {

class CliMount : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!m_.skip_reason().empty()) GTEST_SKIP() << m_.skip_reason();
        if (access(DMOVER_CLI_PATH, X_OK) != 0) GTEST_SKIP() << "no " << DMOVER_CLI_PATH;
        char tmpl[] = "/tmp/dmover-cli-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        files_ = tmpl;
    }
    void TearDown() override {
        if (!files_.empty()) {
            std::string out;
            run_command("rm -rf " + files_, &out);
        }
    }
    std::string path(const std::string& name) const { return files_ + "/" + name; }
    std::string make(const std::string& name, const std::vector<unsigned char>& bytes) const {
        std::ofstream(path(name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), long(bytes.size()));
        return path(name);
    }
    static std::vector<unsigned char> slurp(const std::string& p) {
        std::ifstream in(p, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    int cli(const std::string& args, std::string* out) {
        return run_command(std::string(DMOVER_CLI_PATH) + " --device " + m_.device() + " " + args, out);
    }

    DmoverMount m_{120};
    std::string files_;
};

TEST_F(CliMount, CopyZeroFill) {
    std::string out;
    for (size_t size : {size_t(0), size_t(1), size_t(3 << 20) + 123}) {
        auto data = random_bytes(size, unsigned(size));
        std::string src = make("src", data);
        ASSERT_EQ(cli("--request-size 64K copy " + src + " " + path("dst"), &out), 0) << out;
        EXPECT_EQ(slurp(path("dst")), data);
        ASSERT_EQ(cli("zero " + path("z") + " " + std::to_string(size), &out), 0) << out;
        EXPECT_EQ(slurp(path("z")), std::vector<unsigned char>(size, 0));
        ASSERT_EQ(cli("--request-size 5000 fill8 " + path("f") + " " + std::to_string(size) + " 0xc3", &out), 0) << out;
        EXPECT_EQ(slurp(path("f")), std::vector<unsigned char>(size, 0xc3));
    }
}

TEST_F(CliMount, XorOfTwoFiveAndSixteenSources) {
    std::string out;
    for (unsigned n : {2u, 5u, 16u}) {
        std::vector<std::vector<unsigned char>> data;
        std::string args = "--request-size 16K xor" + std::to_string(n) + " " + path("x");
        for (unsigned i = 0; i < n; ++i) {
            data.push_back(random_bytes(200001, n * 100 + i));
            args += " " + make("s" + std::to_string(i), data.back());
        }
        ASSERT_EQ(cli(args, &out), 0) << out;
        EXPECT_EQ(slurp(path("x")), reference_xor(data)) << "xor" << n;
    }
}

TEST_F(CliMount, Crc32cPrintsHex) {
    std::string out;
    std::string check = make("check", {'1', '2', '3', '4', '5', '6', '7', '8', '9'});
    ASSERT_EQ(cli("crc32c " + check, &out), 0) << out;
    EXPECT_EQ(out, "e3069283\n");
    ASSERT_EQ(cli("crc32c " + make("empty", {}), &out), 0) << out;
    EXPECT_EQ(out, "00000000\n");
    // Many small requests in flight, combined in file order.
    auto data = random_bytes((16 << 20) + 7, 3);
    std::string big = make("big", data);
    char want[16];
    std::snprintf(want, sizeof want, "%08x\n", reference_crc32c(0, data.data(), data.size()));
    ASSERT_EQ(cli("--request-size 4K crc32c " + big, &out), 0) << out;
    EXPECT_EQ(out, want);
    ASSERT_EQ(cli("--request-size 1M --depth 3 crc32c " + big, &out), 0) << out;
    EXPECT_EQ(out, want);
}

TEST_F(CliMount, ErrorsExitNonZeroWithAMessage) {
    std::string out;
    std::string a = make("a", random_bytes(100, 1)), b = make("b", random_bytes(101, 2));
    EXPECT_NE(cli("copy " + path("missing") + " " + path("d"), &out), 0);
    EXPECT_NE(out.find("fusex-dmover-cli: cannot open"), std::string::npos) << out;
    EXPECT_NE(cli("xor2 " + path("d") + " " + a + " " + b, &out), 0);
    EXPECT_NE(out.find("differ in size"), std::string::npos) << out;
    EXPECT_NE(cli("copy " + a + " " + a, &out), 0);
    EXPECT_NE(out.find("also a source"), std::string::npos) << out;
    EXPECT_EQ(slurp(a).size(), 100u);  // untouched
    EXPECT_NE(cli("frob " + a, &out), 0);
    EXPECT_NE(out.find("unknown function"), std::string::npos) << out;
    EXPECT_NE(run_command(std::string(DMOVER_CLI_PATH) + " --device " + path("nodev") + " crc32c " + a, &out), 0);
    EXPECT_NE(out.find("No such file"), std::string::npos) << out;
    EXPECT_NE(cli("crc32c " + files_, &out), 0);  // a directory
    EXPECT_NE(out.find("fusex-dmover-cli:"), std::string::npos) << out;
}

}  // namespace
}  // namespace dmover_test
