// fusex-dmover-cli: runs a function of a fusex-dmover device over whole files,
// split into many requests kept in flight together.
#include <sys/mman.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "cli_args.hpp"
#include "dmover_client.hpp"
#include "mapped_file.hpp"

namespace dmover_cli {
namespace {

struct Piece {
    uint64_t offset;
    size_t length;
};

std::vector<Piece> split(uint64_t size, uint64_t request_size) {
    std::vector<Piece> pieces;
    for (uint64_t off = 0; off < size; off += request_size)
        pieces.push_back({off, size_t(std::min(request_size, size - off))});
    return pieces;
}

[[noreturn]] void request_failed(const CliCommand& cmd, const Piece& p, int err) {
    throw std::runtime_error(cmd.function + ": request for bytes " + std::to_string(p.offset) + ".." +
                             std::to_string(p.offset + p.length) + " failed: " + std::strerror(err));
}

// Runs one request per piece; returns each completion's result by piece.
std::vector<uint64_t> run_pieces(const CliCommand& cmd, const std::vector<Piece>& pieces, unsigned char* out,
                                 const std::vector<const unsigned char*>& inputs, uint64_t immediate) {
    dmover::Device device(cmd.device, cmd.function);
    std::vector<iovec> iov_storage;
    iov_storage.reserve(pieces.size() * (1 + inputs.size()));  // stable addresses
    std::vector<dmover_request> requests;
    requests.reserve(pieces.size());
    for (size_t i = 0; i < pieces.size(); ++i) {
        const Piece& p = pieces[i];
        std::vector<const void*> in;
        for (const unsigned char* base : inputs) in.push_back(base + p.offset);
        requests.push_back(dmover::make_request(i, immediate, iov_storage, out ? out + p.offset : nullptr, in, p.length));
    }
    std::vector<uint64_t> results(pieces.size());
    device.run(requests, [&](const dmover_completion& c) {
        if (c.id >= pieces.size()) throw std::runtime_error("completion for unknown request " + std::to_string(c.id));
        if (c.error != 0) request_failed(cmd, pieces[c.id], c.error);
        results[c.id] = c.result;
    }, cmd.depth);
    return results;
}

int run_crc32c(const CliCommand& cmd) {
    MappedFile src = MappedFile::open_read(cmd.sources[0]);
    const auto pieces = split(src.size(), cmd.request_size);
    const auto crcs = run_pieces(cmd, pieces, nullptr, {src.data()}, 0);
    // Pieces run in parallel from seed 0, so combine them in file order.
    uint32_t crc = 0;
    for (size_t i = 0; i < pieces.size(); ++i)
        crc = i == 0 ? uint32_t(crcs[0]) : dmover::crc32c_combine(crc, uint32_t(crcs[i]), pieces[i].length);
    std::printf("%08" PRIx32 "\n", crc);
    return 0;
}

int run_to_destination(const CliCommand& cmd) {
    std::vector<MappedFile> sources;
    for (const std::string& path : cmd.sources) sources.push_back(MappedFile::open_read(path));
    uint64_t size = cmd.size;
    if (!sources.empty()) {
        size = sources[0].size();
        for (const MappedFile& s : sources) {
            if (s.size() != size)
                throw std::runtime_error("sources differ in size: " + sources[0].path() + " has " +
                                         std::to_string(size) + " bytes, " + s.path() + " has " +
                                         std::to_string(s.size()));
            if (s.same_file(cmd.destination))
                throw std::runtime_error("destination " + cmd.destination + " is also a source");
        }
    }
    MappedFile dst = MappedFile::create(cmd.destination, size);
    std::vector<const unsigned char*> inputs;
    for (const MappedFile& s : sources) inputs.push_back(s.data());
    run_pieces(cmd, split(size, cmd.request_size), dst.data(), inputs, cmd.function == "fill8" ? cmd.fill : 0);
    if (size > 0 && ::msync(dst.data(), size, MS_SYNC) < 0)
        throw std::system_error(errno, std::generic_category(), "msync " + cmd.destination);
    return 0;
}

}  // namespace
}  // namespace dmover_cli

int main(int argc, char** argv) {
    using namespace dmover_cli;
    CliCommand cmd;
    if (auto err = parse_cli(argc, argv, cmd)) {
        std::fprintf(stderr, "fusex-dmover-cli: %s\n", err->c_str());
        print_usage(stderr);
        return 2;
    }
    if (cmd.help) {
        print_usage(stdout);
        return 0;
    }
    try {
        return cmd.function == "crc32c" ? run_crc32c(cmd) : run_to_destination(cmd);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fusex-dmover-cli: %s\n", e.what());
        return 1;
    }
}
