// fusex-dmover without -f: it forks into the background after building its
// filesystem, so nothing it needs (worker threads) may be started before.
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>

#include <gtest/gtest.h>

#include "dmover_client.hpp"
#include "mount_fixture.hpp"
#include "scattered_buffer.hpp"

namespace dmover_test {
namespace {

TEST(BackgroundMount, DaemonizedServerMovesData) {
    if (access(DMOVER_DAEMON_PATH, X_OK) != 0 || geteuid() != 0 || access("/dev/fuse", W_OK) != 0)
        GTEST_SKIP() << "needs root, /dev/fuse and " << DMOVER_DAEMON_PATH;
    char tmpl[] = "/tmp/dmover-bg-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    std::string out;
    ASSERT_EQ(run_command(std::string(DMOVER_DAEMON_PATH) + " " + dir, &out), 0) << out;
    const unsigned conn = connection_of(dir);
    struct Cleanup {  // the daemon ends by itself once unmounted
        std::string dir;
        unsigned conn;
        ~Cleanup() {
            // Abort only while our mount still holds the connection number:
            // once unmounted, the number may already belong to another mount.
            if (conn != 0 && connection_of(dir) == conn)
                std::ofstream(std::string("/sys/fs/fuse/connections/") + std::to_string(conn) + "/abort") << 1;
            umount2(dir.c_str(), MNT_DETACH);
            rmdir(dir.c_str());
        }
    } cleanup{dir, conn};
    ASSERT_NE(conn, 0u);
    auto work = std::async(std::launch::async, [&] {
        dmover::Device dev(dir + "/dmover", "crc32c");
        char data[] = "123456789";
        std::vector<iovec> iov = {{data, 9}};
        dmover_request r{};
        r.in[0] = buffer_of(iov);
        uint64_t crc = 0;
        dev.run(std::span(&r, 1), [&](const dmover_completion& c) { crc = c.error ? 0 : c.result; });
        return crc;
    });
    if (work.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        std::ofstream(std::string("/sys/fs/fuse/connections/") + std::to_string(conn) + "/abort") << 1;
        ADD_FAILURE() << "no completion within 30 s (workers lost in the fork?)";
    }
    try {
        EXPECT_EQ(work.get(), 0xE3069283u);
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
    }
}

}  // namespace
}  // namespace dmover_test
