// fusex-passthrough [options] SOURCE MOUNTPOINT
// Serves SOURCE at MOUNTPOINT; see passthrough_fs.hpp for what it does.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "fusex/cmdline.hpp"
#include "fusex/log.hpp"
#include "fusex/version.hpp"
#include "passthrough_fs.hpp"
#include "pt_options.hpp"

namespace {

constexpr const char* kProg = "fusex-passthrough";

void usage(FILE* out) {
    std::fprintf(out, "usage: %s [options] SOURCE MOUNTPOINT\n\n", kProg);
    std::fprintf(out, "Serves the directory SOURCE at MOUNTPOINT.\n\n");
}

// Every inode the kernel knows holds a descriptor: allow as many as we may.
void raise_fd_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    rlim_t want = lim.rlim_max;
    if (FILE* f = std::fopen("/proc/sys/fs/nr_open", "r")) {
        unsigned long nr_open = 0;
        if (std::fscanf(f, "%lu", &nr_open) == 1 && nr_open > want) want = nr_open;
        std::fclose(f);
    }
    lim.rlim_cur = want;
    lim.rlim_max = want;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
        getrlimit(RLIMIT_NOFILE, &lim);
        lim.rlim_cur = lim.rlim_max;  // not privileged: the soft limit at least
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}

}  // namespace

int main(int argc, char** argv) {
    fusex::set_log_program(kProg);
    fusex::CommandLine cl;
    if (auto err = fusex::parse_command_line(argc, argv, cl)) {
        std::fprintf(stderr, "%s: %s\n", kProg, err->c_str());
        return 1;
    }
    if (cl.help) {
        usage(stdout);
        fusex::print_common_options(stdout);
        std::fputs(passthrough::options_help(), stdout);
        return 0;
    }
    if (cl.version) {
        std::printf("%s (fusex %s)\n", kProg, fusex::kVersion);
        return 0;
    }
    if (cl.positional.size() != 2) {
        std::fprintf(stderr, "%s: expected SOURCE and MOUNTPOINT (try --help)\n", kProg);
        return 1;
    }
    passthrough::Options options;
    if (auto err = passthrough::parse_options(cl.fs_options, options)) {
        std::fprintf(stderr, "%s: %s\n", kProg, err->c_str());
        return 1;
    }
    const std::string& source = cl.positional[0];
    int root_fd = open(source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) {
        std::fprintf(stderr, "%s: cannot open source directory %s: %s\n", kProg, source.c_str(),
                     std::strerror(errno));
        return 1;
    }
    raise_fd_limit();
    umask(0);  // modes arrive already masked by the kernel
    if (cl.mount.fsname == "fusex") {
        char resolved[PATH_MAX];
        cl.mount.fsname = realpath(source.c_str(), resolved) ? resolved : source;
    }
    if (cl.mount.subtype.empty()) cl.mount.subtype = "passthrough";
    // Absolute now: later the daemon runs in / and must not stat its own mount.
    std::string mountpoint = cl.positional[1];
    if (char resolved[PATH_MAX]; realpath(mountpoint.c_str(), resolved)) mountpoint = resolved;
    try {
        passthrough::PassthroughFs fs(options, root_fd, mountpoint);
        return fusex::serve(fs, cl, mountpoint, kProg);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", kProg, e.what());
        return 1;
    }
}
