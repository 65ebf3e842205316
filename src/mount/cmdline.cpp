// The libfuse-style command line and the serve() sequence that every example
// shares: mount, daemonize, signals, run, unmount.
#include "fusex/cmdline.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "fusex/log.hpp"
#include "fusex/session.hpp"
#include "fusex/version.hpp"

namespace fusex {

namespace {

bool parse_uint(std::string_view s, uint64_t& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    std::string copy(s);
    errno = 0;
    unsigned long long v = strtoull(copy.c_str(), &end, 0);
    if (errno || *end || copy[0] == '-') return false;
    out = v;
    return true;
}

struct FlagOption {
    const char* name;
    unsigned long set;
    unsigned long clear;
};
constexpr FlagOption kMountFlags[] = {
    {"nosuid", MS_NOSUID, 0}, {"suid", 0, MS_NOSUID},         {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},     {"noexec", MS_NOEXEC, 0},       {"exec", 0, MS_NOEXEC},
    {"noatime", MS_NOATIME, 0}, {"atime", 0, MS_NOATIME},     {"nodiratime", MS_NODIRATIME, 0},
    {"relatime", MS_RELATIME, 0}, {"strictatime", MS_STRICTATIME, 0}, {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS}, {"dirsync", MS_DIRSYNC, 0},
};

// Applies one -o option fusex knows; returns false if it is not one of ours,
// or sets *error if it is ours but malformed.
bool apply_known_option(const std::string& key, const std::string& value, bool has_value, CommandLine& cl,
                        std::string* error) {
    auto number = [&](auto& field) {
        uint64_t v;
        if (!has_value || !parse_uint(value, v) || v > UINT32_MAX)
            *error = "option '" + key + "' needs a number";
        else
            field = static_cast<std::remove_reference_t<decltype(field)>>(v);
        return true;
    };
    if (key == "allow_other") return cl.mount.allow_other = true;
    if (key == "default_permissions") return cl.mount.default_permissions = true;
    if (key == "ro") return cl.mount.read_only = true;
    if (key == "rw") return !(cl.mount.read_only = false);
    if (key == "debug") return cl.session.debug = cl.foreground = true;
    if (key == "fsname" || key == "subtype") {
        if (!has_value || value.empty()) *error = "option '" + key + "' needs a value";
        (key == "fsname" ? cl.mount.fsname : cl.mount.subtype) = value;
        return true;
    }
    if (key == "max_read") return number(cl.mount.max_read);
    if (key == "blksize") return number(cl.mount.blksize);
    if (key == "max_threads") return number(cl.session.max_threads);
    if (key == "max_write") return number(cl.session.max_write);
    if (key == "uring_rings" || key == "uring_depth") {
        unsigned& field = key == "uring_rings" ? cl.session.uring_rings : cl.session.uring_depth;
        const unsigned most = key == "uring_rings" ? kMaxUringRings : kMaxUringDepth;
        uint64_t v;
        if (!has_value || !parse_uint(value, v) || v < 1 || v > most)
            *error = "option '" + key + "' needs a number from 1 to " + std::to_string(most);
        else
            field = static_cast<unsigned>(v);
        return true;
    }
    if (key == "clone_fd") return cl.session.clone_fd = true;
    if (key == "noclone_fd") return !(cl.session.clone_fd = false);
    if (key == "transport") {
        if (value == "auto") cl.session.transport = TransportKind::Auto;
        else if (value == "readv") cl.session.transport = TransportKind::Readv;
        else if (value == "splice") cl.session.transport = TransportKind::Splice;
        else if (value == "uring") cl.session.transport = TransportKind::Uring;
        else *error = "option 'transport' takes auto, readv, splice or uring";
        return true;
    }
    for (const FlagOption& f : kMountFlags) {
        if (key == f.name) {
            cl.mount.flags = (cl.mount.flags | f.set) & ~f.clear;
            return true;
        }
    }
    return false;
}

std::optional<std::string> parse_option_list(const std::string& list, CommandLine& cl) {
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        start = comma == std::string::npos ? list.size() + 1 : comma + 1;
        if (item.empty()) continue;
        size_t eq = item.find('=');
        std::string key = item.substr(0, eq);
        std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
        std::string error;
        if (!apply_known_option(key, value, eq != std::string::npos, cl, &error))
            cl.fs_options.emplace_back(key, value);
        if (!error.empty()) return error;
    }
    return std::nullopt;
}

std::atomic<Session*> g_session{nullptr};

void on_stop_signal(int) {
    if (Session* s = g_session.load()) s->stop();
}

void install_stop_signals(bool install) {
    struct sigaction sa {};
    sa.sa_handler = install ? on_stop_signal : SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocked read() must return EINTR
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
    signal(SIGPIPE, install ? SIG_IGN : SIG_DFL);
}

// Forks; the parent waits until the child reports that it serves, then
// exits with the child's verdict. Returns in the child with the report fd.
int daemonize() {
    int pipefd[2];
    if (pipe(pipefd) < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid > 0) {
        close(pipefd[1]);
        char ok = 1;
        ssize_t n = read(pipefd[0], &ok, 1);
        _exit(n == 1 && ok == 0 ? 0 : 1);
    }
    close(pipefd[0]);
    setsid();
    if (chdir("/") < 0) { /* keep going: cwd does not matter to the session */ }
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) close(null);
    }
    return pipefd[1];
}

}  // namespace

std::optional<std::string> parse_command_line(int argc, char** argv, CommandLine& cl) {
    bool options_done = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (options_done || arg.empty() || arg[0] != '-' || arg == "-") {
            cl.positional.push_back(arg);
            continue;
        }
        if (arg == "--") options_done = true;
        else if (arg == "-h" || arg == "--help") cl.help = true;
        else if (arg == "-V" || arg == "--version") cl.version = true;
        else if (arg == "-f") cl.foreground = true;
        else if (arg == "-d") cl.foreground = cl.session.debug = true;
        else if (arg == "-s") cl.session.single_thread = true;
        else if (arg == "-o" || arg.rfind("-o", 0) == 0) {
            std::string list;
            if (arg == "-o") {
                if (i + 1 >= argc) return "option -o needs an argument";
                list = argv[++i];
            } else {
                list = arg.substr(2);
            }
            if (auto err = parse_option_list(list, cl)) return err;
        } else {
            return "unknown option '" + arg + "'";
        }
    }
    return std::nullopt;
}

void print_common_options(FILE* out) {
    fprintf(out,
            "General options:\n"
            "    -h, --help             print help and exit\n"
            "    -V, --version          print version and exit\n"
            "    -f                     stay in the foreground\n"
            "    -d, -o debug           log every request and reply (implies -f)\n"
            "    -s                     serve from a single thread\n"
            "    -o opt[,opt...]        mount and session options:\n"
            "       allow_other, default_permissions, ro, fsname=NAME, subtype=NAME,\n"
            "       max_read=N, nosuid/suid, nodev/dev, noexec/exec, noatime, ...\n"
            "       max_threads=N (default 8), max_write=BYTES (default 1 MiB),\n"
            "       clone_fd/noclone_fd, transport=auto|readv|splice|uring,\n"
            "       uring_rings=N (rings per CPU, default 3), uring_depth=N (requests per ring, default 2)\n");
}

int serve(Filesystem& fs, const CommandLine& cl, const std::string& mountpoint, const char* prog) {
    set_log_program(prog);
    Session session(fs, cl.session);
    std::string error;
    if (session.mount(mountpoint, cl.mount, &error) < 0) {
        fprintf(stderr, "%s: %s\n", prog, error.c_str());
        return 1;
    }
    int report_fd = -1;
    if (!cl.foreground) {
        report_fd = daemonize();
        if (report_fd < 0) {
            fprintf(stderr, "%s: cannot daemonize: %s\n", prog, strerror(errno));
            return 1;
        }
    }
    g_session.store(&session);
    install_stop_signals(true);
    if (report_fd >= 0) {
        char ok = 0;
        ssize_t ignored = write(report_fd, &ok, 1);
        (void)ignored;
        close(report_fd);
    }
    int rc = session.run();
    install_stop_signals(false);
    g_session.store(nullptr);
    session.unmount();
    if (rc < 0) {
        log(LogLevel::Error, "session ended with %s", strerror(-rc));
        return 1;
    }
    return 0;
}

int simple_main(int argc, char** argv, Filesystem& fs, const char* prog, const char* description) {
    CommandLine cl;
    if (auto err = parse_command_line(argc, argv, cl)) {
        fprintf(stderr, "%s: %s (see --help)\n", prog, err->c_str());
        return 1;
    }
    if (cl.help) {
        printf("usage: %s [options] MOUNTPOINT\n%s\n\n", prog, description);
        print_common_options(stdout);
        return 0;
    }
    if (cl.version) {
        printf("%s (fusex %s, FUSE protocol %u.%u)\n", prog, kVersion, kProtocolMajor, kProtocolMinor);
        return 0;
    }
    if (!cl.fs_options.empty()) {
        fprintf(stderr, "%s: unknown option '%s' (see --help)\n", prog, cl.fs_options.front().first.c_str());
        return 1;
    }
    if (cl.positional.size() != 1) {
        fprintf(stderr, "%s: expected exactly one MOUNTPOINT (see --help)\n", prog);
        return 1;
    }
    if (cl.mount.subtype.empty()) cl.mount.subtype = prog;
    return serve(fs, cl, cl.positional[0], prog);
}

}  // namespace fusex
