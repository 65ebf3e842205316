// Notifications that act on cached file data: inval_inode, store, retrieve.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <future>
#include <span>

#include "flat_fs.hpp"
#include "mounted_session.hpp"

namespace fusex::test {
namespace {

std::span<const std::byte> bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::optional<std::string> bounded_read(MountedSession& m, const std::string& name) {
    Task<std::string> t(m, [p = m.path(name)] { return read_file(p); });
    return t.wait(5s);
}

bool bounded_stat(MountedSession& m, const std::string& name) {
    Task<int> t(m, [p = m.path(name)] {
        struct stat st;
        return ::stat(p.c_str(), &st) == 0 ? 0 : errno;
    });
    auto r = t.wait(5s);
    return r && *r == 0;
}

TEST(NotifyInvalInode, CachedDataStaysStaleUntilInvalidatedByRange) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    const std::string old_data = std::string(4096, 'a') + std::string(4096, 'b');
    const std::string new_data = std::string(4096, 'A') + std::string(4096, 'B');
    NodeId f = fs.add("file", old_data);
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());

    ASSERT_EQ(bounded_read(m, "file"), old_data);
    int reads = fs.reads(f);
    EXPECT_GE(reads, 1);

    fs.set_content(f, new_data);  // behind the kernel's back
    ASSERT_EQ(bounded_read(m, "file"), old_data) << "the page cache should still serve the old bytes";
    EXPECT_EQ(fs.reads(f), reads) << "a cached read must not reach the daemon";

    // Only the second page: the first stays stale.
    ASSERT_EQ(m.session().notifier().inval_inode(f, 4096, 4096), 0);
    EXPECT_EQ(bounded_read(m, "file"), std::string(4096, 'a') + std::string(4096, 'B'));
    EXPECT_GT(fs.reads(f), reads);

    // Everything (length 0: to the end).
    ASSERT_EQ(m.session().notifier().inval_inode(f, 0, 0), 0);
    EXPECT_EQ(bounded_read(m, "file"), new_data);
}

TEST(NotifyInvalInode, NewSizeIsSeenAfterAttributeInvalidation) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    NodeId f = fs.add("file", "short");
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(bounded_read(m, "file"), "short");
    fs.set_content(f, "a much longer content");
    ASSERT_EQ(bounded_read(m, "file"), "short") << "cached size still 5";
    ASSERT_EQ(m.session().notifier().inval_inode(f, 0, 0), 0);
    EXPECT_EQ(bounded_read(m, "file"), "a much longer content");
}

TEST(NotifyInvalInode, UnknownNodeIsENOENT) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    fs.add("file", "x");
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(bounded_stat(m, ""));  // INIT done, root known
    EXPECT_EQ(m.session().notifier().inval_inode(12345, 0, 0), -ENOENT);
}

TEST(NotifyStore, StoredBytesAreReadWithoutAReadRequest) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    const std::string backend = "0123456789abcdef";
    const std::string pushed = "STORED-CONTENT!!";  // same size: the page becomes up to date
    NodeId f = fs.add("file", backend);
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(bounded_stat(m, "file"));  // the kernel must know the inode

    ASSERT_EQ(m.session().notifier().store(f, 0, bytes(pushed)), 0);
    EXPECT_EQ(bounded_read(m, "file"), pushed);
    EXPECT_EQ(fs.reads(f), 0) << "the stored page must satisfy the read";
}

TEST(NotifyStore, UnknownNodeIsENOENT) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(bounded_stat(m, ""));
    std::string data = "data";
    EXPECT_EQ(m.session().notifier().store(777, 0, bytes(data)), -ENOENT);
}

struct Retrieved {
    std::promise<std::pair<uint64_t, std::string>> got;
};

TEST(NotifyRetrieve, CallbackGetsTheCachedPages) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    NodeId f = fs.add("file", "cached-version-1");
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(bounded_read(m, "file"), "cached-version-1");
    fs.set_content(f, "backend-version2");  // retrieve must show the cache, not this

    auto r = std::make_shared<Retrieved>();
    auto fut = r->got.get_future();
    int rc = m.session().notifier().retrieve(f, 0, 4096, [r](uint64_t off, std::span<const std::byte> data) {
        r->got.set_value({off, std::string(reinterpret_cast<const char*>(data.data()), data.size())});
    });
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(fut.wait_for(5s), std::future_status::ready) << "no NOTIFY_REPLY reached the callback";
    auto [off, data] = fut.get();
    EXPECT_EQ(off, 0u);
    EXPECT_EQ(data, "cached-version-1");  // clipped to the file size by the kernel
}

TEST(NotifyRetrieve, StoredDataRoundTrips) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    NodeId f = fs.add("file", std::string(8192, '.'));
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(bounded_stat(m, "file"));
    std::string page(4096, 'S');
    ASSERT_EQ(m.session().notifier().store(f, 4096, bytes(page)), 0);

    auto r = std::make_shared<Retrieved>();
    auto fut = r->got.get_future();
    ASSERT_EQ(m.session().notifier().retrieve(f, 4096, 4096,
                                              [r](uint64_t off, std::span<const std::byte> data) {
                                                  r->got.set_value({off, std::string(
                                                      reinterpret_cast<const char*>(data.data()), data.size())});
                                              }),
              0);
    ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
    auto [off, data] = fut.get();
    EXPECT_EQ(off, 4096u);
    EXPECT_EQ(data, page);
    EXPECT_EQ(fs.reads(f), 0);
}

TEST(NotifyRetrieve, UnknownNodeFailsAndDropsTheCallback) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(bounded_stat(m, ""));
    auto alive = std::make_shared<int>(0);
    std::weak_ptr<int> watch = alive;
    int rc = m.session().notifier().retrieve(4242, 0, 100, [alive](uint64_t, std::span<const std::byte>) {});
    alive.reset();
    EXPECT_EQ(rc, -ENOENT);
    EXPECT_TRUE(watch.expired()) << "a failed retrieve must not keep its callback";
}

}  // namespace
}  // namespace fusex::test
