// Kernel request bytes -> typed request. See decode.hpp for the contract.
//
// Validation policy (applied uniformly so every opcode behaves alike):
//  - The header must be complete (else EPROTO, no reply: unique is unknown)
//    and header.len must equal the bytes read (else EIO: framing is broken,
//    but unique is readable so the caller can still fail that one request).
//  - Request extensions (total_extlen * 8 bytes, security context and
//    supplementary groups) sit at the end; they are cut off before the
//    arguments are parsed.
//  - A fixed argument struct must be at least its size for the negotiated
//    minor (compat sizes for older minors). Bytes after a request that ends
//    in a fixed struct are ignored: the kernel has grown structs before
//    (INIT) and a larger one must not break us.
//  - A variable tail (names, write data, xattr values, ioctl input, forget
//    arrays) must exactly fill the rest of the request. The kernel sizes
//    these exactly, so leftovers mean we parsed with the wrong layout (say a
//    wrong SETXATTR_EXT guess), and acting on misparsed data is worse than
//    failing with EINVAL.
//  - Names must be non-empty and NUL-terminated inside the request.
//
// decode() never allocates: the result holds views into `bytes`.
#include "protocol/decode.hpp"

#include <cerrno>
#include <cstring>

#include "protocol/decoder.hpp"

namespace fusex::protocol {

using namespace abi;

namespace decoding {

const char* Decoder::run() {
    switch (d_.header.opcode) {
        case FUSE_INIT: return init();
        case FUSE_DESTROY: make<DestroyRequest>(); return nullptr;
        case FUSE_LOOKUP:
        case FUSE_UNLINK:
        case FUSE_RMDIR:
        case FUSE_REMOVEXATTR: return lookup_like();
        case FUSE_FORGET: return forget();
        case FUSE_BATCH_FORGET: return batch_forget();
        case FUSE_GETATTR: return getattr();
        case FUSE_SETATTR: return setattr();
        case FUSE_READLINK: make<ReadlinkRequest>().node = node(); return nullptr;
        case FUSE_SYMLINK: return symlink();
        case FUSE_MKNOD: return mknod();
        case FUSE_MKDIR: return mkdir();
        case FUSE_RENAME: return rename(false);
        case FUSE_RENAME2: return rename(true);
        case FUSE_LINK: return link();
        case FUSE_OPEN: return open(false);
        case FUSE_OPENDIR: return open(true);
        case FUSE_READ: return read(false, false);
        case FUSE_READDIR: return read(true, false);
        case FUSE_READDIRPLUS: return read(true, true);
        case FUSE_WRITE: return write();
        case FUSE_STATFS: make<StatfsRequest>().node = node(); return nullptr;
        case FUSE_RELEASE: return release(false);
        case FUSE_RELEASEDIR: return release(true);
        case FUSE_FSYNC: return fsync(false);
        case FUSE_FSYNCDIR: return fsync(true);
        case FUSE_SETXATTR: return setxattr();
        case FUSE_GETXATTR: return getxattr();
        case FUSE_LISTXATTR: return listxattr();
        case FUSE_FLUSH: return flush();
        case FUSE_GETLK:
        case FUSE_SETLK:
        case FUSE_SETLKW: return lock(d_.header.opcode);
        case FUSE_ACCESS: return access();
        case FUSE_CREATE: return create();
        case FUSE_INTERRUPT: return interrupt();
        case FUSE_BMAP: return bmap();
        case FUSE_IOCTL: return ioctl();
        case FUSE_POLL: return poll();
        case FUSE_NOTIFY_REPLY: return notify_reply();
        case FUSE_FALLOCATE: return fallocate();
        case FUSE_LSEEK: return lseek();
        case FUSE_COPY_FILE_RANGE: return copy_file_range();
        case FUSE_SYNCFS: return syncfs();
        case FUSE_TMPFILE: return tmpfile();
        case FUSE_STATX: return statx();
        default: break;  // SETUPMAPPING/REMOVEMAPPING (DAX), CUSE_INIT, unknown
    }
    d_.error = ENOSYS;
    return "opcode not supported";
}

const char* Decoder::init() {
    // A kernel with a newer major may send a different struct; the session
    // then only needs major/minor to answer with ours, so 8 bytes suffice.
    // For major 7 the struct is 16 bytes, or 64 (with flags2) since 7.36.
    fuse_init_in in{};
    const size_t have = r_.left();
    size_t size = 8;
    if (have >= sizeof(in)) {
        size = sizeof(in);
    } else if (have >= FUSE_COMPAT_INIT_IN_SIZE) {
        size = FUSE_COMPAT_INIT_IN_SIZE;
    }
    if (!r_.fixed(in, size)) return kShortArg;
    if (in.major == 7 && size < FUSE_COMPAT_INIT_IN_SIZE) return kShortArg;
    auto& r = make<InitRequest>();
    r.major = in.major;
    r.minor = in.minor;
    r.max_readahead = in.max_readahead;
    r.flags = in.flags;
    // flags2 counts only when the kernel says it is meaningful.
    if (in.major == 7 && (in.flags & FUSE_INIT_EXT)) r.flags |= uint64_t{in.flags2} << 32;
    return nullptr;
}

const char* Decoder::forget() {
    fuse_forget_in in{};
    if (!r_.fixed(in)) return kShortArg;
    make<ForgetRequest>().forget = {node(), in.nlookup};
    return nullptr;
}

const char* Decoder::batch_forget() {
    fuse_batch_forget_in in{};
    if (!r_.fixed(in)) return kShortArg;
    // Compare in 64 bits: count * 16 cannot overflow there.
    const uint64_t want = uint64_t{in.count} * sizeof(fuse_forget_one);
    std::span<const std::byte> arr;
    if (want != r_.left() || !r_.tail(r_.left(), arr)) return "forget count does not match the array";
    auto& r = make<BatchForgetRequest>();
    r.raw = arr.data();
    r.count = in.count;
    return nullptr;
}

const char* Decoder::getattr() {
    auto& r = make<GetattrRequest>();
    r.node = node();
    if (p_.minor < 9) return nullptr;  // no argument before 7.9
    fuse_getattr_in in{};
    if (!r_.fixed(in)) return kShortArg;
    if (in.getattr_flags & FUSE_GETATTR_FH) r.fh = in.fh;
    return nullptr;
}

const char* Decoder::setattr() {
    fuse_setattr_in in{};
    if (!r_.fixed(in)) return kShortArg;
    auto& r = make<SetattrRequest>();
    r.node = node();
    // FH and LOCKOWNER are transport details, not fields to set.
    r.valid = in.valid & ~(FATTR_FH | FATTR_LOCKOWNER);
    if (in.valid & FATTR_FH) r.fh = in.fh;
    r.mode = in.mode;
    r.uid = in.uid;
    r.gid = in.gid;
    r.size = in.size;
    r.atime = {static_cast<time_t>(in.atime), static_cast<long>(in.atimensec)};
    r.mtime = {static_cast<time_t>(in.mtime), static_cast<long>(in.mtimensec)};
    r.ctime = {static_cast<time_t>(in.ctime), static_cast<long>(in.ctimensec)};
    return nullptr;
}

const char* Decoder::open(bool dir) {
    fuse_open_in in{};
    if (!r_.fixed(in)) return kShortArg;
    if (dir) {
        auto& r = make<OpendirRequest>();
        r.node = node();
        r.flags = in.flags;
    } else {
        auto& r = make<OpenRequest>();
        r.node = node();
        r.flags = in.flags;
        r.kill_suidgid = (in.open_flags & FUSE_OPEN_KILL_SUIDGID) != 0;
    }
    return nullptr;
}

const char* Decoder::read(bool dir, bool plus) {
    fuse_read_in in{};
    if (!r_.fixed(in, rw_in_size())) return kShortArg;
    if (dir) {
        auto& r = make<ReaddirRequest>();
        r.node = node();
        r.fh = in.fh;
        r.offset = in.offset;
        r.size = in.size;
        r.plus = plus;
        return nullptr;
    }
    auto& r = make<ReadRequest>();
    r.node = node();
    r.fh = in.fh;
    r.offset = in.offset;
    r.size = in.size;
    r.flags = in.flags;
    if (in.read_flags & FUSE_READ_LOCKOWNER) r.lock_owner = in.lock_owner;
    return nullptr;
}

const char* Decoder::write() {
    fuse_write_in in{};
    if (!r_.fixed(in, rw_in_size())) return kShortArg;
    std::span<const std::byte> data;
    if (!r_.tail(in.size, data)) return "write size does not match the payload";
    auto& r = make<WriteRequest>();
    r.node = node();
    r.fh = in.fh;
    r.offset = in.offset;
    r.data = data;
    r.flags = in.flags;
    r.from_page_cache = (in.write_flags & FUSE_WRITE_CACHE) != 0;
    r.kill_suidgid = (in.write_flags & FUSE_WRITE_KILL_SUIDGID) != 0;
    if (in.write_flags & FUSE_WRITE_LOCKOWNER) r.lock_owner = in.lock_owner;
    return nullptr;
}

const char* Decoder::release(bool dir) {
    fuse_release_in in{};
    if (!r_.fixed(in)) return kShortArg;
    if (dir) {
        auto& r = make<ReleasedirRequest>();
        r.node = node();
        r.fh = in.fh;
        r.flags = in.flags;
        return nullptr;
    }
    auto& r = make<ReleaseRequest>();
    r.node = node();
    r.fh = in.fh;
    r.flags = in.flags;
    r.flush = (in.release_flags & FUSE_RELEASE_FLUSH) != 0;
    r.flock_unlock = (in.release_flags & FUSE_RELEASE_FLOCK_UNLOCK) != 0;
    r.lock_owner = in.lock_owner;
    return nullptr;
}

const char* Decoder::fsync(bool dir) {
    fuse_fsync_in in{};
    if (!r_.fixed(in)) return kShortArg;
    const bool datasync = (in.fsync_flags & FUSE_FSYNC_FDATASYNC) != 0;
    if (dir) {
        auto& r = make<FsyncdirRequest>();
        r.node = node();
        r.fh = in.fh;
        r.datasync = datasync;
    } else {
        auto& r = make<FsyncRequest>();
        r.node = node();
        r.fh = in.fh;
        r.datasync = datasync;
    }
    return nullptr;
}

const char* Decoder::flush() {
    fuse_flush_in in{};
    if (!r_.fixed(in)) return kShortArg;
    auto& r = make<FlushRequest>();
    r.node = node();
    r.fh = in.fh;
    r.lock_owner = in.lock_owner;
    return nullptr;
}

const char* Decoder::lock(uint32_t opcode) {
    fuse_lk_in in{};
    // lk_flags arrived with 7.9.
    if (!r_.fixed(in, p_.minor >= 9 ? sizeof(in) : offsetof(fuse_lk_in, lk_flags))) return kShortArg;
    const FileLock lk{in.lk.start, in.lk.end, in.lk.type, in.lk.pid};
    if (opcode == FUSE_GETLK) {
        auto& r = make<GetlkRequest>();
        r.node = node();
        r.fh = in.fh;
        r.owner = in.owner;
        r.lock = lk;
        return nullptr;
    }
    auto& r = make<SetlkRequest>();
    r.node = node();
    r.fh = in.fh;
    r.owner = in.owner;
    r.lock = lk;
    r.sleep = opcode == FUSE_SETLKW;
    r.flock = (in.lk_flags & FUSE_LK_FLOCK) != 0;
    return nullptr;
}

const char* Decoder::access() {
    fuse_access_in in{};
    if (!r_.fixed(in)) return kShortArg;
    auto& r = make<AccessRequest>();
    r.node = node();
    r.mask = in.mask;
    return nullptr;
}

const char* Decoder::interrupt() {
    fuse_interrupt_in in{};
    if (!r_.fixed(in)) return kShortArg;
    make<InterruptRequest>().target = in.unique;
    return nullptr;
}

const char* Decoder::bmap() {
    fuse_bmap_in in{};
    if (!r_.fixed(in)) return kShortArg;
    auto& r = make<BmapRequest>();
    r.node = node();
    r.block = in.block;
    r.blocksize = in.blocksize;
    return nullptr;
}

const char* Decoder::ioctl() {
    fuse_ioctl_in in{};
    if (!r_.fixed(in)) return kShortArg;
    std::span<const std::byte> data;
    if (!r_.tail(in.in_size, data)) return "ioctl in_size does not match the input";
    auto& r = make<IoctlRequest>();
    r.node = node();
    r.fh = in.fh;
    r.flags = in.flags;
    r.cmd = in.cmd;
    r.arg = in.arg;
    r.in = data;
    r.out_size = in.out_size;
    return nullptr;
}

const char* Decoder::poll() {
    fuse_poll_in in{};
    if (!r_.fixed(in)) return kShortArg;
    auto& r = make<PollRequest>();
    r.node = node();
    r.fh = in.fh;
    r.kh = in.kh;
    r.schedule_notify = (in.flags & FUSE_POLL_SCHEDULE_NOTIFY) != 0;
    r.events = in.events;
    return nullptr;
}

const char* Decoder::notify_reply() {
    fuse_notify_retrieve_in in{};
    if (!r_.fixed(in)) return kShortArg;
    std::span<const std::byte> data;
    if (!r_.tail(in.size, data)) return "retrieve size does not match the data";
    auto& r = make<NotifyReplyRequest>();
    r.offset = in.offset;
    r.data = data;
    return nullptr;
}

const char* Decoder::fallocate() {
    fuse_fallocate_in in{};
    if (!r_.fixed(in)) return kShortArg;
    auto& r = make<FallocateRequest>();
    r.node = node();
    r.fh = in.fh;
    r.offset = in.offset;
    r.length = in.length;
    r.mode = in.mode;
    return nullptr;
}

const char* Decoder::lseek() {
    fuse_lseek_in in{};
    if (!r_.fixed(in)) return kShortArg;
    auto& r = make<LseekRequest>();
    r.node = node();
    r.fh = in.fh;
    r.offset = in.offset;
    r.whence = in.whence;
    return nullptr;
}

const char* Decoder::copy_file_range() {
    fuse_copy_file_range_in in{};
    if (!r_.fixed(in)) return kShortArg;
    auto& r = make<CopyFileRangeRequest>();
    r.node_in = node();
    r.fh_in = in.fh_in;
    r.off_in = in.off_in;
    r.node_out = in.nodeid_out;
    r.fh_out = in.fh_out;
    r.off_out = in.off_out;
    r.len = in.len;
    r.flags = in.flags;
    return nullptr;
}

const char* Decoder::syncfs() {
    fuse_syncfs_in in{};
    if (!r_.fixed(in)) return kShortArg;
    make<SyncfsRequest>().node = node();
    return nullptr;
}

const char* Decoder::statx() {
    fuse_statx_in in{};
    if (!r_.fixed(in)) return kShortArg;
    auto& r = make<StatxRequest>();
    r.node = node();
    if (in.getattr_flags & FUSE_GETATTR_FH) r.fh = in.fh;
    r.sx_flags = in.sx_flags;
    r.sx_mask = in.sx_mask;
    return nullptr;
}

}  // namespace decoding

Decoded decode(std::span<const std::byte> bytes, const DecodeParams& params) {
    Decoded d;
    if (bytes.size() < sizeof(fuse_in_header)) {
        // Without a whole header there is no trustworthy unique to answer.
        d.error = EPROTO;
        d.why = "request shorter than its header";
        d.needs_reply = false;
        return d;
    }
    std::memcpy(&d.header, bytes.data(), sizeof(fuse_in_header));
    const uint32_t op = d.header.opcode;
    // The kernel never expects an answer to these: FORGETs and NOTIFY_REPLY
    // are sent without a reply slot, and NOTIFY_REPLY's unique is the
    // server's own retrieve id, so an "answer" could even hit an unrelated
    // request with that number. An answer to INTERRUPT is optional, and
    // ENOSYS would switch interrupts off for good, so the session answers
    // INTERRUPTs (EAGAIN) deliberately, never by default.
    d.needs_reply = !(op == FUSE_FORGET || op == FUSE_BATCH_FORGET || op == FUSE_INTERRUPT ||
                      op == FUSE_NOTIFY_REPLY);

    if (d.header.len != bytes.size()) {
        d.error = EIO;
        d.why = "header length does not match the bytes read";
        return d;
    }
    const size_t ext = size_t{d.header.total_extlen} * 8;
    const size_t args = bytes.size() - sizeof(fuse_in_header);
    if (ext > args) {
        d.error = EINVAL;
        d.why = "extensions longer than the request";
        return d;
    }
    decoding::Reader reader(bytes.data() + sizeof(fuse_in_header), args - ext);
    decoding::Decoder decoder(d, reader, params);
    if (const char* why = decoder.run()) {
        d.request = std::monostate{};
        if (d.error == 0) d.error = EINVAL;
        d.why = why;
    }
    return d;
}

}  // namespace fusex::protocol
