#include "samples.hpp"

#include "request_builder.hpp"

namespace fusex::test {

using namespace abi;

std::vector<Sample> valid_samples() {
    std::vector<Sample> s;
    auto add = [&](const char* label, const Req& r, protocol::DecodeParams p = {}) {
        Sample x{label, r.bytes(), p, 0};
        x.min_valid_len = x.bytes.size();
        s.push_back(std::move(x));
    };
    fuse_init_in init{7, 44, 65536, static_cast<uint32_t>(FUSE_INIT_EXT), 1, {}};
    add("INIT", Req(FUSE_INIT).arg(init));
    s.back().min_valid_len = sizeof(fuse_in_header) + FUSE_COMPAT_INIT_IN_SIZE;
    add("DESTROY", Req(FUSE_DESTROY));
    add("INTERRUPT", Req(FUSE_INTERRUPT).arg(fuse_interrupt_in{5}));
    fuse_notify_retrieve_in nr{};
    nr.size = 3;
    add("NOTIFY_REPLY", Req(FUSE_NOTIFY_REPLY).arg(nr).data("abc"));
    add("LOOKUP", Req(FUSE_LOOKUP).name("name"));
    add("FORGET", Req(FUSE_FORGET).arg(fuse_forget_in{1}));
    fuse_forget_one f[2] = {{1, 1}, {2, 2}};
    add("BATCH_FORGET", Req(FUSE_BATCH_FORGET).arg(fuse_batch_forget_in{2, 0}).raw(f, sizeof f));
    add("GETATTR", Req(FUSE_GETATTR).arg(fuse_getattr_in{}));
    add("SETATTR", Req(FUSE_SETATTR).arg(fuse_setattr_in{}));
    add("READLINK", Req(FUSE_READLINK));
    add("SYMLINK", Req(FUSE_SYMLINK).name("l").name("target"));
    add("MKNOD", Req(FUSE_MKNOD).arg(fuse_mknod_in{}).name("n"));
    add("MKDIR", Req(FUSE_MKDIR).arg(fuse_mkdir_in{}).name("d"));
    add("UNLINK", Req(FUSE_UNLINK).name("u"));
    add("RMDIR", Req(FUSE_RMDIR).name("r"));
    add("RENAME", Req(FUSE_RENAME).arg(fuse_rename_in{9}).name("a").name("b"));
    add("RENAME2", Req(FUSE_RENAME2).arg(fuse_rename2_in{9, 1, 0}).name("a").name("b"));
    add("LINK", Req(FUSE_LINK).arg(fuse_link_in{9}).name("l"));
    add("OPEN", Req(FUSE_OPEN).arg(fuse_open_in{}));
    add("OPENDIR", Req(FUSE_OPENDIR).arg(fuse_open_in{}));
    add("READ", Req(FUSE_READ).arg(fuse_read_in{}));
    add("READDIR", Req(FUSE_READDIR).arg(fuse_read_in{}));
    add("READDIRPLUS", Req(FUSE_READDIRPLUS).arg(fuse_read_in{}));
    fuse_write_in w{};
    w.size = 4;
    add("WRITE", Req(FUSE_WRITE).arg(w).data("data"));
    add("STATFS", Req(FUSE_STATFS));
    add("RELEASE", Req(FUSE_RELEASE).arg(fuse_release_in{}));
    add("RELEASEDIR", Req(FUSE_RELEASEDIR).arg(fuse_release_in{}));
    add("FSYNC", Req(FUSE_FSYNC).arg(fuse_fsync_in{}));
    add("FSYNCDIR", Req(FUSE_FSYNCDIR).arg(fuse_fsync_in{}));
    add("SETXATTR", Req(FUSE_SETXATTR).arg(fuse_setxattr_in{2, 0, 0, 0}, 8).name("user.x").data("vv"));
    protocol::DecodeParams ext;
    ext.setxattr_ext = true;
    add("SETXATTR_EXT", Req(FUSE_SETXATTR).arg(fuse_setxattr_in{2, 0, 0, 0}).name("user.x").data("vv"), ext);
    add("GETXATTR", Req(FUSE_GETXATTR).arg(fuse_getxattr_in{}).name("user.x"));
    add("LISTXATTR", Req(FUSE_LISTXATTR).arg(fuse_getxattr_in{}));
    add("REMOVEXATTR", Req(FUSE_REMOVEXATTR).name("user.x"));
    add("FLUSH", Req(FUSE_FLUSH).arg(fuse_flush_in{}));
    add("GETLK", Req(FUSE_GETLK).arg(fuse_lk_in{}));
    add("SETLK", Req(FUSE_SETLK).arg(fuse_lk_in{}));
    add("SETLKW", Req(FUSE_SETLKW).arg(fuse_lk_in{}));
    add("ACCESS", Req(FUSE_ACCESS).arg(fuse_access_in{}));
    add("CREATE", Req(FUSE_CREATE).arg(fuse_create_in{}).name("c"));
    add("BMAP", Req(FUSE_BMAP).arg(fuse_bmap_in{}));
    fuse_ioctl_in io{};
    io.in_size = 2;
    add("IOCTL", Req(FUSE_IOCTL).arg(io).data("io"));
    add("POLL", Req(FUSE_POLL).arg(fuse_poll_in{}));
    add("FALLOCATE", Req(FUSE_FALLOCATE).arg(fuse_fallocate_in{}));
    add("LSEEK", Req(FUSE_LSEEK).arg(fuse_lseek_in{}));
    add("COPY_FILE_RANGE", Req(FUSE_COPY_FILE_RANGE).arg(fuse_copy_file_range_in{}));
    add("SYNCFS", Req(FUSE_SYNCFS).arg(fuse_syncfs_in{}));
    add("TMPFILE", Req(FUSE_TMPFILE).arg(fuse_create_in{}));
    add("STATX", Req(FUSE_STATX).arg(fuse_statx_in{}));
    return s;
}

}  // namespace fusex::test
