// memfs file content: space accounting for the whole filesystem and the
// sparse chunk store of one regular file.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

namespace memfs {

inline constexpr uint64_t kChunkSize = 4096;  // page sized: st_blocks and holes behave like ext4
// ext4's largest file with 4 KiB blocks (2^32 - 1 blocks); FUSE itself would allow 2^63 - 1.
inline constexpr uint64_t kMaxFileSize = ((1ull << 32) - 1) * 4096;

// Capacity and use of the whole filesystem, counted in chunks.
class SpaceAccount {
  public:
    explicit SpaceAccount(uint64_t capacity_chunks) : capacity_(capacity_chunks) {}
    // Takes `chunks` from the free space; false (nothing taken) when it is not
    // there. When full while deleted files wait for the kernel's FORGET (which
    // travels apart from other requests and may lag behind them), waits a
    // moment for their space before answering no.
    bool reserve(uint64_t chunks);
    void release(uint64_t chunks);
    // How many deleted nodes only wait for FORGET to give their space back.
    void set_pending_frees(size_t count) { pending_frees_.store(count); }
    uint64_t capacity() const { return capacity_; }
    uint64_t used() const { return used_.load(std::memory_order_relaxed); }

  private:
    bool try_reserve(uint64_t chunks);

    const uint64_t capacity_;
    std::atomic<uint64_t> used_{0};
    std::atomic<size_t> pending_frees_{0};
    std::atomic<int> waiters_{0};
    std::mutex wait_mu_;
    std::condition_variable released_;
};

// The content of a regular file: a sparse map of fixed-size chunks. A chunk
// exists once any byte of it was written or allocated; missing chunks read as
// zeros. Chunks allocated by fallocate stay "unwritten" until written, and
// SEEK_DATA/SEEK_HOLE treat them as holes, as ext4 does with its unwritten
// extents. Invariant: bytes at or beyond size() inside allocated chunks are
// zero, so growing the file never resurrects old data.
class FileData {
  public:
    explicit FileData(SpaceAccount& space) : space_(space) {}
    ~FileData();
    FileData(const FileData&) = delete;
    FileData& operator=(const FileData&) = delete;

    uint64_t size() const { return size_; }
    uint64_t allocated_chunks() const { return chunks_.size(); }

    // Copies up to out.size() bytes from offset (clipped at EOF); returns the count.
    size_t read(uint64_t offset, std::span<std::byte> out) const;
    // 0 or ENOSPC (then nothing was written).
    int write(uint64_t offset, std::span<const std::byte> data);
    // Truncate or extend (with a hole). Shrinking frees whole chunks past the end.
    void resize(uint64_t new_size);
    // Allocate zeroed chunks over [offset, offset+length); grows the size
    // unless keep_size. 0 or ENOSPC.
    int allocate(uint64_t offset, uint64_t length, bool keep_size);
    // Make [offset, offset+length) read as zeros, freeing whole chunks.
    void punch_hole(uint64_t offset, uint64_t length);
    // Zero [offset, offset+length) and keep it allocated. 0 or ENOSPC.
    int zero_range(uint64_t offset, uint64_t length, bool keep_size);
    // SEEK_DATA / SEEK_HOLE; nullopt means ENXIO.
    std::optional<uint64_t> seek_data(uint64_t offset) const;
    std::optional<uint64_t> seek_hole(uint64_t offset) const;

  private:
    // Chunks in [first, last] that are not allocated yet.
    uint64_t missing_chunks(uint64_t first, uint64_t last) const;
    struct Chunk {
        std::unique_ptr<std::byte[]> bytes;
        bool unwritten = false;  // preallocated zeros: a hole for SEEK_DATA
    };
    // The chunk at index, allocated zeroed (and unwritten) if missing; space must be reserved.
    Chunk& chunk_at(uint64_t index);
    void free_chunks_from(uint64_t first_index);

    SpaceAccount& space_;
    std::map<uint64_t, Chunk> chunks_;
    uint64_t size_ = 0;
};

}  // namespace memfs
