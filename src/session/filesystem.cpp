// Defaults of the Filesystem interface that need more than one line.
#include "fusex/filesystem.hpp"

namespace fusex {

void Filesystem::batch_forget(const BatchForgetRequest& req) {
    for (uint32_t i = 0; i < req.count; ++i) {
        ForgetRequest one;
        one.ctx = req.ctx;
        one.forget = req.at(i);
        forget(one);
    }
}

void Filesystem::statfs(const StatfsRequest&, ReplyStatfs reply) {
    StatFs empty;
    empty.bsize = 512;
    empty.frsize = 512;
    std::move(reply).statfs(empty);
}

}  // namespace fusex
