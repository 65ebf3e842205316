#include "executor.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "crc32c.hpp"
#include "iov_cursor.hpp"
#include "remote_memory.hpp"
#include "request_check.hpp"
#include "xor_kernels.hpp"

namespace dmover {

unsigned char* Scratch::ensure(Buffer& b, size_t& have, size_t size, bool zeroed) {
    if (have < size) {
        void* p = std::aligned_alloc(64, (size + 63) & ~size_t(63));
        if (!p) throw std::bad_alloc();
        if (zeroed) std::memset(p, 0, size);
        b.reset(static_cast<unsigned char*>(p));
        have = size;
    }
    return b.get();
}

unsigned char* Scratch::buffer(unsigned index, size_t size) { return ensure(buffers_[index], sizes_[index], size, false); }

const unsigned char* Scratch::zeros(size_t size) { return ensure(zeros_, zeros_size_, size, true); }

size_t chunk_size(const Function& fn) {
    constexpr size_t kBudget = 1u << 20, kMin = 64u << 10, kMax = 256u << 10;
    size_t per = kBudget / (fn.inputs > 0 ? fn.inputs : 1);
    per = per < kMin ? kMin : per > kMax ? kMax : per;
    return per & ~size_t(4095);
}

namespace {

// The buffers of a request in a fixed order: output first (if any), then inputs.
struct BufferSet {
    const dmover_buffer* buf[1 + DMOVER_MAX_INPUTS];
    unsigned count = 0;
    unsigned first_input = 0;
};

BufferSet buffers_of(const Function& fn, const dmover_request& r) {
    BufferSet s;
    if (fn.has_output) s.buf[s.count++] = &r.out;
    s.first_input = s.count;
    for (unsigned i = 0; i < fn.inputs; ++i) s.buf[s.count++] = &r.in[i];
    return s;
}

// Copies every iovec array of the request from the caller in one call.
int fetch_iovecs(const BufferSet& set, pid_t pid, Scratch& scratch) {
    scratch.local.clear();
    scratch.remote.clear();
    for (unsigned b = 0; b < set.count; ++b) {
        size_t bytes = size_t(set.buf[b]->iovcnt) * sizeof(iovec);
        if (bytes == 0) continue;
        scratch.local.push_back(iovec{scratch.iov[b].data(), bytes});
        scratch.remote.push_back(iovec{reinterpret_cast<void*>(set.buf[b]->iov), bytes});
    }
    return remote_read(pid, scratch.local, scratch.remote);
}

}  // namespace

Outcome execute(const Function& fn, const dmover_request& r, pid_t pid, Scratch& scratch,
                const std::atomic<bool>* cancel) {
    if (int e = check_request_shape(fn, r)) return {e, 0};
    const BufferSet set = buffers_of(fn, r);
    if (int e = fetch_iovecs(set, pid, scratch)) return {e, 0};

    size_t length = 0;
    std::vector<IovCursor> cursors;
    cursors.reserve(set.count);
    for (unsigned b = 0; b < set.count; ++b) {
        std::span<const iovec> iov(scratch.iov[b].data(), set.buf[b]->iovcnt);
        size_t total = 0;
        if (int e = total_length(iov, &total)) return {e, 0};
        if (b == 0) length = total;
        else if (total != length) return {EINVAL, 0};
        cursors.emplace_back(iov);
    }

    const size_t chunk = chunk_size(fn);
    const unsigned n_in = fn.inputs;
    const unsigned char* in_buf[DMOVER_MAX_INPUTS];
    for (unsigned i = 0; i < n_in; ++i) in_buf[i] = scratch.buffer(i, chunk);
    const unsigned char* out_buf = nullptr;
    if (fn.kind == FunctionKind::Zero) out_buf = scratch.zeros(chunk);
    if (fn.kind == FunctionKind::Fill8) {
        unsigned char* fill = scratch.buffer(0, chunk);
        std::memset(fill, int(r.immediate), length < chunk ? length : chunk);
        out_buf = fill;
    }
    if (fn.kind == FunctionKind::Copy || fn.kind == FunctionKind::Xor) out_buf = in_buf[0];

    uint32_t crc = static_cast<uint32_t>(r.immediate);
    for (size_t done = 0; done < length;) {
        if (cancel && cancel->load(std::memory_order_relaxed)) return {ECANCELED, 0};
        const size_t n = length - done < chunk ? length - done : chunk;
        if (n_in > 0) {
            scratch.remote.clear();
            scratch.local.clear();
            for (unsigned i = 0; i < n_in; ++i) {
                cursors[set.first_input + i].take(n, scratch.remote);
                scratch.local.push_back(iovec{const_cast<unsigned char*>(in_buf[i]), n});
            }
            if (int e = remote_read(pid, scratch.local, scratch.remote)) return {e, 0};
        }
        if (fn.kind == FunctionKind::Xor)
            xor_buffers(const_cast<unsigned char*>(in_buf[0]), reinterpret_cast<const void* const*>(in_buf), n_in, n);
        if (fn.kind == FunctionKind::Crc32c) crc = crc32c_update(crc, in_buf[0], n);
        if (fn.has_output) {
            scratch.remote.clear();
            cursors[0].take(n, scratch.remote);
            iovec local{const_cast<unsigned char*>(out_buf), n};
            if (int e = remote_write(pid, std::span<const iovec>(&local, 1), scratch.remote)) return {e, 0};
        }
        done += n;
    }
    return {0, fn.kind == FunctionKind::Crc32c ? crc : length};
}

}  // namespace dmover
