// Session state bookkeeping and its text form. The text is line based:
//   init MAJOR MINOR FLAGS MAX_WRITE MAX_READAHEAD MAX_PAGES TIME_GRAN
//   node NODEID LOOKUPS
//   file FH NODEID        /  dir FH NODEID
#include "fusex/session_state.hpp"

#include <sstream>

namespace fusex {

SessionState::SessionState(const SessionState& other) {
    std::lock_guard lock(other.mu_);
    init_ = other.init_;
    lookups_ = other.lookups_;
    files_ = other.files_;
    dirs_ = other.dirs_;
}

void SessionState::set_init(const NegotiatedInit& init) {
    std::lock_guard lock(mu_);
    init_ = init;
}

std::optional<NegotiatedInit> SessionState::init() const {
    std::lock_guard lock(mu_);
    return init_;
}

void SessionState::add_lookup(uint64_t node, uint64_t count) {
    std::lock_guard lock(mu_);
    lookups_[node] += count;
}

uint64_t SessionState::forget(uint64_t node, uint64_t count) {
    std::lock_guard lock(mu_);
    auto it = lookups_.find(node);
    if (it == lookups_.end()) return 0;
    if (it->second <= count) {
        lookups_.erase(it);
        return 0;
    }
    it->second -= count;
    return it->second;
}

uint64_t SessionState::lookups(uint64_t node) const {
    std::lock_guard lock(mu_);
    auto it = lookups_.find(node);
    return it == lookups_.end() ? 0 : it->second;
}

size_t SessionState::node_count() const {
    std::lock_guard lock(mu_);
    return lookups_.size();
}

void SessionState::add_handle(uint64_t fh, const OpenHandle& h) {
    std::lock_guard lock(mu_);
    (h.directory ? dirs_ : files_)[fh] = h;
}

void SessionState::remove_handle(uint64_t fh, bool directory) {
    std::lock_guard lock(mu_);
    (directory ? dirs_ : files_).erase(fh);
}

size_t SessionState::handle_count() const {
    std::lock_guard lock(mu_);
    return files_.size() + dirs_.size();
}

std::string SessionState::serialize() const {
    std::lock_guard lock(mu_);
    std::ostringstream out;
    if (init_)
        out << "init " << init_->major << ' ' << init_->minor << ' ' << init_->flags << ' ' << init_->max_write << ' '
            << init_->max_readahead << ' ' << init_->max_pages << ' ' << init_->time_gran << '\n';
    for (auto& [node, count] : lookups_) out << "node " << node << ' ' << count << '\n';
    for (auto& [fh, h] : files_) out << "file " << fh << ' ' << h.node << '\n';
    for (auto& [fh, h] : dirs_) out << "dir " << fh << ' ' << h.node << '\n';
    return out.str();
}

std::optional<SessionState> SessionState::parse(const std::string& text) {
    SessionState st;
    std::istringstream in(text);
    std::string kind;
    while (in >> kind) {
        if (kind == "init") {
            NegotiatedInit i;
            if (!(in >> i.major >> i.minor >> i.flags >> i.max_write >> i.max_readahead >> i.max_pages >> i.time_gran))
                return std::nullopt;
            st.init_ = i;
        } else if (kind == "node") {
            uint64_t node, count;
            if (!(in >> node >> count)) return std::nullopt;
            st.lookups_[node] = count;
        } else if (kind == "file" || kind == "dir") {
            uint64_t fh;
            OpenHandle h;
            if (!(in >> fh >> h.node)) return std::nullopt;
            h.directory = kind == "dir";
            (h.directory ? st.dirs_ : st.files_)[fh] = h;
        } else {
            return std::nullopt;
        }
    }
    return st;
}

}  // namespace fusex
