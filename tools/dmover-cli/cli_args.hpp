// The command line of fusex-dmover-cli:
//   fusex-dmover-cli --device PATH [--request-size SIZE] [--depth N] FUNCTION ARGS...
//     copy SRC DST | zero DST SIZE | fill8 DST SIZE BYTE
//     xorN DST SRC1 ... SRCN (N = 2..16) | crc32c SRC
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmover_cli {

struct CliCommand {
    std::string device;
    std::string function;
    std::string destination;           // empty for crc32c
    std::vector<std::string> sources;  // copy, xorN, crc32c
    uint64_t size = 0;                 // zero, fill8
    uint8_t fill = 0;                  // fill8
    uint64_t request_size = 1u << 20;  // bytes per request
    unsigned depth = 64;               // requests kept in flight
    bool help = false;
};

// Fills `out`; returns an error line on bad usage.
std::optional<std::string> parse_cli(int argc, const char* const* argv, CliCommand& out);

// "4096", "64K", "1M", "2G" (powers of 1024) or "0x1000".
std::optional<uint64_t> parse_size(std::string_view text);

void print_usage(FILE* out);

}  // namespace dmover_cli
