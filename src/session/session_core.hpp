// The session's engine: owns the device fds and the worker threads, turns
// request bytes into handler calls (handle()) and replies into device writes.
// handle() is transport-agnostic: readv, splice, io_uring or a test harness
// can all drive it.
#pragma once

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "fusex/filesystem.hpp"
#include "fusex/notifier.hpp"
#include "fusex/options.hpp"
#include "fusex/session_state.hpp"
#include "protocol/decode.hpp"
#include "session/inflight.hpp"
#include "transport/transport.hpp"

namespace fusex::detail {

class SessionCore final : public ReplyChannel {
  public:
    SessionCore(Filesystem& fs, SessionOptions options);
    ~SessionCore() override;

    // --- connection ---
    void attach(int fd, std::string mountpoint);
    int device_fd() const noexcept { return fd_; }
    const std::string& mountpoint() const noexcept { return mountpoint_; }
    void set_mounted(bool m) noexcept { mounted_ = m; }
    bool mounted() const noexcept { return mounted_; }

    // --- serving ---
    int run();
    void stop() noexcept;
    bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }
    int process_available();

    // One request, already read into `bytes`. The pure core of the session.
    void handle(std::span<const std::byte> bytes);

    // A record for a request about to reach its handler.
    InFlight* acquire_slot(const abi::fuse_in_header& h, void* origin);

    // --- ReplyChannel ---
    int send_reply(InFlight* slot, int error, const iovec* payload, int count) noexcept override;
    int send_reply_from_fd(InFlight* slot, const void* head, size_t head_size, int fd, uint64_t offset,
                           size_t size) noexcept override;
    void note_lookup(NodeId node, uint64_t count) noexcept override;
    void note_open(uint64_t fh, NodeId node, bool directory) noexcept override;

    // --- notifications (unique 0 messages) ---
    int send_notify(uint32_t code, const iovec* payload, int count) noexcept;
    bool initialized() const noexcept { return initialized_.load(std::memory_order_acquire); }
    uint32_t negotiated_minor() const noexcept { return params_.minor; }
    uint64_t register_retrieve(Notifier::RetrieveCallback cb);
    void cancel_retrieve(uint64_t id);

    SessionState& state() noexcept { return state_; }
    const SessionOptions& options() const noexcept { return options_; }
    Filesystem& filesystem() noexcept { return fs_; }
    size_t request_buffer_size() const noexcept;

  private:
    // One serving thread with its own device fd, transport and buffer.
    struct Worker {
        std::thread thread;
        pthread_t handle{};
        int fd = -1;  // cloned fd, or the session's fd
        bool owns_fd = false;
        std::unique_ptr<transport::Transport> transport;
        std::vector<std::byte> buffer;
        std::atomic<bool> running{true};
        bool ring_queue = false;  // serves an io_uring queue, not the fd
    };

    void worker_main(Worker* w);
    void serve_loop(transport::Transport& t, std::vector<std::byte>& buf, bool is_worker);
    void maybe_grow_pool();
    void finish();
    void spawn_worker();
    void wake_workers();
    // Transport choice (transport_select.cpp): the transport of workers
    // reading the device, the INIT bits it needs, and the io_uring queues
    // (prepared before the INIT reply, served after it).
    std::unique_ptr<transport::Transport> make_transport(int fd);
    TransportKind device_transport_kind();
    uint64_t transport_init_want(uint64_t offered);
    void prepare_transports(abi::fuse_init_out& out);
    void start_transports();
    void ring_loop(transport::Transport& t);
    int clone_device_fd();

    void on_init(const protocol::InitRequest& req, const abi::fuse_in_header& h);
    void on_interrupt(const protocol::InterruptRequest& req, const abi::fuse_in_header& h);
    void on_notify_reply(const protocol::NotifyReplyRequest& req, const abi::fuse_in_header& h);
    void reply_error_now(const abi::fuse_in_header& h, int error) noexcept;
    bool drop_superseded(InFlight* slot) noexcept;  // releases it if resent
    int write_message(const iovec* iov, int count) noexcept;
    transport::Transport& current_transport() noexcept;
    void log_reply(uint64_t unique, int error, size_t payload) const;
    void dispatch(protocol::Decoded& d);

    Filesystem& fs_;
    SessionOptions options_;
    std::string mountpoint_;
    int fd_ = -1;
    bool mounted_ = false;

    protocol::DecodeParams params_;
    std::atomic<bool> initialized_{false};
    std::atomic<bool> destroyed_{false};
    std::atomic<bool> stopping_{false};
    uint32_t max_write_ = 0;

    InFlightTable inflight_;
    SessionState state_;
    std::unique_ptr<transport::Transport> main_transport_;  // replies from non-worker threads
    std::mutex main_send_mu_;
    std::vector<std::byte> poll_buffer_;                     // for process_available()

    // Worker pool.
    std::mutex pool_mu_;
    std::condition_variable pool_cv_;
    std::vector<std::unique_ptr<Worker>> workers_;
    // Workers run() has joined. A reply answered after the end still goes to
    // the transport (and fd) its request came from: both live until the core.
    std::vector<std::unique_ptr<Worker>> retired_;
    std::atomic<unsigned> idle_{0};
    std::atomic<unsigned> live_workers_{0};
    int end_error_ = 0;  // first fatal device error, reported by run()
    std::atomic<pthread_t> serving_thread_{};  // single-threaded run(): who to wake on stop()

    // Pending RETRIEVE notifications.
    std::mutex retrieve_mu_;
    std::map<uint64_t, Notifier::RetrieveCallback> retrieves_;
    uint64_t next_retrieve_ = 1;

    // Transport choice, made once (see transport_select.cpp).
    std::once_flag kind_once_;
    TransportKind device_kind_ = TransportKind::Readv;
    bool plan_uring_ = false;
    std::atomic<bool> ring_failure_logged_{false};
    std::vector<std::unique_ptr<transport::Transport>> ring_queues_;
};

}  // namespace fusex::detail
