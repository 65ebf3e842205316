// POSIX ACL xattr parsing and the mode/ACL bookkeeping ext4 does in-kernel.
#include "acl.hpp"

#include <sys/stat.h>

namespace memfs {

namespace {

// The xattr form: a little-endian u32 version, then (u16 tag, u16 perm, u32 id) entries.
constexpr uint32_t kXattrVersion = 2;
constexpr size_t kHeaderSize = 4;
constexpr size_t kEntrySize = 8;

enum Tag : uint16_t {
    kUserObj = 0x01,
    kUser = 0x02,
    kGroupObj = 0x04,
    kGroup = 0x08,
    kMask = 0x10,
    kOther = 0x20,
};

uint32_t load_le(std::span<const std::byte> bytes, size_t offset, size_t width) {
    uint32_t v = 0;
    for (size_t i = 0; i < width; ++i) v |= static_cast<uint32_t>(bytes[offset + i]) << (8 * i);
    return v;
}

void store_le(std::vector<std::byte>& out, uint32_t v, size_t width) {
    for (size_t i = 0; i < width; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::optional<Acl> Acl::parse(std::span<const std::byte> value) {
    if (value.size() < kHeaderSize || (value.size() - kHeaderSize) % kEntrySize != 0) return std::nullopt;
    if (load_le(value, 0, 4) != kXattrVersion) return std::nullopt;
    Acl acl;
    int user_obj = 0, group_obj = 0, other = 0, mask = 0, named = 0;
    for (size_t off = kHeaderSize; off < value.size(); off += kEntrySize) {
        Entry e{static_cast<uint16_t>(load_le(value, off, 2)), static_cast<uint16_t>(load_le(value, off + 2, 2)),
                load_le(value, off + 4, 4)};
        if (e.perm & ~7u) return std::nullopt;
        switch (e.tag) {
        case kUserObj: ++user_obj; break;
        case kGroupObj: ++group_obj; break;
        case kOther: ++other; break;
        case kMask: ++mask; break;
        case kUser: case kGroup: ++named; break;
        default: return std::nullopt;
        }
        acl.entries_.push_back(e);
    }
    if (user_obj != 1 || group_obj != 1 || other != 1 || mask > 1 || (named > 0 && mask == 0)) return std::nullopt;
    return acl;
}

std::vector<std::byte> Acl::encode() const {
    std::vector<std::byte> out;
    out.reserve(kHeaderSize + entries_.size() * kEntrySize);
    store_le(out, kXattrVersion, 4);
    for (const Entry& e : entries_) {
        store_le(out, e.tag, 2);
        store_le(out, e.perm, 2);
        store_le(out, e.id, 4);
    }
    return out;
}

Acl::Entry* Acl::find(uint16_t tag) {
    for (Entry& e : entries_)
        if (e.tag == tag) return &e;
    return nullptr;
}

bool Acl::is_minimal() const {
    for (const Entry& e : entries_)
        if (e.tag == kUser || e.tag == kGroup || e.tag == kMask) return false;
    return true;
}

uint32_t Acl::permission_bits() const {
    uint32_t owner = 0, group = 0, mask = 0, other = 0;
    bool has_mask = false;
    for (const Entry& e : entries_) {
        if (e.tag == kUserObj) owner = e.perm;
        else if (e.tag == kGroupObj) group = e.perm;
        else if (e.tag == kOther) other = e.perm;
        else if (e.tag == kMask) mask = e.perm, has_mask = true;
    }
    return (owner << 6) | ((has_mask ? mask : group) << 3) | other;
}

void Acl::apply_mode(uint32_t mode) {
    find(kUserObj)->perm = (mode >> 6) & 7;
    Entry* group_class = find(kMask);
    if (!group_class) group_class = find(kGroupObj);
    group_class->perm = (mode >> 3) & 7;
    find(kOther)->perm = mode & 7;
}

void Acl::mask_for_create(uint32_t* mode) {
    uint32_t m = *mode;
    Entry* owner = find(kUserObj);
    owner->perm &= (m >> 6) & 7;
    m &= (owner->perm << 6) | ~static_cast<uint32_t>(S_IRWXU);
    Entry* other = find(kOther);
    other->perm &= m & 7;
    m &= other->perm | ~static_cast<uint32_t>(S_IRWXO);
    Entry* group_class = find(kMask);
    if (!group_class) group_class = find(kGroupObj);
    group_class->perm &= (m >> 3) & 7;
    m &= (group_class->perm << 3) | ~static_cast<uint32_t>(S_IRWXG);
    *mode = m;
}

}  // namespace memfs
