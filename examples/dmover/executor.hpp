// Runs one request against the caller's memory: fetch its iovec arrays,
// then move the data chunk by chunk through this thread's scratch buffers.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dmover_client.hpp"
#include "functions.hpp"

namespace dmover {

// Per-thread buffers, allocated on first use and kept for the next request.
class Scratch {
  public:
    unsigned char* buffer(unsigned index, size_t size);
    const unsigned char* zeros(size_t size);

    std::array<std::array<iovec, DMOVER_MAX_IOV>, 1 + DMOVER_MAX_INPUTS> iov{};
    std::vector<iovec> remote;  // segments of one chunk
    std::vector<iovec> local;

  private:
    struct Free {
        void operator()(unsigned char* p) const { std::free(p); }
    };
    using Buffer = std::unique_ptr<unsigned char[], Free>;
    unsigned char* ensure(Buffer& b, size_t& have, size_t size, bool zeroed);
    std::array<Buffer, DMOVER_MAX_INPUTS> buffers_;
    std::array<size_t, DMOVER_MAX_INPUTS> sizes_{};
    Buffer zeros_;
    size_t zeros_size_ = 0;
};

struct Outcome {
    int32_t error = 0;    // positive errno
    uint64_t result = 0;  // CRC, or bytes processed
};

// Bytes moved per step for a function: scratch for all inputs stays within
// about 1 MiB so a step stays in the CPU's caches.
size_t chunk_size(const Function& fn);

// `cancel` (may be null) is checked between chunks: ECANCELED.
Outcome execute(const Function& fn, const dmover_request& r, pid_t pid, Scratch& scratch,
                const std::atomic<bool>* cancel = nullptr);

}  // namespace dmover
