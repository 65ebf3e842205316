// The opcode table: each decoded request type goes to its Filesystem method
// with the matching reply type. The table is the overload set of Dispatch.
#include <exception>
#include <typeinfo>

#include "fusex/log.hpp"
#include "session/session_core.hpp"

namespace fusex::detail {

namespace {

struct Dispatch {
    SessionCore& core;
    Filesystem& fs;
    const abi::fuse_in_header& header;
    void* origin;

    InFlight* slot() { return core.acquire_slot(header, origin); }

    // One handler call with a fresh reply. An exception escaping the handler
    // is logged; the reply, if still unanswered, then answers EIO.
    template <class Req, class R>
    void call(void (Filesystem::*method)(const Req&, R), const Req& req) {
        try {
            (fs.*method)(req, R(&core, slot()));
        } catch (const std::exception& e) {
            log(LogLevel::Error, "handler for %s threw: %s", protocol::opcode_name(header.opcode), e.what());
        } catch (...) {
            log(LogLevel::Error, "handler for %s threw a non-exception", protocol::opcode_name(header.opcode));
        }
    }

    void operator()(const LookupRequest& r) { call(&Filesystem::lookup, r); }
    void operator()(const GetattrRequest& r) { call(&Filesystem::getattr, r); }
    void operator()(const SetattrRequest& r) { call(&Filesystem::setattr, r); }
    void operator()(const ReadlinkRequest& r) { call(&Filesystem::readlink, r); }
    void operator()(const SymlinkRequest& r) { call(&Filesystem::symlink, r); }
    void operator()(const MknodRequest& r) { call(&Filesystem::mknod, r); }
    void operator()(const MkdirRequest& r) { call(&Filesystem::mkdir, r); }
    void operator()(const UnlinkRequest& r) { call(&Filesystem::unlink, r); }
    void operator()(const RmdirRequest& r) { call(&Filesystem::rmdir, r); }
    void operator()(const RenameRequest& r) { call(&Filesystem::rename, r); }
    void operator()(const LinkRequest& r) { call(&Filesystem::link, r); }
    void operator()(const OpenRequest& r) { call(&Filesystem::open, r); }
    void operator()(const ReadRequest& r) { call(&Filesystem::read, r); }
    void operator()(const WriteRequest& r) { call(&Filesystem::write, r); }
    void operator()(const StatfsRequest& r) { call(&Filesystem::statfs, r); }
    void operator()(const FsyncRequest& r) { call(&Filesystem::fsync, r); }
    void operator()(const SetxattrRequest& r) { call(&Filesystem::setxattr, r); }
    void operator()(const GetxattrRequest& r) { call(&Filesystem::getxattr, r); }
    void operator()(const ListxattrRequest& r) { call(&Filesystem::listxattr, r); }
    void operator()(const RemovexattrRequest& r) { call(&Filesystem::removexattr, r); }
    void operator()(const FlushRequest& r) { call(&Filesystem::flush, r); }
    void operator()(const OpendirRequest& r) { call(&Filesystem::opendir, r); }
    void operator()(const FsyncdirRequest& r) { call(&Filesystem::fsyncdir, r); }
    void operator()(const GetlkRequest& r) { call(&Filesystem::getlk, r); }
    void operator()(const SetlkRequest& r) { call(&Filesystem::setlk, r); }
    void operator()(const AccessRequest& r) { call(&Filesystem::access, r); }
    void operator()(const CreateRequest& r) { call(&Filesystem::create, r); }
    void operator()(const BmapRequest& r) { call(&Filesystem::bmap, r); }
    void operator()(const IoctlRequest& r) { call(&Filesystem::ioctl, r); }
    void operator()(const PollRequest& r) { call(&Filesystem::poll, r); }
    void operator()(const FallocateRequest& r) { call(&Filesystem::fallocate, r); }
    void operator()(const LseekRequest& r) { call(&Filesystem::lseek, r); }
    void operator()(const CopyFileRangeRequest& r) { call(&Filesystem::copy_file_range, r); }
    void operator()(const SyncfsRequest& r) { call(&Filesystem::syncfs, r); }
    void operator()(const TmpfileRequest& r) { call(&Filesystem::tmpfile, r); }
    void operator()(const StatxRequest& r) { call(&Filesystem::statx, r); }

    void operator()(const ReleaseRequest& r) {
        core.state().remove_handle(r.fh, false);
        call(&Filesystem::release, r);
    }
    void operator()(const ReleasedirRequest& r) {
        core.state().remove_handle(r.fh, true);
        call(&Filesystem::releasedir, r);
    }
    void operator()(const ReaddirRequest& r) {
        try {
            fs.readdir(r, ReplyDir(&core, slot(), r.size, r.plus));
        } catch (const std::exception& e) {
            log(LogLevel::Error, "handler for READDIR threw: %s", e.what());
        }
    }
    // FORGETs take no reply; the session's lookup counts follow them.
    void operator()(const ForgetRequest& r) {
        core.state().forget(r.forget.node, r.forget.nlookup);
        fs.forget(r);
    }
    void operator()(const BatchForgetRequest& r) {
        for (uint32_t i = 0; i < r.count; ++i) {
            ForgetOne one = r.at(i);
            core.state().forget(one.node, one.nlookup);
        }
        fs.batch_forget(r);
    }
    // Session-level requests are handled before dispatch.
    void operator()(const std::monostate&) {}
    void operator()(const protocol::InitRequest&) {}
    void operator()(const protocol::InterruptRequest&) {}
    void operator()(const protocol::NotifyReplyRequest&) {}
    void operator()(const protocol::DestroyRequest&) {}
};

}  // namespace

void SessionCore::dispatch(protocol::Decoded& d) {
    const abi::fuse_in_header& h = d.header;
    if (auto* intr = std::get_if<protocol::InterruptRequest>(&d.request)) {
        on_interrupt(*intr, h);
        return;
    }
    if (auto* nr = std::get_if<protocol::NotifyReplyRequest>(&d.request)) {
        on_notify_reply(*nr, h);
        return;
    }
    if (std::holds_alternative<protocol::DestroyRequest>(d.request)) {
        if (!destroyed_.exchange(true)) fs_.destroy();
        reply_error_now(h, 0);
        // The kernel is done with us: the loops end (the next read would
        // give ENODEV anyway).
        stopping_.store(true, std::memory_order_release);
        return;
    }
    std::visit(Dispatch{*this, fs_, h, &current_transport()}, d.request);
}

InFlight* SessionCore::acquire_slot(const abi::fuse_in_header& h, void* origin) {
    return inflight_.acquire(h.unique, h.opcode, h.nodeid, origin);
}

}  // namespace fusex::detail
