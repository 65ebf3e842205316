// One well-formed request per decodable opcode, for the truncation and
// fuzz tests (which mutate them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/decode.hpp"

namespace fusex::test {

struct Sample {
    std::string label;
    std::vector<std::byte> bytes;
    protocol::DecodeParams params;
    // Shortest prefix (header included) that still decodes: only INIT has
    // one shorter than the whole message (its 16-byte compat struct).
    size_t min_valid_len = 0;
};

std::vector<Sample> valid_samples();

}  // namespace fusex::test
