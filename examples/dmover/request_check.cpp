#include "request_check.hpp"

#include <cerrno>
#include <climits>
#include <cstdint>

namespace dmover {
namespace {

bool is_unused(const dmover_buffer& b) { return b.iov == 0 && b.iovcnt == 0 && b.reserved == 0; }

}  // namespace

int check_request_shape(const Function& fn, const dmover_request& r) {
    if (fn.has_output) {
        if (r.out.iovcnt > DMOVER_MAX_IOV || r.out.reserved != 0) return EINVAL;
    } else if (!is_unused(r.out)) {
        return EINVAL;
    }
    for (unsigned i = 0; i < DMOVER_MAX_INPUTS; ++i) {
        const dmover_buffer& in = r.in[i];
        if (i < fn.inputs) {
            if (in.iovcnt > DMOVER_MAX_IOV || in.reserved != 0) return EINVAL;
        } else if (!is_unused(in)) {
            return EINVAL;
        }
    }
    switch (fn.kind) {
        case FunctionKind::Fill8: return r.immediate <= 0xff ? 0 : EINVAL;
        case FunctionKind::Crc32c: return r.immediate <= UINT32_MAX ? 0 : EINVAL;
        default: return r.immediate == 0 ? 0 : EINVAL;
    }
}

int total_length(std::span<const iovec> iov, size_t* total) {
    size_t sum = 0;
    for (const iovec& v : iov) {
        if (v.iov_len > size_t(SSIZE_MAX) - sum) return EINVAL;
        sum += v.iov_len;
    }
    *total = sum;
    return 0;
}

}  // namespace dmover
