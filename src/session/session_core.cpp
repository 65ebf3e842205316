// Request intake, INIT negotiation and reply writing. The worker pool and the
// run loop live in worker_pool.cpp, the per-opcode calls in dispatch.cpp.
#include "session/session_core.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fusex/log.hpp"
#include "fusex/version.hpp"
#include "protocol/encode.hpp"

namespace fusex::detail {

namespace {
// The transport of the worker running on this thread, so that replies sent
// from inside a handler go out on the fd the request came from without a
// lookup. Routing only; no session state lives here.
thread_local transport::Transport* tl_transport = nullptr;

// Capabilities fusex asks for unless the filesystem's init() says otherwise:
// the ones that need no support from the filesystem's code.
constexpr uint64_t kDefaultWant = cap::kAsyncRead | cap::kBigWrites | cap::kIoctlDir | cap::kAutoInvalData |
                                  cap::kAsyncDio | cap::kParallelDirops | cap::kAbortError | cap::kMaxPages |
                                  cap::kInitExt | cap::kSetxattrExt | cap::kHasResend | cap::kHasExpireOnly;
}  // namespace

void set_thread_transport(transport::Transport* t) noexcept { tl_transport = t; }

SessionCore::SessionCore(Filesystem& fs, SessionOptions options) : fs_(fs), options_(options) {
    options_.max_write = std::clamp<uint32_t>(options_.max_write, 4096, 16u << 20);
    if (options_.max_threads == 0) options_.max_threads = 1;
}

SessionCore::~SessionCore() {
    for (auto& w : retired_) {
        w->transport.reset();
        if (w->owns_fd) ::close(w->fd);
    }
    if (fd_ >= 0) ::close(fd_);
}

void SessionCore::attach(int fd, std::string mountpoint) {
    fd_ = fd;
    mountpoint_ = std::move(mountpoint);
    main_transport_ = make_transport(fd_);
}

size_t SessionCore::request_buffer_size() const noexcept {
    // The kernel refuses reads into buffers smaller than max_write plus the
    // WRITE headers, and fails SETXATTR requests (up to 64 KiB values) that
    // do not fit: leave room for both.
    uint32_t max_write = initialized() ? max_write_ : options_.max_write;
    return std::max<size_t>(max_write, 128 * 1024) + 8192;
}

transport::Transport& SessionCore::current_transport() noexcept {
    return tl_transport ? *tl_transport : *main_transport_;
}

int SessionCore::write_message(const iovec* iov, int count) noexcept { return current_transport().send(iov, count); }

void SessionCore::handle(std::span<const std::byte> bytes) {
    protocol::Decoded d = protocol::decode(bytes, params_);
    if (auto* w = std::get_if<WriteRequest>(&d.request)) current_transport().prepare_write(*w);
    if (options_.debug) log(LogLevel::Debug, "%s", protocol::describe(d).c_str());
    if (d.error != 0) {
        if (d.error != ENOSYS) log(LogLevel::Warning, "malformed request: %s", d.why);
        if (d.needs_reply) reply_error_now(d.header, d.error);
        return;
    }
    if (auto* init = std::get_if<protocol::InitRequest>(&d.request)) {
        on_init(*init, d.header);
        return;
    }
    if (!initialized()) {
        log(LogLevel::Warning, "request %s before INIT", protocol::opcode_name(d.header.opcode));
        if (d.needs_reply) reply_error_now(d.header, EIO);
        return;
    }
    dispatch(d);
}

void SessionCore::reply_error_now(const abi::fuse_in_header& h, int error) noexcept {
    abi::fuse_out_header out{};
    out.len = sizeof out;
    out.error = -error;
    out.unique = h.unique;
    iovec iov{&out, sizeof out};
    if (options_.debug) log_reply(h.unique, error, 0);
    write_message(&iov, 1);
}

void SessionCore::log_reply(uint64_t unique, int error, size_t payload) const {
    if (error)
        log(LogLevel::Debug, "unique=%llu <- error %s", static_cast<unsigned long long>(unique), strerrorname_np(error));
    else
        log(LogLevel::Debug, "unique=%llu <- ok, %zu bytes", static_cast<unsigned long long>(unique), payload);
}

int SessionCore::send_reply(InFlight* slot, int error, const iovec* payload, int count) noexcept {
    if (drop_superseded(slot)) return -ENOENT;
    abi::fuse_out_header out{};
    out.error = -error;
    out.unique = slot->unique;
    constexpr int kMax = 16;
    iovec iov[kMax];
    iov[0] = {&out, sizeof out};
    int n = 1;
    std::vector<iovec> many;  // only for replies gathered from more than 15 pieces
    const iovec* msg = iov;
    if (count < kMax) {
        for (int i = 0; i < count; ++i) iov[n++] = payload[i];
    } else {
        many.assign(iov, iov + 1);
        many.insert(many.end(), payload, payload + count);
        msg = many.data();
        n = static_cast<int>(many.size());
    }
    size_t total = transport::iov_length(msg, n);
    out.len = static_cast<uint32_t>(total);
    if (options_.debug) log_reply(slot->unique, error, total - sizeof out);
    auto* origin = static_cast<transport::Transport*>(slot->origin);
    int rc = (origin && origin != tl_transport) ? origin->send(msg, n) : current_transport().send(msg, n);
    if (rc < 0 && rc != -ENOENT) log(LogLevel::Warning, "writing reply %llu failed: %s",
                                     static_cast<unsigned long long>(slot->unique), strerror(-rc));
    inflight_.release(slot);
    return rc;
}

int SessionCore::send_reply_from_fd(InFlight* slot, const void* head, size_t head_size, int fd, uint64_t offset,
                                    size_t size) noexcept {
    if (drop_superseded(slot)) return -ENOENT;
    abi::fuse_out_header out{};
    out.unique = slot->unique;
    iovec iov[2] = {{&out, sizeof out}, {const_cast<void*>(head), head_size}};
    int n = head_size ? 2 : 1;
    auto* origin = static_cast<transport::Transport*>(slot->origin);
    transport::Transport& t = origin ? *origin : current_transport();
    int rc = t.send_from_fd(iov, n, fd, offset, size);
    if (rc < 0 && rc != -ENOENT)
        log(LogLevel::Warning, "writing reply %llu failed: %s", static_cast<unsigned long long>(slot->unique),
            strerror(-rc));
    if (options_.debug) log_reply(slot->unique, -out.error, out.len - sizeof out);
    inflight_.release(slot);
    return rc;
}

bool SessionCore::drop_superseded(InFlight* slot) noexcept {
    // The kernel resent this request under a new unique and waits for that
    // copy's answer only; this one would at best get ENOENT and, after a
    // second resend (same unique), could answer in the new copy's place.
    if (!slot->superseded.load(std::memory_order_acquire)) return false;
    if (options_.debug)
        log(LogLevel::Debug, "unique=%llu <- dropped (resent)", static_cast<unsigned long long>(slot->unique));
    inflight_.release(slot);
    return true;
}

void SessionCore::note_lookup(NodeId node, uint64_t count) noexcept {
    if (node == 0 || node == kRootNode) return;  // the root is never forgotten
    state_.add_lookup(node, count);
}

void SessionCore::note_open(uint64_t fh, NodeId node, bool directory) noexcept {
    state_.add_handle(fh, OpenHandle{node, directory});
}

void SessionCore::on_init(const protocol::InitRequest& req, const abi::fuse_in_header& h) {
    if (req.major < 7) {
        log(LogLevel::Error, "kernel speaks FUSE %u.%u, too old", req.major, req.minor);
        reply_error_now(h, EPROTO);
        return;
    }
    abi::fuse_out_header hdr{};
    hdr.unique = h.unique;
    if (req.major > 7) {
        // Tell the kernel our major; it answers with a new INIT at 7.x.
        abi::fuse_init_out out{};
        out.major = kProtocolMajor;
        out.minor = kProtocolMinor;
        hdr.len = sizeof hdr + 8;
        iovec iov[2] = {{&hdr, sizeof hdr}, {&out, 8}};
        write_message(iov, 2);
        return;
    }
    InitConfig cfg;
    cfg.kernel_major = req.major;
    cfg.kernel_minor = req.minor;
    cfg.offered = req.flags;
    cfg.want = (kDefaultWant & req.flags) | transport_init_want(req.flags);
    cfg.max_write = options_.max_write;
    cfg.max_readahead = req.max_readahead;
    fs_.init(cfg);
    cfg.max_write = std::clamp<uint32_t>(cfg.max_write, 4096, options_.max_write);
    cfg.max_readahead = std::min(cfg.max_readahead, req.max_readahead);

    size_t size = 0;
    abi::fuse_init_out out = protocol::encode_init(cfg, req.minor, &size);
    prepare_transports(out);
    uint64_t in_force = out.flags | (uint64_t{out.flags2} << 32);
    params_.minor = out.minor;
    params_.setxattr_ext = (in_force & cap::kSetxattrExt) != 0;
    max_write_ = out.max_write;
    NegotiatedInit ni;
    ni.major = out.major;
    ni.minor = out.minor;
    ni.flags = in_force;
    ni.max_write = out.max_write;
    ni.max_readahead = out.max_readahead;
    ni.max_pages = out.max_pages;
    ni.time_gran = out.time_gran;
    state_.set_init(ni);

    hdr.len = static_cast<uint32_t>(sizeof hdr + size);
    iovec iov[2] = {{&hdr, sizeof hdr}, {&out, size}};
    if (options_.debug)
        log(LogLevel::Debug, "INIT: kernel %u.%u, using 7.%u, flags 0x%llx, max_write %u", req.major, req.minor,
            out.minor, static_cast<unsigned long long>(in_force), out.max_write);
    initialized_.store(true, std::memory_order_release);
    if (write_message(iov, 2) < 0) log(LogLevel::Error, "writing the INIT reply failed");
    start_transports();
}

void SessionCore::on_interrupt(const protocol::InterruptRequest& req, const abi::fuse_in_header& h) {
    if (inflight_.interrupt(req.target)) return;
    // Not dispatched yet (another worker may be decoding it) or already done.
    // interrupt() remembered it for the first case; answer EAGAIN so the
    // kernel sends it again while the request is still pending.
    reply_error_now(h, EAGAIN);
}

int SessionCore::send_notify(uint32_t code, const iovec* payload, int count) noexcept {
    if (!initialized() || fd_ < 0) return -ENOTCONN;
    abi::fuse_out_header out{};
    out.error = static_cast<int32_t>(code);
    out.unique = 0;
    iovec iov[8];
    iov[0] = {&out, sizeof out};
    int n = 1;
    for (int i = 0; i < count && n < 8; ++i) iov[n++] = payload[i];
    out.len = static_cast<uint32_t>(transport::iov_length(iov, n));
    return main_transport_->send(iov, n);
}

uint64_t SessionCore::register_retrieve(Notifier::RetrieveCallback cb) {
    std::lock_guard lock(retrieve_mu_);
    uint64_t id = next_retrieve_++;
    retrieves_.emplace(id, std::move(cb));
    return id;
}

void SessionCore::cancel_retrieve(uint64_t id) {
    std::lock_guard lock(retrieve_mu_);
    retrieves_.erase(id);
}

void SessionCore::on_notify_reply(const protocol::NotifyReplyRequest& req, const abi::fuse_in_header& h) {
    Notifier::RetrieveCallback cb;
    {
        std::lock_guard lock(retrieve_mu_);
        auto it = retrieves_.find(h.unique);
        if (it == retrieves_.end()) return;
        cb = std::move(it->second);
        retrieves_.erase(it);
    }
    if (cb) cb(req.offset, req.data);
}

}  // namespace fusex::detail
