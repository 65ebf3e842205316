#include "functions.hpp"

#include <array>

namespace dmover {
namespace {

constexpr std::array kFunctions = {
    Function{"zero", FunctionKind::Zero, 0, true},
    Function{"fill8", FunctionKind::Fill8, 0, true},
    Function{"copy", FunctionKind::Copy, 1, true},
    Function{"xor2", FunctionKind::Xor, 2, true},
    Function{"xor3", FunctionKind::Xor, 3, true},
    Function{"xor4", FunctionKind::Xor, 4, true},
    Function{"xor5", FunctionKind::Xor, 5, true},
    Function{"xor6", FunctionKind::Xor, 6, true},
    Function{"xor7", FunctionKind::Xor, 7, true},
    Function{"xor8", FunctionKind::Xor, 8, true},
    Function{"xor9", FunctionKind::Xor, 9, true},
    Function{"xor10", FunctionKind::Xor, 10, true},
    Function{"xor11", FunctionKind::Xor, 11, true},
    Function{"xor12", FunctionKind::Xor, 12, true},
    Function{"xor13", FunctionKind::Xor, 13, true},
    Function{"xor14", FunctionKind::Xor, 14, true},
    Function{"xor15", FunctionKind::Xor, 15, true},
    Function{"xor16", FunctionKind::Xor, 16, true},
    Function{"crc32c", FunctionKind::Crc32c, 1, false},
};

}  // namespace

const Function* find_function(std::string_view name) {
    for (const Function& f : kFunctions)
        if (f.name == name) return &f;
    return nullptr;
}

}  // namespace dmover
