// The passthrough's own -o options (those fusex itself does not take).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace passthrough {

enum class CacheMode { Never, Auto, Always };

struct Options {
    CacheMode cache = CacheMode::Auto;
    double timeout = 1.0;       // entry and attribute timeout, seconds
    bool writeback = false;     // kernel writeback cache
    bool passthrough = false;   // FUSE_PASSTHROUGH backing files for open files
    bool early_flush = true;    // start disk writeback right after large writes
};

// Fills out from fusex's leftover -o options; returns one error line for an
// unknown or malformed option.
std::optional<std::string> parse_options(const std::vector<std::pair<std::string, std::string>>& raw,
                                         Options& out);

// The lines of --help for these options.
const char* options_help();

}  // namespace passthrough
