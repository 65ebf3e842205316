// The benchmark's metadata workloads, timed from user space:
//   metadata_workload create-stat-unlink DIR COUNT
//       creates COUNT empty files in a fresh subdirectory of DIR, stats each,
//       unlinks each, in batches of 1,000 (three phases per batch); prints
//       files per second. Batches bound how many inodes the kernel holds at
//       once: passthrough daemons keep a descriptor for each, and where
//       RLIMIT_NOFILE cannot be raised past 20,000 (no CAP_SYS_RESOURCE)
//       20,000 at once would exhaust it.
//   metadata_workload stat-latency FILE COUNT
//       stat()s FILE COUNT times (after a warm-up); prints microseconds per call.
// Any failing syscall ends the program with exit code 1 and one line on stderr.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const char* what, const std::string& path) {
    std::fprintf(stderr, "metadata_workload: %s %s: %s\n", what, path.c_str(), std::strerror(errno));
    std::exit(1);
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

int create_stat_unlink(const std::string& dir, long count) {
    std::string sub = dir + "/md." + std::to_string(getpid());
    if (mkdir(sub.c_str(), 0755) != 0) die("mkdir", sub);
    auto name = [&](long i) { return sub + "/f" + std::to_string(i); };
    constexpr long kBatch = 1000;
    struct stat st {};
    auto start = Clock::now();
    for (long first = 0; first < count; first += kBatch) {
        long end = std::min(count, first + kBatch);
        for (long i = first; i < end; ++i) {
            std::string p = name(i);
            int fd = open(p.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
            if (fd < 0) die("create", p);
            if (close(fd) != 0) die("close", p);
        }
        for (long i = first; i < end; ++i) {
            std::string p = name(i);
            if (stat(p.c_str(), &st) != 0) die("stat", p);
        }
        for (long i = first; i < end; ++i) {
            std::string p = name(i);
            if (unlink(p.c_str()) != 0) die("unlink", p);
        }
    }
    double elapsed = seconds_since(start);
    if (rmdir(sub.c_str()) != 0) die("rmdir", sub);
    std::printf("%.1f\n", static_cast<double>(count) / elapsed);
    return 0;
}

int stat_latency(const std::string& file, long count) {
    struct stat st {};
    for (long i = 0; i < 1000; ++i)
        if (stat(file.c_str(), &st) != 0) die("stat", file);
    auto start = Clock::now();
    for (long i = 0; i < count; ++i)
        if (stat(file.c_str(), &st) != 0) die("stat", file);
    std::printf("%.3f\n", seconds_since(start) * 1e6 / static_cast<double>(count));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s create-stat-unlink DIR COUNT | stat-latency FILE COUNT\n", argv[0]);
        return 2;
    }
    std::string mode = argv[1];
    long count = std::strtol(argv[3], nullptr, 10);
    if (count <= 0) {
        std::fprintf(stderr, "metadata_workload: COUNT must be positive\n");
        return 2;
    }
    if (mode == "create-stat-unlink") return create_stat_unlink(argv[2], count);
    if (mode == "stat-latency") return stat_latency(argv[2], count);
    std::fprintf(stderr, "metadata_workload: unknown workload %s\n", mode.c_str());
    return 2;
}
