// describe(): one debug line per decoded request, for -d and error logs.
// Allocation is fine here (only called when logging), unlike in decode().
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "protocol/decode.hpp"

namespace fusex::protocol {
namespace {

// Builds "key=value" pairs separated by spaces.
class Line {
  public:
    std::string out;

    void num(const char* key, uint64_t v) { printf_kv(key, "%" PRIu64, v); }
    void oct(const char* key, uint64_t v) { printf_kv(key, "0%" PRIo64, v); }
    void hex(const char* key, uint64_t v) { printf_kv(key, "0x%" PRIx64, v); }
    void flag(const char* key, bool on) {
        if (on) word(key);
    }
    void word(const char* w) {
        if (!out.empty()) out += ' ';
        out += w;
    }
    // Names are attacker-influenced bytes: quote and escape so a log line
    // stays one line and shows exactly what arrived.
    void str(const char* key, std::string_view s) {
        constexpr size_t kMax = 256;
        word(key);
        out += "=\"";
        for (size_t i = 0; i < s.size() && i < kMax; ++i) {
            const unsigned char c = static_cast<unsigned char>(s[i]);
            if (c == '"' || c == '\\') {
                out += '\\';
                out += static_cast<char>(c);
            } else if (c >= 0x20 && c < 0x7f) {
                out += static_cast<char>(c);
            } else {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\x%02x", c);
                out += buf;
            }
        }
        out += '"';
        if (s.size() > kMax) out += "...";
    }

  private:
    template <class V>
    void printf_kv(const char* key, const char* fmt, V v) {
        char buf[40];
        std::snprintf(buf, sizeof buf, fmt, v);
        word(key);
        out += '=';
        out += buf;
    }
};

void args(Line&, const std::monostate&) {}
void args(Line& l, const InitRequest& r) {
    l.num("major", r.major);
    l.num("minor", r.minor);
    l.num("max_readahead", r.max_readahead);
    l.hex("flags", r.flags);
}
void args(Line&, const DestroyRequest&) {}
void args(Line& l, const InterruptRequest& r) { l.num("target", r.target); }
void args(Line& l, const NotifyReplyRequest& r) {
    l.num("offset", r.offset);
    l.num("size", r.data.size());
}
void args(Line& l, const LookupRequest& r) { l.str("name", r.name); }
void args(Line& l, const ForgetRequest& r) { l.num("nlookup", r.forget.nlookup); }
void args(Line& l, const BatchForgetRequest& r) { l.num("count", r.count); }
void args(Line& l, const GetattrRequest& r) {
    if (r.fh) l.num("fh", *r.fh);
}
void args(Line& l, const SetattrRequest& r) {
    l.hex("valid", r.valid);
    if (r.fh) l.num("fh", *r.fh);
    if (r.has(kSetMode)) l.oct("mode", r.mode);
    if (r.has(kSetUid)) l.num("set_uid", r.uid);
    if (r.has(kSetGid)) l.num("set_gid", r.gid);
    if (r.has(kSetSize)) l.num("size", r.size);
    if (r.has(kSetAtime)) l.num("atime", static_cast<uint64_t>(r.atime.tv_sec));
    if (r.has(kSetMtime)) l.num("mtime", static_cast<uint64_t>(r.mtime.tv_sec));
}
void args(Line&, const ReadlinkRequest&) {}
void args(Line& l, const SymlinkRequest& r) {
    l.str("name", r.name);
    l.str("target", r.target);
}
void args(Line& l, const MknodRequest& r) {
    l.str("name", r.name);
    l.oct("mode", r.mode);
    l.hex("rdev", r.rdev);
    l.oct("umask", r.umask);
}
void args(Line& l, const MkdirRequest& r) {
    l.str("name", r.name);
    l.oct("mode", r.mode);
    l.oct("umask", r.umask);
}
void args(Line& l, const UnlinkRequest& r) { l.str("name", r.name); }
void args(Line& l, const RmdirRequest& r) { l.str("name", r.name); }
void args(Line& l, const RenameRequest& r) {
    l.str("name", r.name);
    l.num("new_parent", r.new_parent);
    l.str("new_name", r.new_name);
    if (r.flags) l.hex("flags", r.flags);
}
void args(Line& l, const LinkRequest& r) {
    l.num("target_node", r.node);
    l.str("new_name", r.new_name);
}
void args(Line& l, const OpenRequest& r) { l.oct("flags", r.flags); }
void args(Line& l, const ReadRequest& r) {
    l.num("fh", r.fh);
    l.num("offset", r.offset);
    l.num("size", r.size);
}
void args(Line& l, const WriteRequest& r) {
    l.num("fh", r.fh);
    l.num("offset", r.offset);
    l.num("size", r.data.size());
    l.flag("cache", r.from_page_cache);
    l.flag("kill_suidgid", r.kill_suidgid);
}
void args(Line&, const StatfsRequest&) {}
void args(Line& l, const ReleaseRequest& r) {
    l.num("fh", r.fh);
    l.oct("flags", r.flags);
    l.flag("flush", r.flush);
    l.flag("flock_unlock", r.flock_unlock);
}
void args(Line& l, const FsyncRequest& r) {
    l.num("fh", r.fh);
    l.flag("datasync", r.datasync);
}
void args(Line& l, const SetxattrRequest& r) {
    l.str("name", r.name);
    l.num("size", r.value.size());
    l.hex("flags", r.flags);
}
void args(Line& l, const GetxattrRequest& r) {
    l.str("name", r.name);
    l.num("size", r.size);
}
void args(Line& l, const ListxattrRequest& r) { l.num("size", r.size); }
void args(Line& l, const RemovexattrRequest& r) { l.str("name", r.name); }
void args(Line& l, const FlushRequest& r) {
    l.num("fh", r.fh);
    l.hex("lock_owner", r.lock_owner);
}
void args(Line& l, const OpendirRequest& r) { l.oct("flags", r.flags); }
void args(Line& l, const ReaddirRequest& r) {
    l.num("fh", r.fh);
    l.num("offset", r.offset);
    l.num("size", r.size);
}
void args(Line& l, const ReleasedirRequest& r) { l.num("fh", r.fh); }
void args(Line& l, const FsyncdirRequest& r) {
    l.num("fh", r.fh);
    l.flag("datasync", r.datasync);
}
void lock_args(Line& l, uint64_t fh, uint64_t owner, const FileLock& lk) {
    l.num("fh", fh);
    l.hex("owner", owner);
    l.num("type", lk.type);
    l.num("start", lk.start);
    l.num("end", lk.end);
}
void args(Line& l, const GetlkRequest& r) { lock_args(l, r.fh, r.owner, r.lock); }
void args(Line& l, const SetlkRequest& r) {
    lock_args(l, r.fh, r.owner, r.lock);
    l.flag("sleep", r.sleep);
    l.flag("flock", r.flock);
}
void args(Line& l, const AccessRequest& r) { l.oct("mask", r.mask); }
void args(Line& l, const CreateRequest& r) {
    l.str("name", r.name);
    l.oct("mode", r.mode);
    l.oct("flags", r.flags);
    l.oct("umask", r.umask);
}
void args(Line& l, const BmapRequest& r) {
    l.num("block", r.block);
    l.num("blocksize", r.blocksize);
}
void args(Line& l, const IoctlRequest& r) {
    l.num("fh", r.fh);
    l.hex("cmd", r.cmd);
    l.hex("flags", r.flags);
    l.num("in_size", r.in.size());
    l.num("out_size", r.out_size);
}
void args(Line& l, const PollRequest& r) {
    l.num("fh", r.fh);
    l.num("kh", r.kh);
    l.hex("events", r.events);
    l.flag("schedule_notify", r.schedule_notify);
}
void args(Line& l, const FallocateRequest& r) {
    l.num("fh", r.fh);
    l.num("offset", r.offset);
    l.num("length", r.length);
    l.hex("mode", r.mode);
}
void args(Line& l, const LseekRequest& r) {
    l.num("fh", r.fh);
    l.num("offset", r.offset);
    l.num("whence", r.whence);
}
void args(Line& l, const CopyFileRangeRequest& r) {
    l.num("fh_in", r.fh_in);
    l.num("off_in", r.off_in);
    l.num("node_out", r.node_out);
    l.num("fh_out", r.fh_out);
    l.num("off_out", r.off_out);
    l.num("len", r.len);
}
void args(Line&, const SyncfsRequest&) {}
void args(Line& l, const TmpfileRequest& r) {
    l.oct("mode", r.mode);
    l.oct("flags", r.flags);
    l.oct("umask", r.umask);
}
void args(Line& l, const StatxRequest& r) {
    if (r.fh) l.num("fh", *r.fh);
    l.hex("sx_flags", r.sx_flags);
    l.hex("sx_mask", r.sx_mask);
}

}  // namespace

std::string describe(const Decoded& d) {
    Line l;
    if (d.error == EPROTO) {
        l.word("malformed request:");
        l.word(d.why);
        return std::move(l.out);
    }
    const abi::fuse_in_header& h = d.header;
    l.num("unique", h.unique);
    const char* name = opcode_name(h.opcode);
    if (std::strcmp(name, "UNKNOWN") == 0) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "UNKNOWN(%" PRIu32 ")", h.opcode);
        l.word(buf);
    } else {
        l.word(name);
    }
    l.num("node", h.nodeid);
    std::visit([&](const auto& r) { args(l, r); }, d.request);
    l.num("uid", h.uid);
    l.num("gid", h.gid);
    l.num("pid", h.pid);
    if (d.error != 0) {
        const char* ename = strerrorname_np(d.error);
        char buf[160];
        std::snprintf(buf, sizeof buf, "-> %s (%s)", ename ? ename : "?", d.why);
        l.word(buf);
    }
    return std::move(l.out);
}

}  // namespace fusex::protocol
