// Decoding: kernel request bytes -> a validated, typed request. Pure: no I/O,
// no allocation; views in the result point into the input bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "fusex/requests.hpp"
#include "protocol/abi.hpp"

namespace fusex::protocol {

// Requests the session handles itself rather than the filesystem.
struct InitRequest : RequestBase {
    uint32_t major = 0, minor = 0, max_readahead = 0;
    uint64_t flags = 0;  // flags | flags2 << 32 (flags2 only with FUSE_INIT_EXT)
};
struct DestroyRequest : RequestBase {};
struct InterruptRequest : RequestBase { uint64_t target = 0; };  // unique of the interrupted request
struct NotifyReplyRequest : RequestBase {                          // answer to a RETRIEVE notification
    uint64_t offset = 0;
    std::span<const std::byte> data;
};

using AnyRequest = std::variant<
    std::monostate, InitRequest, DestroyRequest, InterruptRequest, NotifyReplyRequest,
    LookupRequest, ForgetRequest, BatchForgetRequest, GetattrRequest, SetattrRequest,
    ReadlinkRequest, SymlinkRequest, MknodRequest, MkdirRequest, UnlinkRequest, RmdirRequest,
    RenameRequest, LinkRequest, OpenRequest, ReadRequest, WriteRequest, StatfsRequest,
    ReleaseRequest, FsyncRequest, SetxattrRequest, GetxattrRequest, ListxattrRequest,
    RemovexattrRequest, FlushRequest, OpendirRequest, ReaddirRequest, ReleasedirRequest,
    FsyncdirRequest, GetlkRequest, SetlkRequest, AccessRequest, CreateRequest, BmapRequest,
    IoctlRequest, PollRequest, FallocateRequest, LseekRequest, CopyFileRangeRequest,
    SyncfsRequest, TmpfileRequest, StatxRequest>;

// What the decoder must know of the negotiated connection.
struct DecodeParams {
    uint32_t minor = 44;                   // negotiated protocol minor
    bool setxattr_ext = false;             // FUSE_SETXATTR_EXT negotiated
};

struct Decoded {
    abi::fuse_in_header header{};  // valid whenever error != EPROTO
    AnyRequest request;            // monostate when error != 0
    int error = 0;                 // positive errno: the reply to send (ENOSYS, EINVAL, EIO)
    const char* why = "";          // one phrase for the log when error != 0
    bool needs_reply = true;       // false for FORGET, BATCH_FORGET, INTERRUPT, NOTIFY_REPLY, and a header too short to answer
};

// Validates the header (len == bytes.size(), len >= header size), the
// per-opcode argument sizes and the NUL-terminated names, then builds the
// typed request. Never reads outside `bytes`.
Decoded decode(std::span<const std::byte> bytes, const DecodeParams& params);

// "LOOKUP", "READ", ...; "UNKNOWN(123)" style names go through describe().
const char* opcode_name(uint32_t opcode);

// One readable line for -d: "unique=12 LOOKUP node=1 name=\"foo\" uid=0 pid=42".
std::string describe(const Decoded& d);

}  // namespace fusex::protocol
