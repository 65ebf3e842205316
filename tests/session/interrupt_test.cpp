// Interrupts on a real mount: a client blocked in read() on a slow file gets
// a signal, the kernel sends FUSE_INTERRUPT, the parked handler learns of it
// (callback or polled token) and answers EINTR, and read() returns EINTR.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mounted_session.hpp"
#include "slow_fs.hpp"

namespace fusex::test {
namespace {

// A handler that does nothing, installed without SA_RESTART: its only job is
// to make the signal interrupt a blocked system call.
void install_noop_handler(int sig) {
    struct sigaction sa {};
    sa.sa_handler = [](int) {};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(sig, &sa, nullptr);
}

struct ReadResult {
    ssize_t n = 0;
    int err = 0;
    std::string data;
};

ReadResult read_result(const std::string& path) {
    ReadResult r;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {-2, errno, {}};
    char buf[256];
    r.n = ::read(fd, buf, sizeof buf);
    r.err = r.n < 0 ? errno : 0;
    if (r.n > 0) r.data.assign(buf, static_cast<size_t>(r.n));
    ::close(fd);
    return r;
}

class InterruptTest : public ::testing::Test {
  protected:
    void SetUp() override {
        FUSEX_SESSION_SKIP_WITHOUT_FUSE();
        install_noop_handler(SIGUSR1);
        fs.slow = fs.add("slow", "never-read-normally");
        fs.direct_io = true;  // reads are synchronous requests of the reader itself
    }
    SlowFs fs;
};

TEST_F(InterruptTest, CallbackAnswersEintrAndReadFails) {
    fs.mode = SlowFs::OnInterrupt::Callback;
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ScopeExit drain([&] { fs.drain(); });

    Task<ReadResult> client(m, [p = m.path("slow")] { return read_result(p); });
    ASSERT_TRUE(wait_until([&] { return fs.parked_count() == 1; })) << "the read never reached the handler";
    EXPECT_FALSE(client.wait(100ms)) << "the read must block while the reply is parked";

    pthread_kill(client.native_handle(), SIGUSR1);
    auto r = client.wait(5s);
    ASSERT_TRUE(r) << "read() did not return after the signal";
    EXPECT_EQ(r->n, -1);
    EXPECT_EQ(r->err, EINTR);
    EXPECT_TRUE(fs.parked(0)->interrupt_seen);
    EXPECT_TRUE(fs.parked(0)->answered());
}

TEST_F(InterruptTest, PollingHandlerSeesTheCancellationToken) {
    fs.mode = SlowFs::OnInterrupt::Poll;
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ScopeExit drain([&] { fs.drain(); });

    Task<ReadResult> client(m, [p = m.path("slow")] { return read_result(p); });
    ASSERT_TRUE(wait_until([&] { return fs.parked_count() == 1; }));
    EXPECT_FALSE(fs.parked(0)->interrupted());
    pthread_kill(client.native_handle(), SIGUSR1);
    auto r = client.wait(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->n, -1);
    EXPECT_EQ(r->err, EINTR);
    EXPECT_TRUE(fs.parked(0)->interrupt_seen);
}

// An interrupt is a request, not an order: a handler that ignores it and
// answers later still delivers its data (the signal was not fatal).
TEST_F(InterruptTest, IgnoredInterruptStillDeliversTheData) {
    fs.mode = SlowFs::OnInterrupt::Ignore;
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ScopeExit drain([&] { fs.drain(); });

    Task<ReadResult> client(m, [p = m.path("slow")] { return read_result(p); });
    ASSERT_TRUE(wait_until([&] { return fs.parked_count() == 1; }));
    pthread_kill(client.native_handle(), SIGUSR1);
    ASSERT_TRUE(wait_until([&] { return fs.parked(0)->interrupted(); })) << "no FUSE_INTERRUPT arrived";
    EXPECT_FALSE(client.wait(100ms));
    ASSERT_TRUE(fs.parked(0)->answer_data("late but fine"));
    auto r = client.wait(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->data, "late but fine");
}

// The same with the reader in another process, signalled with kill().
TEST_F(InterruptTest, ReaderProcessGetsEintr) {
    fs.mode = SlowFs::OnInterrupt::Callback;
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ScopeExit drain([&] { fs.drain(); });

    const std::string path = m.path("slow");
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // Only async-signal-safe calls from here on (the parent has threads).
        install_noop_handler(SIGUSR1);
        int fd = ::open(path.c_str(), O_RDONLY);
        if (fd < 0) _exit(3);
        char buf[64];
        ssize_t n = ::read(fd, buf, sizeof buf);
        _exit(n < 0 && errno == EINTR ? 0 : n < 0 ? 2 : 1);
    }
    ScopeExit reap([pid] {
        if (waitpid(pid, nullptr, WNOHANG) == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    });
    ASSERT_TRUE(wait_until([&] { return fs.parked_count() == 1; }));
    // The read is parked, so the child's handler is in place.
    ASSERT_EQ(kill(pid, SIGUSR1), 0);
    int status = 0;
    ASSERT_TRUE(wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; })) << "child still blocked";
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: read returned data, 2: another error, 3: open failed";
    EXPECT_TRUE(fs.parked(0)->interrupt_seen);
}

}  // namespace
}  // namespace fusex::test
