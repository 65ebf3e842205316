// The per-opcode request decoder behind decode() (decode.cpp), split over
// decode.cpp (framing, dispatch, file-handle operations) and
// decode_names.cpp (operations that carry names). Internal to the protocol
// layer; nothing outside src/protocol includes this.
#pragma once

#include "protocol/decode.hpp"
#include "protocol/reader.hpp"

namespace fusex::protocol::decoding {

// Error phrases (static strings: Decoded::why must outlive the call).
inline constexpr const char* kShortArg = "argument struct truncated";
inline constexpr const char* kBadName = "name missing, empty or not NUL-terminated";
inline constexpr const char* kBadName2 = "second name missing, empty or not NUL-terminated";
inline constexpr const char* kTrailing = "unexpected bytes after the last name";

// Per-opcode decoding. Each returns nullptr on success or a why-phrase.
class Decoder {
  public:
    Decoder(Decoded& d, Reader& r, const DecodeParams& p) : d_(d), r_(r), p_(p) {
        const abi::fuse_in_header& h = d.header;
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
    size_t rw_in_size() const { return p_.minor >= 9 ? sizeof(abi::fuse_read_in) : abi::FUSE_COMPAT_WRITE_IN_SIZE; }
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

}  // namespace fusex::protocol::decoding
