// The command line users know from libfuse:
//   PROG [options] MOUNTPOINT
//   -f foreground, -d debug (implies -f), -s single thread,
//   -o opt[,opt...], -h/--help, -V/--version
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fusex/filesystem.hpp"
#include "fusex/options.hpp"

namespace fusex {

struct CommandLine {
    bool foreground = false;
    bool help = false;
    bool version = false;
    std::vector<std::string> positional;
    SessionOptions session;
    MountOptions mount;
    // -o options fusex does not know, in order, for the filesystem to take.
    std::vector<std::pair<std::string, std::string>> fs_options;
};

// Returns an error line on bad usage.
std::optional<std::string> parse_command_line(int argc, char** argv, CommandLine& out);

// The options fusex itself understands, for --help texts.
void print_common_options(FILE* out);

// Mount, daemonize unless -f, serve until unmount or SIGINT/SIGTERM/SIGHUP,
// unmount. Prints one clear line and returns 1 on failure, 0 on success.
// Daemonizing forks after `fs` was built: start a filesystem's own threads
// in init() (or later), not in its constructor, or they stay behind in the
// parent that exits.
int serve(Filesystem& fs, const CommandLine& cl, const std::string& mountpoint, const char* prog);

// The whole main() of a filesystem with no options of its own:
// parse, --help/--version, exactly one MOUNTPOINT, serve().
int simple_main(int argc, char** argv, Filesystem& fs, const char* prog, const char* description);

}  // namespace fusex
