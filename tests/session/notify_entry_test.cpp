// Notifications that act on cached names: inval_entry and delete, plus the
// Notifier's answers when there is nothing (yet) to notify.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>

#include "flat_fs.hpp"
#include "scope_exit.hpp"
#include "mounted_session.hpp"

namespace fusex::test {
namespace {

// 0 or the errno of stat(path); -1 if it did not return in time.
int bounded_stat(MountedSession& m, const std::string& name) {
    Task<int> t(m, [p = m.path(name)] {
        struct stat st;
        return ::stat(p.c_str(), &st) == 0 ? 0 : errno;
    });
    return t.wait(5s).value_or(-1);
}

TEST(NotifyInvalEntry, CachedNameStaysUntilInvalidated) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    NodeId f = fs.add("name", "x");
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());

    ASSERT_EQ(bounded_stat(m, "name"), 0);
    EXPECT_EQ(fs.lookups("name"), 1);
    fs.set_present(f, false);  // removed behind the kernel's back
    EXPECT_EQ(bounded_stat(m, "name"), 0) << "the dentry is cached for an hour";
    EXPECT_EQ(fs.lookups("name"), 1);

    ASSERT_EQ(m.session().notifier().inval_entry(kRootNode, "name"), 0);
    EXPECT_EQ(bounded_stat(m, "name"), ENOENT);
    EXPECT_EQ(fs.lookups("name"), 2);
}

TEST(NotifyInvalEntry, CachedNegativeEntryStaysUntilInvalidated) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    NodeId f = fs.add("later", "x");
    fs.set_present(f, false);
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());

    EXPECT_EQ(bounded_stat(m, "later"), ENOENT);
    fs.set_present(f, true);  // created behind the kernel's back
    EXPECT_EQ(bounded_stat(m, "later"), ENOENT) << "the negative entry is cached";
    EXPECT_EQ(fs.lookups("later"), 1);

    ASSERT_EQ(m.session().notifier().inval_entry(kRootNode, "later"), 0);
    EXPECT_EQ(bounded_stat(m, "later"), 0);
    EXPECT_EQ(fs.lookups("later"), 2);
}

TEST(NotifyInvalEntry, ExpireOnlyForcesRevalidation) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    NodeId f = fs.add("name", "x");
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(bounded_stat(m, "name"), 0);
    auto init = m.session().state().init();
    ASSERT_TRUE(init && (init->flags & cap::kHasExpireOnly)) << "kernel without FUSE_HAS_EXPIRE_ONLY";
    fs.set_present(f, false);
    ASSERT_EQ(m.session().notifier().inval_entry(kRootNode, "name", /*expire_only=*/true), 0);
    EXPECT_EQ(bounded_stat(m, "name"), ENOENT);
    EXPECT_GE(fs.lookups("name"), 2) << "the expired dentry must be looked up again";
}

// fstat's link count of an open fd, or -errno.
int bounded_nlink(MountedSession& m, int fd) {
    Task<int> t(m, [fd] {
        struct stat st;
        return ::fstat(fd, &st) == 0 ? static_cast<int>(st.st_nlink) : -errno;
    });
    return t.wait(5s).value_or(-1);
}

int bounded_open(MountedSession& m, const std::string& name) {
    Task<int> t(m, [p = m.path(name)] { return ::open(p.c_str(), O_RDONLY | O_CLOEXEC); });
    return t.wait(5s).value_or(-1);
}

TEST(NotifyDelete, RemovesNameAndUnlinksOpenInode) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    NodeId f = fs.add("victim", "x");
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    int fd = bounded_open(m, "victim");
    ASSERT_GE(fd, 0);
    ScopeExit close_fd([fd] { ::close(fd); });
    fs.set_present(f, false);

    ASSERT_EQ(m.session().notifier().delete_entry(kRootNode, f, "victim"), 0);
    EXPECT_EQ(bounded_stat(m, "victim"), ENOENT);
    EXPECT_EQ(fs.lookups("victim"), 2);
    EXPECT_EQ(bounded_nlink(m, fd), 0) << "delete (unlike inval_entry) unlinks the open inode";
}

TEST(NotifyDelete, WrongChildIsENOENTButTheNameIsStillDropped) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    NodeId f = fs.add("bystander", "x");
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    int fd = bounded_open(m, "bystander");
    ASSERT_GE(fd, 0);
    ScopeExit close_fd([fd] { ::close(fd); });

    // The kernel invalidates the dentry first, then finds it names another
    // inode: it refuses the unlink part only.
    EXPECT_EQ(m.session().notifier().delete_entry(kRootNode, f + 100, "bystander"), -ENOENT);
    EXPECT_EQ(bounded_nlink(m, fd), 1);
    EXPECT_EQ(bounded_stat(m, "bystander"), 0);
    EXPECT_EQ(fs.lookups("bystander"), 2) << "the name was looked up again";
}

TEST(NotifyErrors, BeforeInitEveryNotificationIsENOTCONN) {
    FlatFs fs;
    Session s(fs);  // never mounted: no INIT
    Notifier& n = s.notifier();
    std::string d = "x";
    auto data = std::as_bytes(std::span(d.data(), d.size()));
    EXPECT_EQ(n.inval_inode(2, 0, 0), -ENOTCONN);
    EXPECT_EQ(n.inval_entry(1, "a"), -ENOTCONN);
    EXPECT_EQ(n.delete_entry(1, 2, "a"), -ENOTCONN);
    EXPECT_EQ(n.store(2, 0, data), -ENOTCONN);
    EXPECT_EQ(n.retrieve(2, 0, 1, [](uint64_t, std::span<const std::byte>) {}), -ENOTCONN);
    EXPECT_EQ(n.poll_wakeup(1), -ENOTCONN);
    EXPECT_EQ(n.resend(), -ENOTCONN);
}

TEST(NotifyErrors, MountedButBeforeInitIsENOTCONN) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    SessionOptions so;
    so.single_thread = true;
    MountedSession m(fs, so, /*background=*/false);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m.session().notifier().inval_inode(kRootNode, 0, 0), -ENOTCONN);
    ASSERT_GE(m.session().process_available(), 1);  // the INIT the mount queued
    EXPECT_EQ(m.session().notifier().inval_inode(kRootNode, 0, 0), 0);
}

TEST(NotifyErrors, BadNamesAreRefusedLocally) {
    FlatFs fs;
    Session s(fs);
    EXPECT_EQ(s.notifier().inval_entry(1, ""), -EINVAL);
    EXPECT_EQ(s.notifier().delete_entry(1, 2, std::string(2000, 'n')), -EINVAL);
}

// Notifications from several non-worker threads at once, while a client
// keeps the daemon busy: each message must arrive whole.
TEST(NotifyThreads, ManyThreadsNotifyWhileServing) {
    FUSEX_SESSION_SKIP_WITHOUT_FUSE();
    FlatFs fs;
    NodeId f = fs.add("file", std::string(10000, 'z'));
    MountedSession m(fs);
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(bounded_stat(m, "file"), 0);

    std::atomic<bool> stop{false};
    Task<int> client(m, [&stop, p = m.path("file")] {
        int bad = 0;
        while (!stop) bad += read_file(p) != std::string(10000, 'z');
        return bad;
    });
    std::atomic<int> failures{0};
    std::vector<std::thread> notifiers;
    for (int t = 0; t < 4; ++t) {
        notifiers.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                int rc = (t % 2) ? m.session().notifier().inval_inode(f, 0, 0)
                                 : m.session().notifier().inval_entry(kRootNode, "file");
                if (rc != 0 && rc != -ENOENT) ++failures;  // ENOENT: dentry already gone
            }
        });
    }
    for (auto& t : notifiers) t.join();
    stop = true;
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(client.wait(10s), 0) << "reads saw wrong data";
}

}  // namespace
}  // namespace fusex::test
