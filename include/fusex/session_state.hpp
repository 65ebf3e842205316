// Everything a session must carry across a hand-over to a new process or a
// restart after a crash, kept in one place: the negotiated INIT parameters,
// the nodes the kernel holds references to (with their lookup counts) and the
// open file handles. The session updates it as replies go out; serialize()
// writes it as text that parse() reads back.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace fusex {

struct NegotiatedInit {
    uint32_t major = 0;
    uint32_t minor = 0;
    uint64_t flags = 0;  // cap:: bits in force
    uint32_t max_write = 0;
    uint32_t max_readahead = 0;
    uint16_t max_pages = 0;
    uint32_t time_gran = 0;
};

struct OpenHandle {
    uint64_t node = 0;
    bool directory = false;
};

class SessionState {
  public:
    void set_init(const NegotiatedInit& init);
    std::optional<NegotiatedInit> init() const;

    // The kernel took `count` more references to node (an entry went out).
    void add_lookup(uint64_t node, uint64_t count = 1);
    // FORGET: the kernel dropped `count`. Returns the references left.
    uint64_t forget(uint64_t node, uint64_t count);
    uint64_t lookups(uint64_t node) const;
    size_t node_count() const;

    void add_handle(uint64_t fh, const OpenHandle& h);
    void remove_handle(uint64_t fh, bool directory);
    size_t handle_count() const;

    std::string serialize() const;
    static std::optional<SessionState> parse(const std::string& text);

    SessionState() = default;
    SessionState(const SessionState& other);
    SessionState& operator=(const SessionState&) = delete;

  private:
    mutable std::mutex mu_;
    std::optional<NegotiatedInit> init_;
    std::unordered_map<uint64_t, uint64_t> lookups_;
    std::unordered_map<uint64_t, OpenHandle> files_;
    std::unordered_map<uint64_t, OpenHandle> dirs_;
};

}  // namespace fusex
