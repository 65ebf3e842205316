// One FUSE-over-io_uring queue: a ring, `depth` entries each with a header
// and a payload buffer registered with the kernel, and the commit-and-fetch
// cycle, presented as a Transport to the thread that serves the queue.
#pragma once

#include <memory>
#include <string>

#include "transport/transport.hpp"

namespace fusex::transport {

std::unique_ptr<Transport> make_uring_queue(int device_fd, unsigned qid, unsigned depth, size_t payload_size,
                                            std::string* why);

}  // namespace fusex::transport
