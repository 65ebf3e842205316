#include "pt_options.hpp"

#include <cmath>
#include <cstdlib>

namespace passthrough {

namespace {

std::optional<double> parse_seconds(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (*end != '\0' || !std::isfinite(v) || v < 0) return std::nullopt;
    return v;
}

}  // namespace

std::optional<std::string> parse_options(const std::vector<std::pair<std::string, std::string>>& raw,
                                         Options& out) {
    std::optional<double> timeout;
    for (const auto& [name, value] : raw) {
        if (name == "timeout") {
            timeout = parse_seconds(value);
            if (!timeout) return "invalid -o timeout=" + value + " (want seconds >= 0)";
        } else if (name == "cache") {
            if (value == "never") out.cache = CacheMode::Never;
            else if (value == "auto") out.cache = CacheMode::Auto;
            else if (value == "always") out.cache = CacheMode::Always;
            else return "invalid -o cache=" + value + " (want never, auto or always)";
        } else if ((name == "writeback" || name == "passthrough" || name == "early_flush" ||
                    name == "no_early_flush") && !value.empty()) {
            return "option -o " + name + " takes no value";
        } else if (name == "writeback") {
            out.writeback = true;
        } else if (name == "passthrough") {
            out.passthrough = true;
        } else if (name == "early_flush" || name == "no_early_flush") {
            out.early_flush = name == "early_flush";
        } else {
            return "unknown option -o " + name + (value.empty() ? "" : "=" + value);
        }
    }
    // As libfuse's examples do: the cache mode picks the timeout unless given.
    if (timeout) out.timeout = *timeout;
    else out.timeout = out.cache == CacheMode::Never ? 0.0 : out.cache == CacheMode::Always ? 86400.0 : 1.0;
    return std::nullopt;
}

const char* options_help() {
    return "passthrough options:\n"
           "    -o timeout=SECONDS     entry and attribute cache timeout (default by cache mode: 0, 1, 86400)\n"
           "    -o cache=never|auto|always\n"
           "                           never: direct I/O, no caching; auto: page cache dropped on open;\n"
           "                           always: page cache kept across opens\n"
           "    -o writeback           kernel writeback cache (ignored with passthrough)\n"
           "    -o passthrough         kernel passthrough of open regular files (FUSE_PASSTHROUGH)\n"
           "    -o no_early_flush      leave large writes to the kernel's own writeback timing\n"
           "                           (default early_flush: start writing them to disk at once)\n";
}

}  // namespace passthrough
