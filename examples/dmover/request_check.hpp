// Checks on a request record that need none of the caller's memory, and on
// the iovec arrays once they are fetched. Each returns 0 or a positive errno.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <span>

#include "dmover_client.hpp"
#include "functions.hpp"

namespace dmover {

// Counts within limits, unused buffers and reserved fields zero, the
// immediate in range for the function: else EINVAL.
int check_request_shape(const Function& fn, const dmover_request& r);

// The sum of the lengths into *total; EINVAL when it exceeds SSIZE_MAX (what
// process_vm_readv can move in one call) or wraps around.
int total_length(std::span<const iovec> iov, size_t* total);

}  // namespace dmover
