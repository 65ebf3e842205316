// fusex-dmover-bench: throughput of the dmover device against the same work
// done in the calling process, for copy, xor4 and crc32c at 4 KiB, 64 KiB
// and 1 MiB per request. Median of several runs; prints one table.
//
//   fusex-dmover-bench [--device PATH] [--daemon PATH] [--bytes SIZE] [--runs N]
//
// Without --device it mounts its own fusex-dmover (found next to this binary
// unless --daemon says where) on a temporary directory, and unmounts it.
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "crc32c.hpp"
#include "dmover_client.hpp"
#include "xor_kernels.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string device;
    std::string daemon;
    size_t bytes = size_t(256) << 20;  // moved per run
    int runs = 3;
};

// A mount of our own, removed on every exit path that runs destructors.
class OwnMount {
  public:
    explicit OwnMount(const std::string& daemon) {
        char tmpl[] = "/tmp/dmover-bench-XXXXXX";
        if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            execl(daemon.c_str(), "fusex-dmover", "-f", dir_.c_str(), nullptr);
            _exit(127);
        }
        for (int i = 0; i < 500; ++i) {
            if (mounted()) return;
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) break;
            usleep(10000);
        }
        cleanup();
        throw std::runtime_error("could not mount " + daemon + " (root and /dev/fuse needed)");
    }
    ~OwnMount() { cleanup(); }
    std::string device() const { return dir_ + "/dmover"; }

  private:
    bool mounted() const {
        std::ifstream in("/proc/self/mounts");
        std::string line;
        while (std::getline(in, line))
            if (line.find(" " + dir_ + " fuse.dmover ") != std::string::npos) return true;
        return false;
    }
    void cleanup() {
        if (dir_.empty()) return;
        umount2(dir_.c_str(), MNT_DETACH);
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
        rmdir(dir_.c_str());
        dir_.clear();
    }
    std::string dir_;
    pid_t pid_ = -1;
};

// Buffers larger than the caches, reused round-robin by the requests.
struct Buffers {
    static constexpr size_t kSize = size_t(32) << 20;
    std::vector<std::vector<unsigned char>> in;
    std::vector<unsigned char> out;
    explicit Buffers(unsigned inputs) : in(inputs), out(kSize, 1) {
        for (unsigned i = 0; i < inputs; ++i) in[i].assign(kSize, static_cast<unsigned char>(i * 37 + 1));
    }
};

struct Workload {
    const char* function;
    unsigned inputs;
};

double dmover_seconds(const std::string& device, const Workload& w, Buffers& b, size_t request, size_t count) {
    std::vector<iovec> storage;
    storage.reserve(count * (1 + w.inputs));
    std::vector<dmover_request> reqs;
    reqs.reserve(count);
    const bool has_out = std::strcmp(w.function, "crc32c") != 0;
    for (size_t k = 0; k < count; ++k) {
        size_t off = (k * request) % Buffers::kSize;
        std::vector<const void*> ins;
        for (auto& v : b.in) ins.push_back(v.data() + off);
        reqs.push_back(dmover::make_request(k, 0, storage, has_out ? b.out.data() + off : nullptr, ins, request));
    }
    dmover::Device dev(device, w.function);
    auto start = Clock::now();
    dev.run(reqs, [](const dmover_completion& c) {
        if (c.error != 0) throw std::runtime_error(std::string("request failed: ") + std::strerror(c.error));
    });
    return std::chrono::duration<double>(Clock::now() - start).count();
}

volatile uint32_t g_sink;  // keeps the in-process CRC from being optimised away

double local_seconds(const Workload& w, Buffers& b, size_t request, size_t count) {
    auto start = Clock::now();
    uint32_t crc = 0;
    for (size_t k = 0; k < count; ++k) {
        size_t off = (k * request) % Buffers::kSize;
        if (std::strcmp(w.function, "copy") == 0) {
            std::memcpy(b.out.data() + off, b.in[0].data() + off, request);
        } else if (std::strcmp(w.function, "crc32c") == 0) {
            crc ^= dmover::crc32c_update(0, b.in[0].data() + off, request);
        } else {
            const void* srcs[DMOVER_MAX_INPUTS];
            for (unsigned i = 0; i < w.inputs; ++i) srcs[i] = b.in[i].data() + off;
            dmover::xor_buffers(b.out.data() + off, srcs, w.inputs, request);
        }
    }
    g_sink = crc;
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--device") o.device = value();
        else if (a == "--daemon") o.daemon = value();
        else if (a == "--bytes") o.bytes = std::stoull(value()) << 20;
        else if (a == "--runs") o.runs = std::max(1, std::stoi(value()));
        else if (a == "-h" || a == "--help") {
            std::printf("usage: fusex-dmover-bench [--device PATH] [--daemon PATH] [--bytes MIB] [--runs N]\n");
            return 0;
        } else {
            throw std::runtime_error("unknown argument " + a);
        }
    }
    return 1;
}

std::string beside_this_binary(const char* name) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return name;
    std::string dir(self, size_t(n));
    return dir.substr(0, dir.rfind('/') + 1) + name;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        Options o;
        if (parse(argc, argv, o) == 0) return 0;
        std::unique_ptr<OwnMount> own;
        if (o.device.empty()) {
            own = std::make_unique<OwnMount>(o.daemon.empty() ? beside_this_binary("fusex-dmover") : o.daemon);
            o.device = own->device();
        }
        const Workload workloads[] = {{"copy", 1}, {"xor4", 4}, {"crc32c", 1}};
        const size_t sizes[] = {4u << 10, 64u << 10, 1u << 20};
        double load = 0;
        if (FILE* f = std::fopen("/proc/loadavg", "r")) {
            if (std::fscanf(f, "%lf", &load) != 1) load = 0;
            std::fclose(f);
        }
        std::printf("dmover throughput, %zu MiB per run, median of %d runs, crc32c: %s, load average %.1f\n",
                    o.bytes >> 20, o.runs, dmover::crc32c_impl_name(dmover::best_crc32c_impl()), load);
        std::printf("| function | request | dmover GiB/s | in-process GiB/s | ratio |\n");
        std::printf("|----------|---------|-------------:|-----------------:|------:|\n");
        for (const Workload& w : workloads) {
            Buffers b(w.inputs);
            for (size_t request : sizes) {
                const size_t count = o.bytes / request;
                std::vector<double> dev_t, local_t;
                for (int r = 0; r < o.runs; ++r) {
                    dev_t.push_back(dmover_seconds(o.device, w, b, request, count));
                    local_t.push_back(local_seconds(w, b, request, count));
                }
                const double gib = double(count * request) / double(1u << 30);
                const double dev_rate = gib / median(dev_t), local_rate = gib / median(local_t);
                std::printf("| %-8s | %4zu KiB | %12.2f | %16.2f | %5.2f |\n", w.function, request >> 10, dev_rate,
                            local_rate, dev_rate / local_rate);
                std::fflush(stdout);
            }
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fusex-dmover-bench: %s\n", e.what());
        return 1;
    }
}
