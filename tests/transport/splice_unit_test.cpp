// The splice transport against pipes standing in for /dev/fuse: a request
// spliced in arrives whole; a WRITE payload can stay in the pipe and be
// spliced on or read; replies from a file carry the right length and bytes,
// spliced or copied, short at end of file.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "fusex/requests.hpp"
#include "protocol/abi.hpp"
#include "transport/pipe.hpp"
#include "transport/transport.hpp"

namespace fusex::transport {
namespace {

constexpr size_t kBuffer = (1u << 20) + 8192;

struct PipeFds {
    int r = -1, w = -1;
    explicit PipeFds(size_t size = 1u << 20) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) == 0) {
            r = fds[0];
            w = fds[1];
            fcntl(w, F_SETPIPE_SZ, static_cast<int>(size));
        }
    }
    ~PipeFds() {
        close(r);
        close(w);
    }
};

std::vector<std::byte> random_bytes(size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    std::mt19937 rng(seed);
    for (auto& b : v) b = static_cast<std::byte>(rng());
    return v;
}

std::vector<std::byte> write_request(uint64_t unique, uint64_t offset, const std::vector<std::byte>& data) {
    abi::fuse_in_header h{};
    abi::fuse_write_in in{};
    h.len = static_cast<uint32_t>(sizeof h + sizeof in + data.size());
    h.opcode = abi::FUSE_WRITE;
    h.unique = unique;
    in.offset = offset;
    in.size = static_cast<uint32_t>(data.size());
    std::vector<std::byte> msg(h.len);
    std::memcpy(msg.data(), &h, sizeof h);
    std::memcpy(msg.data() + sizeof h, &in, sizeof in);
    std::memcpy(msg.data() + sizeof h + sizeof in, data.data(), data.size());
    return msg;
}

bool write_all(int fd, const std::vector<std::byte>& v) {
    return ::write(fd, v.data(), v.size()) == static_cast<ssize_t>(v.size());
}

class TempFile {
  public:
    explicit TempFile(const std::vector<std::byte>& content) {
        char tmpl[] = "/tmp/fusex-splice-unit-XXXXXX";
        fd_ = mkstemp(tmpl);
        unlink(tmpl);
        if (!content.empty()) {
            EXPECT_EQ(pwrite(fd_, content.data(), content.size(), 0), (ssize_t)content.size());
        }
    }
    ~TempFile() { close(fd_); }
    int fd() const { return fd_; }
    std::vector<std::byte> read(size_t n, off_t off = 0) const {
        std::vector<std::byte> v(n);
        ssize_t got = pread(fd_, v.data(), n, off);
        v.resize(got > 0 ? static_cast<size_t>(got) : 0);
        return v;
    }

  private:
    int fd_ = -1;
};

TEST(SpliceReceive, RequestArrivesWhole) {
    PipeFds dev;
    auto t = make_splice_transport(dev.r, kBuffer, 0, nullptr);
    ASSERT_TRUE(t);
    auto msg = write_request(7, 0, random_bytes(100000, 1));
    ASSERT_TRUE(write_all(dev.w, msg));
    std::vector<std::byte> buf(kBuffer);
    ASSERT_EQ(t->receive(buf), static_cast<ssize_t>(msg.size()));
    EXPECT_EQ(std::memcmp(t->received_data(buf.data()), msg.data(), msg.size()), 0);
    WriteRequest w;
    t->prepare_write(w);  // nothing was left in the pipe
    EXPECT_EQ(w.spliced, nullptr);
}

TEST(SpliceReceive, LargeWritePayloadStaysInThePipeAndSplicesToAFile) {
    PipeFds dev;
    auto t = make_splice_transport(dev.r, kBuffer, 4096, nullptr);
    ASSERT_TRUE(t);
    auto data = random_bytes(200001, 2);
    auto msg = write_request(9, 0, data);
    ASSERT_TRUE(write_all(dev.w, msg));
    std::vector<std::byte> buf(kBuffer);
    ASSERT_EQ(t->receive(buf), static_cast<ssize_t>(msg.size()));
    EXPECT_EQ(std::memcmp(buf.data(), msg.data(), sizeof(abi::fuse_in_header) + sizeof(abi::fuse_write_in)), 0);
    WriteRequest w;
    w.data = std::span<const std::byte>(buf.data() + 80, data.size());
    t->prepare_write(w);
    ASSERT_NE(w.spliced, nullptr);
    EXPECT_TRUE(w.data.empty());
    EXPECT_EQ(w.spliced->size(), data.size());
    TempFile out({});
    EXPECT_EQ(w.spliced->splice_to(out.fd(), 4096), static_cast<int64_t>(data.size()));
    EXPECT_EQ(w.spliced->size(), 0u);
    EXPECT_TRUE(out.read(data.size(), 4096) == data);
}

TEST(SpliceReceive, PayloadCanBeReadInsteadAndLeftoversAreDiscarded) {
    PipeFds dev;
    auto t = make_splice_transport(dev.r, kBuffer, 4096, nullptr);
    ASSERT_TRUE(t);
    auto data = random_bytes(50000, 3);
    ASSERT_TRUE(write_all(dev.w, write_request(1, 0, data)));
    std::vector<std::byte> buf(kBuffer);
    ASSERT_GT(t->receive(buf), 0);
    WriteRequest w;
    t->prepare_write(w);
    ASSERT_NE(w.spliced, nullptr);
    std::vector<std::byte> head(1000);
    EXPECT_EQ(w.spliced->read_into(head), 1000);
    EXPECT_TRUE(std::equal(head.begin(), head.end(), data.begin()));
    // The handler leaves the rest: the next request must still arrive intact.
    auto small = write_request(2, 0, random_bytes(100, 4));  // below the threshold: read
    ASSERT_TRUE(write_all(dev.w, small));
    ASSERT_EQ(t->receive(buf), static_cast<ssize_t>(small.size()));
    EXPECT_EQ(std::memcmp(buf.data(), small.data(), small.size()), 0);
    WriteRequest w2;
    t->prepare_write(w2);
    EXPECT_EQ(w2.spliced, nullptr);
}

// Sends head + file data through a transport whose "device" is a pipe, and
// returns what came out.
std::vector<std::byte> reply_from_fd(int src, uint64_t offset, size_t size, bool baseline = false) {
    const uint64_t unique = 5;
    PipeFds dev;
    auto t = baseline ? make_readv_transport(dev.w) : make_splice_transport(dev.w, kBuffer, 0, nullptr);
    EXPECT_TRUE(t);
    abi::fuse_out_header out{};
    out.unique = unique;
    iovec head{&out, sizeof out};
    EXPECT_EQ(t->send_from_fd(&head, 1, src, offset, size), 0);
    std::vector<std::byte> got(kBuffer);
    ssize_t n = ::read(dev.r, got.data(), got.size());
    got.resize(n > 0 ? static_cast<size_t>(n) : 0);
    // A message larger than one read comes in pieces.
    while (got.size() >= sizeof out) {
        abi::fuse_out_header h;
        std::memcpy(&h, got.data(), sizeof h);
        if (got.size() >= h.len) break;
        size_t have = got.size();
        got.resize(h.len);
        n = ::read(dev.r, got.data() + have, h.len - have);
        if (n <= 0) break;
        got.resize(have + static_cast<size_t>(n));
    }
    return got;
}

void expect_reply(const std::vector<std::byte>& msg, const std::vector<std::byte>& content, uint64_t offset,
                  size_t size) {
    ASSERT_GE(msg.size(), sizeof(abi::fuse_out_header));
    abi::fuse_out_header h;
    std::memcpy(&h, msg.data(), sizeof h);
    size_t expected = offset >= content.size() ? 0 : std::min<size_t>(size, content.size() - offset);
    EXPECT_EQ(h.error, 0);
    EXPECT_EQ(h.len, sizeof h + expected);
    ASSERT_EQ(msg.size(), sizeof h + expected);
    EXPECT_EQ(std::memcmp(msg.data() + sizeof h, content.data() + offset, expected), 0);
}

TEST(SpliceReply, FileDataOfManySizesWithTheRightLength) {
    auto content = random_bytes(700001, 5);
    TempFile file(content);
    for (size_t size : {size_t{1}, size_t{4096}, size_t{16384}, size_t{65536}, size_t{300000}, size_t{900000}})
        for (uint64_t offset : {uint64_t{0}, uint64_t{3}, uint64_t{4096}, uint64_t{699999}, uint64_t{800000}}) {
            SCOPED_TRACE("size " + std::to_string(size) + " offset " + std::to_string(offset));
            expect_reply(reply_from_fd(file.fd(), offset, size), content, offset, size);
        }
}

TEST(SpliceReply, SourcesThatCannotBeSplicedGetWhatTheCopyingBaselineGives) {
    auto content = random_bytes(40000, 6);
    PipeFds a, b;  // not regular files: no splice, and pread fails (ESPIPE)
    ASSERT_TRUE(write_all(a.w, content));
    ASSERT_TRUE(write_all(b.w, content));
    auto spliced = reply_from_fd(a.r, 0, 40000);
    auto copied = reply_from_fd(b.r, 0, 40000, true);
    EXPECT_TRUE(spliced == copied);
    ASSERT_EQ(spliced.size(), sizeof(abi::fuse_out_header));
}

TEST(SpliceReply, SmallRepliesAreCopiedWithTheSameBytes) {
    auto content = random_bytes(20000, 8);
    TempFile file(content);
    for (size_t size : {size_t{0}, size_t{1}, size_t{100}, size_t{16383}})
        EXPECT_TRUE(reply_from_fd(file.fd(), 10, size) == reply_from_fd(file.fd(), 10, size, true)) << size;
}

TEST(SpliceReply, ReadErrorsBecomeErrorReplies) {
    int fd = ::open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);  // read() fails with EISDIR
    ASSERT_GE(fd, 0);
    auto msg = reply_from_fd(fd, 0, 65536);
    ::close(fd);
    ASSERT_EQ(msg.size(), sizeof(abi::fuse_out_header));
    abi::fuse_out_header h;
    std::memcpy(&h, msg.data(), sizeof h);
    EXPECT_EQ(h.error, -EISDIR);
    EXPECT_EQ(h.len, sizeof h);
}

TEST(Pipe, HoldsAWholeMessageOrSaysHowMuch) {
    Pipe p;
    std::string why;
    ASSERT_TRUE(p.open(kBuffer, &why)) << why;
    EXPECT_GE(p.slots(), 64u);
    EXPECT_EQ(splice_pipe_slots(kBuffer), p.slots());
    std::vector<std::byte> data = random_bytes(10000, 7);
    ASSERT_TRUE(write_all(p.write_end(), data));
    std::vector<std::byte> back(4000);
    ASSERT_TRUE(p.read_exact(back.data(), back.size()));
    EXPECT_TRUE(std::equal(back.begin(), back.end(), data.begin()));
    p.drain();
    char c;
    EXPECT_EQ(::read(p.read_end(), &c, 1), -1);  // empty (non-blocking)
    EXPECT_EQ(errno, EAGAIN);
}

}  // namespace
}  // namespace fusex::transport
