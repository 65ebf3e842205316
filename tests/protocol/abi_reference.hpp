// ABI facts as the build machine's <linux/fuse.h> states them, for
// abi_test.cpp to compare against our own protocol/abi.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace fusex::test {
std::map<std::string, uint64_t> kernel_header_facts();
}
