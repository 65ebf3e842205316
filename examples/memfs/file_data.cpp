// Space accounting and sparse file content.
#include "file_data.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iterator>

namespace memfs {

bool SpaceAccount::try_reserve(uint64_t chunks) {
    uint64_t used = used_.load();
    do {
        if (chunks > capacity_ || used > capacity_ - chunks) return false;
    } while (!used_.compare_exchange_weak(used, used + chunks));
    return true;
}

bool SpaceAccount::reserve(uint64_t chunks) {
    if (try_reserve(chunks)) return true;
    if (pending_frees_.load() == 0) return false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    std::unique_lock lock(wait_mu_);
    ++waiters_;
    bool ok = try_reserve(chunks);
    while (!ok && released_.wait_until(lock, deadline) == std::cv_status::no_timeout) ok = try_reserve(chunks);
    if (!ok) ok = try_reserve(chunks);
    --waiters_;
    return ok;
}

void SpaceAccount::release(uint64_t chunks) {
    if (chunks == 0) return;
    used_.fetch_sub(chunks);
    if (waiters_.load() > 0) {
        std::lock_guard lock(wait_mu_);
        released_.notify_all();
    }
}

FileData::~FileData() { space_.release(chunks_.size()); }

size_t FileData::read(uint64_t offset, std::span<std::byte> out) const {
    if (offset >= size_) return 0;
    const uint64_t count = std::min<uint64_t>(out.size(), size_ - offset);
    uint64_t done = 0;
    while (done < count) {
        const uint64_t pos = offset + done;
        const uint64_t index = pos / kChunkSize;
        const uint64_t in_chunk = pos % kChunkSize;
        const uint64_t piece = std::min(count - done, kChunkSize - in_chunk);
        auto it = chunks_.find(index);
        if (it == chunks_.end())
            std::memset(out.data() + done, 0, piece);
        else
            std::memcpy(out.data() + done, it->second.bytes.get() + in_chunk, piece);
        done += piece;
    }
    return count;
}

uint64_t FileData::missing_chunks(uint64_t first, uint64_t last) const {
    uint64_t present = 0;
    for (auto it = chunks_.lower_bound(first); it != chunks_.end() && it->first <= last; ++it) ++present;
    return (last - first + 1) - present;
}

FileData::Chunk& FileData::chunk_at(uint64_t index) {
    Chunk& chunk = chunks_[index];
    if (!chunk.bytes) {
        chunk.bytes.reset(new std::byte[kChunkSize]());  // value-initialized: zeros
        chunk.unwritten = true;
    }
    return chunk;
}

int FileData::write(uint64_t offset, std::span<const std::byte> data) {
    if (data.empty()) return 0;
    const uint64_t first = offset / kChunkSize;
    const uint64_t last = (offset + data.size() - 1) / kChunkSize;
    if (!space_.reserve(missing_chunks(first, last))) return ENOSPC;
    uint64_t done = 0;
    while (done < data.size()) {
        const uint64_t pos = offset + done;
        const uint64_t in_chunk = pos % kChunkSize;
        const uint64_t piece = std::min<uint64_t>(data.size() - done, kChunkSize - in_chunk);
        Chunk& chunk = chunk_at(pos / kChunkSize);
        chunk.unwritten = false;
        std::memcpy(chunk.bytes.get() + in_chunk, data.data() + done, piece);
        done += piece;
    }
    size_ = std::max<uint64_t>(size_, offset + data.size());
    return 0;
}

void FileData::free_chunks_from(uint64_t first_index) {
    auto it = chunks_.lower_bound(first_index);
    space_.release(static_cast<uint64_t>(std::distance(it, chunks_.end())));
    chunks_.erase(it, chunks_.end());
}

void FileData::resize(uint64_t new_size) {
    if (new_size < size_) {
        // Chunks wholly past the end go, including KEEP_SIZE preallocations
        // (ext4 drops those on truncate too); the tail of the last one is zeroed.
        free_chunks_from((new_size + kChunkSize - 1) / kChunkSize);
        if (new_size % kChunkSize != 0) {
            auto it = chunks_.find(new_size / kChunkSize);
            if (it != chunks_.end()) {
                const uint64_t keep = new_size % kChunkSize;
                std::memset(it->second.bytes.get() + keep, 0, kChunkSize - keep);
            }
        }
    }
    size_ = new_size;
}

int FileData::allocate(uint64_t offset, uint64_t length, bool keep_size) {
    if (length == 0) return 0;
    const uint64_t first = offset / kChunkSize;
    const uint64_t last = (offset + length - 1) / kChunkSize;
    if (!space_.reserve(missing_chunks(first, last))) return ENOSPC;
    for (uint64_t i = first; i <= last; ++i) chunk_at(i);
    if (!keep_size) size_ = std::max(size_, offset + length);
    return 0;
}

void FileData::punch_hole(uint64_t offset, uint64_t length) {
    if (length == 0) return;
    const uint64_t end = offset + length;
    for (auto it = chunks_.lower_bound(offset / kChunkSize); it != chunks_.end();) {
        const uint64_t chunk_start = it->first * kChunkSize;
        if (chunk_start >= end) break;
        const uint64_t from = std::max(offset, chunk_start);
        const uint64_t to = std::min(end, chunk_start + kChunkSize);
        if (from == chunk_start && to == chunk_start + kChunkSize) {
            it = chunks_.erase(it);
            space_.release(1);
            continue;
        }
        std::memset(it->second.bytes.get() + (from - chunk_start), 0, to - from);
        ++it;
    }
}

int FileData::zero_range(uint64_t offset, uint64_t length, bool keep_size) {
    if (length == 0) return 0;
    const uint64_t first = offset / kChunkSize;
    const uint64_t last = (offset + length - 1) / kChunkSize;
    if (!space_.reserve(missing_chunks(first, last))) return ENOSPC;
    const uint64_t end = offset + length;
    for (uint64_t i = first; i <= last; ++i) {
        const uint64_t chunk_start = i * kChunkSize;
        const uint64_t from = std::max(offset, chunk_start);
        const uint64_t to = std::min(end, chunk_start + kChunkSize);
        // Like ext4, whole chunks become unwritten; partial ones keep their state.
        Chunk& chunk = chunk_at(i);
        std::memset(chunk.bytes.get() + (from - chunk_start), 0, to - from);
        if (to - from == kChunkSize) chunk.unwritten = true;
    }
    if (!keep_size) size_ = std::max(size_, end);
    return 0;
}

std::optional<uint64_t> FileData::seek_data(uint64_t offset) const {
    if (offset >= size_) return std::nullopt;
    auto it = chunks_.lower_bound(offset / kChunkSize);
    while (it != chunks_.end() && it->second.unwritten) ++it;
    if (it == chunks_.end()) return std::nullopt;
    const uint64_t start = std::max(offset, it->first * kChunkSize);
    if (start >= size_) return std::nullopt;
    return start;
}

std::optional<uint64_t> FileData::seek_hole(uint64_t offset) const {
    if (offset >= size_) return std::nullopt;
    uint64_t index = offset / kChunkSize;
    for (auto it = chunks_.find(index); it != chunks_.end() && it->first == index && !it->second.unwritten; ++it)
        ++index;
    return std::min(size_, std::max(offset, index * kChunkSize));
}

}  // namespace memfs
