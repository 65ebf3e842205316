// Which transport serves the session (-o transport=auto|readv|splice|uring):
// the one of the workers reading /dev/fuse, the INIT capabilities it asks
// for, and the io_uring queues with one thread each.
//
// auto: io_uring when enable_uring is on, the kernel offers it in INIT and
// the queues register; else splice; else readv. With io_uring the workers on
// /dev/fuse stay (INIT, FORGET, INTERRUPT and anything before the ring is
// ready come there) and use readv: they see little traffic.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include <unistd.h>

#include "fusex/log.hpp"
#include "session/session_core.hpp"
#include "transport/pipe.hpp"

namespace fusex::detail {

void set_thread_transport(transport::Transport* t) noexcept;

namespace {

constexpr uint64_t kSpliceCaps = cap::kSpliceRead | cap::kSpliceWrite | cap::kSpliceMove;
// The io_uring shape asked for, within what the transport accepts.
unsigned rings_per_queue(const SessionOptions& o) { return std::clamp(o.uring_rings, 1u, kMaxUringRings); }
unsigned ring_depth(const SessionOptions& o) { return std::clamp(o.uring_depth, 1u, kMaxUringDepth); }
// Below this many pages a pipe would cap max_write too far to be worth it.
constexpr size_t kMinPipeSlots = 64;

const char* kind_name(TransportKind k) {
    switch (k) {
        case TransportKind::Auto: return "auto";
        case TransportKind::Readv: return "readv";
        case TransportKind::Splice: return "splice";
        case TransportKind::Uring: return "uring";
    }
    return "?";
}

}  // namespace

TransportKind SessionCore::device_transport_kind() {
    std::call_once(kind_once_, [this] {
        TransportKind want = options_.transport;
        if (want == TransportKind::Uring || want == TransportKind::Auto) {
            std::string why = transport::uring_unavailable();
            if (why.empty() && (options_.single_thread || options_.max_threads <= 1))
                why = "single-threaded serving (io_uring needs a thread per queue)";
            plan_uring_ = why.empty();
            if (!plan_uring_) {
                log(want == TransportKind::Uring ? LogLevel::Warning : LogLevel::Info,
                    "transport %s: not using io_uring (%s); using %s", kind_name(want), why.c_str(),
                    want == TransportKind::Auto ? "splice" : "readv");
            }
        }
        if (want == TransportKind::Auto) want = plan_uring_ ? TransportKind::Readv : TransportKind::Splice;
        if (want == TransportKind::Uring) want = TransportKind::Readv;
        device_kind_ = want;
    });
    return device_kind_;
}

std::unique_ptr<transport::Transport> SessionCore::make_transport(int fd) {
    if (device_transport_kind() == TransportKind::Splice) {
        const auto* spliced = dynamic_cast<const SplicedWrites*>(&fs_);
        size_t write_min = spliced ? std::max<size_t>(spliced->splice_write_min(), 1) : 0;
        std::string why;
        size_t slots = transport::splice_pipe_slots(request_buffer_size());
        if (slots < kMinPipeSlots)
            why = "pipes hold only " + std::to_string(slots) + " pages";
        else if (auto t = transport::make_splice_transport(fd, request_buffer_size(), write_min, &why))
            return t;
        static std::once_flag warned;
        std::call_once(warned, [&] { log(LogLevel::Warning, "splice transport unavailable (%s); using readv", why.c_str()); });
    }
    return transport::make_readv_transport(fd);
}

uint64_t SessionCore::transport_init_want(uint64_t offered) {
    uint64_t want = 0;
    if (device_transport_kind() == TransportKind::Splice) {
        want |= kSpliceCaps & offered;
        if ((offered & kSpliceCaps) != kSpliceCaps) log(LogLevel::Info, "kernel does not offer all splice capabilities");
    }
    // Only a worker pool can serve the queues (INIT then arrives on a worker).
    if (plan_uring_ && live_workers_.load() == 0) {
        log(LogLevel::Info, "io_uring: not serving from a worker pool; staying on /dev/fuse");
        plan_uring_ = false;
    }
    if (plan_uring_) {
        if (offered & cap::kOverIoUring) {
            want |= cap::kOverIoUring;
        } else {
            log(LogLevel::Info, "io_uring: the kernel did not offer FUSE_OVER_IO_URING; staying on /dev/fuse (readv)");
            plan_uring_ = false;
        }
    }
    return want;
}

void SessionCore::prepare_transports(abi::fuse_init_out& out) {
    if (device_transport_kind() == TransportKind::Splice) {
        // Messages spliced through a pipe must fit it. A request that does
        // not is failed by the kernel: a spliced-in WRITE takes a page for
        // its headers plus its data pages (one more when unaligned). A reply
        // that does not is copied instead: a READ reply takes a page for
        // the header plus its data pages.
        const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
        const size_t slots = transport::splice_pipe_slots(request_buffer_size());
        if (slots >= kMinPipeSlots) {
            const uint32_t write_cap = static_cast<uint32_t>((slots - 3) * page);
            if (dynamic_cast<const SplicedWrites*>(&fs_) && out.max_write > write_cap) {
                log(LogLevel::Info, "splice: max_write %u -> %u to fit a %zu-page pipe", out.max_write, write_cap,
                    slots);
                out.max_write = write_cap;
            }
            if (out.max_pages > slots - 1) out.max_pages = static_cast<uint16_t>(slots - 1);
        }
    }
    const uint32_t bit = static_cast<uint32_t>(cap::kOverIoUring >> 32);
    if (!(out.flags2 & bit)) return;
    // Once the INIT reply enables io_uring, the kernel holds every request
    // until the queues are registered: build them now, and if that fails
    // do not enable it.
    transport::UringConfig config;
    config.device_fd = fd_;
    config.queue_depth = ring_depth(options_);
    config.rings_per_queue = rings_per_queue(options_);
    config.payload_size = transport::uring_payload_size(out.max_write, out.max_pages ? out.max_pages : 32);
    std::string why;
    ring_queues_ = transport::make_uring_queues(config, &why);
    if (ring_queues_.empty()) {
        out.flags2 &= ~bit;
        log(LogLevel::Warning, "io_uring: setting up the queues failed (%s); staying on /dev/fuse (readv)",
            why.c_str());
    }
}

void SessionCore::start_transports() {
    if (ring_queues_.empty()) return;
    auto negotiated = state_.init();
    if (!negotiated || !(negotiated->flags & cap::kOverIoUring)) {  // the filesystem's init() turned it off
        ring_queues_.clear();
        return;
    }
    std::lock_guard lock(pool_mu_);
    for (auto& q : ring_queues_) {
        auto w = std::make_unique<Worker>();
        w->fd = fd_;
        w->ring_queue = true;
        w->transport = std::move(q);
        live_workers_.fetch_add(1);
        Worker* raw = w.get();
        w->thread = std::thread([this, raw] { worker_main(raw); });
        raw->handle = raw->thread.native_handle();
        workers_.push_back(std::move(w));
    }
    log(LogLevel::Info, "transport: io_uring, %zu queues of %u rings of %u entries",
        ring_queues_.size() / rings_per_queue(options_), rings_per_queue(options_), ring_depth(options_));
    ring_queues_.clear();
}

void SessionCore::ring_loop(transport::Transport& t) {
    set_thread_transport(&t);
    std::vector<std::byte> unused;  // requests stay in the ring's buffers
    while (!stopping()) {
        ssize_t n = t.receive(unused);
        if (n > 0) {
            handle(std::span<const std::byte>(t.received_data(nullptr), static_cast<size_t>(n)));
            continue;
        }
        if (n == -EINTR || n == -EAGAIN) continue;
        if (n != -ENODEV) {
            // The kernel then keeps the connection on /dev/fuse, which the
            // other workers serve.
            if (!ring_failure_logged_.exchange(true))
                log(LogLevel::Warning, "io_uring: queue registration failed (%s); falling back to /dev/fuse (readv)",
                    strerror(static_cast<int>(-n)));
        }
        break;
    }
    set_thread_transport(nullptr);
}

}  // namespace fusex::detail
