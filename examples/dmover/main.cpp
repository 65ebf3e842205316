// fusex-dmover [options] MOUNTPOINT: serves MOUNTPOINT/dmover, a device that
// zeroes, fills, copies, XORs and checksums memory of the calling process.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <fusex/cmdline.hpp>
#include <fusex/version.hpp>

#include "dmover_fs.hpp"

namespace {

void usage(FILE* out) {
    std::fprintf(out,
                 "usage: fusex-dmover [options] MOUNTPOINT\n"
                 "Serves MOUNTPOINT/dmover, a data-movement device (see dmover_client.hpp).\n\n"
                 "dmover options:\n"
                 "  -o workers=N   threads that move data (default: CPUs, 2..8)\n\n");
    fusex::print_common_options(out);
}

unsigned default_workers() {
    unsigned n = std::thread::hardware_concurrency();
    return n < 2 ? 2 : n > 8 ? 8 : n;
}

}  // namespace

int main(int argc, char** argv) {
    fusex::CommandLine cl;
    if (auto err = fusex::parse_command_line(argc, argv, cl)) {
        std::fprintf(stderr, "fusex-dmover: %s\n", err->c_str());
        usage(stderr);
        return 1;
    }
    if (cl.help) {
        usage(stdout);
        return 0;
    }
    if (cl.version) {
        std::printf("fusex-dmover (fusex %s)\n", fusex::kVersion);
        return 0;
    }
    unsigned workers = default_workers();
    for (const auto& [key, value] : cl.fs_options) {
        char* end = nullptr;
        unsigned long n = key == "workers" ? std::strtoul(value.c_str(), &end, 10) : 0;
        if (key != "workers" || value.empty() || *end != '\0' || n == 0 || n > 256) {
            std::fprintf(stderr, "fusex-dmover: bad option -o %s%s%s\n", key.c_str(), value.empty() ? "" : "=", value.c_str());
            return 1;
        }
        workers = static_cast<unsigned>(n);
    }
    if (cl.positional.size() != 1) {
        std::fprintf(stderr, "fusex-dmover: expected exactly one MOUNTPOINT\n");
        usage(stderr);
        return 1;
    }
    if (cl.mount.subtype.empty()) cl.mount.subtype = "dmover";
    dmover::DmoverFs fs(workers);
    return fusex::serve(fs, cl, cl.positional[0], "fusex-dmover");
}
