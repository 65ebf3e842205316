// Whether FUSE over io_uring can be used, and building its queues: one per
// possible CPU, because the kernel picks the queue by the CPU of the calling
// task and routes nothing to the ring until every queue has an entry.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "protocol/abi.hpp"
#include "transport/ring.hpp"
#include "transport/transport.hpp"
#include "transport/uring_queue.hpp"

namespace fusex::transport {

namespace {

// Highest CPU number in a list like "0-3,8-11", plus one.
unsigned possible_cpus() {
    std::ifstream in("/sys/devices/system/cpu/possible");
    std::string list;
    unsigned count = 0;
    if (in >> list) {
        std::stringstream ss(list);
        std::string range;
        while (std::getline(ss, range, ',')) {
            size_t dash = range.find('-');
            unsigned last = static_cast<unsigned>(std::stoul(dash == std::string::npos ? range : range.substr(dash + 1)));
            count = std::max(count, last + 1);
        }
    }
    if (count == 0) count = static_cast<unsigned>(std::max(1L, ::sysconf(_SC_NPROCESSORS_CONF)));
    return count;
}

}  // namespace

std::string uring_unavailable() {
    std::ifstream param("/sys/module/fuse/parameters/enable_uring");
    std::string value;
    if (!param || !(param >> value)) return "the fuse module has no enable_uring parameter (kernel < 6.14?)";
    if (value != "Y" && value != "1") return "/sys/module/fuse/parameters/enable_uring is " + value;
    Ring probe;
    std::string why;
    if (!probe.open(4, &why)) return why;
    return {};
}

size_t uring_payload_size(uint32_t max_write, uint32_t max_pages) {
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    size_t size = std::max<size_t>({abi::FUSE_MIN_READ_BUFFER, max_write, size_t{max_pages} * page});
    return (size + page - 1) / page * page;
}

std::vector<std::unique_ptr<Transport>> make_uring_queues(const UringConfig& config, std::string* why) {
    std::vector<std::unique_ptr<Transport>> queues;
    const unsigned n = possible_cpus();
    for (unsigned ring = 0; ring < std::max(config.rings_per_queue, 1u); ++ring) {
        for (unsigned qid = 0; qid < n; ++qid) {
            auto q = make_uring_queue(config.device_fd, qid, config.queue_depth, config.payload_size, why);
            if (!q) {
                if (why) *why = "queue " + std::to_string(qid) + ": " + *why;
                return {};
            }
            queues.push_back(std::move(q));
        }
    }
    return queues;
}

}  // namespace fusex::transport
