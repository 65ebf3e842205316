// Decoding of the requests that carry names: namespace operations and
// extended attributes. Policy and the Decoder class: decode.cpp, decoder.hpp.
#include <cerrno>

#include "protocol/decoder.hpp"

namespace fusex::protocol::decoding {

using namespace abi;

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
    r.kill_suidgid = (in.open_flags & FUSE_OPEN_KILL_SUIDGID) != 0;
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

}  // namespace fusex::protocol::decoding
