#include "cli_args.hpp"

#include <cerrno>
#include <cstdlib>

namespace dmover_cli {
namespace {

std::optional<uint64_t> parse_number(std::string_view text, uint64_t* multiplier_out = nullptr) {
    if (text.empty() || text[0] == '-' || text[0] == '+') return std::nullopt;
    std::string s(text);
    errno = 0;
    char* end = nullptr;
    const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    unsigned long long v = std::strtoull(s.c_str(), &end, hex ? 16 : 10);
    if (errno != 0 || end == s.c_str()) return std::nullopt;
    uint64_t mult = 1;
    std::string_view rest(end);
    if (multiplier_out && !rest.empty()) {
        switch (rest[0]) {
            case 'k': case 'K': mult = 1ull << 10; break;
            case 'm': case 'M': mult = 1ull << 20; break;
            case 'g': case 'G': mult = 1ull << 30; break;
            case 't': case 'T': mult = 1ull << 40; break;
            default: return std::nullopt;
        }
        rest.remove_prefix(1);
        if (rest == "i" || rest == "iB" || rest == "B") rest = {};
    }
    if (!rest.empty()) return std::nullopt;
    if (v > UINT64_MAX / mult) return std::nullopt;
    if (multiplier_out) *multiplier_out = mult;
    return v * mult;
}

// xor2 .. xor16: the number of sources, else 0.
unsigned xor_inputs(std::string_view fn) {
    if (fn.substr(0, 3) != "xor") return 0;
    auto n = parse_number(fn.substr(3));
    if (!n || fn.size() < 4 || fn[3] == '0' || *n < 2 || *n > 16) return 0;
    return static_cast<unsigned>(*n);
}

}  // namespace

std::optional<uint64_t> parse_size(std::string_view text) {
    uint64_t mult = 1;
    return parse_number(text, &mult);
}

void print_usage(FILE* out) {
    std::fprintf(out,
                 "usage: fusex-dmover-cli --device PATH [options] FUNCTION ARGS...\n"
                 "  copy SRC DST               copy file SRC to DST\n"
                 "  zero DST SIZE              write SIZE zero bytes to DST\n"
                 "  fill8 DST SIZE BYTE        write SIZE bytes of value BYTE to DST\n"
                 "  xorN DST SRC1 ... SRCN     DST = SRC1 ^ ... ^ SRCN, N = 2..16\n"
                 "  crc32c SRC                 print the CRC-32C of SRC in hex\n"
                 "options:\n"
                 "  --device PATH              the dmover file of a fusex-dmover mount\n"
                 "  --request-size SIZE        bytes per request (default 1M)\n"
                 "  --depth N                  requests in flight, 1..64 (default 64)\n"
                 "  -h, --help                 this text\n"
                 "SIZE takes K, M, G suffixes (powers of 1024).\n");
}

std::optional<std::string> parse_cli(int argc, const char* const* argv, CliCommand& out) {
    std::vector<std::string> positional;
    bool options_done = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (options_done || arg.size() < 2 || arg[0] != '-') {
            positional.emplace_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        if (arg == "-h" || arg == "--help") {
            out.help = true;
            return std::nullopt;
        }
        std::string_view name = arg, value;
        bool has_value = false;
        if (auto eq = arg.find('='); eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            has_value = true;
        }
        if (name != "--device" && name != "--request-size" && name != "--depth")
            return "unknown option " + std::string(arg);
        if (!has_value) {
            if (i + 1 >= argc) return std::string(name) + " needs a value";
            value = argv[++i];
        }
        if (name == "--device") {
            if (value.empty()) return std::string("--device needs a path");
            out.device = value;
        } else if (name == "--request-size") {
            auto n = parse_size(value);
            if (!n || *n == 0 || *n > (1ull << 40)) return "bad --request-size " + std::string(value);
            out.request_size = *n;
        } else {
            auto n = parse_number(value);
            if (!n || *n < 1 || *n > 64) return "bad --depth " + std::string(value) + " (1..64)";
            out.depth = static_cast<unsigned>(*n);
        }
    }
    if (out.device.empty()) return std::string("missing --device PATH");
    if (positional.empty()) return std::string("missing FUNCTION");
    out.function = positional[0];
    const std::vector<std::string> args(positional.begin() + 1, positional.end());
    auto want = [&](size_t n, const char* shape) -> std::optional<std::string> {
        if (args.size() != n) return out.function + " takes " + shape;
        return std::nullopt;
    };
    if (out.function == "copy") {
        if (auto e = want(2, "SRC DST")) return e;
        out.sources = {args[0]};
        out.destination = args[1];
    } else if (out.function == "zero" || out.function == "fill8") {
        bool fill = out.function == "fill8";
        if (auto e = want(fill ? 3 : 2, fill ? "DST SIZE BYTE" : "DST SIZE")) return e;
        out.destination = args[0];
        auto size = parse_size(args[1]);
        if (!size) return "bad SIZE " + args[1];
        out.size = *size;
        if (fill) {
            auto byte = parse_number(args[2]);
            if (!byte || *byte > 255) return "bad BYTE " + args[2] + " (0..255)";
            out.fill = static_cast<uint8_t>(*byte);
        }
    } else if (out.function == "crc32c") {
        if (auto e = want(1, "SRC")) return e;
        out.sources = {args[0]};
    } else if (unsigned n = xor_inputs(out.function)) {
        if (args.size() != n + 1)
            return out.function + " takes DST and " + std::to_string(n) + " sources";
        out.destination = args[0];
        out.sources.assign(args.begin() + 1, args.end());
    } else {
        return "unknown function " + out.function;
    }
    return std::nullopt;
}

}  // namespace dmover_cli
