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

namespace fusex::protocol {
namespace {

using namespace abi;

// Sequential, bounds-checked reads from the argument area.
class Reader {
  public:
    Reader(const std::byte* p, size_t n) : p_(p), left_(n) {}

    // Copies `size` bytes (the compat size, <= sizeof(T)) into a zeroed T,
    // so fields an older minor does not send read as 0.
    template <class T>
    bool fixed(T& out, size_t size = sizeof(T)) {
        static_assert(std::is_trivially_copyable_v<T>);
        if (size > sizeof(T) || left_ < size) return false;
        std::memset(&out, 0, sizeof(T));
        std::memcpy(&out, p_, size);
        skip(size);
        return true;
    }

    // A NUL-terminated, non-empty string.
    bool name(std::string_view& out) {
        const void* nul = left_ ? std::memchr(p_, 0, left_) : nullptr;
        if (nul == nullptr) return false;
        size_t len = static_cast<size_t>(static_cast<const std::byte*>(nul) - p_);
        if (len == 0) return false;
        out = std::string_view(reinterpret_cast<const char*>(p_), len);
        skip(len + 1);
        return true;
    }

    // Exactly the remaining `size` bytes.
    bool tail(size_t size, std::span<const std::byte>& out) {
        if (left_ != size) return false;
        out = std::span<const std::byte>(p_, size);
        skip(size);
        return true;
    }

    const std::byte* pos() const { return p_; }
    size_t left() const { return left_; }
    bool done() const { return left_ == 0; }

  private:
    void skip(size_t n) {
        p_ += n;
        left_ -= n;
    }
    const std::byte* p_;
    size_t left_;
};

// Error phrases (static strings: Decoded::why must outlive the call).
constexpr const char* kShortArg = "argument struct truncated";
constexpr const char* kBadName = "name missing, empty or not NUL-terminated";
constexpr const char* kBadName2 = "second name missing, empty or not NUL-terminated";
constexpr const char* kTrailing = "unexpected bytes after the last name";

// Per-opcode decoding. Each returns nullptr on success or a why-phrase.
class Decoder {
  public:
    Decoder(Decoded& d, Reader& r, const DecodeParams& p) : d_(d), r_(r), p_(p) {
        const fuse_in_header& h = d.header;
        ctx_.unique = h.unique;
        ctx_.node = h.nodeid;
        ctx_.uid = h.uid;
        ctx_.gid = h.gid;
        ctx_.pid = h.pid;
    }

    const char* run();

  private:
    template <class R>
    R& make() {
        R& r = d_.request.emplace<R>();
        r.ctx = ctx_;
        return r;
    }
    NodeId node() const { return d_.header.nodeid; }
    // read_in/write_in shrank to 24 bytes before 7.9 (no lock_owner/flags).
    size_t rw_in_size() const { return p_.minor >= 9 ? sizeof(fuse_read_in) : FUSE_COMPAT_WRITE_IN_SIZE; }
    // A request whose last part is a name must end right after its NUL.
    const char* name_end(std::string_view& out) {
        if (!r_.name(out)) return kBadName;
        return r_.done() ? nullptr : kTrailing;
    }

    const char* init();
    const char* lookup_like();
    const char* forget();
    const char* batch_forget();
    const char* getattr();
    const char* setattr();
    const char* symlink();
    const char* mknod();
    const char* mkdir();
    const char* rename(bool v2);
    const char* link();
    const char* open(bool dir);
    const char* read(bool dir, bool plus);
    const char* write();
    const char* release(bool dir);
    const char* fsync(bool dir);
    const char* setxattr();
    const char* getxattr();
    const char* listxattr();
    const char* flush();
    const char* lock(uint32_t opcode);
    const char* access();
    const char* create();
    const char* interrupt();
    const char* bmap();
    const char* ioctl();
    const char* poll();
    const char* notify_reply();
    const char* fallocate();
    const char* lseek();
    const char* copy_file_range();
    const char* syncfs();
    const char* tmpfile();
    const char* statx();

    Decoded& d_;
    Reader& r_;
    const DecodeParams& p_;
    Context ctx_;
};

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

// LOOKUP, UNLINK, RMDIR, REMOVEXATTR: a single name.
const char* Decoder::lookup_like() {
    std::string_view name;
    if (const char* why = name_end(name)) return why;
    switch (d_.header.opcode) {
        case FUSE_LOOKUP: { auto& r = make<LookupRequest>(); r.parent = node(); r.name = name; break; }
        case FUSE_UNLINK: { auto& r = make<UnlinkRequest>(); r.parent = node(); r.name = name; break; }
        case FUSE_RMDIR: { auto& r = make<RmdirRequest>(); r.parent = node(); r.name = name; break; }
        default: { auto& r = make<RemovexattrRequest>(); r.node = node(); r.name = name; break; }
    }
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

// The new entry's name, then the link target.
const char* Decoder::symlink() {
    std::string_view name, target;
    if (!r_.name(name)) return kBadName;
    if (!r_.name(target)) return kBadName2;
    if (!r_.done()) return kTrailing;
    auto& r = make<SymlinkRequest>();
    r.parent = node();
    r.name = name;
    r.target = target;
    return nullptr;
}

const char* Decoder::mknod() {
    fuse_mknod_in in{};
    // umask arrived with 7.12.
    if (!r_.fixed(in, p_.minor >= 12 ? sizeof(in) : FUSE_COMPAT_MKNOD_IN_SIZE)) return kShortArg;
    std::string_view name;
    if (const char* why = name_end(name)) return why;
    auto& r = make<MknodRequest>();
    r.parent = node();
    r.name = name;
    r.mode = in.mode;
    r.rdev = in.rdev;
    r.umask = in.umask;
    return nullptr;
}

const char* Decoder::mkdir() {
    fuse_mkdir_in in{};
    if (!r_.fixed(in)) return kShortArg;
    std::string_view name;
    if (const char* why = name_end(name)) return why;
    auto& r = make<MkdirRequest>();
    r.parent = node();
    r.name = name;
    r.mode = in.mode;
    r.umask = p_.minor >= 12 ? in.umask : 0;  // was padding before 7.12
    return nullptr;
}

const char* Decoder::rename(bool v2) {
    fuse_rename2_in in{};
    if (!r_.fixed(in, v2 ? sizeof(fuse_rename2_in) : sizeof(fuse_rename_in))) return kShortArg;
    std::string_view from, to;
    if (!r_.name(from)) return kBadName;
    if (!r_.name(to)) return kBadName2;
    if (!r_.done()) return kTrailing;
    auto& r = make<RenameRequest>();
    r.parent = node();
    r.name = from;
    r.new_parent = in.newdir;
    r.new_name = to;
    r.flags = in.flags;
    return nullptr;
}

// The header's node is the new parent; the argument names the existing inode.
const char* Decoder::link() {
    fuse_link_in in{};
    if (!r_.fixed(in)) return kShortArg;
    std::string_view name;
    if (const char* why = name_end(name)) return why;
    auto& r = make<LinkRequest>();
    r.node = in.oldnodeid;
    r.new_parent = node();
    r.new_name = name;
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

const char* Decoder::setxattr() {
    fuse_setxattr_in in{};
    // The 16-byte struct is sent only once SETXATTR_EXT was negotiated.
    if (!r_.fixed(in, p_.setxattr_ext ? sizeof(in) : FUSE_COMPAT_SETXATTR_IN_SIZE)) return kShortArg;
    std::string_view name;
    if (!r_.name(name)) return kBadName;
    std::span<const std::byte> value;
    if (!r_.tail(in.size, value)) return "xattr size does not match the value";
    auto& r = make<SetxattrRequest>();
    r.node = node();
    r.name = name;
    r.value = value;
    r.flags = in.flags;
    r.setxattr_flags = in.setxattr_flags;
    return nullptr;
}

const char* Decoder::getxattr() {
    fuse_getxattr_in in{};
    if (!r_.fixed(in)) return kShortArg;
    std::string_view name;
    if (const char* why = name_end(name)) return why;
    auto& r = make<GetxattrRequest>();
    r.node = node();
    r.name = name;
    r.size = in.size;
    return nullptr;
}

const char* Decoder::listxattr() {
    fuse_getxattr_in in{};
    if (!r_.fixed(in)) return kShortArg;
    auto& r = make<ListxattrRequest>();
    r.node = node();
    r.size = in.size;
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

const char* Decoder::create() {
    fuse_create_in in{};
    // Before 7.12 CREATE carried only {flags, mode}.
    if (!r_.fixed(in, p_.minor >= 12 ? sizeof(in) : 8)) return kShortArg;
    std::string_view name;
    if (const char* why = name_end(name)) return why;
    auto& r = make<CreateRequest>();
    r.parent = node();
    r.name = name;
    r.mode = in.mode;
    r.flags = in.flags;
    r.umask = in.umask;
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

// Like CREATE but nameless: the kernel sends only fuse_create_in.
const char* Decoder::tmpfile() {
    fuse_create_in in{};
    if (!r_.fixed(in)) return kShortArg;
    auto& r = make<TmpfileRequest>();
    r.parent = node();
    r.mode = in.mode;
    r.flags = in.flags;
    r.umask = in.umask;
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

}  // namespace

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
    // The kernel never expects an answer to these; replying to a FORGET
    // would even be taken as an answer to an unrelated request. An answer
    // to INTERRUPT is optional and ENOSYS would switch interrupts off, so
    // the session answers INTERRUPTs (EAGAIN) deliberately, never by default.
    d.needs_reply = !(op == FUSE_FORGET || op == FUSE_BATCH_FORGET || op == FUSE_INTERRUPT);

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
    Reader reader(bytes.data() + sizeof(fuse_in_header), args - ext);
    Decoder decoder(d, reader, params);
    if (const char* why = decoder.run()) {
        d.request = std::monostate{};
        if (d.error == 0) d.error = EINVAL;
        d.why = why;
    }
    return d;
}

}  // namespace fusex::protocol
