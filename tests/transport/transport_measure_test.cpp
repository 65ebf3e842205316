// Not a check but a quick comparison, disabled by default:
//   fusex_transport_tests --gtest_also_run_disabled_tests --gtest_filter='*Measure*'
// 1 MiB writes (spliced into the backing file under splice: DataFs takes
// SplicedWrites) and 1 MiB direct reads (data_from_fd), per transport:
// throughput and the CPU time of this process (client and server together).
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "transport_fixture.hpp"

namespace fusex::test {
namespace {

double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Figures {
    double mib_per_s = 0;
    double cpu_ms_per_gib = 0;
};

template <class Fn>
Figures measure(size_t total, Fn&& fn) {
    double c0 = cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    fn();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double gib = static_cast<double>(total) / (1u << 30);
    return {static_cast<double>(total) / (1u << 20) / secs, (cpu_seconds() - c0) * 1000 / gib};
}

class TransportMeasure : public ::testing::TestWithParam<TransportKind> {};

TEST_P(TransportMeasure, DISABLED_MegabyteWritesAndDirectReads) {
    TransportFixture fx;
    if (auto why = fx.set_up(GetParam()); !why.empty()) GTEST_SKIP() << why;
    ASSERT_TRUE(fx.mount().ok());
    constexpr size_t kChunk = 1u << 20, kRegion = 64u << 20, kTotal = 1u << 30;
    std::vector<std::byte> chunk(kChunk, std::byte{0x42});
    for (const char* name : {"w", "w_direct"}) {
        int fd = ::open(fx.path(name).c_str(), O_WRONLY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        auto f = measure(kTotal, [&] {
            for (size_t done = 0; done < kTotal; done += kChunk)
                ASSERT_EQ(::pwrite(fd, chunk.data(), kChunk, static_cast<off_t>(done % kRegion)), (ssize_t)kChunk);
        });
        ::close(fd);
        std::printf("MEASURE transport=%s write %-8s 1MiB: %6.0f MiB/s, %5.0f ms CPU/GiB\n",
                    transport_name(GetParam()), name, f.mib_per_s, f.cpu_ms_per_gib);
    }
    int fd = ::open(fx.path("big_direct").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    auto f = measure(kTotal, [&] {
        for (size_t done = 0; done < kTotal; done += kChunk)
            ASSERT_GT(::pread(fd, chunk.data(), kChunk, static_cast<off_t>(done % (4u << 20))), 0);
    });
    ::close(fd);
    std::printf("MEASURE transport=%s read  big_direct 1MiB: %6.0f MiB/s, %5.0f ms CPU/GiB (spliced writes %u)\n",
                transport_name(GetParam()), f.mib_per_s, f.cpu_ms_per_gib, fx.fs().spliced_writes.load());
    fx.tear_down();
}

INSTANTIATE_TEST_SUITE_P(AllTransports, TransportMeasure,
                         ::testing::Values(TransportKind::Readv, TransportKind::Splice, TransportKind::Uring),
                         [](const auto& info) { return std::string(transport_name(info.param)); });

}  // namespace
}  // namespace fusex::test
