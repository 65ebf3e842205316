// The data-movement functions a session can pick with DMIO_SETFUNC.
#pragma once

#include <cstdint>
#include <string_view>

namespace dmover {

enum class FunctionKind { Zero, Fill8, Copy, Xor, Crc32c };

struct Function {
    std::string_view name;
    FunctionKind kind;
    unsigned inputs;  // input buffers used
    bool has_output;  // crc32c only reads
};

// nullptr for an unknown name.
const Function* find_function(std::string_view name);

}  // namespace dmover
