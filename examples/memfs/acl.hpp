// POSIX ACLs as the kernel hands them over in system.posix_acl_* xattrs.
//
// With FUSE_POSIX_ACL the kernel enforces ACLs, but the filesystem keeps them:
// it stores the xattrs, keeps the mode bits and the access ACL in step (on
// setfacl and on chmod), and gives new nodes their inherited ACLs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace memfs {

inline constexpr std::string_view kAclAccess = "system.posix_acl_access";
inline constexpr std::string_view kAclDefault = "system.posix_acl_default";

class Acl {
  public:
    // Parses and validates the xattr form; nullopt when malformed.
    static std::optional<Acl> parse(std::span<const std::byte> value);
    std::vector<std::byte> encode() const;

    // True when the ACL says no more than the mode bits (owner, group, other only).
    bool is_minimal() const;
    // The permission bits it implies: owner, mask (or group when minimal), other.
    uint32_t permission_bits() const;
    // chmod: owner, mask (or group) and other take the new bits.
    void apply_mode(uint32_t mode);
    // Inheritance at creation: restrict to the requested mode and restrict
    // the mode to the ACL (the kernel's posix_acl_create_masq). *mode keeps
    // its non-permission bits.
    void mask_for_create(uint32_t* mode);

  private:
    struct Entry {
        uint16_t tag = 0;
        uint16_t perm = 0;
        uint32_t id = 0;
    };
    Entry* find(uint16_t tag);
    std::vector<Entry> entries_;
};

}  // namespace memfs
