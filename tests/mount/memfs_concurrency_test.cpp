// Scale and concurrency on a memfs mount: a directory of 10,000+ entries,
// readdir while other threads change the directory, and parallel I/O on
// separate and shared files with every byte verified.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/file_util.hpp"
#include "support/memfs_fixture.hpp"
#include "support/timeout.hpp"

namespace fusex::test {
namespace {

using MemfsConcurrencyTest = MemfsModesTest;

using namespace std::chrono_literals;

std::string name_of(int i) { return "entry-" + std::to_string(i); }

TEST_P(MemfsConcurrencyTest, TenThousandEntriesListedCompletely) {
    constexpr int kCount = 10050;
    const std::string dir = m("big");
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
    ASSERT_TRUE(in_thread(
        [dir] {
            for (int i = 0; i < kCount; ++i) {
                // Every tenth entry is a directory, so types vary.
                std::string p = dir + "/" + name_of(i);
                int rc = (i % 10 == 0) ? mkdir(p.c_str(), 0755) : mknod(p.c_str(), S_IFREG | 0644, 0);
                if (rc != 0) return "creating " + p + ": " + strerror(errno);
            }
            return std::string();
        },
        120s));
    auto names = list_dir(dir);
    ASSERT_TRUE(names);
    EXPECT_EQ(names->size(), static_cast<size_t>(kCount));
    std::map<std::string, int> seen;
    for (const auto& s : *names) ++seen[s];
    for (int i = 0; i < kCount; ++i) {
        auto it = seen.find(name_of(i));
        if (it == seen.end()) {
            ADD_FAILURE() << name_of(i) << " missing from the listing";
        } else if (it->second != 1) {
            ADD_FAILURE() << name_of(i) << " listed " << it->second << " times";
        }
    }
    EXPECT_EQ(lstat_of(dir)->st_nlink, 2u + (kCount + 9) / 10);
    // Spot-check lookups of listed names (including the last ones).
    for (int i : {0, 1, 4999, kCount - 2, kCount - 1}) {
        auto st = lstat_of(dir + "/" + name_of(i));
        ASSERT_TRUE(st) << name_of(i);
        EXPECT_EQ(S_ISDIR(st->st_mode), i % 10 == 0);
    }
    // Remove all of them again: the listing becomes empty.
    for (int i = 0; i < kCount; ++i) {
        std::string p = dir + "/" + name_of(i);
        ASSERT_EQ((i % 10 == 0) ? rmdir(p.c_str()) : unlink(p.c_str()), 0) << p;
    }
    EXPECT_EQ(list_dir(dir).value_or(std::vector<std::string>{"<unreadable>"}), std::vector<std::string>{});
    EXPECT_EQ(SYS(rmdir(dir.c_str())), SysResult{});
}

TEST_P(MemfsConcurrencyTest, ReaddirStableUnderConcurrentChange) {
    constexpr int kStable = 3000;
    const std::string dir = m("churn");
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
    for (int i = 0; i < kStable; ++i) ASSERT_TRUE(write_file(dir + "/" + name_of(i), "")) << i;

    auto stop = std::make_shared<std::atomic<bool>>(false);
    auto churn_ops = std::make_shared<std::atomic<long>>(0);
    // Another thread adds and removes other names the whole time.
    std::thread churn([dir, stop, churn_ops] {
        std::mt19937 rng(7);
        while (!stop->load()) {
            std::string p = dir + "/tmp-" + std::to_string(rng() % 500);
            if (rng() % 2) {
                int fd = open(p.c_str(), O_CREAT | O_WRONLY, 0644);
                if (fd >= 0) close(fd);
            } else {
                unlink(p.c_str());
            }
            churn_ops->fetch_add(1);
        }
    });
    struct Joiner {
        std::thread& t;
        std::shared_ptr<std::atomic<bool>> stop;
        ~Joiner() {
            stop->store(true);
            t.join();
        }
    } joiner{churn, stop};

    long last_ops = 0;
    for (int round = 0; round < 6; ++round) {
        // Let the churn make progress between listings (on a loaded machine
        // the listing could otherwise finish before the churn starts).
        for (int i = 0; i < 400 && churn_ops->load() < last_ops + 20; ++i) std::this_thread::sleep_for(5ms);
        last_ops = churn_ops->load();
        auto names = list_dir(dir);
        ASSERT_TRUE(names) << strerror(errno);
        std::map<std::string, int> seen;
        for (const auto& s : *names) ++seen[s];
        int missing = 0, repeated = 0;
        for (int i = 0; i < kStable; ++i) {
            auto it = seen.find(name_of(i));
            if (it == seen.end())
                ++missing;
            else if (it->second > 1)
                ++repeated;
        }
        EXPECT_EQ(missing, 0) << "round " << round << ": surviving entries skipped";
        EXPECT_EQ(repeated, 0) << "round " << round << ": surviving entries repeated";
        for (const auto& [name, count] : seen)
            if (name.rfind("entry-", 0) != 0 && name.rfind("tmp-", 0) != 0) ADD_FAILURE() << "unknown name " << name;
    }
    stop->store(true);
    EXPECT_GT(churn_ops->load(), 0) << "the churn thread never ran";
}

// Each thread writes its own file in odd-sized pieces, then reads it back.
TEST_P(MemfsConcurrencyTest, ParallelIoOnSeparateFiles) {
    constexpr int kThreads = 4;
    constexpr size_t kSize = 6 << 20;
    std::vector<std::thread> threads;
    std::vector<std::string> errors(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::string path = m("file-" + std::to_string(t));
            std::string data = pattern(kSize, 100 + t);
            int fd = open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
            if (fd < 0) {
                errors[t] = "open: " + std::string(strerror(errno));
                return;
            }
            std::mt19937 rng(t);
            for (size_t off = 0; off < kSize;) {
                size_t len = std::min<size_t>(kSize - off, 1 + rng() % 300000);
                if (pwrite(fd, data.data() + off, len, static_cast<off_t>(off)) != static_cast<ssize_t>(len)) {
                    errors[t] = "pwrite failed at " + std::to_string(off);
                    break;
                }
                off += len;
            }
            close(fd);
            auto back = read_file(path);
            if (!back || *back != data) errors[t] = "content differs after reading back";
        });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], "") << "thread " << t;
}

// Writers fill interleaved disjoint blocks of one file while readers check
// every block already written.
TEST_P(MemfsConcurrencyTest, ParallelIoOnOneFile) {
    constexpr int kWriters = 3;
    constexpr int kBlocksEach = 400;
    constexpr size_t kBlock = 5000;  // not page-aligned on purpose
    const std::string path = m("shared");
    int fd = open(path.c_str(), O_CREAT | O_RDWR, 0644);
    ASSERT_GE(fd, 0);
    std::vector<std::atomic<bool>> written(kWriters * kBlocksEach);
    std::atomic<int> writers_left{kWriters};
    std::atomic<long> verified{0};
    std::vector<std::string> errors(kWriters + 2);
    auto block_data = [](size_t idx) { return pattern(kBlock, 9, idx * kBlock); };
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
        threads.emplace_back([&, w] {
            for (int b = 0; b < kBlocksEach; ++b) {
                size_t idx = static_cast<size_t>(b) * kWriters + w;
                std::string d = block_data(idx);
                if (pwrite(fd, d.data(), kBlock, static_cast<off_t>(idx * kBlock)) != static_cast<ssize_t>(kBlock)) {
                    errors[w] = "pwrite of block " + std::to_string(idx) + ": " + strerror(errno);
                    break;
                }
                written[idx].store(true);
            }
            writers_left.fetch_sub(1);
        });
    }
    for (int r = 0; r < 2; ++r) {
        threads.emplace_back([&, r] {
            int rfd = open(path.c_str(), O_RDONLY);
            std::mt19937 rng(r);
            std::string buf(kBlock, '\0');
            while (writers_left.load() > 0 && rfd >= 0) {
                size_t idx = rng() % written.size();
                if (!written[idx].load()) continue;
                if (pread(rfd, buf.data(), kBlock, static_cast<off_t>(idx * kBlock)) != static_cast<ssize_t>(kBlock) ||
                    buf != block_data(idx)) {
                    errors[kWriters + r] = "block " + std::to_string(idx) + " read back wrong while writing";
                    break;
                }
                verified.fetch_add(1);
            }
            if (rfd >= 0) close(rfd);
        });
    }
    for (auto& th : threads) th.join();
    close(fd);
    for (size_t i = 0; i < errors.size(); ++i) EXPECT_EQ(errors[i], "") << "thread " << i;
    auto all = read_file(path);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), kWriters * kBlocksEach * kBlock);
    for (size_t idx = 0; idx < written.size(); ++idx)
        ASSERT_EQ(all->substr(idx * kBlock, kBlock), block_data(idx)) << "block " << idx;
}

// O_APPEND writers racing: no record is lost or torn.
TEST_P(MemfsConcurrencyTest, ConcurrentAppends) {
    constexpr int kThreads = 4;
    constexpr int kRecords = 300;
    constexpr size_t kRecord = 100;
    const std::string path = m("log");
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644);
            if (fd < 0) return;
            for (int i = 0; i < kRecords; ++i) {
                std::string rec(kRecord, static_cast<char>('a' + t));
                rec.replace(0, 10, std::to_string(1000000000 + t * 100000 + i).substr(0, 10));
                rec.back() = '\n';
                if (write(fd, rec.data(), rec.size()) != static_cast<ssize_t>(rec.size())) break;
            }
            close(fd);
        });
    }
    for (auto& th : threads) th.join();
    auto all = read_file(path);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), kThreads * kRecords * kRecord) << "appended records lost or overlapped";
    std::map<std::string, int> records;
    for (size_t off = 0; off < all->size(); off += kRecord) {
        std::string rec = all->substr(off, kRecord);
        char fill = rec[10];
        bool intact = rec.back() == '\n' && fill >= 'a' && fill < 'a' + kThreads &&
                      rec.find_first_not_of(fill, 10) == kRecord - 1;
        ASSERT_TRUE(intact) << "torn record at offset " << off;
        ++records[rec.substr(0, 10)];
    }
    EXPECT_EQ(records.size(), static_cast<size_t>(kThreads * kRecords));
}

// Threads creating, renaming and removing names in one directory.
TEST_P(MemfsConcurrencyTest, ConcurrentNamespaceChanges) {
    constexpr int kThreads = 4;
    constexpr int kFiles = 400;
    const std::string dir = m("ns");
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
    std::vector<std::thread> threads;
    std::vector<std::string> errors(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kFiles; ++i) {
                std::string a = dir + "/t" + std::to_string(t) + "-" + std::to_string(i);
                std::string b = a + "-renamed";
                if (!write_file(a, a) || rename(a.c_str(), b.c_str()) != 0) {
                    errors[t] = "create/rename " + a + ": " + strerror(errno);
                    return;
                }
                if (i % 2 == 0 && unlink(b.c_str()) != 0) {
                    errors[t] = "unlink " + b + ": " + strerror(errno);
                    return;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], "") << "thread " << t;
    auto names = list_dir(dir);
    ASSERT_TRUE(names);
    EXPECT_EQ(names->size(), static_cast<size_t>(kThreads * kFiles / 2));
    for (const auto& name : *names) {
        EXPECT_EQ(read_file(dir + "/" + name).value_or("") + "-renamed", dir + "/" + name);
    }
}

FUSEX_INSTANTIATE_MEMFS_MODES(MemfsConcurrencyTest);

}  // namespace
}  // namespace fusex::test
