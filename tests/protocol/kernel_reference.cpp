// The uapi header's view of the ABI. Kept in its own translation unit: its
// macros (FATTR_MODE, ...) would clobber our abi:: constants of the same name.
#include <linux/fuse.h>
#include <sys/ioctl.h>  // _IOR for FUSE_DEV_IOC_CLONE

#include <cstddef>

#include "abi_reference.hpp"

namespace fusex::test {

std::map<std::string, uint64_t> kernel_header_facts() {
    std::map<std::string, uint64_t> m;
#define FACT_C(x) m[#x] = static_cast<uint64_t>(x);
#define FACT_S(s) m["sizeof " #s] = sizeof(struct s);
#define FACT_O(s, f) m["offsetof " #s "." #f] = offsetof(struct s, f);
#include "abi_facts.inc"
#undef FACT_C
#undef FACT_S
#undef FACT_O
    // The header writes (1 << 31) as an int, which sign-extends; the flag
    // travels in a u32 field, so compare its 32-bit value.
    m["FUSE_INIT_RESERVED"] = static_cast<uint32_t>(FUSE_INIT_RESERVED);
    return m;
}

}  // namespace fusex::test
