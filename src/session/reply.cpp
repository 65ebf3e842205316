// The typed reply objects: each encodes its result and hands the bytes to the
// session's ReplyChannel exactly once.
#include "fusex/reply.hpp"

#include <cerrno>
#include <cstring>

#include "fusex/log.hpp"
#include "protocol/encode.hpp"
#include "session/inflight.hpp"

namespace fusex {

Reply::Reply(detail::ReplyChannel* channel, detail::InFlight* slot) noexcept : channel_(channel), slot_(slot) {}

Reply::Reply(Reply&& other) noexcept : channel_(other.channel_), slot_(other.slot_) { other.slot_ = nullptr; }

Reply& Reply::operator=(Reply&& other) noexcept {
    if (this != &other) {
        if (slot_) std::move(*this).error(EIO);
        channel_ = other.channel_;
        slot_ = other.slot_;
        other.slot_ = nullptr;
    }
    return *this;
}

Reply::~Reply() {
    if (!slot_) return;
    log(LogLevel::Error, "reply for request %llu (opcode %u) destroyed unanswered; sending EIO",
        static_cast<unsigned long long>(slot_->unique), slot_->opcode);
    channel_->send_reply(take_slot(), EIO, nullptr, 0);
}

detail::InFlight* Reply::take_slot() {
    if (!slot_) throw ReplyError("fusex: reply answered twice (or used after move)");
    detail::InFlight* s = slot_;
    slot_ = nullptr;
    return s;
}

void Reply::error(int errnum) && {
    detail::InFlight* s = take_slot();
    if (errnum <= 0 || errnum > 4095) {
        log(LogLevel::Error, "request %llu answered with invalid errno %d; sending EIO",
            static_cast<unsigned long long>(s->unique), errnum);
        errnum = EIO;
    }
    channel_->send_reply(s, errnum, nullptr, 0);
}

bool Reply::interrupted() const noexcept {
    return slot_ && slot_->interrupted.load(std::memory_order_acquire);
}

void Reply::on_interrupt(std::function<void()> cb) {
    if (!slot_) throw ReplyError("fusex: on_interrupt on an answered reply");
    {
        std::lock_guard lock(slot_->mu);
        if (!slot_->interrupted.load(std::memory_order_acquire)) {
            slot_->on_interrupt = std::move(cb);
            return;
        }
    }
    cb();
}

uint64_t Reply::unique() const noexcept { return slot_ ? slot_->unique : 0; }

int Reply::send(std::span<const iovec> payload) {
    detail::InFlight* s = take_slot();
    return channel_->send_reply(s, 0, payload.data(), static_cast<int>(payload.size()));
}

int Reply::send(const void* data, size_t size) {
    iovec iov{const_cast<void*>(data), size};
    return send(std::span<const iovec>(&iov, size ? 1 : 0));
}

void Reply::send_from_fd(const void* head, size_t head_size, int fd, uint64_t offset, size_t size) {
    detail::InFlight* s = take_slot();
    channel_->send_reply_from_fd(s, head, head_size, fd, offset, size);
}

void ReplyEmpty::ok() && { send(nullptr, 0); }

void ReplyEntry::entry(const Entry& e) && {
    abi::fuse_entry_out out = protocol::encode_entry(e);
    if (send(&out, sizeof out) == 0 && e.node != 0) channel()->note_lookup(e.node, 1);
}

void ReplyCreate::created(const Entry& e, const OpenResult& open) && {
    struct {
        abi::fuse_entry_out entry;
        abi::fuse_open_out open;
    } out{protocol::encode_entry(e), protocol::encode_open(open)};
    if (send(&out, sizeof out) == 0) {
        channel()->note_lookup(e.node, 1);
        channel()->note_open(open.fh, e.node, false);
    }
}

void ReplyAttr::attr(const Attr& a, double timeout) && {
    abi::fuse_attr_out out = protocol::encode_attr_out(a, timeout);
    send(&out, sizeof out);
}

void ReplyStatx::statx(const Attr& a, timespec btime, double timeout) && {
    abi::fuse_statx_out out = protocol::encode_statx(a, btime, timeout);
    send(&out, sizeof out);
}

void ReplyOpen::opened(const OpenResult& open) && {
    abi::fuse_open_out out = protocol::encode_open(open);
    detail::ReplyChannel* ch = channel();
    detail::InFlight* s = take_slot();
    bool directory = s->opcode == abi::FUSE_OPENDIR;
    NodeId node = s->node;
    iovec iov{&out, sizeof out};
    if (ch->send_reply(s, 0, &iov, 1) == 0) ch->note_open(open.fh, node, directory);
}

void ReplyData::data(std::span<const std::byte> bytes) && { send(bytes.data(), bytes.size()); }

void ReplyData::data(std::span<const iovec> pieces) && { send(pieces); }

void ReplyData::data_from_fd(int fd, uint64_t offset, size_t size) && { send_from_fd(nullptr, 0, fd, offset, size); }

void ReplyWrite::written(uint64_t count) && {
    abi::fuse_write_out out{};
    out.size = static_cast<uint32_t>(count);
    send(&out, sizeof out);
}

void ReplyStatfs::statfs(const StatFs& st) && {
    abi::fuse_statfs_out out{};
    out.st = protocol::encode_statfs(st);
    send(&out, sizeof out);
}

void ReplyXattr::size(uint32_t needed) && {
    abi::fuse_getxattr_out out{};
    out.size = needed;
    send(&out, sizeof out);
}

void ReplyXattr::value(std::span<const std::byte> bytes) && { send(bytes.data(), bytes.size()); }

void ReplyReadlink::target(std::string_view path) && { send(path.data(), path.size()); }

void ReplyLock::lock(const FileLock& lk) && {
    abi::fuse_lk_out out{};
    out.lk = protocol::encode_lock(lk);
    send(&out, sizeof out);
}

void ReplyBmap::block(uint64_t idx) && {
    abi::fuse_bmap_out out{};
    out.block = idx;
    send(&out, sizeof out);
}

void ReplyLseek::offset(uint64_t off) && {
    abi::fuse_lseek_out out{};
    out.offset = off;
    send(&out, sizeof out);
}

void ReplyPoll::events(uint32_t revents) && {
    abi::fuse_poll_out out{};
    out.revents = revents;
    send(&out, sizeof out);
}

void ReplyIoctl::result(int32_t result, std::span<const std::byte> out_bytes) && {
    abi::fuse_ioctl_out out{};
    out.result = result;
    iovec iov[2] = {{&out, sizeof out}, {const_cast<std::byte*>(out_bytes.data()), out_bytes.size()}};
    send(std::span<const iovec>(iov, out_bytes.empty() ? 1 : 2));
}

ReplyDir::ReplyDir(detail::ReplyChannel* channel, detail::InFlight* slot, size_t max_size, bool plus) noexcept
    : Reply(channel, slot), max_size_(max_size), plus_(plus) {}

bool ReplyDir::add(std::string_view name, uint64_t ino, uint32_t mode, uint64_t next_offset) {
    if (buf_.capacity() < max_size_) buf_.reserve(max_size_);
    size_t used = buf_.size();
    size_t need = protocol::dirent_size(name.size());
    if (used + need > max_size_) return false;
    buf_.resize(used + need);
    protocol::put_dirent(std::span(buf_).subspan(used), name, ino, mode, next_offset);
    ++count_;
    return true;
}

bool ReplyDir::add_plus(std::string_view name, const Entry& e, uint64_t next_offset) {
    if (buf_.capacity() < max_size_) buf_.reserve(max_size_);
    size_t used = buf_.size();
    size_t need = protocol::direntplus_size(name.size());
    if (used + need > max_size_) return false;
    buf_.resize(used + need);
    protocol::put_direntplus(std::span(buf_).subspan(used), name, e, next_offset);
    if (e.node != 0 && name != "." && name != "..") counted_.push_back(e.node);
    ++count_;
    return true;
}

void ReplyDir::send() && {
    if (Reply::send(buf_.data(), buf_.size()) == 0)
        for (NodeId n : counted_) channel()->note_lookup(n, 1);
}

}  // namespace fusex
