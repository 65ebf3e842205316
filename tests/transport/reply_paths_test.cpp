// Reply paths every transport must get right: replies sent later from
// another thread (on io_uring they wake the queue's thread to commit), and
// handlers that go on reading their request after answering it (on
// io_uring the reply must not overwrite the request it shares a buffer with).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "fusex/filesystem.hpp"
#include "transport_fixture.hpp"

namespace fusex::test {
namespace {

constexpr size_t kAsyncSize = (256u << 10) + 3;
const std::string kLongName(200, 'n');  // long enough to sit in the payload buffer

class LateFs : public Filesystem {
  public:
    LateFs() : content_(kAsyncSize) {
        for (size_t i = 0; i < content_.size(); ++i) content_[i] = static_cast<std::byte>(i * 7 + (i >> 9));
        replier_ = std::thread([this] { serve(); });
    }
    ~LateFs() override {
        {
            std::lock_guard lock(mu_);
            done_ = true;
        }
        cv_.notify_all();
        replier_.join();
    }

    std::vector<std::byte> content_;
    std::mutex store_mu_;
    std::vector<std::byte> store_;
    std::atomic<unsigned> name_mismatches{0};
    std::atomic<unsigned> data_mismatches{0};

    void lookup(const LookupRequest& req, ReplyEntry reply) override {
        NodeId node = req.name == "async" ? 2 : req.name == "echo" ? 3 : req.name == kLongName ? 4 : 0;
        if (!node || req.parent != kRootNode) return std::move(reply).error(ENOENT);
        std::string before(req.name);
        Entry e;
        e.node = node;
        e.attr = attr(node);
        e.attr_timeout = e.entry_timeout = 0;
        std::move(reply).entry(e);
        if (std::string(req.name) != before) name_mismatches.fetch_add(1);  // still ours after replying
    }
    void getattr(const GetattrRequest& req, ReplyAttr reply) override { std::move(reply).attr(attr(req.node), 0); }
    void setattr(const SetattrRequest& req, ReplyAttr reply) override {
        if (req.has(kSetSize)) {
            std::lock_guard lock(store_mu_);
            store_.resize(req.size);
        }
        std::move(reply).attr(attr(req.node), 0);
    }
    void open(const OpenRequest&, ReplyOpen reply) override {
        OpenResult r;
        r.direct_io = true;
        std::move(reply).opened(r);
    }
    void read(const ReadRequest& req, ReplyData reply) override {
        if (req.node == 3) {
            std::lock_guard lock(store_mu_);
            size_t off = std::min<size_t>(req.offset, store_.size());
            size_t n = std::min<size_t>(req.size, store_.size() - off);
            return std::move(reply).data(std::span<const std::byte>(store_.data() + off, n));
        }
        // Answer later, from the replier thread.
        auto shared = std::make_shared<ReplyData>(std::move(reply));
        uint64_t offset = req.offset;
        uint32_t size = req.size;
        post([this, shared, offset, size] {
            size_t off = std::min<size_t>(offset, content_.size());
            size_t n = std::min<size_t>(size, content_.size() - off);
            std::move(*shared).data(std::span<const std::byte>(content_.data() + off, n));
        });
    }
    void write(const WriteRequest& req, ReplyWrite reply) override {
        std::vector<std::byte> copy(req.data.begin(), req.data.end());
        {
            std::lock_guard lock(store_mu_);  // stored before the answer: a read may follow at once
            if (store_.size() < req.offset + copy.size()) store_.resize(req.offset + copy.size());
            std::copy(copy.begin(), copy.end(), store_.begin() + static_cast<long>(req.offset));
        }
        std::move(reply).written(req.data.size());
        // The request must still be what the kernel sent after answering.
        if (!std::equal(copy.begin(), copy.end(), req.data.begin(), req.data.end())) data_mismatches.fetch_add(1);
    }

  private:
    Attr attr(NodeId node) {
        Attr a;
        a.ino = node;
        if (node == kRootNode) {
            a.mode = S_IFDIR | 0755;
        } else if (node == 3) {
            std::lock_guard lock(store_mu_);
            a.mode = S_IFREG | 0644;
            a.size = store_.size();
        } else {
            a.mode = S_IFREG | 0444;
            a.size = node == 2 ? kAsyncSize : 0;
        }
        return a;
    }
    void post(std::function<void()> fn) {
        {
            std::lock_guard lock(mu_);
            tasks_.push_back(std::move(fn));
        }
        cv_.notify_one();
    }
    void serve() {
        std::unique_lock lock(mu_);
        for (;;) {
            cv_.wait(lock, [&] { return done_ || !tasks_.empty(); });
            if (tasks_.empty()) return;
            auto fn = std::move(tasks_.front());
            tasks_.pop_front();
            lock.unlock();
            std::this_thread::sleep_for(std::chrono::microseconds(100));
            fn();
            lock.lock();
        }
    }
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    bool done_ = false;
    std::thread replier_;
};

class ReplyPathsTest : public ::testing::TestWithParam<TransportKind> {
  protected:
    void SetUp() override {
        if (auto why = mount_unavailable(); !why.empty()) GTEST_SKIP() << why;
        if (GetParam() == TransportKind::Uring || GetParam() == TransportKind::Auto) {
            uring_ = std::make_unique<UringSetting>(true);
            if (GetParam() == TransportKind::Uring && !uring_->unavailable().empty())
                GTEST_SKIP() << uring_->unavailable();
        }
        SessionOptions options;
        options.transport = GetParam();
        mount_ = std::make_unique<TransportMount>(fs_, options);
        ASSERT_TRUE(mount_->ok());
    }
    void TearDown() override { mount_.reset(); }
    LateFs fs_;
    std::unique_ptr<UringSetting> uring_;
    std::unique_ptr<TransportMount> mount_;
};

TEST_P(ReplyPathsTest, RepliesSentLaterFromAnotherThread) {
    std::vector<std::thread> readers;
    std::atomic<int> good{0};
    for (size_t chunk : {4096u, 4097u, 65536u, 131072u, 1u << 20, 12345u}) {
        readers.emplace_back([&, chunk] {
            auto got = read_range(mount_->path("async"), 0, kAsyncSize + 100, 0, chunk);
            if (got && *got == fs_.content_) good.fetch_add(1);
        });
    }
    for (auto& t : readers) t.join();
    EXPECT_EQ(good.load(), 6);
}

TEST_P(ReplyPathsTest, HandlersMayReadTheirRequestAfterReplying) {
    int fd = ::open(mount_->path("echo").c_str(), O_RDWR | O_TRUNC | O_CLOEXEC);
    ASSERT_GE(fd, 0) << strerror(errno);
    std::vector<std::byte> expected;
    for (size_t size : {1u, 4096u, 70001u, 512u << 10, 33u}) {
        std::vector<std::byte> chunk(size);
        for (size_t i = 0; i < size; ++i) chunk[i] = static_cast<std::byte>(i * 13 + size);
        ASSERT_EQ(::write(fd, chunk.data(), size), static_cast<ssize_t>(size));
        expected.insert(expected.end(), chunk.begin(), chunk.end());
    }
    ::close(fd);
    auto back = read_range(mount_->path("echo"), 0, expected.size() + 10);
    ASSERT_TRUE(back);
    EXPECT_TRUE(*back == expected);
    EXPECT_EQ(fs_.data_mismatches.load(), 0u);
    for (int i = 0; i < 50; ++i) {
        struct stat st;
        EXPECT_EQ(::stat(mount_->path(kLongName).c_str(), &st), 0);
    }
    EXPECT_EQ(fs_.name_mismatches.load(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllTransports, ReplyPathsTest,
                         ::testing::Values(TransportKind::Readv, TransportKind::Splice, TransportKind::Uring,
                                           TransportKind::Auto),
                         [](const auto& info) { return std::string(transport_name(info.param)); });

}  // namespace
}  // namespace fusex::test
