// The fusex filesystem of fusex-dmover: a root directory holding one file,
// `dmover`, whose every open() is an independent DeviceSession.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <fusex/filesystem.hpp>

#include "device_session.hpp"
#include "remote_memory.hpp"
#include "worker_pool.hpp"

namespace dmover {

class DmoverFs : public fusex::Filesystem {
  public:
    explicit DmoverFs(unsigned workers);
    ~DmoverFs() override;

    void destroy() override;
    void lookup(const fusex::LookupRequest& req, fusex::ReplyEntry reply) override;
    void getattr(const fusex::GetattrRequest& req, fusex::ReplyAttr reply) override;
    void readdir(const fusex::ReaddirRequest& req, fusex::ReplyDir reply) override;
    void open(const fusex::OpenRequest& req, fusex::ReplyOpen reply) override;
    void read(const fusex::ReadRequest& req, fusex::ReplyData reply) override;
    void write(const fusex::WriteRequest& req, fusex::ReplyWrite reply) override;
    void ioctl(const fusex::IoctlRequest& req, fusex::ReplyIoctl reply) override;
    void poll(const fusex::PollRequest& req, fusex::ReplyPoll reply) override;
    void flush(const fusex::FlushRequest& req, fusex::ReplyEmpty reply) override;
    void release(const fusex::ReleaseRequest& req, fusex::ReplyEmpty reply) override;

    static constexpr fusex::NodeId kDeviceNode = 2;
    static constexpr const char* kDeviceName = "dmover";

  private:
    using Session = DeviceSession<fusex::ReplyWrite, fusex::ReplyData, fusex::ReplyEmpty>;
    std::shared_ptr<Session> find(uint64_t fh);

    // The pool is declared first so that it is destroyed last, after the
    // sessions its jobs complete into.
    WorkerPool pool_;
    ThreadGroupCache thread_groups_;
    std::atomic<bool> live_{true};  // false once the kernel session is gone
    std::mutex mu_;
    std::unordered_map<uint64_t, std::shared_ptr<Session>> sessions_;
    uint64_t next_fh_ = 1;
};

}  // namespace dmover
